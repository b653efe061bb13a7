"""One reading of each Solr search request, shared by validation and the engine.

A search reaches amp_search twice: ``before_dataset_search``
(:mod:`ckanext.amp.search.validation`) sees the ``package_search``
parameters and refuses a malformed query with a readable message, then
CKAN's ``PackageSearchQuery.run`` turns them into Solr parameters and hands
them to the engine (:mod:`ckanext.amp.search.engine`). Both read the query
here:

* :func:`choose_parser` is the only place the parser of ``q`` is chosen
  (``*:*``, local parameters, lucene, dismax, edismax), from ``defType``;
* :func:`read_query` and :func:`read_filter` parse a text once under the
  options the engine uses (parser, ``q.op``, ``mm``) and return a
  :class:`Reading`: the syntax tree (:mod:`query_ast`) or the syntax error;
* :func:`carry` attaches a reading to its text (:class:`ReadText`, a
  ``str``): validation hands CKAN the texts it has read, CKAN passes ``q``
  and the ``fq_list`` entries on unchanged, and the engine compiles the tree
  validation checked instead of parsing the text again. A text CKAN or a
  later plugin rebuilds (CKAN prefixes ``fq`` with ``+capacity:public``, an
  empty ``q`` becomes ``*:*``) is a plain ``str`` again, and a text read
  under other options (ckanext-spatial switches to edismax after us) does
  not match its reading's key: both are read afresh, never misread;
* :class:`SearchRequest` is the whole Solr request the engine answers
  (parameters normalised: last value of a repeated one, integers bounded).

Pure Python: no CKAN, no database.
"""
from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Optional, Sequence

from . import lucene
from . import query_ast as ast
from .compiler import CATCH_ALL, MAX_RESULT_WINDOW

DEFAULT_FACET_LIMIT = 50


class SearchEngineError(Exception):
    """A request the engine refuses (bad parameter, bad query, bad document)."""


class Parser(enum.Enum):
    """How the text of ``q`` is read."""

    MATCH_ALL = "*:*"
    LOCAL = "local parameters"
    LUCENE = "lucene"
    DISMAX = "dismax"
    EDISMAX = "edismax"


#: The ``defType`` values the engine understands.
_DEF_TYPES = {parser.value: parser for parser in (Parser.LUCENE, Parser.DISMAX, Parser.EDISMAX)}


def def_type(params: Mapping[str, Any]) -> str:
    """The ``defType`` of Solr parameters, lower case (Solr's default: lucene)."""
    return str(_one(params, "defType") or "lucene").lower()


def choose_parser(text: str, parser_name: str) -> Parser:
    """The parser of a (stripped) ``q`` text under ``defType`` ``parser_name``.

    An empty text or ``*:*`` matches everything whatever the parser; a text
    opening with local parameters (``{!field ...}``, ``{!bbox ...}``...)
    names its own parser (:func:`lucene.parse_filter` reads them); otherwise
    ``defType`` decides.

    :raises QuerySyntaxError: for a ``defType`` the engine does not know.
    """
    if not text or text == "*:*":
        return Parser.MATCH_ALL
    if text.startswith("{!"):
        return Parser.LOCAL
    if parser_name not in _DEF_TYPES:
        raise ast.QuerySyntaxError("Unsupported query parser '{parser}'", parser=parser_name)
    return _DEF_TYPES[parser_name]


def default_operator(params: Mapping[str, Any]) -> ast.Occur:
    """``q.op`` as the occur of unmarked clauses (Solr's default: OR)."""
    return ast.Occur.MUST if str(_one(params, "q.op") or "OR").upper() == "AND" else ast.Occur.SHOULD


#: The ``mm`` CKAN's ``PackageSearchQuery.run`` (ckan/lib/search/query.py)
#: gives a ``q`` it hands to dismax when the search has none.
CKAN_MM = "2<-1 5<80%"


def as_ckan_sends(params: Mapping[str, Any]) -> dict[str, Any]:
    """The ``q`` options of ``package_search`` parameters as CKAN will send them.

    What validation reads ``q`` under, before CKAN has built the Solr
    parameters. ``PackageSearchQuery.run`` (CKAN 2.11) sends an empty ``q`` as ``*:*``, a ``q``
    without a colon (or any ``q`` with ``defType=edismax``) with ``defType``
    (dismax by default) and ``mm``, and every search with ``q.op`` AND: the
    engine reads ``q`` under those options, so validation reads it under
    them too (:func:`read_query`).
    """
    sent = {name: params[name] for name in ("q", "defType", "q.op", "mm") if name in params}
    query = sent.get("q")
    if not query or query in ('""', "''"):
        sent["q"] = query = "*:*"
    parser = sent.get("defType", "dismax")
    if ":" not in str(query) or parser == "edismax":
        sent["defType"] = parser
        sent["mm"] = sent.get("mm", CKAN_MM)
    sent.setdefault("q.op", "AND")
    return sent


@dataclass(frozen=True)
class Reading:
    """One text read once: its syntax tree, or why it does not parse.

    ``key`` is what the tree depends on besides the text (the parser, the
    default operator, ``mm``): a reading is reused only under the same key.
    ``parser`` is None for a filter (``fq``), and for a ``q`` whose
    ``defType`` is unknown.
    """

    key: tuple[Any, ...]
    parser: Optional[Parser]
    tree: Optional[ast.Query] = None
    error: Optional[ast.QuerySyntaxError] = None

    def query(self) -> ast.Query:
        """The tree; the syntax error if the text does not parse."""
        if self.error is not None:
            raise self.error
        assert self.tree is not None
        return self.tree


class ReadText(str):
    """A parameter's text carrying its :class:`Reading` (see :func:`carry`).

    It is the text itself for everything else (CKAN's checks, logging, JSON).
    """

    __slots__ = ("reading",)
    reading: Reading


def carry(text: str, reading: Reading) -> ReadText:
    """``text`` with ``reading`` attached, for the engine to reuse."""
    carried = ReadText(text)
    carried.reading = reading
    return carried


def _read(text: Any, key: tuple[Any, ...], parser: Optional[Parser],
          parse: Callable[[], ast.Query]) -> Reading:
    if isinstance(text, ReadText) and text.reading.key == key:
        return text.reading
    try:
        return Reading(key, parser, tree=parse())
    except ast.QuerySyntaxError as error:
        return Reading(key, parser, error=error)


def read_query(params: Mapping[str, Any]) -> Reading:
    """The reading of ``q`` under the ``defType``, ``q.op`` and ``mm`` of ``params``.

    ``params`` are Solr parameters, as the engine receives them (validation
    passes what CKAN will send: :func:`as_ckan_sends`).
    """
    raw = _one(params, "q")
    text = str(raw or "").strip()
    operator = default_operator(params)
    name = def_type(params)
    try:
        parser = choose_parser(text, name)
    except ast.QuerySyntaxError as error:
        return Reading(("q", name), None, error=error)
    mm = _one(params, "mm") if parser in (Parser.DISMAX, Parser.EDISMAX) else None
    key = ("q", parser, operator, mm)
    if parser is Parser.MATCH_ALL:
        return Reading(key, parser, tree=ast.MatchAll())
    if parser is Parser.LOCAL:
        parse: Callable[[], ast.Query] = lambda: lucene.parse_filter(text, operator)
    elif parser is Parser.DISMAX:
        parse = lambda: lucene.apply_minimum_should_match(lucene.parse_dismax(text), mm)
    elif parser is Parser.EDISMAX:
        parse = lambda: lucene.parse_edismax(text, mm, operator)
    else:
        parse = lambda: lucene.parse_lucene(text, operator)
    return _read(raw, key, parser, parse)


def read_filter(text: str, operator: ast.Occur) -> Reading:
    """The reading of one ``fq`` entry (local parameters allowed)."""
    return _read(text, ("fq", operator), None, lambda: lucene.parse_filter(text, operator))


@dataclass(frozen=True)
class SearchRequest:
    """The Solr parameters the engine understands, read and checked."""

    query: ast.Query
    default_fields: tuple[tuple[str, float], ...]
    filters: tuple[ast.Query, ...]
    boost_functions: tuple[ast.Function, ...]
    sort: str
    rows: int
    start: int
    field_list: tuple[str, ...]
    facet_fields: tuple[str, ...]
    facet_limit: int
    facet_mincount: int
    facet_sort_by_count: bool

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> "SearchRequest":
        """Read Solr parameters (a carried reading is reused, see :func:`carry`).

        :raises QuerySyntaxError: for a ``q``, ``fq`` or ``bf`` that does not parse.
        :raises SearchEngineError: for any other bad parameter.
        """
        query = read_query(params).query()
        if def_type(params) in (Parser.DISMAX.value, Parser.EDISMAX.value):
            default_fields = _query_fields(_one(params, "qf")) or ((CATCH_ALL, 1.0),)
        else:
            default_fields = ((str(_one(params, "df") or CATCH_ALL), 1.0),)
        operator = default_operator(params)
        filters = tuple(read_filter(text, operator).query()
                        for text in _many(params, "fq") if text and text.strip())
        boosts = tuple(lucene.parse_function(text) for text in _many(params, "bf")
                       if text and text.strip())
        facet_on = str(_one(params, "facet") or "false").lower() == "true"
        return cls(
            query=query,
            default_fields=default_fields,
            filters=filters,
            boost_functions=boosts,
            sort=str(_one(params, "sort") or "score desc"),
            rows=_integer(params, "rows", 10, 0, MAX_RESULT_WINDOW),
            start=_integer(params, "start", 0, 0, MAX_RESULT_WINDOW),
            field_list=_field_list(_many(params, "fl")),
            facet_fields=tuple(dict.fromkeys(_many(params, "facet.field"))) if facet_on else (),
            facet_limit=_integer(params, "facet.limit", DEFAULT_FACET_LIMIT, -1, None),
            facet_mincount=_integer(params, "facet.mincount", 0, 0, None),
            facet_sort_by_count=str(_one(params, "facet.sort") or "count").lower() != "index",
        )


def _one(params: Mapping[str, Any], name: str) -> Any:
    """The value of a parameter; the last one of a repeated parameter."""
    value = params.get(name)
    if isinstance(value, (list, tuple)):
        return value[-1] if value else None
    return value


def _many(params: Mapping[str, Any], name: str) -> list[str]:
    """Every value of a parameter, as text (a :class:`ReadText` stays one)."""
    value = params.get(name)
    if value is None:
        return []
    values = value if isinstance(value, (list, tuple)) else [value]
    return [item if isinstance(item, str) else str(item) for item in values if item is not None]


def _integer(params: Mapping[str, Any], name: str, default: int,
             minimum: int, maximum: Optional[int]) -> int:
    value = _one(params, name)
    if value is None or value == "":
        return default
    try:
        number = int(str(value).strip())
    except ValueError:
        raise SearchEngineError(f"Parameter {name} must be an integer, not {value!r}") from None
    if number < minimum or (maximum is not None and number > maximum):
        limit = f" and {maximum}" if maximum is not None else ""
        raise SearchEngineError(f"Parameter {name} must be between {minimum}{limit}, not {number}")
    return number


def _query_fields(value: Any) -> tuple[tuple[str, float], ...]:
    fields = []
    for item in str(value or "").split():
        name, _sep, boost = item.partition("^")
        try:
            fields.append((name, float(boost) if boost else 1.0))
        except ValueError:
            raise SearchEngineError(f"Bad boost in qf: {item!r}") from None
    return tuple(fields)


def _field_list(values: Sequence[str]) -> tuple[str, ...]:
    names: list[str] = []
    for value in values:
        names.extend(name for name in re.split(r"[\s,]+", value) if name)
    return tuple(names)

"""The syntax tree of a search query, shared by the parser and the SQL compiler.

Plain, CKAN-free data: :mod:`ckanext.amp.search.lucene` builds it from the
Solr parameters CKAN sends (``q``, ``fq``, ``defType``, ``mm``...), and
:mod:`ckanext.amp.search.compiler` turns it into a parameterised SQL
condition. A ``field`` of ``None`` means "the default field(s)": ``df`` for
the standard Lucene parser, the ``qf`` fields for dismax and edismax; the
compiler resolves it.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Optional, Union

from ckanext.amp.common.messages import TranslatableError


class Occur(enum.Enum):
    """How a clause takes part in a boolean query (Lucene's BooleanClause)."""

    MUST = "+"
    SHOULD = ""
    MUST_NOT = "-"


@dataclass(frozen=True)
class MatchAll:
    """``*:*``: every document."""


@dataclass(frozen=True)
class Term:
    """A single word, analysed according to the type of its field."""

    field: Optional[str]
    text: str
    boost: Optional[float] = None


@dataclass(frozen=True)
class Phrase:
    """A quoted phrase: its words, in order."""

    field: Optional[str]
    text: str
    slop: Optional[int] = None
    boost: Optional[float] = None


@dataclass(frozen=True)
class Wildcard:
    """A term with ``*`` (any run of characters) or ``?`` (one character).

    ``pattern`` keeps the wildcards unescaped and every other character
    literal (escapes already removed); ``foo*`` is a prefix query.
    """

    field: Optional[str]
    pattern: str
    boost: Optional[float] = None


@dataclass(frozen=True)
class Exists:
    """``field:*`` or ``field:[* TO *]``: the field has a value."""

    field: str


@dataclass(frozen=True)
class Range:
    """``field:[lower TO upper]`` (inclusive) or ``{lower TO upper}`` (exclusive).

    ``None`` stands for an open end (``*``). Values are raw strings; the
    compiler interprets them according to the field's type (number, date
    with Solr date math, string).
    """

    field: str
    lower: Optional[str]
    upper: Optional[str]
    include_lower: bool = True
    include_upper: bool = True


@dataclass(frozen=True)
class Number:
    """A numeric constant in a function query."""

    value: float


@dataclass(frozen=True)
class FieldValue:
    """The numeric value of a field in a function query (missing = 0)."""

    field: str


@dataclass(frozen=True)
class Call:
    """A function call such as ``div(a, b)`` in a Solr function query."""

    name: str
    args: tuple["Function", ...]


Function = Union[Number, FieldValue, Call]


@dataclass(frozen=True)
class FunctionRange:
    """``{!frange l=.. u=.. incl=.. incu=..}function``: keep documents whose
    function value lies in the range (ckanext-spatial's ``solr-bbox``)."""

    function: Function
    lower: Optional[float]
    upper: Optional[float]
    include_lower: bool = True
    include_upper: bool = True


@dataclass(frozen=True)
class Clause:
    occur: Occur
    query: "Query"


@dataclass(frozen=True)
class Boolean:
    """A boolean combination of clauses.

    Lucene semantics: every MUST clause matches, no MUST_NOT clause matches,
    and at least ``minimum_should_match`` SHOULD clauses match. When there
    is no MUST clause and ``minimum_should_match`` is 0, at least one SHOULD
    clause must match (a query of MUST_NOT clauses only matches everything
    but them, as Solr does).
    """

    clauses: tuple[Clause, ...]
    minimum_should_match: int = 0


Query = Union[MatchAll, Term, Phrase, Wildcard, Exists, Range, FunctionRange, Boolean]


class QuerySyntaxError(TranslatableError):
    """A query that cannot be parsed (English gettext id + parameters)."""

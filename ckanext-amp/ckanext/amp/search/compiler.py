"""Compile a query syntax tree into a parameterised PostgreSQL condition.

Every value a user typed travels as a bind parameter; field names too (they
are JSON keys, never identifiers), so SQL metacharacters in a query are
inert. Column names come only from :data:`PROMOTED_COLUMNS`.

The index (created by the ``amp_search`` migrations) is read through
``engine.TABLE`` under the alias ``d``: ``d.short_fields`` (jsonb, every
indexed non-text field typed as Solr stores it, but the long or unique ones),
``d.fields`` (jsonb, all of them), ``d.texts`` (jsonb, the analysed ``text``
and ``text_ngram`` fields), ``d.search_vector`` (tsvector of the ``text``
catch-all, weighted), ``d.permission_labels`` (text[]) and a few promoted
columns for fast sorting and ranges. ``short_fields``, the search vector, the
labels and the visibility and date columns are in the narrow table
``amp_search_match``; a condition that reads only them never touches the
wide ``amp_search_document`` (PostgreSQL drops the join). A spatial field
(ckanext-spatial's ``spatial_geom``) is searched in ``amp_search_geometry``:
bounding boxes in SQL, exact tests by the engine (:class:`SpatialLookup`,
docs/decisions/0014-spatial-search.md).
Pure Python (and shapely), no CKAN import.
"""
from __future__ import annotations

import datetime as dt
import itertools
import json
import math
import re
from dataclasses import dataclass, field as dataclass_field
from typing import Any, Optional, Sequence

import shapely

from ckanext.amp.common.solr_schema import (BOOLEAN, DATE, FLOAT, INTEGER, NGRAM, SPATIAL,
                                            STRING, TEXT, SolrSchema, format_date)
from ckanext.amp.common.spatial_shapes import ShapeError, SpatialArgs, holds, read_spatial_args

from . import query_ast as ast
from .datemath import parse_date_math

#: Solr fields kept in their own column (the key is the Solr field name).
PROMOTED_COLUMNS = {
    "metadata_modified": ("d.metadata_modified", DATE),
    "metadata_created": ("d.metadata_created", DATE),
    "name": ("d.name", STRING),
    "title_string": ("d.title_string", STRING),
    "capacity": ("d.capacity", STRING),
    "state": ("d.state", STRING),
    "entity_type": ("d.entity_type", STRING),
    "dataset_type": ("d.dataset_type", STRING),
    "id": ("d.id", STRING),
    "site_id": ("d.site_id", STRING),
    "index_id": ("d.index_id", STRING),
}
#: Fields of ``d.fields`` left out of ``d.short_fields``: long or unique
#: values (the promoted ones have their own column). Conditions, sorts and
#: facets on them read ``d.fields``. Same list as the migration 4b7e2d9c6a15.
LONG_OR_UNIQUE_FIELDS = frozenset((
    "id", "index_id", "name", "title_string", "metadata_created", "metadata_modified",
    "res_url", "url", "urls", "download_url", "ckan_url"))
#: The weights of the search vector: D (other text), C, B, A (title, name).
RANK_WEIGHTS = "{0.1, 0.2, 0.4, 1.0}"
CATCH_ALL = "text"
MAX_RESULT_WINDOW = 1_000_000
#: Up to this many combinations, "at least k of n clauses" (dismax ``mm``)
#: is written as an OR of ANDs, which the GIN index serves; beyond, the
#: clauses are counted row by row (a full scan).
MAX_MM_COMBINATIONS = 10
#: The parts of every indexed geometry, with their bounding box (migration 6c3e9a1f2d47).
GEOMETRY_TABLE = "amp_search_geometry"
#: A part's bounding box as a PostgreSQL ``box``: the expression of the
#: table's GiST index (plain float columns: no type SQLAlchemy's reflection
#: of CKAN's tables does not know).
_BOUNDS = "box(point({a}.minx, {a}.miny), point({a}.maxx, {a}.maxy))"


class Unsupported(ast.QuerySyntaxError):
    """Valid Solr syntax the engine does not support."""


@dataclass
class Compiled:
    condition: str
    params: dict[str, Any]
    score: str


@dataclass
class _State:
    schema: SolrSchema
    default_fields: tuple[tuple[str, float], ...]
    now: dt.datetime
    params: dict[str, Any] = dataclass_field(default_factory=dict)
    rank_terms: list[str] = dataclass_field(default_factory=list)
    prefix: str = "p"
    spatial: list["SpatialLookup"] = dataclass_field(default_factory=list)

    def bind(self, value: Any) -> str:
        name = f"{self.prefix}{len(self.params)}"
        self.params[name] = value
        return f":{name}"


class QueryCompiler:
    """Turns syntax trees into SQL for one search (one parameter namespace)."""

    def __init__(self, schema: SolrSchema, now: Optional[dt.datetime] = None,
                 prefix: str = "p") -> None:
        self.schema = schema
        self.now = now or dt.datetime.now(dt.timezone.utc)
        self.params: dict[str, Any] = {}
        self.rank_terms: list[str] = []
        #: Spatial predicates whose exact tests the engine must run (it
        #: fills each one's parameter with the ids found) before the query.
        self.spatial: list[SpatialLookup] = []
        self._prefix = prefix

    def condition(self, query: ast.Query,
                  default_fields: Sequence[tuple[str, float]] = ((CATCH_ALL, 1.0),),
                  rank: bool = True) -> str:
        """SQL condition for ``query``; its text matches feed the score if ``rank``."""
        state = _State(self.schema, tuple(default_fields), self.now, self.params,
                       self.rank_terms if rank else [], self._prefix, self.spatial)
        return _compile(query, state, positive=True)

    def function(self, function: ast.Function) -> str:
        state = _State(self.schema, (), self.now, self.params, [], self._prefix)
        return _function(function, state)

    def score(self, extra: Sequence[str] = ()) -> str:
        terms = list(self.rank_terms) + list(extra)
        return " + ".join(f"COALESCE({term}, 0)" for term in terms) if terms else "1.0"

    def bind(self, value: Any) -> str:
        return _State(self.schema, (), self.now, self.params, [], self._prefix).bind(value)


# -- boolean structure -------------------------------------------------------

def _compile(query: ast.Query, state: _State, positive: bool) -> str:
    if isinstance(query, ast.MatchAll):
        return "TRUE"
    if isinstance(query, ast.Boolean):
        return _boolean(query, state, positive)
    if isinstance(query, ast.FunctionRange):
        return _function_range(query, state)
    if isinstance(query, ast.Exists):
        return _exists(query.field, state)
    if isinstance(query, ast.Range):
        return _range(query, state)
    field = getattr(query, "field", None)
    if field is None:
        fields = state.default_fields
        if any(name == CATCH_ALL for name, _boost in fields):
            fields = ((CATCH_ALL, 1.0),)
        conditions = [_leaf(query, name, state, positive) for name, _boost in fields]
        return conditions[0] if len(conditions) == 1 else "(" + " OR ".join(conditions) + ")"
    return _leaf(query, field, state, positive)


def _boolean(query: ast.Boolean, state: _State, positive: bool) -> str:
    musts = [_compile(c.query, state, positive) for c in query.clauses if c.occur is ast.Occur.MUST]
    shoulds = [_compile(c.query, state, positive) for c in query.clauses if c.occur is ast.Occur.SHOULD]
    nots = [_compile(c.query, state, not positive) for c in query.clauses if c.occur is ast.Occur.MUST_NOT]
    parts = list(musts) + [f"NOT {condition}" for condition in nots]
    if shoulds:
        required = min(query.minimum_should_match, len(shoulds))
        # The plain forms let PostgreSQL use the indexes; counting does not.
        if required == len(shoulds):
            parts.extend(shoulds)
        elif required == 1 or (required == 0 and not musts):
            parts.append("(" + " OR ".join(shoulds) + ")")
        elif required > 0 and math.comb(len(shoulds), required) <= MAX_MM_COMBINATIONS:
            # "k of n" as an OR of ANDs: the same rows, found with the index.
            parts.append("(" + " OR ".join(
                "(" + " AND ".join(combination) + ")"
                for combination in itertools.combinations(shoulds, required)) + ")")
        elif required > 0:
            counted = " + ".join(f"({condition})::int" for condition in shoulds)
            parts.append(f"(({counted}) >= {int(required)})")
    if not parts:
        return "TRUE"
    return "(" + " AND ".join(parts) + ")"


# -- leaves ------------------------------------------------------------------

def _kind(field: str, state: _State) -> str:
    if field == CATCH_ALL:
        return TEXT
    spec = state.schema.field(field)
    return spec.kind if spec else STRING


def json_column(field: str, kind: str) -> str:
    """The jsonb column holding ``field`` (of ``kind``), the narrowest one."""
    if kind in (TEXT, NGRAM):
        return "d.texts"
    return "d.fields" if field in LONG_OR_UNIQUE_FIELDS or kind == SPATIAL else "d.short_fields"


def _column_of(field: str, state: _State) -> str:
    return json_column(field, _kind(field, state))


def _copy_sources(field: str, state: _State) -> list[str]:
    """Explicit source fields when ``field`` is a copyField destination.

    ``text`` is excluded: its copy is materialised as ``d.search_vector``.
    """
    if field == CATCH_ALL:
        return []
    return [source for source in state.schema.copy_sources(field) if "*" not in source]


def _leaf(query: ast.Query, field: str, state: _State, positive: bool) -> str:
    if field == "permission_labels":
        return _labels(query, state)
    kind = _kind(field, state)
    sources = _copy_sources(field, state)
    if sources and kind not in (TEXT, NGRAM):
        return "(" + " OR ".join(_leaf(query, source, state, positive) for source in sources) + ")"
    if kind == SPATIAL:
        return _spatial(query, field, state)
    if kind == NGRAM:
        return _ngram(query, field, state)
    if kind == TEXT:
        return _text(query, field, state, positive)
    if isinstance(query, ast.Wildcard):
        return _wildcard_values(query.pattern, field, state)
    text = query.text  # Term or Phrase
    if kind == STRING:
        return _string_equals(field, text, state)
    if kind == BOOLEAN:
        value = text.strip().lower()
        if value not in ("true", "false"):
            raise ast.QuerySyntaxError("'{value}' is not a boolean (true or false) for field {field}",
                                       value=text, field=field)
        return _contains(field, value == "true", state)
    bound = _typed_value(kind, text, field, state)
    return _compare_values(field, kind, "=", bound, state)


def _field_text(field: str, state: _State) -> str:
    """SQL text of a field; of its sources when it is a copyField destination."""
    sources = _copy_sources(field, state) or [field]
    parts = ", ".join(f"{_column_of(source, state)}->>{state.bind(source)}" for source in sources)
    return f"concat_ws(' ', {parts})"


def _ngram(query: ast.Query, field: str, state: _State) -> str:
    # Solr indexes every 2 to 10 character slice of the value, lower-cased,
    # and splits the query on white space: each word must be such a slice.
    text = getattr(query, "text", None) or getattr(query, "pattern", "").strip("*?")
    words = text.split()
    if not words or any(not 2 <= len(word) <= 10 for word in words):
        return "FALSE"
    haystack = f"amp_search_fold({_field_text(field, state)})"
    return "(" + " AND ".join(
        f"strpos({haystack}, amp_search_fold({state.bind(word)})) > 0" for word in words) + ")"


def _string_equals(field: str, value: str, state: _State) -> str:
    if field in PROMOTED_COLUMNS:
        column, _kind_ = PROMOTED_COLUMNS[field]
        return f"({column} = {state.bind(value)})"
    return _contains(field, value, state)


def _contains(field: str, value: Any, state: _State) -> str:
    # Two containment tests so that single- and multi-valued fields are both
    # served by the GIN (jsonb_path_ops) index on the column.
    column = _column_of(field, state)
    single = state.bind(json.dumps({field: value}))
    multi = state.bind(json.dumps({field: [value]}))
    return f"({column} @> CAST({single} AS jsonb) OR {column} @> CAST({multi} AS jsonb))"


def _labels(query: ast.Query, state: _State) -> str:
    if isinstance(query, ast.Wildcard):
        pattern = state.bind(_like_pattern(query.pattern))
        return (f"EXISTS (SELECT 1 FROM unnest(d.permission_labels) AS label "
                f"WHERE label LIKE {pattern})")
    return f"(d.permission_labels && CAST({state.bind([query.text])} AS text[]))"


def _values_sql(field: str, state: _State) -> str:
    return f"amp_search_values({_column_of(field, state)}, {state.bind(field)})"


def _wildcard_values(pattern: str, field: str, state: _State) -> str:
    if field in PROMOTED_COLUMNS:
        column, _k = PROMOTED_COLUMNS[field]
        return f"({column} LIKE {state.bind(_like_pattern(pattern))})"
    return (f"EXISTS (SELECT 1 FROM {_values_sql(field, state)} AS v "
            f"WHERE v LIKE {state.bind(_like_pattern(pattern))})")


def _like_pattern(pattern: str) -> str:
    escaped = pattern.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped.replace("*", "%").replace("?", "_")


def _text_vector(field: str, state: _State) -> str:
    if field == CATCH_ALL:
        return "d.search_vector"
    return f"amp_search_vector({_field_text(field, state)})"


def _text(query: ast.Query, field: str, state: _State, positive: bool) -> str:
    vector = _text_vector(field, state)
    if isinstance(query, ast.Wildcard):
        head = re.split(r"[*?]", query.pattern, maxsplit=1)[0]
        lexeme = "".join(char for char in head if char.isalnum())
        if not lexeme:
            return _exists(field, state)
        tsquery = f"to_tsquery('simple', amp_search_fold({state.bind(lexeme)}) || ':*')"
    else:
        text = state.bind(query.text)
        builder = "phraseto_tsquery" if isinstance(query, ast.Phrase) else "plainto_tsquery"
        tsquery = (f"({builder}('french', amp_search_fold({text})) || "
                   f"{builder}('english', amp_search_fold({text})))")
    if positive:
        boost = getattr(query, "boost", None) or 1.0
        state.rank_terms.append(
            f"ts_rank('{RANK_WEIGHTS}', d.search_vector, {tsquery}) * {float(boost)!r}")
    # A query of stop words only is dropped by Solr's analyser: match all.
    return f"(numnode({tsquery}) = 0 OR {vector} @@ {tsquery})"


def _exists(field: str, state: _State) -> str:
    if field == "permission_labels":
        return "(cardinality(d.permission_labels) > 0)"
    if field == CATCH_ALL:
        return "(d.search_vector <> ''::tsvector)"
    sources = _copy_sources(field, state)
    if sources:
        return "(" + " OR ".join(_exists(source, state) for source in sources) + ")"
    if field in PROMOTED_COLUMNS:
        return f"({PROMOTED_COLUMNS[field][0]} IS NOT NULL)"
    return f"({_column_of(field, state)} ? {state.bind(field)})"


# -- spatial fields (ckanext-spatial's solr-spatial-field backend) -----------

@dataclass
class SpatialLookup:
    """A spatial predicate's exact part: the candidates whose bounding box
    alone does not decide, tested with shapely by the engine, which binds
    what holds to ``param`` before running the search: the keys of the
    shapes that meet the query (``bytea[]``) for ``intersects`` and
    ``disjoint``, the ids of the documents (``text[]``) for the others."""

    param: str
    field: str
    args: SpatialArgs

    def candidates(self) -> tuple[str, dict[str, Any]]:
        """SQL of the rows ``(index_id, shape)`` to test, ordered by document."""
        params: dict[str, Any] = {"_field": self.field}
        intersecting = self.args.operation in ("intersects", "disjoint")
        bounds = _BOUNDS.format(a="h")
        tests = []
        for number, part in enumerate(self.args.parts):
            params[f"_box{number}"] = part.box_literal
            box = f"CAST(:_box{number} AS box)"
            if intersecting and part.rectangle:
                tests.append(f"({bounds} && {box} AND NOT (h.rectangle OR {bounds} <@ {box}))")
            else:
                tests.append(f"{bounds} && {box}")
        where = " OR ".join(tests)
        if intersecting:  # only the undecided parts, each distinct shape once
            # The keys from the bounding boxes' index alone, then one shape
            # read per key (migration 9e2a4c7b1d58).
            return (f"SELECT (SELECT s.shape FROM {GEOMETRY_TABLE} AS s "
                    f"WHERE s.shape_key = c.shape_key LIMIT 1), c.shape_key FROM "
                    f"(SELECT DISTINCT h.shape_key FROM {GEOMETRY_TABLE} AS h "
                    f"WHERE h.field = :_field AND ({where})) AS c"), params
        # every part of the documents near the query shape
        return (f"SELECT g.index_id, g.shape FROM {GEOMETRY_TABLE} AS g "
                f"WHERE g.field = :_field AND g.index_id IN (SELECT h.index_id FROM "
                f"{GEOMETRY_TABLE} AS h WHERE h.field = :_field AND ({where})) "
                f"ORDER BY g.index_id, g.part"), params

    def decide(self, rows: Sequence[Any]) -> list[Any]:
        """What of the candidates the exact test holds for.

        For ``intersects`` (and ``disjoint``, whose SQL negates it) ``rows``
        are ``(WKB, shape_key)``: datasets often share a geometry (a
        commune's), tested once, and the keys of the shapes that meet the
        query are returned (a few keys rather than thousands of ids). For
        the others, ``(index_id, WKB)`` grouped by document, whose parts are
        taken together, and the ids of the documents are returned.
        """
        query = self.args.geometry
        shapely.prepare(query)
        found: list[Any] = []
        if self.args.operation in ("intersects", "disjoint"):
            return [bytes(key) for shape, key in rows
                    if query.intersects(shapely.from_wkb(bytes(shape)))]
        operation = self.args.operation
        for index_id, group in itertools.groupby(rows, key=lambda row: row[0]):
            shapes = [shapely.from_wkb(bytes(shape)) for _id, shape in group]
            if holds(operation, shapes, query):
                found.append(index_id)
        return found


def _spatial(query: ast.Query, field: str, state: _State) -> str:
    """``field:"Intersects(ENVELOPE(...))"`` or ``{!field f=field}Intersects(...)``.

    A GiST search on the bounding boxes decides most documents: a part
    whose box lies inside a rectangular query, or a rectangular part (a
    point, a box) whose box meets it, intersects it. The engine tests the
    others exactly (:class:`SpatialLookup`) and binds the ids found.
    """
    text = getattr(query, "text", None)
    if text is None:
        raise Unsupported("Field {field} only answers a spatial query such as "
                          "Intersects(ENVELOPE(minX, maxX, maxY, minY))", field=field)
    try:
        args = read_spatial_args(text)
    except ShapeError as error:
        raise ast.QuerySyntaxError(error.msgid, **error.params) from None
    hits = state.bind([])
    state.spatial.append(SpatialLookup(hits[1:], field, args))
    name = state.bind(field)
    if args.operation not in ("intersects", "disjoint"):
        return f"COALESCE(d.index_id IN (SELECT unnest(CAST({hits} AS text[]))), FALSE)"
    exact = (f"SELECT e.index_id FROM {GEOMETRY_TABLE} AS e WHERE e.field = {name} "
             f"AND e.shape_key = ANY(CAST({hits} AS bytea[]))")
    decided = []
    for part in args.parts:
        if part.rectangle:
            box = f"CAST({state.bind(part.box_literal)} AS box)"
            bounds = _BOUNDS.format(a="g")
            decided.append(f"({bounds} && {box} AND (g.rectangle OR {bounds} <@ {box}))")
    members = exact if not decided else (
        f"SELECT g.index_id FROM {GEOMETRY_TABLE} AS g WHERE g.field = {name} AND "
        f"({' OR '.join(decided)}) UNION ALL {exact}")
    # Kept a (hashed) subplan, not pulled up into a join: the planner cannot
    # estimate how many ids it yields and, at 50,000 of them, probed the
    # match table once per id (1 s at 100k datasets instead of 0.1 s).
    intersects = f"COALESCE(d.index_id IN ({members}), FALSE)"
    if args.operation == "intersects":
        return f"({intersects})"
    return (f"(d.index_id IN (SELECT g.index_id FROM {GEOMETRY_TABLE} AS g "
            f"WHERE g.field = {name}) AND NOT {intersects})")


# -- typed values ------------------------------------------------------------

def _typed_value(kind: str, text: str, field: str, state: _State) -> str:
    """Bind ``text`` as a value of ``kind``; QuerySyntaxError if it is not one."""
    if kind == INTEGER:
        try:
            return f"CAST({state.bind(int(text.strip()))} AS numeric)"
        except ValueError:
            raise ast.QuerySyntaxError("'{value}' is not an integer for field {field}",
                                       value=text, field=field) from None
    if kind == FLOAT:
        try:
            return f"CAST({state.bind(float(text.strip()))} AS numeric)"
        except ValueError:
            raise ast.QuerySyntaxError("'{value}' is not a number for field {field}",
                                       value=text, field=field) from None
    if kind == DATE:
        instant = parse_date_math(text, state.now)
        return f"CAST({state.bind(format_date(instant))} AS timestamptz)"
    return f"({state.bind(text)} COLLATE \"C\")"


def _typed_column(kind: str, expression: str) -> str:
    if kind in (INTEGER, FLOAT):
        return f"amp_search_number({expression})"
    if kind == DATE:
        return f"CAST({expression} AS timestamptz)"
    return f"({expression} COLLATE \"C\")"


def _compare_values(field: str, kind: str, operator: str, bound: str, state: _State) -> str:
    if field in PROMOTED_COLUMNS:
        column, column_kind = PROMOTED_COLUMNS[field]
        column = column if column_kind == DATE else f"({column} COLLATE \"C\")"
        return f"COALESCE({column} {operator} {bound}, FALSE)"
    value = _typed_column(kind, "v")
    return (f"EXISTS (SELECT 1 FROM {_values_sql(field, state)} AS v "
            f"WHERE {value} {operator} {bound})")


def _range(query: ast.Range, state: _State) -> str:
    if query.lower is None and query.upper is None:
        return _exists(query.field, state)
    kind = _kind(query.field, state)
    if kind == TEXT and query.field != CATCH_ALL:
        kind = STRING  # Solr compares the indexed terms; close enough for text
    if query.field == CATCH_ALL or query.field == "permission_labels":
        raise Unsupported("Range queries are not supported on field {field}", field=query.field)
    conditions = []
    if query.lower is not None:
        bound = _typed_value(kind, query.lower, query.field, state)
        conditions.append((">=" if query.include_lower else ">", bound))
    if query.upper is not None:
        bound = _typed_value(kind, query.upper, query.field, state)
        conditions.append(("<=" if query.include_upper else "<", bound))
    if query.field in PROMOTED_COLUMNS:
        return "(" + " AND ".join(
            _compare_values(query.field, kind, op, bound, state) for op, bound in conditions) + ")"
    value = _typed_column(kind, "v")
    tests = " AND ".join(f"{value} {op} {bound}" for op, bound in conditions)
    return f"EXISTS (SELECT 1 FROM {_values_sql(query.field, state)} AS v WHERE {tests})"


# -- function queries (ckanext-spatial's solr-bbox backend) -----------------

_BINARY = {"sub": "-", "div": "/", "pow": None}
_VARIADIC = {"sum": "+", "add": "+", "mul": "*", "product": "*"}


def _function(function: ast.Function, state: _State) -> str:
    if isinstance(function, ast.Number):
        return f"CAST({state.bind(float(function.value))} AS double precision)"
    if isinstance(function, ast.FieldValue):
        if _kind(function.field, state) not in (INTEGER, FLOAT):
            # Solr: an undefined field, or a string or text one, has no
            # numeric value (e.g. "nan" from a bounding box of NaN).
            raise ast.QuerySyntaxError("Field {field} has no numeric value for a function query",
                                       field=function.field)
        column = json_column(function.field, FLOAT)
        return f"COALESCE(amp_search_number({column}->>{state.bind(function.field)}), 0)"
    bbox = overlap_box(function)
    if bbox is not None:
        # ckanext-spatial's overlap score, with PostgreSQL's box functions:
        # the same value (missing fields give 0), a quarter of the work.
        minx, miny, maxx, maxy = bbox
        query_box = f"CAST({state.bind(f'({maxx!r},{maxy!r}),({minx!r},{miny!r})')} AS box)"
        tree: Any = function
        area = f"CAST({state.bind(float(tree.args[1].args[0].value))} AS double precision)"
        return (f"COALESCE(2 * COALESCE(area({ENVELOPE_BOX} # {query_box}), 0) "
                f"/ NULLIF({area} + COALESCE(area({ENVELOPE_BOX}), 0), 0), 0)")
    name = function.name.lower()
    args = [_function(arg, state) for arg in function.args]

    def arity(count: int) -> None:
        if len(args) != count:
            raise ast.QuerySyntaxError("Function {name}() takes {count} arguments, not {given}",
                                       name=name, count=count, given=len(args))

    if name in _VARIADIC:
        if len(args) < 2:
            raise ast.QuerySyntaxError("Function {name}() needs at least two arguments", name=name)
        return "(" + f" {_VARIADIC[name]} ".join(args) + ")"
    if name == "sub":
        arity(2)
        return f"({args[0]} - {args[1]})"
    if name == "div":
        arity(2)
        return f"({args[0]} / NULLIF({args[1]}, 0))"
    if name in ("max", "min"):
        if not args:
            raise ast.QuerySyntaxError("Function {name}() needs arguments", name=name)
        return ("GREATEST(" if name == "max" else "LEAST(") + ", ".join(args) + ")"
    if name == "abs":
        arity(1)
        return f"abs({args[0]})"
    if name == "sqrt":
        arity(1)
        return f"sqrt(NULLIF(GREATEST({args[0]}, -1), -1))"
    if name == "pow":
        arity(2)
        return f"power({args[0]}, {args[1]})"
    if name in ("log", "ln"):
        arity(1)
        function_name = "log" if name == "log" else "ln"
        return f"{function_name}(NULLIF(GREATEST({args[0]}, 0), 0))"
    raise Unsupported("Unsupported function '{name}'", name=function.name)


#: The envelope ckanext-spatial's solr-bbox backend indexes, as a ``box``:
#: a column computed when the row is written from the ``minx``, ``miny``,
#: ``maxx``, ``maxy`` fields (NULL without them), with a GiST index
#: (migration 9e2a4c7b1d58).
ENVELOPE_BOX = "d.envelope"


def overlap_box(function: ast.Function) -> Optional[tuple[float, float, float, float]]:
    """The query box (minx, miny, maxx, maxy) when ``function`` is the overlap
    score of ckanext-spatial's solr-bbox backend, else None::

        div(mul(mul(max(0, sub(min(MAXX, maxx), max(MINX, minx))),
                    max(0, sub(min(MAXY, maxy), max(MINY, miny)))), 2),
            add(AREA, mul(sub(maxy, miny), sub(maxx, minx))))
    """
    tree: Any = function  # walked blindly; any other shape raises and is not it
    try:
        product, total = tree.args
        x_overlap, y_overlap = product.args[0].args
        maxx = x_overlap.args[1].args[0].args[0].value
        minx = x_overlap.args[1].args[1].args[0].value
        maxy = y_overlap.args[1].args[0].args[0].value
        miny = y_overlap.args[1].args[1].args[0].value
        area = total.args[0].value
    except (AttributeError, IndexError, ValueError, TypeError):
        return None
    field = ast.FieldValue

    def side(high: float, top: str, low: float, bottom: str) -> ast.Function:
        return ast.Call("max", (ast.Number(0), ast.Call("sub", (
            ast.Call("min", (ast.Number(high), field(top))),
            ast.Call("max", (ast.Number(low), field(bottom)))))))

    expected = ast.Call("div", (
        ast.Call("mul", (ast.Call("mul", (side(maxx, "maxx", minx, "minx"),
                                          side(maxy, "maxy", miny, "miny"))), ast.Number(2))),
        ast.Call("add", (ast.Number(area), ast.Call("mul", (
            ast.Call("sub", (field("maxy"), field("miny"))),
            ast.Call("sub", (field("maxx"), field("minx")))))))))
    return (minx, miny, maxx, maxy) if function == expected else None


def _function_range(query: ast.FunctionRange, state: _State) -> str:
    value = _function(query.function, state)
    prefilter = ""
    bbox = overlap_box(query.function)
    if bbox is not None and query.lower is not None and (
            query.lower > 0 or (query.lower == 0 and not query.include_lower)):
        # A positive overlap needs the envelope to meet the query box: the
        # GiST index finds those; the function then decides exactly.
        minx, miny, maxx, maxy = bbox
        query_box = state.bind(f"({maxx!r},{maxy!r}),({minx!r},{miny!r})")
        prefilter = f"({ENVELOPE_BOX} && CAST({query_box} AS box)) AND "
    tests = []
    if query.lower is not None:
        tests.append(f"{value} {'>=' if query.include_lower else '>'} "
                     f"CAST({state.bind(float(query.lower))} AS double precision)")
    if query.upper is not None:
        tests.append(f"{value} {'<=' if query.include_upper else '<'} "
                     f"CAST({state.bind(float(query.upper))} AS double precision)")
    if not tests:
        return f"({value} IS NOT NULL)"
    return "(" + prefilter + "COALESCE(" + " AND ".join(tests) + ", FALSE))"


# -- sorting -----------------------------------------------------------------

@dataclass(frozen=True)
class SortKey:
    field: str
    descending: bool


_SORT_ITEM = re.compile(r"^\s*([\w.\-]+)\s+(asc|desc)\s*$", re.IGNORECASE)


def parse_sort(sort: Optional[str]) -> list[SortKey]:
    """Solr's ``sort`` parameter; ValueError with Solr's wording if invalid."""
    if not sort or not sort.strip():
        return []
    keys = []
    for item in sort.split(","):
        match = _SORT_ITEM.match(item)
        if not match:
            raise ValueError(f"Can't determine a Sort Order (asc or desc) in sort spec '{item.strip()}'")
        keys.append(SortKey(match.group(1), match.group(2).lower() == "desc"))
    return keys


def sort_parts(key: SortKey, schema: SolrSchema, compiler: QueryCompiler) -> tuple[str, str]:
    """The SQL expression of a sort key, and its direction (with NULLS LAST)."""
    direction = "DESC" if key.descending else "ASC"
    if key.field == "score":
        return "score", direction
    if key.field in PROMOTED_COLUMNS:
        column, kind = PROMOTED_COLUMNS[key.field]
        column = column if kind == DATE else f"{column} COLLATE \"C\""
        return column, f"{direction} NULLS LAST"
    spec = schema.field(key.field)
    if spec is None or spec.multi_valued or key.field == CATCH_ALL:
        raise ValueError(f"Can't determine a Sort Order: can not sort on multivalued field: {key.field}")
    column = json_column(key.field, spec.kind)
    expression = _typed_column(spec.kind, f"{column}->>{compiler.bind(key.field)}")
    return expression, f"{direction} NULLS LAST"

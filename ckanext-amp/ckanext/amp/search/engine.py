"""The PostgreSQL search engine: stores Solr documents, answers Solr parameters.

It receives exactly what CKAN would send to Solr (the index document after
every ``before_dataset_index`` hook, and the query parameters after every
``before_dataset_search`` hook) and answers in Solr's JSON response shape.
It depends on SQLAlchemy only; the CKAN wiring is in ``connection.py`` and
``plugin.py``.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping, Optional, Sequence, TypeVar

import sqlalchemy as sa

from . import lucene
from . import query_ast as ast
from .compiler import (CATCH_ALL, MAX_RESULT_WINDOW, PROMOTED_COLUMNS, QueryCompiler,
                       json_column, parse_sort, sort_expression)
from .solr_schema import DATE, NGRAM, TEXT, SolrSchema
from .storage import is_missing_schema, upgrade

log = logging.getLogger(__name__)
T = TypeVar("T")

TABLE = "amp_search_document"
PAYLOAD_TABLE = "amp_search_payload"
#: Fields kept out of ``d.fields``: large stored-only blobs and the labels.
BLOB_FIELDS = ("data_dict", "validated_data_dict")
#: Which part of the search vector a source field of ``text`` weighs in.
WEIGHT_A = ("name", "title")
WEIGHT_B = ("tags", "groups", "organization")
WEIGHT_C = ("notes", "res_name", "res_description")
DEFAULT_FACET_LIMIT = 50


class SearchEngineError(Exception):
    """A request the engine refuses (bad parameter, bad query, bad document)."""


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
        default_operator = (ast.Occur.MUST if str(_one(params, "q.op") or "OR").upper() == "AND"
                            else ast.Occur.SHOULD)
        query_text = str(_one(params, "q") or "").strip()
        parser = str(_one(params, "defType") or "lucene").lower()
        mm = _one(params, "mm")
        if not query_text or query_text == "*:*":
            query: ast.Query = ast.MatchAll()
        elif query_text.startswith("{!"):
            query = lucene.parse_filter(query_text, default_operator)
        elif parser == "dismax":
            query = lucene.apply_minimum_should_match(lucene.parse_dismax(query_text), mm)
        elif parser == "edismax":
            query = lucene.parse_edismax(query_text, mm, default_operator)
        elif parser == "lucene":
            query = lucene.parse_lucene(query_text, default_operator)
        else:
            raise ast.QuerySyntaxError("Unsupported query parser '{parser}'", parser=parser)
        if parser in ("dismax", "edismax"):
            default_fields = _query_fields(_one(params, "qf")) or ((CATCH_ALL, 1.0),)
        else:
            default_fields = ((str(_one(params, "df") or CATCH_ALL), 1.0),)
        filters = tuple(lucene.parse_filter(text, default_operator)
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


class PostgresSearchEngine:
    """Index and query Solr documents in one PostgreSQL table."""

    def __init__(self, engine: sa.engine.Engine, schema: SolrSchema,
                 strict: bool = False) -> None:
        self.engine = engine
        self.schema = schema
        self.strict = strict

    def _with_schema(self, operation: Callable[[], T]) -> T:
        """Run ``operation``; if the index tables are missing, create them once."""
        try:
            return operation()
        except sa.exc.ProgrammingError as error:
            if not is_missing_schema(error):
                raise
        upgrade(self.engine)
        return operation()

    # -- writing ------------------------------------------------------------
    def add(self, documents: Iterable[Mapping[str, Any]]) -> int:
        rows = [self._row(document) for document in documents]
        if rows:
            def write() -> None:
                with self.engine.begin() as connection:
                    connection.execute(sa.text(_UPSERT), rows)
                    connection.execute(sa.text(_UPSERT_PAYLOAD), rows)
            self._with_schema(write)
        return len(rows)

    def delete(self, query: Optional[str] = None,
               index_ids: Optional[Sequence[str]] = None) -> int:
        return self._with_schema(lambda: self._delete(query, index_ids))

    def _delete(self, query: Optional[str], index_ids: Optional[Sequence[str]]) -> int:
        with self.engine.begin() as connection:
            if index_ids:
                result = connection.execute(
                    sa.text(f"DELETE FROM {TABLE} WHERE index_id = ANY(:ids)"),
                    {"ids": list(index_ids)})
                return result.rowcount
            if query is None:
                return 0
            compiler = QueryCompiler(self.schema)
            condition = compiler.condition(lucene.parse_lucene(query, ast.Occur.SHOULD))
            result = connection.execute(
                sa.text(f"DELETE FROM {TABLE} AS d WHERE {condition}"), compiler.params)
            return result.rowcount

    def _row(self, document: Mapping[str, Any]) -> dict[str, Any]:
        labels = [str(label) for label in document.get("permission_labels") or []]
        indexed = {key: value for key, value in document.items()
                   if key not in BLOB_FIELDS and key != "permission_labels"}
        fields = self.schema.normalise(indexed, strict=self.strict)
        if "index_id" not in fields or "id" not in fields or "site_id" not in fields:
            raise SearchEngineError("A document needs index_id, id and site_id")
        buckets: dict[str, list[str]] = {"a": [], "b": [], "c": [], "d": []}
        copy_sources = self.schema.copy_sources(CATCH_ALL)
        for name, value in fields.items():
            if name != CATCH_ALL and not any(_matches(name, source) for source in copy_sources):
                continue
            bucket = ("a" if name in WEIGHT_A else "b" if name in WEIGHT_B or name.startswith("vocab_")
                      else "c" if name in WEIGHT_C else "d")
            buckets[bucket].extend(str(item) for item in _as_list(value))
        texts = {name: value for name, value in fields.items()
                 if (spec := self.schema.field(name)) and spec.kind in (TEXT, NGRAM)}
        others = {name: value for name, value in fields.items() if name not in texts}
        return {
            **{column: fields.get(column) for column in _PROMOTED},
            "permission_labels": labels,
            "fields": json.dumps(others),
            "texts": json.dumps(texts),
            "data_dict": _blob(document.get("data_dict")),
            "validated_data_dict": _blob(document.get("validated_data_dict")),
            **{f"text_{key}": "\n".join(values) for key, values in buckets.items()},
        }

    # -- reading ------------------------------------------------------------
    def search(self, params: Mapping[str, Any], decode_dates: bool = False) -> dict[str, Any]:
        """Answer a Solr search request with a Solr-shaped JSON response."""
        request = SearchRequest.from_params(params)
        return self._with_schema(lambda: self._search(request, decode_dates))

    def _search(self, request: SearchRequest, decode_dates: bool) -> dict[str, Any]:
        compiler = QueryCompiler(self.schema)
        conditions = [compiler.condition(request.query, request.default_fields)]
        conditions += [compiler.condition(f, ((CATCH_ALL, 1.0),), rank=False)
                       for f in request.filters]
        where = " AND ".join(conditions)
        boosts = [compiler.function(function) for function in request.boost_functions]
        score = compiler.score(boosts)
        try:
            keys = parse_sort(request.sort)
            order = [sort_expression(key, self.schema, compiler) for key in keys
                     if not (key.field == "score" and score == "1.0")]
        except ValueError as error:
            raise SearchEngineError(str(error)) from None
        order.append("d.indexed_order ASC")
        wants = set(request.field_list) or {"*"}  # Solr's default fl is *
        blobs = [blob for blob in BLOB_FIELDS if blob in wants or "*" in wants]
        # Ranking by score visits every match anyway: the window count is free
        # then; otherwise an index can stop at the page, and counting is apart.
        # The page query keeps to narrow columns; the rows are read by id after.
        ranked = any(expression.startswith("score") for expression in order)
        total_column = ", count(*) OVER () AS _total" if ranked else ""
        page_sql = (f"SELECT d.index_id, {score} AS score{total_column} FROM {TABLE} AS d "
                    f"WHERE {where} ORDER BY {', '.join(order)} LIMIT :_rows OFFSET :_start")
        page_params = dict(compiler.params, _rows=request.rows, _start=request.start)
        with self.engine.connect() as connection:
            facets, total = (self._facets(connection, request, where, compiler.params)
                             if request.facet_fields else ({}, None))
            page = []
            if request.rows and (total is None or request.start < total):
                page = connection.execute(sa.text(page_sql), page_params).mappings().all()
            if total is None:
                total = page[0]["_total"] if page and ranked else connection.execute(
                    sa.text(f"SELECT count(*) FROM {TABLE} AS d WHERE {where}"),
                    compiler.params).scalar_one()
            rows = self._rows(connection, page, blobs)
        docs = [self._document(row, request.field_list, decode_dates) for row in rows]
        response: dict[str, Any] = {
            "responseHeader": {"status": 0, "params": {}},
            "response": {"numFound": total, "start": request.start, "docs": docs},
        }
        if request.facet_fields:
            response["facet_counts"] = {
                "facet_queries": {}, "facet_fields": facets, "facet_ranges": {},
                "facet_intervals": {}, "facet_heatmaps": {}}
        return response

    def _rows(self, connection: sa.engine.Connection, page: Sequence[Mapping[str, Any]],
              blobs: Sequence[str]) -> list[dict[str, Any]]:
        """The stored fields (and asked-for blobs) of the page, in page order."""
        if not page:
            return []
        blob_columns = "".join(f", p.{blob}" for blob in blobs)
        stored = connection.execute(sa.text(
            f"SELECT d.index_id, d.fields, d.texts{blob_columns} FROM {TABLE} AS d "
            f"LEFT JOIN {PAYLOAD_TABLE} AS p ON p.index_id = d.index_id "
            f"WHERE d.index_id = ANY(:ids)"), {"ids": [row["index_id"] for row in page]})
        by_id = {row["index_id"]: dict(row) for row in stored.mappings()}
        return [dict(by_id[row["index_id"]], score=row["score"])
                for row in page if row["index_id"] in by_id]

    def _facets(self, connection: sa.engine.Connection, request: SearchRequest,
                where: str, params: dict[str, Any]) -> tuple[dict[str, list[Any]], int]:
        """Facet counts and the number of matches, in one scan of the matches.

        Each matching document yields one row per facet value, plus one
        ``(-1, NULL)`` row that counts the document itself.
        """
        facet_params = dict(params)
        branches = ["SELECT -1 AS facet, NULL::text AS value"]
        for number, name in enumerate(request.facet_fields):
            facet_params[f"_facet{number}"] = name
            spec = self.schema.field(name)
            source = ("unnest(d.permission_labels)" if name == "permission_labels"
                      else f"amp_search_values({json_column(spec.kind if spec else '')}, "
                           f":_facet{number})")
            branches.append(f"SELECT {number}, v FROM {source} AS v")
        order = "n DESC, value COLLATE \"C\"" if request.facet_sort_by_count else "value COLLATE \"C\""
        limit = "" if request.facet_limit < 0 else "AND rank <= :_facet_limit"
        facet_params["_facet_limit"] = request.facet_limit
        facet_params["_facet_mincount"] = max(request.facet_mincount, 1)
        sql = (f"SELECT facet, value, n FROM (SELECT facet, value, n, row_number() OVER "
               f"(PARTITION BY facet ORDER BY {order}) AS rank FROM ("
               f"SELECT f.facet, f.value, count(*) AS n FROM {TABLE} AS d "
               f"CROSS JOIN LATERAL ({' UNION ALL '.join(branches)}) AS f "
               f"WHERE {where} GROUP BY f.facet, f.value) AS counts) AS ranked "
               f"WHERE facet < 0 OR (n >= :_facet_mincount {limit}) ORDER BY facet, rank")
        result: dict[str, list[Any]] = {name: [] for name in request.facet_fields}
        total = 0
        for facet, value, count in connection.execute(sa.text(sql), facet_params):
            if facet < 0:
                total = count
            else:
                result[request.facet_fields[facet]].extend([value, count])
        return result, total

    def _document(self, row: Mapping[str, Any], field_list: Sequence[str],
                  decode_dates: bool) -> dict[str, Any]:
        fields = dict(row["fields"], **row["texts"])
        for blob in BLOB_FIELDS:
            if row.get(blob) is not None:
                fields[blob] = row[blob]
        everything = "*" in field_list or not field_list
        document = {}
        for name, value in fields.items():
            spec = self.schema.field(name)
            if spec is None or not spec.stored:
                continue
            if everything or name in field_list:
                if decode_dates and spec.kind == DATE:
                    value = _decode_date(value)
                document[name] = value
        if "score" in field_list:
            document["score"] = float(row["score"])
        return document

    def count(self) -> int:
        def count() -> int:
            with self.engine.connect() as connection:
                return connection.execute(sa.text(f"SELECT count(*) FROM {TABLE}")).scalar_one()
        return self._with_schema(count)


#: Fields copied into columns of their own.
_PROMOTED = tuple(PROMOTED_COLUMNS)

_UPSERT = f"""
INSERT INTO {TABLE} AS d (
    index_id, id, site_id, name, title_string, capacity, state, entity_type, dataset_type,
    metadata_created, metadata_modified,
    permission_labels, fields, texts, search_vector)
VALUES (
    :index_id, :id, :site_id, :name, :title_string, :capacity, :state, :entity_type,
    :dataset_type, CAST(:metadata_created AS timestamptz), CAST(:metadata_modified AS timestamptz),
    CAST(:permission_labels AS text[]), CAST(:fields AS jsonb), CAST(:texts AS jsonb),
    setweight(amp_search_vector(:text_a), 'A') || setweight(amp_search_vector(:text_b), 'B')
    || setweight(amp_search_vector(:text_c), 'C') || setweight(amp_search_vector(:text_d), 'D'))
ON CONFLICT (index_id) DO UPDATE SET
    id = EXCLUDED.id, site_id = EXCLUDED.site_id, name = EXCLUDED.name,
    title_string = EXCLUDED.title_string, capacity = EXCLUDED.capacity,
    state = EXCLUDED.state, entity_type = EXCLUDED.entity_type,
    dataset_type = EXCLUDED.dataset_type, metadata_created = EXCLUDED.metadata_created,
    metadata_modified = EXCLUDED.metadata_modified,
    permission_labels = EXCLUDED.permission_labels, fields = EXCLUDED.fields,
    texts = EXCLUDED.texts,
    search_vector = EXCLUDED.search_vector,
    indexed_order = nextval('{TABLE}_indexed_order_seq'), indexed_at = now()
"""

_UPSERT_PAYLOAD = f"""
INSERT INTO {PAYLOAD_TABLE} (index_id, data_dict, validated_data_dict)
VALUES (:index_id, :data_dict, :validated_data_dict)
ON CONFLICT (index_id) DO UPDATE SET
    data_dict = EXCLUDED.data_dict, validated_data_dict = EXCLUDED.validated_data_dict
"""

_DATE_PREFIX = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})")


def _decode_date(value: Any) -> Any:
    match = _DATE_PREFIX.match(str(value))
    return dt.datetime(*map(int, match.groups())) if match else value


def _matches(name: str, pattern: str) -> bool:
    if pattern.endswith("*"):
        return name.startswith(pattern[:-1])
    if pattern.startswith("*"):
        return name.endswith(pattern[1:])
    return name == pattern


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _blob(value: Any) -> Optional[str]:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value)


def _one(params: Mapping[str, Any], name: str) -> Any:
    value = params.get(name)
    if isinstance(value, (list, tuple)):
        return value[-1] if value else None
    return value


def _many(params: Mapping[str, Any], name: str) -> list[str]:
    value = params.get(name)
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(item) for item in value if item is not None]
    return [str(value)]


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

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
from typing import Any, Callable, Iterable, Mapping, Optional, Sequence, TypeVar

import shapely
import sqlalchemy as sa

from ckanext.amp.common.solr_schema import DATE, NGRAM, SPATIAL, TEXT, SolrSchema
from ckanext.amp.common.spatial_shapes import ShapeError, read_shape

from . import lucene
from . import query_ast as ast
from .compiler import (CATCH_ALL, GEOMETRY_TABLE, LONG_OR_UNIQUE_FIELDS, PROMOTED_COLUMNS,
                       QueryCompiler, json_column, parse_sort, sort_parts)
from .facet_index import FacetIndex, decode_orders
from .request import SearchEngineError, SearchRequest
from .storage import is_missing_schema, upgrade

log = logging.getLogger(__name__)
T = TypeVar("T")

#: Filtering, ranking, date sorting and facets: the narrow row every search reads.
MATCH_TABLE = "amp_search_match"
#: The match table's identity for the facet index (facet_index.py): its
#: database and relation file, read in the search's own statement.
IDENTITY = f"current_database() || '/' || pg_relation_filenode('{MATCH_TABLE}')"
#: The stored fields (``fields``, ``texts``), read for the page shown.
DOCUMENT_TABLE = "amp_search_document"
#: What searches read (as ``d``): the match row and its document. A LEFT
#: JOIN on the document's primary key, which PostgreSQL drops from any query
#: reading no document column: text, date and facet searches stay on the
#: narrow table. (Not a view: CKAN's test fixtures drop tables one by one.)
TABLE = (f"(SELECT m.index_id, m.site_id, m.state, m.capacity, m.entity_type, m.dataset_type, "
         f"m.metadata_modified, m.permission_labels, m.indexed_order, m.short_fields, "
         f"m.search_vector, m.envelope, w.id, w.name, w.title_string, w.metadata_created, w.fields, "
         f"w.texts, w.indexed_at FROM {MATCH_TABLE} AS m "
         f"LEFT JOIN {DOCUMENT_TABLE} AS w ON w.index_id = m.index_id)")
PAYLOAD_TABLE = "amp_search_payload"
#: Fields kept out of ``d.fields``: large stored-only blobs and the labels.
BLOB_FIELDS = ("data_dict", "validated_data_dict")
#: Which part of the search vector a source field of ``text`` weighs in.
WEIGHT_A = ("name", "title")
WEIGHT_B = ("tags", "groups", "organization")
WEIGHT_C = ("notes", "res_name", "res_description")


class PostgresSearchEngine:
    """Index and query Solr documents in PostgreSQL tables (see the migrations)."""

    def __init__(self, engine: sa.engine.Engine, schema: SolrSchema,
                 strict: bool = False, facet_index: Optional[FacetIndex] = None) -> None:
        """:param facet_index: the facet values in memory, shared by the
        engines of one process (a new one if not given)."""
        self.engine = engine
        self.schema = schema
        self.strict = strict
        self.facet_index = facet_index if facet_index is not None else FacetIndex(TABLE)
        self._buckets: dict[str, Optional[str]] = {}

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
        geometries = [geometry for row in rows for geometry in row.pop("_geometries")]
        if rows:
            def write() -> None:
                with self.engine.begin() as connection:
                    # An index at an older revision must fail as "missing"
                    # (and be migrated), not on a column it lacks.
                    connection.execute(sa.text(f"SELECT 1 FROM {MATCH_TABLE} LIMIT 0"))
                    for statement in (_UPSERT, _UPSERT_MATCH, _UPSERT_PAYLOAD):
                        _execute_batch(connection, statement, rows)
                    connection.execute(
                        sa.text(f"DELETE FROM {GEOMETRY_TABLE} WHERE index_id = ANY(:ids)"),
                        {"ids": [row["index_id"] for row in rows]})
                    if geometries:
                        connection.execute(sa.text(INSERT_GEOMETRY), geometries)
            self._with_schema(write)
        return len(rows)

    def delete(self, query: Optional[str] = None,
               index_ids: Optional[Sequence[str]] = None) -> int:
        return self._with_schema(lambda: self._delete(query, index_ids))

    def _delete(self, query: Optional[str], index_ids: Optional[Sequence[str]]) -> int:
        with self.engine.begin() as connection:
            # The match and payload rows go with the document (ON DELETE CASCADE).
            if index_ids:
                result = connection.execute(
                    sa.text(f"DELETE FROM {DOCUMENT_TABLE} WHERE index_id = ANY(:ids)"),
                    {"ids": list(index_ids)})
                return result.rowcount
            if query is None:
                return 0
            compiler = QueryCompiler(self.schema)
            condition = compiler.condition(lucene.parse_lucene(query, ast.Occur.SHOULD))
            _resolve_spatial(connection, compiler)
            result = connection.execute(sa.text(
                f"DELETE FROM {DOCUMENT_TABLE} WHERE index_id IN "
                f"(SELECT d.index_id FROM {TABLE} AS d WHERE {condition})"), compiler.params)
            return result.rowcount

    def _vector_bucket(self, name: str) -> Optional[str]:
        """The weight (a-d) of field ``name`` in the search vector; None if not in ``text``.

        Remembered per field name: a rebuild asks it for every field of
        every document.
        """
        if name not in self._buckets:
            copied = name == CATCH_ALL or any(
                _matches(name, source) for source in self.schema.copy_sources(CATCH_ALL))
            self._buckets[name] = None if not copied else (
                "a" if name in WEIGHT_A else "b" if name in WEIGHT_B or name.startswith("vocab_")
                else "c" if name in WEIGHT_C else "d")
        return self._buckets[name]

    def _row(self, document: Mapping[str, Any]) -> dict[str, Any]:
        labels = [str(label) for label in document.get("permission_labels") or []]
        indexed = {key: value for key, value in document.items()
                   if key not in BLOB_FIELDS and key != "permission_labels"}
        fields = self.schema.normalise(indexed, strict=self.strict)
        if "index_id" not in fields or "id" not in fields or "site_id" not in fields:
            raise SearchEngineError("A document needs index_id, id and site_id")
        buckets: dict[str, list[str]] = {"a": [], "b": [], "c": [], "d": []}
        for name, value in fields.items():
            bucket = self._vector_bucket(name)
            if bucket:
                buckets[bucket].extend(str(item) for item in _as_list(value))
        texts = {name: value for name, value in fields.items()
                 if (spec := self.schema.field(name)) and spec.kind in (TEXT, NGRAM)}
        others = {name: value for name, value in fields.items() if name not in texts}
        spatial = [name for name in others if (spec := self.schema.field(name))
                   and spec.kind == SPATIAL]
        return {
            "_geometries": geometry_rows(fields["index_id"],
                                         {name: others[name] for name in spatial}),
            **{column: fields.get(column) for column in _PROMOTED},
            "permission_labels": labels,
            "fields": json.dumps(others),
            "short_fields": json.dumps({name: value for name, value in others.items()
                                        if name not in LONG_OR_UNIQUE_FIELDS
                                        and name not in spatial}),
            "texts": json.dumps(texts),
            "data_dict": _blob(document.get("data_dict")),
            "validated_data_dict": _blob(document.get("validated_data_dict")),
            **{f"text_{key}": "\n".join(values) for key, values in buckets.items()},
        }

    # -- reading ------------------------------------------------------------
    def search(self, params: Mapping[str, Any], decode_dates: bool = False) -> dict[str, Any]:
        """Answer a Solr search request with a Solr-shaped JSON response.

        The request is read by :class:`SearchRequest` (``search/request.py``),
        which reuses the reading validation attached to ``q`` and ``fq_list``.
        """
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
            order = [sort_parts(key, self.schema, compiler) for key in keys
                     if not (key.field == "score" and score == "1.0")]
        except ValueError as error:
            raise SearchEngineError(str(error)) from None
        order.append(("d.indexed_order", "ASC"))
        wants = set(request.field_list) or {"*"}  # Solr's default fl is *
        blobs = [blob for blob in BLOB_FIELDS if blob in wants or "*" in wants]
        # Ranking by score visits every match anyway; otherwise an index can
        # stop at the page, and counting is apart. Either way the page query
        # keeps to narrow columns; the rows are read by id after. A spatial
        # predicate is read once too: the planner cannot tell how many
        # datasets a box holds, and walking the date index for a page of an
        # empty box read all 100,000 rows (docs/decisions/0014).
        ranked = (any(expression == "score" for expression, _direction in order)
                  or bool(compiler.spatial))
        with self.engine.connect() as connection:
            _resolve_spatial(connection, compiler)
            page_params = dict(compiler.params, _rows=request.rows, _start=request.start)
            if ranked:
                page, facets, total = self._ranked(connection, request, where, score, order,
                                                   page_params)
            else:
                facets, total = (self._facets(connection, request, where, compiler.params)
                                 if request.facet_fields else ({}, None))
                page = []
                if request.rows and (total is None or request.start < total):
                    page_sql = (f"SELECT d.index_id, {score} AS score FROM {TABLE} AS d "
                                f"WHERE {where} ORDER BY "
                                f"{', '.join(f'{e} {d}' for e, d in order)} "
                                f"LIMIT :_rows OFFSET :_start")
                    page = connection.execute(sa.text(page_sql), page_params).mappings().all()
                if total is None:
                    total = connection.execute(
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

    def _ranked(self, connection: sa.engine.Connection, request: SearchRequest, where: str,
                score: str, order: Sequence[tuple[str, str]], params: dict[str, Any],
                ) -> tuple[list[Mapping[str, Any]], dict[str, list[Any]], int]:
        """Page, count (and facets) of a search ranked by score, in one scan of the matches.

        The matches are read once into narrow rows: id, score and sort keys
        (the last, ``indexed_order``, is the row version the facets count). Scoring happens
        there, so the search vector never travels further up the plan.
        """
        keys = "".join(f", {expression} AS _key{number}"
                       for number, (expression, _d) in enumerate(order) if expression != "score")
        sorted_by = ", ".join(("score" if expression == "score" else f"_key{number}") + f" {direction}"
                              for number, (expression, direction) in enumerate(order))
        # The row versions for the facets: the last sort key, the tie-break
        # on indexed_order (a column more in the matches costs ~15 % here).
        version = next(f"_key{number}" for number, (expression, _d) in enumerate(order)
                       if expression == "d.indexed_order")
        packed, identity = ((f"string_agg(int8send({version}), ''::bytea)", IDENTITY)
                            if request.facet_fields else ("NULL::bytea", "NULL::text"))
        sql = (f"WITH matches AS MATERIALIZED (SELECT d.index_id, {score} AS score{keys} "
               f"FROM {TABLE} AS d WHERE {where}) "
               f"SELECT 0 AS part, count(*) AS position, NULL AS index_id, NULL::float8 AS score, "
               f"{packed} AS orders, {identity} AS identity FROM matches "
               f"UNION ALL SELECT 1, row_number() OVER (), index_id, score, NULL::bytea, NULL "
               f"FROM (SELECT index_id, score FROM matches ORDER BY {sorted_by} "
               f"LIMIT :_rows OFFSET :_start) AS page "
               f"ORDER BY part, position")
        # The page's rows are numbered as the ordered, limited subquery yields
        # them; the outer ORDER BY keeps that order after the UNION.
        rows = connection.execute(sa.text(sql), params).mappings().all()
        first = rows[0]
        facets = (self._facet_counts(connection, request, first["identity"], first["orders"])
                  if request.facet_fields else {})
        total = first["position"]
        return list(rows[1:]), facets, total

    def _facets(self, connection: sa.engine.Connection, request: SearchRequest,
                where: str, params: dict[str, Any]) -> tuple[dict[str, list[Any]], int]:
        """Facet counts and the number of matches."""
        total, orders, identity = connection.execute(sa.text(
            f"SELECT count(*), string_agg(int8send(d.indexed_order), ''::bytea), {IDENTITY} "
            f"FROM {TABLE} AS d WHERE {where}"), params).one()
        return self._facet_counts(connection, request, identity, orders), total

    def _facet_counts(self, connection: sa.engine.Connection, request: SearchRequest,
                      identity: str, orders: Optional[bytes]) -> dict[str, list[Any]]:
        """Solr's ``facet_fields``: for each field, value, count, value, count...

        Counted by the process's :class:`FacetIndex` over the matches' row
        versions; kept as Solr keeps them: ``facet.mincount`` (at least 1),
        then by count (ties by value, in code point order) or by value, then
        ``facet.limit``.
        """
        expressions = {}
        for name in request.facet_fields:
            if name == "permission_labels":
                expressions[name] = "to_jsonb(d.permission_labels)"
            else:
                spec = self.schema.field(name)
                expressions[name] = f"{json_column(name, spec.kind if spec else '')} -> :_facet_name"
        counted = self.facet_index.count(connection, identity, expressions, decode_orders(orders))
        mincount = max(request.facet_mincount, 1)
        result: dict[str, list[Any]] = {}
        for name in request.facet_fields:
            pairs = [pair for pair in counted[name] if pair[1] >= mincount]
            if request.facet_sort_by_count:
                pairs.sort(key=lambda pair: (-pair[1], pair[0]))
            else:
                pairs.sort()
            if request.facet_limit >= 0:
                pairs = pairs[:request.facet_limit]
            result[name] = [item for pair in pairs for item in pair]
        return result

    def _rows(self, connection: sa.engine.Connection, page: Sequence[Mapping[str, Any]],
              blobs: Sequence[str]) -> list[dict[str, Any]]:
        """The stored fields (and asked-for blobs) of the page, in page order."""
        if not page:
            return []
        blob_columns = "".join(f", p.{blob}" for blob in blobs)
        stored = connection.execute(sa.text(
            f"SELECT d.index_id, d.fields, d.texts{blob_columns} FROM {DOCUMENT_TABLE} AS d "
            f"LEFT JOIN {PAYLOAD_TABLE} AS p ON p.index_id = d.index_id "
            f"WHERE d.index_id = ANY(:ids)"), {"ids": [row["index_id"] for row in page]})
        by_id = {row["index_id"]: dict(row) for row in stored.mappings()}
        return [dict(by_id[row["index_id"]], score=row["score"])
                for row in page if row["index_id"] in by_id]

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
                return connection.execute(
                    sa.text(f"SELECT count(*) FROM {MATCH_TABLE}")).scalar_one()
        return self._with_schema(count)


#: Fields copied into columns of their own.
_PROMOTED = tuple(PROMOTED_COLUMNS)

_UPSERT = f"""
INSERT INTO {DOCUMENT_TABLE} AS d (
    index_id, id, name, title_string, metadata_created, fields, texts)
VALUES (
    :index_id, :id, :name, :title_string, CAST(:metadata_created AS timestamptz),
    CAST(:fields AS jsonb), CAST(:texts AS jsonb))
ON CONFLICT (index_id) DO UPDATE SET
    id = EXCLUDED.id, name = EXCLUDED.name, title_string = EXCLUDED.title_string,
    metadata_created = EXCLUDED.metadata_created, fields = EXCLUDED.fields,
    texts = EXCLUDED.texts, indexed_at = now()
"""

_UPSERT_MATCH = f"""
INSERT INTO {MATCH_TABLE} AS m (
    index_id, site_id, capacity, state, entity_type, dataset_type, metadata_modified,
    permission_labels, short_fields, search_vector)
VALUES (
    :index_id, :site_id, :capacity, :state, :entity_type, :dataset_type,
    CAST(:metadata_modified AS timestamptz), CAST(:permission_labels AS text[]),
    CAST(:short_fields AS jsonb),
    setweight(amp_search_vector(:text_a), 'A') || setweight(amp_search_vector(:text_b), 'B')
    || setweight(amp_search_vector(:text_c), 'C') || setweight(amp_search_vector(:text_d), 'D'))
ON CONFLICT (index_id) DO UPDATE SET
    site_id = EXCLUDED.site_id, capacity = EXCLUDED.capacity, state = EXCLUDED.state,
    entity_type = EXCLUDED.entity_type, dataset_type = EXCLUDED.dataset_type,
    metadata_modified = EXCLUDED.metadata_modified,
    permission_labels = EXCLUDED.permission_labels, short_fields = EXCLUDED.short_fields,
    search_vector = EXCLUDED.search_vector,
    indexed_order = nextval('{MATCH_TABLE}_indexed_order_seq')
"""

_UPSERT_PAYLOAD = f"""
INSERT INTO {PAYLOAD_TABLE} (index_id, data_dict, validated_data_dict)
VALUES (:index_id, :data_dict, :validated_data_dict)
ON CONFLICT (index_id) DO UPDATE SET
    data_dict = EXCLUDED.data_dict, validated_data_dict = EXCLUDED.validated_data_dict
"""

INSERT_GEOMETRY = f"""
INSERT INTO {GEOMETRY_TABLE} (index_id, field, part, minx, miny, maxx, maxy, rectangle, shape)
VALUES (:index_id, :field, :part, :minx, :miny, :maxx, :maxy, :rectangle, :shape)
"""


def geometry_rows(index_id: str, values: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The rows of ``amp_search_geometry`` for a document's spatial fields.

    Values that do not read are skipped (the schema refuses them when
    indexing; the migration meets them in older indexes).
    """
    rows: list[dict[str, Any]] = []
    for field, field_values in values.items():
        for value in _as_list(field_values):
            try:
                parts = read_shape(str(value))
            except ShapeError:
                continue
            for part in parts:
                minx, miny, maxx, maxy = part.bounds
                rows.append({"index_id": index_id, "field": field, "part": len(rows),
                             "minx": minx, "miny": miny, "maxx": maxx, "maxy": maxy,
                             "rectangle": part.rectangle, "shape": shapely.to_wkb(part.geometry)})
    return rows


def _execute_batch(connection: sa.engine.Connection, statement: str,
                   rows: Sequence[Mapping[str, Any]]) -> None:
    """``statement`` for each of ``rows``, sent a hundred at a time.

    SQLAlchemy runs a textual statement with many parameter sets one round
    trip per row; a rebuild writes three rows per dataset.
    """
    from psycopg2.extras import execute_batch

    compiled = sa.text(statement).compile(dialect=connection.dialect)
    cursor = connection.connection.cursor()
    try:
        execute_batch(cursor, str(compiled), rows, page_size=100)
    finally:
        cursor.close()


def _resolve_spatial(connection: sa.engine.Connection, compiler: QueryCompiler) -> None:
    """Run the exact tests of the query's spatial predicates; bind the ids found."""
    for lookup in compiler.spatial:
        sql, params = lookup.candidates()
        rows = connection.execute(sa.text(sql), params).all()
        compiler.params[lookup.param] = lookup.decide(rows)


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

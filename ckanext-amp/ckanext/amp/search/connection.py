"""Put the PostgreSQL engine behind CKAN's own search layer.

CKAN talks to Solr through ``make_connection()``, which returns a
``pysolr.Solr``. CKAN offers no interface to replace the search backend, so
when the engine is ``postgres`` we replace that factory (in every module that
imported it by name) with one returning :class:`PostgresSolrConnection`, an
object with the part of pysolr's API that CKAN and its extensions use. CKAN
keeps building the index documents and the Solr parameters itself, so
permission labels and every plugin hook behave as with Solr.

The replacement factory reads the configuration at each call: with
``ckanext.amp.search.engine = solr`` it hands out stock pysolr connections.
"""
from __future__ import annotations

import importlib
import logging
from typing import Any, Callable, Optional

import pysolr

from ckan.common import asbool, config

from ckanext.amp.common.solr_schema import DEFAULT_GEOMETRY_FIELD, DocumentRejected, load_schema

from . import query_ast as ast
from .engine import TABLE, PostgresSearchEngine, SearchEngineError
from .facet_index import FacetIndex

log = logging.getLogger(__name__)

ENGINE_OPTION = "ckanext.amp.search.engine"
STRICT_OPTION = "ckanext.amp.search.strict_schema"
POSTGRES, SOLR = "postgres", "solr"
#: ckanext-spatial's option naming its spatial field (solr-spatial-field backend).
GEOMETRY_FIELD_OPTION = "ckanext.spatial.solr_geom_field_name"

#: Modules that bind ``make_connection`` by name (``from ... import``).
_CONSUMERS = (
    "ckan.lib.search.common",
    "ckan.lib.search.index",
    "ckan.lib.search.query",
    "ckan.lib.search",
    "ckanext.harvest.logic.action.update",
)
_MARK = "_amp_search_original"


class PostgresSolrConnection:
    """The subset of ``pysolr.Solr`` CKAN uses, answered by PostgreSQL."""

    url = "postgresql://amp_search"

    def __init__(self, engine: PostgresSearchEngine, decode_dates: bool = True) -> None:
        self._engine = engine
        self._decode_dates = decode_dates

    def search(self, q: Optional[str] = None, search_handler: Optional[str] = None,
               **kwargs: Any) -> pysolr.Results:
        params = dict(kwargs, q=q)
        try:
            return pysolr.Results(self._engine.search(params, self._decode_dates))
        except ast.QuerySyntaxError as error:
            raise pysolr.SolrError(f"Invalid search query: {error}") from error
        except SearchEngineError as error:
            raise pysolr.SolrError(str(error)) from error

    def add(self, docs: list[dict[str, Any]], commit: bool = True, **_ignored: Any) -> str:
        try:
            count = self._engine.add(docs)
        except DocumentRejected as error:
            raise pysolr.SolrError(f"Document rejected by the Solr schema: {error}") from error
        except SearchEngineError as error:
            raise pysolr.SolrError(str(error)) from error
        return f"indexed {count} document(s)"

    def delete(self, id: Any = None, q: Optional[str] = None, commit: bool = True,
               **_ignored: Any) -> str:
        ids = None if id is None else ([id] if isinstance(id, str) else list(id))
        try:
            count = self._engine.delete(query=q, index_ids=ids)
        except ast.QuerySyntaxError as error:
            raise pysolr.SolrError(f"Invalid delete query: {error}") from error
        return f"deleted {count} document(s)"

    def commit(self, **_ignored: Any) -> str:
        # Every write is its own committed transaction: nothing is pending.
        return "committed"

    def optimize(self, **_ignored: Any) -> str:
        return "optimized"

    def ping(self, **_ignored: Any) -> str:
        self._engine.count()
        return '{"status": "OK"}'


def engine_name() -> str:
    # Explicit defaults (those of config_declaration.yaml): the factory also
    # runs while the plugin is unloaded, when the options are undeclared.
    return str(config.get(ENGINE_OPTION, POSTGRES) or POSTGRES).strip().lower()


def make_engine(facet_index: Optional[FacetIndex] = None) -> PostgresSearchEngine:
    """The engine over CKAN's database.

    :param facet_index: the process's facet values in memory (the searches
        of one process share one; see search/facet_index.py).
    """
    from ckan.model import meta

    if meta.engine is None:
        raise SearchEngineError("The database is not configured (sqlalchemy.url)")
    geometry_field = str(config.get(GEOMETRY_FIELD_OPTION, DEFAULT_GEOMETRY_FIELD)
                         or DEFAULT_GEOMETRY_FIELD)
    return PostgresSearchEngine(meta.engine, load_schema(geometry_field=geometry_field),
                                strict=asbool(config.get(STRICT_OPTION, False)),
                                facet_index=facet_index)


def _factory(original: Callable[..., Any]) -> Callable[..., Any]:
    # Made once per process, when the plugin routes CKAN's connections here.
    facet_index = FacetIndex(TABLE)

    def make_connection(decode_dates: bool = True) -> Any:
        if engine_name() == SOLR:
            return original(decode_dates)
        return PostgresSolrConnection(make_engine(facet_index), decode_dates)

    setattr(make_connection, _MARK, original)
    return make_connection


def _schema_check(original: Callable[..., bool]) -> Callable[..., bool]:
    def check_solr_schema_version(schema_file: Optional[str] = None) -> bool:
        # The engine reads the schema.xml shipped with this very CKAN, so
        # there is no remote schema to fetch; an explicit file is still checked.
        if engine_name() == SOLR or schema_file:
            return original(schema_file)
        return True

    setattr(check_solr_schema_version, _MARK, original)
    return check_solr_schema_version


def install() -> None:
    """Route CKAN's ``make_connection`` through :func:`_factory` (idempotent)."""
    search = importlib.import_module("ckan.lib.search")
    if not hasattr(search.check_solr_schema_version, _MARK):
        search.check_solr_schema_version = _schema_check(search.check_solr_schema_version)
    common = importlib.import_module("ckan.lib.search.common")
    original = getattr(common.make_connection, _MARK, common.make_connection)
    replacement = common.make_connection if hasattr(common.make_connection, _MARK) \
        else _factory(original)
    for name in _CONSUMERS:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        current = getattr(module, "make_connection", None)
        if current is original:
            module.make_connection = replacement  # type: ignore[attr-defined]
    log.debug("amp_search: CKAN search connections routed to the %s engine", engine_name())

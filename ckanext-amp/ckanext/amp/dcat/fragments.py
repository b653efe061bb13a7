"""Each dataset's stored DCAT fragment (docs/decisions/0013-dcat-fragments.md).

The fragment is the dataset's public view as the configured RDF profile
writes it, computed when CKAN indexes the dataset (``before_dataset_index``:
every create, update, reindex and harvest import) and kept in the table
``amp_dcat_fragment`` (migration ``migration/amp_dcat``), whatever the
search engine. It is what the catalogue may show and nothing more: a record
the diffusion rules (common/diffusion.py) do not list keeps no triples, and
a listed record whose data is not everyone's is written from a dict whose
data was withheld (``diffusion.withhold_data``), before the profile redacts
its distributions too.

A fragment is fresh while its ``context_key`` (profile version, site and
catalogue URIs, licence register, ckanext-dcat settings), its dataset's
``metadata_modified`` and its organisation (``stale`` is set when the
organisation is edited) have not changed; a stale or missing fragment is
computed again when a catalogue needs it. The table is derived data: when
it is missing the plugin applies its migration itself, as amp_search does
for its index.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from typing import Any, Callable, Iterable, Mapping, Optional, Sequence

import sqlalchemy as sa
from ckan import model
from ckan.plugins import toolkit

from ckanext.amp.common import dcat_fragments, diffusion

log = logging.getLogger(__name__)

#: Bump when the profile's output changes: every fragment is then stale.
PROFILE_VERSION = "2026-12-02.2"  # .2: controlled-vocabulary values as skos:Concepts

#: Undefined table, undefined column (a migration not applied yet).
_MISSING_SCHEMA = frozenset({"42P01", "42703"})

metadata = sa.MetaData()
table = sa.Table(
    "amp_dcat_fragment", metadata,
    sa.Column("package_id", sa.UnicodeText, primary_key=True),
    sa.Column("org_id", sa.UnicodeText),
    sa.Column("listed", sa.Boolean, nullable=False),
    sa.Column("stale", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("context_key", sa.UnicodeText, nullable=False),
    sa.Column("metadata_modified", sa.UnicodeText),
    sa.Column("dataset_uri", sa.UnicodeText),
    sa.Column("digest", sa.UnicodeText, nullable=False),
    sa.Column("nt", sa.UnicodeText, nullable=False),
    sa.Column("ttl", sa.UnicodeText, nullable=False),
    sa.Column("xml", sa.UnicodeText, nullable=False),
    sa.Column("jsonld", sa.UnicodeText, nullable=False),
    sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
    # Digest of the public view and context key it was computed from (source_digest).
    sa.Column("source_digest", sa.UnicodeText),
)
BODIES = ("nt", "ttl", "xml", "jsonld")
LIGHT = [c for c in table.c if c.name not in BODIES]


# -- the table -----------------------------------------------------------------

def _engine() -> sa.engine.Engine:
    return model.meta.engine


def _upgrade(engine: sa.engine.Engine) -> None:
    if engine.dialect.name != "postgresql":
        metadata.create_all(engine)
        return
    from ckanext.amp.migration.alembic_env import upgrade_to_head

    log.warning("amp_dcat: fragment table missing or outdated, applying the amp_dcat "
                "migrations")
    upgrade_to_head("amp_dcat", engine)


def _missing(error: BaseException) -> bool:
    orig = getattr(error, "orig", None)
    return getattr(orig, "pgcode", None) in _MISSING_SCHEMA or "no such table" in str(orig)


def _run(operation, read_only: bool = False):
    """Run ``operation(connection)`` in a transaction of its own (a read:
    autocommit, one round trip per statement — every index write reads its
    row); apply the migration first when the table is missing."""
    engine = _engine()

    def once():
        if read_only:
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                return operation(connection)
        with engine.begin() as connection:
            return operation(connection)

    try:
        return once()
    except sa.exc.DBAPIError as error:
        if not _missing(error):
            raise
    _upgrade(engine)
    return once()


# -- what every fragment depends on -------------------------------------------------

def _licence_register_digest() -> str:
    register = model.Package.get_license_register()
    entries = []
    for licence_id, licence in sorted(register.items()):
        entries.append([licence_id, str(getattr(licence, "title", "")),
                        str(getattr(licence, "url", "") or ""),
                        str(getattr(licence, "title_en", "") or "")])
    return hashlib.sha1(json.dumps(entries).encode()).hexdigest()


#: ckanext-dcat settings that do not change a dataset's triples.
_NOT_IN_FRAGMENTS = frozenset({
    "ckanext.dcat.datasets_per_page", "ckanext.dcat.catalog_endpoint",
    "ckanext.dcat.json_endpoint", "ckanext.dcat.enable_content_negotiation",
    "ckanext.dcat.enable_rdf_endpoints",
})


def context_key() -> str:
    """Digest of what every fragment depends on beyond its own dataset."""
    import ckanext.dcat

    settings = {key: str(value) for key, value in toolkit.config.items()
                if str(key).startswith("ckanext.dcat.") and key not in _NOT_IN_FRAGMENTS}
    return dcat_fragments.freshness_key({
        "profile": PROFILE_VERSION,
        "ckanext-dcat": getattr(ckanext.dcat, "__version__", ""),
        "site_url": toolkit.config.get("ckan.site_url"),
        "locale": toolkit.config.get("ckan.locale_default"),
        "dcat": settings,
        "licences": _licence_register_digest(),
    })


def enabled() -> bool:
    """Sub-catalogues (``ckanext.dcat.expose_subcatalogs``) tie a dataset to
    a catalogue node the fragments do not carry: the catalogue is then
    computed as ckanext-dcat does."""
    return not toolkit.asbool(toolkit.config.get("ckanext.dcat.expose_subcatalogs", False))


# -- computing ------------------------------------------------------------------

def public_view(dataset: Mapping[str, Any]) -> Optional[dict[str, Any]]:
    """What the catalogue may show of ``dataset``: ``None`` for a record it
    does not list, a copy whose data is withheld for a record whose data
    is not everyone's, else a copy."""
    if not diffusion.listed_in_catalogue(dataset):
        return None
    view = json.loads(json.dumps(dataset))
    if diffusion.Audience.EVERYONE not in diffusion.data_audience(view):
        diffusion.withhold_data(view)
    return view


_SERIALIZERS: dict[str, Any] = {}


def _serializer() -> Any:
    """ckanext-dcat's serializer of the configured profiles, with an empty
    graph (its profiles are found once per process: reading the entry
    points costs more than a dataset's graph)."""
    import copy

    from ckanext.dcat.processors import RDFSerializer
    from rdflib import ConjunctiveGraph

    profiles = str(toolkit.config.get("ckanext.dcat.rdf.profiles") or "")
    template = _SERIALIZERS.get(profiles)
    if template is None:
        template = _SERIALIZERS[profiles] = RDFSerializer()
    serializer = copy.copy(template)  # shares the profile classes only
    serializer.g = ConjunctiveGraph()
    return serializer


_UNSET: Any = object()


def compute(dataset: Mapping[str, Any], view: Any = _UNSET,
            ) -> tuple[dcat_fragments.Fragment, Optional[str]]:
    """The fragment of ``dataset`` (as indexed) and its dataset URI.

    :param view: ``public_view(dataset)`` when the caller has it already.
    """
    if view is _UNSET:
        view = public_view(dataset)
    if view is None:
        return dcat_fragments.EMPTY, None
    serializer = _serializer()
    dataset_ref = serializer.graph_from_dataset(view)
    seed = dcat_fragments.seed_of(str(dataset.get("id") or dataset_ref))
    return dcat_fragments.fragment_from_graph(serializer.g, seed), str(dataset_ref)


def source_digest(dataset: Mapping[str, Any], view: Optional[Mapping[str, Any]],
                  key: str) -> str:
    """Digest of what a fragment is computed from: the dataset's public view
    (None: not listed), its ``metadata_modified`` and the context key."""
    return hashlib.sha1(json.dumps(
        [key, _modified(dataset.get("metadata_modified")), view],
        sort_keys=True, default=str, ensure_ascii=False).encode()).hexdigest()


def row_for(dataset: Mapping[str, Any], key: Optional[str] = None,
            view: Any = _UNSET) -> dict[str, Any]:
    """The table row of ``dataset``'s fragment, computed now."""
    key = key or context_key()
    if view is _UNSET:
        view = public_view(dataset)
    fragment, uri = compute(dataset, view)
    return {
        "package_id": dataset["id"],
        "org_id": dataset.get("owner_org"),
        "listed": uri is not None,
        "stale": False,
        "context_key": key,
        "source_digest": source_digest(dataset, view, key),
        "metadata_modified": _modified(dataset.get("metadata_modified")),
        "dataset_uri": uri,
        "digest": fragment.digest,
        "nt": fragment.nt, "ttl": fragment.ttl, "xml": fragment.xml, "jsonld": fragment.jsonld,
        "updated": dt.datetime.now(dt.timezone.utc),
    }


def _modified(value: Any) -> Optional[str]:
    """``metadata_modified`` to the millisecond, as the dataset dict, the
    PostgreSQL index and Solr (milliseconds, a trailing ``Z``) all give it."""
    if not value:
        return None
    if not isinstance(value, dt.datetime):
        try:
            value = dt.datetime.fromisoformat(str(value).rstrip("Z"))
        except ValueError:
            return str(value)
    return value.replace(tzinfo=None).isoformat(timespec="milliseconds")


def _upsert(connection: sa.engine.Connection, rows: Sequence[dict[str, Any]]) -> None:
    if not rows:
        return
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(table)
    columns = {c.name: statement.excluded[c.name] for c in table.c if c.name != "package_id"}
    connection.execute(statement.on_conflict_do_update(index_elements=["package_id"],
                                                       set_=columns), list(rows))


def store(rows: Sequence[dict[str, Any]]) -> None:
    _run(lambda connection: _upsert(connection, rows))


def refresh(dataset: Mapping[str, Any]) -> bool:
    """Compute and store the fragment of ``dataset`` (index hook), unless the
    stored one was computed from the same public view and context and its
    organisation has not changed since (a reindex). True if computed."""
    if dataset.get("type") == "harvest" or not dataset.get("id"):
        return False
    key = context_key()
    view = public_view(dataset)
    stored = light_rows([dataset["id"]]).get(dataset["id"])
    if stored and not stored["stale"] and stored["context_key"] == key \
            and stored["source_digest"] == source_digest(dataset, view, key):
        return False
    store([row_for(dataset, key, view)])
    return True


def refresh_from_index(pkg_dict: Mapping[str, Any]) -> None:
    """``before_dataset_index``: the dataset as ``package_show`` gave it is
    the document's ``validated_data_dict`` (what package_search returns)."""
    if not enabled():
        return
    source = pkg_dict.get("validated_data_dict") or pkg_dict.get("data_dict")
    try:
        dataset = json.loads(source) if isinstance(source, str) else None
        if dataset:
            refresh(dataset)
    except Exception:  # never fail an index write for the catalogue's sake
        log.exception("amp_dcat: fragment of %s not stored", pkg_dict.get("id"))
        try:  # an outdated fragment must not stay: it is computed when needed
            forget([pkg_dict.get("id")])
        except Exception:
            log.exception("amp_dcat: outdated fragment of %s not removed", pkg_dict.get("id"))


def forget(package_ids: Iterable[Any]) -> None:
    ids = [str(i) for i in package_ids if i]
    if ids:
        _run(lambda connection: connection.execute(
            table.delete().where(table.c.package_id.in_(ids))))


def mark_organisation_stale(org_id: str) -> None:
    """An organisation changed: its datasets' fragments are computed again
    when next needed (and ckanext-dcat forgets its copy of it)."""
    try:
        from ckanext.dcat.profiles.base import RDFProfile

        RDFProfile._org_cache.pop(org_id, None)
    except (ImportError, AttributeError):
        pass
    _run(lambda connection: connection.execute(
        table.update().where(table.c.org_id == org_id).values(stale=True)))


# -- reading ------------------------------------------------------------------

def light_rows(package_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The rows of ``package_ids`` without their bodies."""
    if not package_ids:
        return {}

    def read(connection):
        result = connection.execute(sa.select(*LIGHT).where(table.c.package_id.in_(list(package_ids))))
        return {row.package_id: dict(row._mapping) for row in result}

    return _run(read, read_only=True)


def bodies(package_ids: Sequence[str], fmt: str) -> dict[str, str]:
    if not package_ids:
        return {}
    column = table.c[fmt]

    def read(connection):
        result = connection.execute(sa.select(table.c.package_id, column)
                                    .where(table.c.package_id.in_(list(package_ids))))
        return {row[0]: row[1] for row in result}

    return _run(read, read_only=True)


def is_fresh(row: Optional[Mapping[str, Any]], key: str, metadata_modified: Any) -> bool:
    return bool(row) and not row["stale"] and row["context_key"] == key and (
        metadata_modified is None or row["metadata_modified"] == _modified(metadata_modified))


def ensure_fresh(items: Sequence[Mapping[str, Any]], key: str) -> dict[str, dict[str, Any]]:
    """Light rows of ``items`` (``{"id", "metadata_modified"}`` from the
    index), computing again the missing and stale ones from ``package_show``."""
    ids = [item["id"] for item in items]
    rows = light_rows(ids)
    late = [item for item in items
            if not is_fresh(rows.get(item["id"]), key, item.get("metadata_modified"))]
    if late:
        fresh = _computed(late, key)
        store(fresh)
        for row in fresh:
            rows[row["package_id"]] = {k: v for k, v in row.items() if k not in BODIES}
    return rows


def _computed(items: Sequence[Mapping[str, Any]], key: str) -> list[dict[str, Any]]:
    """Rows computed from ``package_show`` (a dataset gone meanwhile: none)."""
    rows = []
    for item in items:
        try:
            dataset = toolkit.get_action("package_show")(
                {"ignore_auth": True, "use_cache": False}, {"id": item["id"]})
        except toolkit.ObjectNotFound:
            continue
        rows.append(row_for(dataset, key))
    return rows


def refresh_all(force: bool = False, chunk: int = 200,
                progress: Optional[Callable[[int, int, int], None]] = None) -> dict[str, int]:
    """Bring every dataset's fragment up to date without a reindex (``ckan
    amp dcat fragments``): the missing and stale ones, or every one with
    ``force``; the rows of datasets that are gone (or deleted) are removed."""
    query = (model.Session.query(model.Package.id, model.Package.metadata_modified)
             .filter(model.Package.state == "active")
             .filter(model.Package.type != "harvest").order_by(model.Package.id))
    items = [{"id": row.id, "metadata_modified": row.metadata_modified} for row in query]
    model.Session.remove()
    key = context_key()
    computed = 0
    for start in range(0, len(items), chunk):
        part = items[start:start + chunk]
        rows = {} if force else light_rows([item["id"] for item in part])
        late = [item for item in part
                if not is_fresh(rows.get(item["id"]), key, item["metadata_modified"])]
        store(_computed(late, key))
        computed += len(late)
        if progress is not None:
            progress(start + len(part), len(items), computed)
    wanted = {item["id"] for item in items}
    stored = _run(lambda connection: connection.execute(sa.select(table.c.package_id)).scalars().all())
    gone = [package_id for package_id in stored if package_id not in wanted]
    forget(gone)
    return {"computed": computed, "fresh": len(items) - computed, "removed": len(gone)}


def latest_update() -> Optional[dt.datetime]:
    return _run(lambda connection: connection.execute(sa.select(sa.func.max(table.c.updated))).scalar())

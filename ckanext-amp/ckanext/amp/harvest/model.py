"""amp_harvest's tables (created by ``ckan db upgrade -p amp_harvest``):
remote records, catalogue pages already read, job summaries.

Bulk reads and writes go through SQL on the session's connection: a
re-harvest of 10,000 unchanged records reads one query and writes nothing.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

import sqlalchemy as sa
from ckan import model
from ckan.plugins import toolkit

from ckanext.amp.common.harvest.plan import Stored

# Declared on CKAN's metadata (as ckanext-harvest's tables are), so that
# CKAN's test fixtures empty them too.
record_table = sa.Table(
    "amp_harvest_record", toolkit.BaseModel.metadata,
    sa.Column("source_id", sa.UnicodeText, primary_key=True),
    sa.Column("remote_id", sa.UnicodeText, primary_key=True),
    sa.Column("package_id", sa.UnicodeText),
    sa.Column("content_hash", sa.UnicodeText),
    sa.Column("status", sa.UnicodeText, nullable=False),
    sa.Column("message", sa.UnicodeText),
    sa.Column("first_seen", sa.DateTime, nullable=False),
    sa.Column("last_written", sa.DateTime),
    sa.Column("missing_since", sa.DateTime),
    sa.Column("withdrawn_at", sa.DateTime),
    sa.Column("withdrawn_reason", sa.UnicodeText),
    sa.Column("last_job_id", sa.UnicodeText),
    extend_existing=True,
)

page_table = sa.Table(
    "amp_harvest_page", toolkit.BaseModel.metadata,
    sa.Column("source_id", sa.UnicodeText, primary_key=True),
    sa.Column("url", sa.UnicodeText, primary_key=True),
    sa.Column("page_key", sa.UnicodeText, nullable=False),
    sa.Column("next_url", sa.UnicodeText),
    sa.Column("remote_ids", sa.UnicodeText, nullable=False),
    sa.Column("job_id", sa.UnicodeText),
    extend_existing=True,
)

job_table = sa.Table(
    "amp_harvest_job", toolkit.BaseModel.metadata,
    sa.Column("job_id", sa.UnicodeText, primary_key=True),
    sa.Column("source_id", sa.UnicodeText, nullable=False),
    sa.Column("counts", sa.UnicodeText, nullable=False),
    sa.Column("notes", sa.UnicodeText, nullable=False),
    sa.Column("created", sa.DateTime, nullable=False),
    extend_existing=True,
)

OK_STATUSES = ("created", "updated", "unchanged")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def _session() -> Any:
    return model.Session


# -- records --------------------------------------------------------------------

def stored_records(source_id: str) -> dict[str, Stored]:
    rows = _session().execute(
        sa.select(record_table.c.remote_id, record_table.c.package_id,
                  record_table.c.content_hash, record_table.c.status,
                  record_table.c.missing_since, record_table.c.withdrawn_at)
        .where(record_table.c.source_id == source_id))
    return {row.remote_id: Stored(row.package_id, row.content_hash, row.status,
                                  row.missing_since, row.withdrawn_at is not None)
            for row in rows}


def existing_packages(package_ids: Iterable[str]) -> set[str]:
    ids = [package_id for package_id in package_ids if package_id]
    if not ids:
        return set()
    rows = _session().execute(sa.text("SELECT id FROM package WHERE id = ANY(:ids)"),
                              {"ids": ids})
    return {row[0] for row in rows}


def record_for_package(package_id: str) -> Mapping[str, Any] | None:
    row = _session().execute(sa.select(record_table)
                             .where(record_table.c.package_id == package_id)).first()
    return row._mapping if row is not None else None


def save_record(source_id: str, remote_id: str, *, status: str, job_id: str | None,
                package_id: str | None = None, content_hash: str | None = None,
                message: str | None = None, withdrawn_reason: str | None = None) -> None:
    """Upsert what was written for a remote record (in the caller's
    transaction)."""
    now = utcnow()
    values: dict[str, Any] = {"status": status, "last_job_id": job_id, "message": message}
    if status in ("created", "updated"):
        values.update(package_id=package_id, content_hash=content_hash, last_written=now,
                      missing_since=None, withdrawn_at=None, withdrawn_reason=None)
    elif status == "withdrawn":
        values.update(withdrawn_at=now, withdrawn_reason=withdrawn_reason)
    from sqlalchemy.dialects.postgresql import insert

    statement = insert(record_table).values(source_id=source_id, remote_id=remote_id,
                                            first_seen=now, **values)
    statement = statement.on_conflict_do_update(
        index_elements=[record_table.c.source_id, record_table.c.remote_id], set_=values)
    _session().execute(statement)


def mark_missing(source_id: str, remote_ids: list[str], since: dt.datetime | None) -> None:
    if not remote_ids:
        return
    _session().execute(
        record_table.update()
        .where(record_table.c.source_id == source_id)
        .where(record_table.c.remote_id.in_(remote_ids))
        .values(missing_since=since))


# -- pages ----------------------------------------------------------------------

@dataclass(frozen=True)
class StoredPage:
    page_key: str
    next_url: str | None
    remote_ids: list[str]


def stored_pages(source_id: str) -> dict[str, StoredPage]:
    rows = _session().execute(sa.select(page_table).where(page_table.c.source_id == source_id))
    return {row.url: StoredPage(row.page_key, row.next_url, json.loads(row.remote_ids))
            for row in rows}


def save_pages(source_id: str, job_id: str, pages: Mapping[str, StoredPage]) -> None:
    if not pages:
        return
    from sqlalchemy.dialects.postgresql import insert

    rows = [{"source_id": source_id, "url": url, "page_key": page.page_key,
             "next_url": page.next_url, "remote_ids": json.dumps(page.remote_ids),
             "job_id": job_id} for url, page in pages.items()]
    statement = insert(page_table).values(rows)
    statement = statement.on_conflict_do_update(
        index_elements=[page_table.c.source_id, page_table.c.url],
        set_={"page_key": statement.excluded.page_key, "next_url": statement.excluded.next_url,
              "remote_ids": statement.excluded.remote_ids, "job_id": statement.excluded.job_id})
    _session().execute(statement)


# -- jobs -----------------------------------------------------------------------

def save_job_summary(job_id: str, source_id: str, counts: Mapping[str, Any],
                     notes: list[str]) -> None:
    from sqlalchemy.dialects.postgresql import insert

    values = {"counts": json.dumps(dict(counts)), "notes": json.dumps(notes)}
    statement = insert(job_table).values(job_id=job_id, source_id=source_id, created=utcnow(),
                                         **values)
    _session().execute(statement.on_conflict_do_update(index_elements=[job_table.c.job_id],
                                                       set_=values))


def job_summary(job_id: str) -> tuple[dict[str, Any], list[str]] | None:
    row = _session().execute(sa.select(job_table.c.counts, job_table.c.notes)
                             .where(job_table.c.job_id == job_id)).first()
    if row is None:
        return None
    return json.loads(row.counts), json.loads(row.notes)

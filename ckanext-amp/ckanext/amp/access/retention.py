"""Retention of the audit log: lines older than the configured number of
days are deleted, the only deletion the log's trigger lets through."""
from __future__ import annotations

import datetime as dt
from typing import Optional

import sqlalchemy as sa
from ckan import model
from ckan.plugins import toolkit

RETENTION_OPTION = "ckanext.amp.access.log_retention_days"


def retention_days() -> int:
    return int(toolkit.config.get(RETENTION_OPTION) or 365)


def prune_log(days: Optional[int] = None, now: Optional[dt.datetime] = None) -> tuple[int, int]:
    """Delete the lines older than ``days`` (the option by default).
    Returns (lines deleted, days kept)."""
    kept = retention_days() if days is None else int(days)
    if kept < 1:
        raise ValueError("the retention is at least one day")
    limit = (now or dt.datetime.now(dt.timezone.utc)) - dt.timedelta(days=kept)
    session = model.Session
    session.execute(sa.text("SET LOCAL amp.access_log_purge = 'on'"))
    result = session.execute(sa.text("DELETE FROM amp_access_log WHERE at < :limit"),
                             {"limit": limit})
    session.commit()
    return result.rowcount, kept

"""Retention of CKAN's ``tracking_raw`` (every visit, one row each, never
pruned by CKAN): rows older than the configured number of days go, once
``ckan tracking update`` has summed their day into ``tracking_summary``
(which keeps the daily sums the usage dashboard reads). The cut-off rule
is ``common/usage_records.prune_before``."""
from __future__ import annotations

import datetime as dt
from typing import NamedTuple, Optional

import sqlalchemy as sa

from ckan import model
from ckan.plugins import toolkit

from ckanext.amp.common import usage_records

RETENTION_OPTION = "ckanext.amp.dashboard.tracking_raw_retention_days"


class Pruned(NamedTuple):
    removed: int
    #: The first day kept (None: nothing summed yet, nothing pruned).
    kept_from: Optional[dt.date]
    days: int


def retention_days() -> int:
    return int(toolkit.config.get(RETENTION_OPTION) or 400)


def prune_tracking_raw(days: Optional[int] = None,
                       today: Optional[dt.date] = None) -> Pruned:
    """Delete the ``tracking_raw`` rows of the days before the cut-off.

    :param days: the retention (the option by default)
    :param today: the day counted from (the database's, by default: the
        rows are stamped by PostgreSQL's ``now()``)"""
    kept = retention_days() if days is None else int(days)
    session = model.Session
    if today is None:
        today = session.execute(sa.text("SELECT CAST(now() AS date)")).scalar()
    last_summed = session.execute(sa.text("SELECT max(tracking_date) FROM tracking_summary")).scalar()
    first_kept = usage_records.prune_before(today, kept, last_summed)
    if first_kept is None:
        return Pruned(0, None, kept)
    result = session.execute(sa.text(
        "DELETE FROM tracking_raw WHERE access_timestamp < CAST(:day AS date)"), {"day": first_kept})
    session.commit()
    return Pruned(result.rowcount, first_kept, kept)

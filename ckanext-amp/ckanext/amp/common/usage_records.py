"""Rules for the records behind the usage dashboard (amp_dashboard): what a
reuse's address may be, and how far back ``tracking_raw`` may be pruned.
Pure Python, no CKAN import.

CKAN's ``ckan tracking update`` sums ``tracking_raw`` a day at a time into
``tracking_summary``; without a date it starts again two days before the
last day summed (:data:`UPDATE_REDO_DAYS`). A raw row may go only once its
day is summed: the prune stops :data:`KEEP_UNSUMMED_DAYS` days before the
last day summed (and never prunes while nothing is summed), whatever the
retention asked.
"""
from __future__ import annotations

import datetime as dt
from typing import Optional
from urllib.parse import urlsplit

__all__ = ["KEEP_UNSUMMED_DAYS", "MIN_RETENTION_DAYS", "UPDATE_REDO_DAYS", "prune_before",
           "valid_reuse_url"]

#: Days ``ckan tracking update`` sums again before its last day summed (CKAN's rule).
UPDATE_REDO_DAYS = 2

#: Days kept before the last day summed, whatever the retention: the update's
#: own redo window and a margin (a daily job that failed a few days running).
KEEP_UNSUMMED_DAYS = 7

#: The shortest retention accepted (fewer days would be the safety margin anyway).
MIN_RETENTION_DAYS = KEEP_UNSUMMED_DAYS


def valid_reuse_url(url: str) -> bool:
    """Whether ``url`` is an absolute http or https address with a host
    (no spaces: a pasted sentence is not an address)."""
    text = (url or "").strip()
    if not text or any(char.isspace() for char in text):
        return False
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def prune_before(today: dt.date, retention_days: int,
                 last_summed: Optional[dt.date]) -> Optional[dt.date]:
    """The first day of ``tracking_raw`` kept (rows of earlier days may go),
    or None to prune nothing (nothing summed yet).

    ``retention_days`` back from ``today`` (at least
    :data:`MIN_RETENTION_DAYS`), but never later than
    :data:`KEEP_UNSUMMED_DAYS` before ``last_summed``, the last day in
    ``tracking_summary``."""
    if last_summed is None:
        return None
    if retention_days < MIN_RETENTION_DAYS:
        raise ValueError(f"retention of {retention_days} days: at least {MIN_RETENTION_DAYS}")
    by_retention = today - dt.timedelta(days=retention_days)
    by_summary = last_summed - dt.timedelta(days=KEEP_UNSUMMED_DAYS)
    return min(by_retention, by_summary)

"""Usage figures of the datasets: months, monthly series and trends (the
usage dashboard of amp_dashboard). Pure Python, no CKAN import.

Views and downloads come from CKAN's ``tracking`` plugin, one row a day
and address in ``tracking_summary`` (visitors counted once a day); the
dashboard sums them by calendar month over the last :data:`WINDOW_MONTHS`
months, the current month included (it is partial: the trend leaves it out).

A download is a ``resource`` row whose address is a resource's ``url``
(a link), or the download address CKAN gives an uploaded file
(``…/dataset/<id>/resource/<resource id>/download/<file>``, the resource's
stored ``url`` being just the file name): :data:`DOWNLOAD_PATH` finds the
resource id in it, in Python (:func:`resource_id_of`) and in SQL
(PostgreSQL ``substring(url from DOWNLOAD_PATH)``), one pattern for both.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Iterable, Mapping, Optional, Sequence

__all__ = ["DOWNLOAD_PATH", "TREND_MONTHS", "TREND_THRESHOLD", "Trend", "WINDOW_MONTHS",
           "month_key", "month_starts", "resource_id_of", "series", "trend", "window_start"]

#: Months shown: the current one and the eleven before.
WINDOW_MONTHS = 12

#: A trend compares the last TREND_MONTHS complete months with the ones before.
TREND_MONTHS = 3

#: Relative change under which the use is said to be steady.
TREND_THRESHOLD = 0.1

#: The resource id in CKAN's download address of an uploaded file (POSIX
#: regular expression with one group, read by Python's ``re`` too).
DOWNLOAD_PATH = r"/resource/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/download"

_DOWNLOAD = re.compile(DOWNLOAD_PATH)


def resource_id_of(url: str) -> Optional[str]:
    """The resource id of an upload's download address, else None."""
    match = _DOWNLOAD.search(url or "")
    return match.group(1) if match else None


def month_key(day: dt.date) -> str:
    """``2026-03`` for any day of March 2026."""
    return f"{day.year:04d}-{day.month:02d}"


def _shift(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def month_starts(today: dt.date, count: int = WINDOW_MONTHS) -> list[dt.date]:
    """First days of the ``count`` months ending with ``today``'s, oldest first."""
    if count < 1:
        raise ValueError("count must be at least 1")
    starts = []
    for delta in range(-(count - 1), 1):
        year, month = _shift(today.year, today.month, delta)
        starts.append(dt.date(year, month, 1))
    return starts


def window_start(today: dt.date, count: int = WINDOW_MONTHS) -> dt.date:
    """The first day counted: the first of the oldest month shown."""
    return month_starts(today, count)[0]


def series(months: Sequence[str], counts: Mapping[str, int]) -> list[int]:
    """The value of each month (``month_key``), 0 for a month without any."""
    return [int(counts.get(month, 0)) for month in months]


@dataclass(frozen=True)
class Trend:
    """How the use moves: ``direction`` is ``up``, ``down``, ``steady``,
    ``new`` (nothing before, something now) or ``none`` (nothing at all);
    ``change`` the relative change (None when there was nothing before)."""

    direction: str
    recent: int
    before: int
    change: Optional[float]


def trend(values: Sequence[int], months: int = TREND_MONTHS,
          threshold: float = TREND_THRESHOLD, partial_last: bool = True) -> Trend:
    """The last ``months`` complete months against the ``months`` before them.

    ``values`` are monthly, oldest first; the last one is the current,
    partial month when ``partial_last`` (left out). Fewer values than two
    periods: the periods are as long as the values allow.
    """
    complete = list(values[:-1] if partial_last and values else values)
    span = min(months, len(complete) // 2)
    if span == 0:
        return Trend("none", 0, 0, None)
    recent = sum(complete[-span:])
    before = sum(complete[-2 * span:-span])
    if before == 0:
        return Trend("new" if recent else "none", recent, before, None)
    change = (recent - before) / before
    if change > threshold:
        direction = "up"
    elif change < -threshold:
        direction = "down"
    else:
        direction = "steady"
    return Trend(direction, recent, before, round(change, 3))


def add_series(total: list[int], values: Iterable[int]) -> None:
    """``total`` += ``values``, month by month (same length)."""
    for index, value in enumerate(values):
        total[index] += value

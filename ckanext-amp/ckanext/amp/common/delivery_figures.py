"""Figures of the conventions dashboard: deliveries per month and the late
deliveries, from what the schedules already decided. Pure Python.

Whether a delivery is due, late or received is decided by
:mod:`ckanext.amp.common.schedules` alone (amp_conventions applies it in
``amp_delivery_list``); this module only counts and orders its answers:

* **per month**, the deliveries *expected* (due dates falling in the month,
  whatever became of them) against the deliveries *received* in the month
  (rejected ones excluded: they settle nothing). A late delivery received
  the next month counts in the month it came.
* **late deliveries**, the most overdue first (days since the due date),
  then by convention and item.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterable, Optional, Sequence

__all__ = [
    "MonthCount",
    "by_month",
    "days_late",
    "last_months",
    "lateness_key",
    "month_of",
]


def month_of(day: dt.date) -> str:
    """``YYYY-MM`` of a day."""
    return f"{day.year:04d}-{day.month:02d}"


def last_months(on: dt.date, count: int) -> list[str]:
    """The ``count`` months up to and including the month of ``on``,
    oldest first (``YYYY-MM``)."""
    index = on.year * 12 + on.month - 1
    return [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(index - max(1, count) + 1, index + 1)]


@dataclass(frozen=True)
class MonthCount:
    month: str
    expected: int
    received: int


def by_month(due_dates: Iterable[Optional[dt.date]], received: Iterable[Optional[dt.date]],
             months: Sequence[str]) -> list[MonthCount]:
    """Deliveries expected (by due date) and received (by day received) in
    each of ``months``; days outside them, and ``None``, are left out."""
    expected = dict.fromkeys(months, 0)
    came = dict.fromkeys(months, 0)
    for day in due_dates:
        if day is not None and month_of(day) in expected:
            expected[month_of(day)] += 1
    for day in received:
        if day is not None and month_of(day) in came:
            came[month_of(day)] += 1
    return [MonthCount(month, expected[month], came[month]) for month in months]


def days_late(due: dt.date, on: dt.date) -> int:
    """Days from the due date to ``on`` (0 on the day itself)."""
    return max(0, (on - due).days)


def lateness_key(days: int, convention: str, item: str) -> tuple[int, str, str]:
    """Sort key of a late delivery: the most overdue first."""
    return (-days, convention, item)

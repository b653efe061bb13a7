"""Delivery schedules of a convention's data items, and lateness. Pure Python.

A data item is delivered at a periodicity given as an EU frequency code
(``schemas/vocabularies/frequency.json``: ``ANNUAL_2`` every six months,
``QUARTERLY``, ``MONTHLY``, ``WEEKLY``, ``DAILY``...). From the convention's
first day, each period ends on a **due date**: the delivery for the period
is expected by then (``start`` + one period, + two periods...). ``NEVER``
(« ponctuelle ») is a one-off delivery with no due date unless the item
gives one; ``IRREG``, ``UNKNOWN``, ``OTHER`` and the continuous or sub-daily
codes have no schedule (nothing is ever late).

Deliveries received are matched to due dates first in, first out: each
delivery settles the oldest due date still open whose period has begun
(a late delivery catches up the backlog first); a second delivery within
the same period is an extra (a correction, a resend). A due date with no
delivery is ``late`` once ``tolerance_days`` have passed after it.
"""
from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import Iterable, Iterator, Optional, Sequence

from ckanext.amp.common.conventions import add_months

__all__ = [
    "Expectation",
    "ONE_OFF",
    "PERIODS",
    "Report",
    "due_dates",
    "frequency_code",
    "report",
    "tally",
]

#: EU frequency code -> (months, days) of one period.
PERIODS: dict[str, tuple[int, int]] = {
    "DAILY": (0, 1),
    "WEEKLY": (0, 7),
    "BIWEEKLY": (0, 14),
    "MONTHLY": (1, 0),
    "BIMONTHLY": (2, 0),
    "QUARTERLY": (3, 0),
    "ANNUAL_3": (4, 0),
    "ANNUAL_2": (6, 0),
    "ANNUAL": (12, 0),
    "BIENNIAL": (24, 0),
    "TRIENNIAL": (36, 0),
    "QUADRENNIAL": (48, 0),
    "QUINQUENNIAL": (60, 0),
    "DECENNIAL": (120, 0),
}

#: One-off deliveries (« ponctuelle »).
ONE_OFF = frozenset({"NEVER"})

#: Statuses of an expected delivery.
STATUSES = ("received", "received_late", "late", "due", "pending")

_FREQUENCY_URI = "publications.europa.eu/resource/authority/frequency/"


def frequency_code(value: Optional[str]) -> Optional[str]:
    """The EU code of a periodicity given as a code or its URI (None if empty)."""
    if not value:
        return None
    text = str(value).strip()
    if _FREQUENCY_URI in text:
        text = text.rstrip("/").rsplit("/", 1)[-1]
    return text.upper() or None


@dataclass(frozen=True)
class Expectation:
    """One expected delivery. ``due`` is ``None`` for a one-off delivery
    with no date. ``received`` is the date of the delivery that settled it."""

    due: Optional[dt.date]
    status: str
    received: Optional[dt.date] = None

    @property
    def late(self) -> bool:
        return self.status == "late"


@dataclass(frozen=True)
class Report:
    """What was expected of an item up to :attr:`on`, and what came."""

    on: dt.date
    #: ``periodic``, ``one_off`` or ``unscheduled``.
    kind: str
    expected: tuple[Expectation, ...] = ()
    #: Deliveries that settled no due date (resends, before the start...).
    extra: tuple[dt.date, ...] = ()
    #: The next due date after :attr:`on`, within the convention.
    next_due: Optional[dt.date] = None

    @property
    def late(self) -> tuple[Expectation, ...]:
        return tuple(e for e in self.expected if e.late)


def _in(day: dt.date, periods: Iterable[tuple[dt.date, Optional[dt.date]]]) -> bool:
    return any(start <= day and (stop is None or day < stop) for start, stop in periods)


def _dues(code: str, start: dt.date) -> Iterator[dt.date]:
    """Every due date of a periodic item, without end."""
    months, days = PERIODS[code]
    k = 1
    while True:
        yield add_months(start, k * months) + dt.timedelta(days=k * days)
        k += 1


def due_dates(periodicity: Optional[str], start: dt.date, until: dt.date,
              skip: Iterable[tuple[dt.date, Optional[dt.date]]] = ()) -> list[dt.date]:
    """Due dates of a periodic item from ``start`` up to ``until``
    (inclusive), leaving out those inside ``skip`` periods (first day,
    first day after or ``None``; e.g. suspensions). Empty for a code with
    no period."""
    code = frequency_code(periodicity) or ""
    if code not in PERIODS:
        return []
    skipped = list(skip)
    return [due for due in itertools.takewhile(lambda due: due <= until, _dues(code, start))
            if not _in(due, skipped)]


def _next_due(code: str, start: dt.date, on: dt.date, end: Optional[dt.date],
              skip: list[tuple[dt.date, Optional[dt.date]]]) -> Optional[dt.date]:
    for due in _dues(code, start):
        if due <= on:
            continue
        if end is not None and due > end:
            return None
        if any(first <= due and stop is None for first, stop in skip):
            return None  # suspended with no resumption yet
        if not _in(due, skip):
            return due
    return None  # pragma: no cover - the generator has no end


def report(periodicity: Optional[str], start: Optional[dt.date], on: dt.date,
           received: Sequence[dt.date], *, tolerance_days: int = 0,
           end: Optional[dt.date] = None,
           skip: Iterable[tuple[dt.date, Optional[dt.date]]] = (),
           due: Optional[dt.date] = None) -> Report:
    """Expected deliveries of an item up to day ``on`` matched against the
    dates ``received``. ``start``: the convention's first day (no schedule
    without it); ``end``: its last day in force, if known; ``due``: the
    date a one-off delivery is expected by, if the item gives one."""
    code = frequency_code(periodicity)
    deliveries = sorted(day for day in received if day is not None)
    tolerance = dt.timedelta(days=max(0, tolerance_days))

    if code in ONE_OFF:
        first = deliveries[0] if deliveries else None
        if first is not None:
            status = "received" if due is None or first <= due + tolerance else "received_late"
        elif due is not None and on > due + tolerance:
            status = "late"
        else:
            status = "due" if due is not None and on >= due else "pending"
        return Report(on=on, kind="one_off",
                      expected=(Expectation(due=due, status=status, received=first),),
                      extra=tuple(deliveries[1:]),
                      next_due=due if due is not None and due > on and first is None else None)

    if start is None or code not in PERIODS:
        return Report(on=on, kind="unscheduled", extra=tuple(deliveries))

    skipped = list(skip)
    horizon = min(on, end) if end is not None else on
    dues = due_dates(code, start, horizon, skipped)
    opens = [start] + dues[:-1]
    settled: list[Optional[dt.date]] = [None] * len(dues)
    extra = []
    for day in deliveries:
        index = next((i for i, opened in enumerate(opens)
                      if settled[i] is None and opened <= day), None)
        if index is None:
            extra.append(day)
        else:
            settled[index] = day

    expected = []
    for day, got in zip(dues, settled):
        if got is not None:
            status = "received" if got <= day + tolerance else "received_late"
        else:
            status = "late" if on > day + tolerance else "due"
        expected.append(Expectation(due=day, status=status, received=got))

    following = _next_due(code, start, on, end, skipped)
    return Report(on=on, kind="periodic", expected=tuple(expected), extra=tuple(extra),
                  next_due=following)


def tally(statuses: Iterable[str]) -> dict[str, int]:
    """How many expected deliveries are in each of :data:`STATUSES`, and
    two sums: ``expected``, those whose time has come (every status but
    ``pending``: a one-off delivery not yet due), and ``delivered``, those
    settled by a delivery (``received`` on time or ``received_late``)."""
    counts = dict.fromkeys(STATUSES, 0)
    for status in statuses:
        if status not in counts:
            raise ValueError(f"unknown status of an expected delivery: {status!r}")
        counts[status] += 1
    counts["expected"] = sum(n for status, n in counts.items() if status != "pending")
    counts["delivered"] = counts["received"] + counts["received_late"]
    return counts

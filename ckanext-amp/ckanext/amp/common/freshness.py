"""Freshness of a dataset: its declared update frequency against its last
update. Pure Python, no CKAN import.

The frequency is a URI (or code) of the EU frequency vocabulary
(``schemas/vocabularies/frequency.json``). Each regular frequency has an
**expected interval** between two updates (:data:`UPDATE_PERIODS`, in
days); a dataset is **late** once its last update is older than that
interval plus a grace period (10 % of the interval, at least one day).
``CONT``, ``UPDATE_CONT``, ``IRREG``, ``NEVER`` and ``OTHER`` have no
schedule: such a dataset is never late. An empty or ``UNKNOWN`` frequency,
or a regular frequency without a known last update, cannot be judged.

The quality criterion "updated on time" (:mod:`ckanext.amp.common.quality`)
is this rule: one home for both.

Usage::

    report = assess(dataset, now=now)     # a package_show dict
    report.state                          # "on_time", "late", "unscheduled"...
    report.days_late                      # 0 unless late
    late = sorted((r for r in reports if r.late), key=lateness_key)
"""
from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Optional

__all__ = [
    "BUCKETS", "Freshness", "STATES", "UPDATE_PERIODS", "NO_SCHEDULE", "assess",
    "assess_frequency", "bucket", "distribution", "expected_interval", "frequency_code",
    "first_date", "last_update", "lateness_key", "parse_date",
]

#: Days between two updates for the regular EU frequencies.
UPDATE_PERIODS: Mapping[str, float] = {
    "HOURLY": 1, "BIHOURLY": 1, "TRIHOURLY": 1, "DAILY_2": 1, "DAILY": 1,
    "WEEKLY_3": 7, "WEEKLY_2": 7, "WEEKLY": 7, "BIWEEKLY": 14,
    "MONTHLY_3": 31, "MONTHLY_2": 31, "MONTHLY": 31, "BIMONTHLY": 62, "QUARTERLY": 92,
    "ANNUAL_3": 122, "ANNUAL_2": 183, "ANNUAL": 366, "BIENNIAL": 731, "TRIENNIAL": 1096,
    "QUADRENNIAL": 1461, "QUINQUENNIAL": 1827, "DECENNIAL": 3653, "BIDECENNIAL": 7305,
    "TRIDECENNIAL": 10958,
}

#: Frequencies with no expected update date: never late.
NO_SCHEDULE = frozenset({"CONT", "UPDATE_CONT", "IRREG", "NEVER", "OTHER"})

#: Extra time granted after the expected date: this share of the interval, at least a day.
GRACE_SHARE = 0.1

#: States of :class:`Freshness`, in the order the dashboards show them.
STATES = ("on_time", "late", "unscheduled", "no_frequency", "no_date")

#: Buckets of the freshness distribution (state, or how late in intervals).
BUCKETS = ("on_time", "late_1", "late_3", "late_more", "unscheduled", "no_frequency", "no_date")


def frequency_code(value: Any) -> str:
    """The EU code of a frequency URI or code (``.../DAILY`` -> ``DAILY``), or ``""``."""
    return _code_of(value) if isinstance(value, str) else ""


@functools.lru_cache(maxsize=1024)
def _code_of(value: str) -> str:
    text = value.strip().rstrip("/")
    return text.rsplit("/", 1)[-1].upper() if text else ""


def parse_date(value: Any) -> Optional[dt.datetime]:
    """A time-zone aware datetime from a date, a datetime or an ISO string
    (``2024``, ``2024-05``, ``2024-05-02``, ``2024-05-02T10:00:00Z``); None otherwise."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.timezone.utc)
    return _parse_text(value) if isinstance(value, str) else None


@functools.lru_cache(maxsize=8192)
def _parse_text(value: str) -> Optional[dt.datetime]:
    """:func:`parse_date` of a string (a catalogue repeats its dates: cached)."""
    text = value.strip()
    if not text:
        return None
    text = text.replace("Z", "+00:00")
    for candidate in (text, text[:10], text[:7] + "-01" if len(text) == 7 else "",
                      text[:4] + "-01-01" if len(text) == 4 else ""):
        if not candidate:
            continue
        try:
            parsed = dt.datetime.fromisoformat(candidate)
        except ValueError:
            continue
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)
    return None


def last_update(dataset: Mapping[str, Any]) -> Optional[dt.datetime]:
    """The last update of the data: ``modified``, else ``metadata_modified``."""
    return first_date(dataset.get("modified"), dataset.get("metadata_modified"))


def first_date(*values: Any) -> Optional[dt.datetime]:
    """The first of ``values`` that is a date (:func:`parse_date`), else None."""
    for value in values:
        parsed = parse_date(value)
        if parsed is not None:
            return parsed
    return None


def expected_interval(frequency: Any) -> Optional[dt.timedelta]:
    """The expected time between two updates for a frequency URI or code
    (None: no schedule, unknown or empty)."""
    days = UPDATE_PERIODS.get(frequency_code(frequency))
    return None if days is None else dt.timedelta(days=days)


def grace(interval: dt.timedelta) -> dt.timedelta:
    """The extra time granted after the expected update date."""
    return max(dt.timedelta(days=1), interval * GRACE_SHARE)


_INTERVALS = {code: dt.timedelta(days=days) for code, days in UPDATE_PERIODS.items()}
_INTERVAL_DAYS = {code: float(days) for code, days in UPDATE_PERIODS.items()}
#: Interval plus grace, per code.
_DUE_AFTER = {code: interval + grace(interval) for code, interval in _INTERVALS.items()}


@dataclass(frozen=True)
class Freshness:
    """How fresh one dataset is at :attr:`on`."""

    state: str
    frequency: str
    on: dt.datetime
    last_update: Optional[dt.datetime] = None
    interval: Optional[dt.timedelta] = None
    #: Last moment the next update is expected by (grace included).
    due: Optional[dt.datetime] = None
    #: Days past :attr:`due` (0 unless late).
    days_late: float = 0.0
    #: How late, in expected intervals (0 unless late).
    intervals_late: float = 0.0

    @property
    def late(self) -> bool:
        return self.state == "late"

    @property
    def age_days(self) -> Optional[float]:
        if self.last_update is None:
            return None
        return (self.on - self.last_update).total_seconds() / 86400


def _moment(now: Optional[dt.datetime]) -> dt.datetime:
    moment = now or dt.datetime.now(dt.timezone.utc)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def assess_frequency(frequency: Any, updated: Any, now: Optional[dt.datetime] = None) -> Freshness:
    """Freshness for a frequency (URI or code) and a last update (date,
    datetime or ISO string), judged at ``now`` (default: the current time)."""
    moment = _moment(now)
    code = frequency_code(frequency)
    last = parse_date(updated)
    if not code or code == "UNKNOWN":
        return Freshness("no_frequency", code, moment, last)
    if code in NO_SCHEDULE:
        return Freshness("unscheduled", code, moment, last)
    interval = _INTERVALS.get(code)
    if interval is None:
        return Freshness("no_frequency", code, moment, last)
    if last is None:
        return Freshness("no_date", code, moment, None, interval)
    due = last + _DUE_AFTER[code]
    if moment <= due:
        return Freshness("on_time", code, moment, last, interval, due)
    late = (moment - due).total_seconds() / 86400
    return Freshness("late", code, moment, last, interval, due, late,
                     late / _INTERVAL_DAYS[code])


def assess(dataset: Mapping[str, Any], now: Optional[dt.datetime] = None) -> Freshness:
    """Freshness of a dataset (a ``package_show`` dict or any mapping with
    ``frequency`` and ``modified`` / ``metadata_modified``)."""
    return assess_frequency(dataset.get("frequency"), last_update(dataset), now)


def lateness_key(report: Freshness) -> tuple[float, float]:
    """Sort key putting the latest first: by intervals late, then days late."""
    return (-report.intervals_late, -report.days_late)


def bucket(report: Freshness) -> str:
    """The bucket of the distribution: the state, with late split by how
    many expected intervals late (up to 1, up to 3, more)."""
    if not report.late:
        return report.state
    late = report.intervals_late
    return "late_1" if late <= 1 else "late_3" if late <= 3 else "late_more"


def distribution(reports: Iterable[Freshness]) -> dict[str, int]:
    """Count of datasets per bucket, every bucket present, in :data:`BUCKETS` order."""
    counts = dict.fromkeys(BUCKETS, 0)
    for report in reports:
        counts[bucket(report)] += 1
    return counts

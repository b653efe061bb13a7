"""Solr date math (``NOW-1DAY/DAY``, ``2020-01-01T00:00:00Z+6MONTHS``).

Range bounds on date fields use it; CKAN and its extensions send things like
``metadata_modified:[NOW-1YEAR TO NOW]``. Pure Python.
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import Optional

from .query_ast import QuerySyntaxError

_UNITS = {
    "YEAR": "years", "YEARS": "years", "MONTH": "months", "MONTHS": "months",
    "DAY": "days", "DAYS": "days", "DATE": "days", "HOUR": "hours", "HOURS": "hours",
    "MINUTE": "minutes", "MINUTES": "minutes", "SECOND": "seconds", "SECONDS": "seconds",
    "MILLI": "millis", "MILLIS": "millis", "MILLISECOND": "millis",
    "MILLISECONDS": "millis",
}
_ANCHOR = re.compile(
    r"^(NOW|\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?Z?)")
_STEP = re.compile(r"([+-])(\d+)([A-Z]+)|/([A-Z]+)")


def parse_date_math(text: str, now: Optional[dt.datetime] = None) -> dt.datetime:
    """The UTC instant ``text`` denotes; QuerySyntaxError if it is not a date."""
    now = now or dt.datetime.now(dt.timezone.utc)
    source = text.strip().upper()
    match = _ANCHOR.match(source)
    if not match:
        raise QuerySyntaxError("'{value}' is not a date (expected e.g. 2024-01-31T00:00:00Z or NOW-1DAY)",
                               value=text)
    anchor = match.group(1)
    if anchor == "NOW":
        value = now.astimezone(dt.timezone.utc)
    else:
        try:
            value = dt.datetime.fromisoformat(anchor.rstrip("Z")[:26])
        except ValueError:
            raise QuerySyntaxError("'{value}' is not a valid date", value=text) from None
        value = value.replace(tzinfo=dt.timezone.utc)
    rest = source[match.end():]
    while rest:
        step = _STEP.match(rest)
        if not step:
            raise QuerySyntaxError("Cannot read the date math in '{value}'", value=text)
        sign, amount, unit, round_unit = step.groups()
        if round_unit:
            value = _round_down(value, _unit(round_unit, text))
        else:
            value = _shift(value, _unit(unit, text), int(amount) * (1 if sign == "+" else -1))
        rest = rest[step.end():]
    return value


def _unit(name: str, text: str) -> str:
    if name not in _UNITS:
        raise QuerySyntaxError("Unknown date unit '{unit}' in '{value}'", unit=name, value=text)
    return _UNITS[name]


def _shift(value: dt.datetime, unit: str, amount: int) -> dt.datetime:
    if unit in ("years", "months"):
        months = value.month - 1 + amount * (12 if unit == "years" else 1)
        year, month = value.year + months // 12, months % 12 + 1
        if not 1 <= year <= 9999:
            raise QuerySyntaxError("Date out of range after adding {amount} {unit}",
                                   amount=amount, unit=unit)
        day = min(value.day, calendar.monthrange(year, month)[1])
        return value.replace(year=year, month=month, day=day)
    if unit == "millis":
        return value + dt.timedelta(milliseconds=amount)
    try:
        return value + dt.timedelta(**{unit: amount})
    except OverflowError:
        raise QuerySyntaxError("Date out of range after adding {amount} {unit}",
                               amount=amount, unit=unit) from None


def _round_down(value: dt.datetime, unit: str) -> dt.datetime:
    fields = ["years", "months", "days", "hours", "minutes", "seconds", "millis"]
    keep = fields.index(unit)
    replace: dict[str, int] = {}
    if keep < 1:
        replace["month"] = 1
    if keep < 2:
        replace["day"] = 1
    if keep < 3:
        replace["hour"] = 0
    if keep < 4:
        replace["minute"] = 0
    if keep < 5:
        replace["second"] = 0
    if keep < 6:
        replace["microsecond"] = 0
    else:
        replace["microsecond"] = value.microsecond // 1000 * 1000
    return value.replace(**replace)

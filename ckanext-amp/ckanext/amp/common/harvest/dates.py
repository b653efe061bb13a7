"""Dates in every form remote catalogues write them, read as ISO 8601. Pure.

:func:`read_date` accepts, in this order:

* ``datetime.date`` / ``datetime.datetime`` objects (a parser's typed
  literals);
* ISO 8601 as :func:`ckanext.amp.common.validation.parse_temporal` reads it
  (``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD``, date and time with or without
  zone, fractions of a second), and its common variants: a space instead of
  ``T`` (``2019-09-30 22:00:00``), more than 6 digits of fraction, a zone
  written ``+0200`` or ``UTC``, the compact ``YYYYMMDD``, a DCAT typed
  literal written out (``"2019-05-21"^^xsd:date``);
* French dates ``JJ/MM/AAAA`` (also with ``-`` or ``.``), ``JJ/MM/AA``
  (years 00-68 are 20xx, 69-99 are 19xx, as POSIX ``strptime``; a warning
  says so), with an optional time (``10/12/2019 - 09:23``, ``10/12/2019
  09:23:00``) and an optional weekday before (``mar, 10/12/2019``), and
  written out (``21 mai 2019``, ``1er mars 2020``, ``mai 2019``);
* RFC 2822 (``Tue, 21 May 2019 10:00:00 +0200``);
* epoch seconds or milliseconds (a number, or a string of 10 or 13 digits).

What comes back is a :class:`DateReading`: the ISO text, its precision
(``year``, ``month``, ``date``, ``datetime``) and whether the reading was
lax (the caller records a warning). A value that is not a date at all, or
not a real one (``2019-02-30``, ``n/a``), raises :class:`InvalidValue`.

Years before 1000 or after 2999 are refused: they are placeholders
(``0001-01-01``) or typing errors, not dates of data.
"""
from __future__ import annotations

import datetime as dt
import email.utils
import re
from dataclasses import dataclass
from typing import Any

from ckanext.amp.common.validation import InvalidValue, parse_temporal
from ckanext.amp.common.harvest.text import plain, shorten

__all__ = ["DateReading", "read_date"]

NOT_A_DATE = "{value} is not a date"
NOT_A_REAL_DATE = "{value} is not a valid date"

TWO_DIGIT_YEAR = "{value} has a two-digit year, read as {date}"
TIME_STAMP = "{value} was read as a time stamp: {date}"

_MIN_YEAR, _MAX_YEAR = 1000, 2999


@dataclass(frozen=True)
class DateReading:
    """A date read from a remote value."""

    text: str
    precision: str
    lax: bool = False
    #: Why the reading was lax (an English msgid of the warning), if it was.
    note: str | None = None


_MONTHS = {
    "janvier": 1, "janv": 1, "fevrier": 2, "février": 2, "fevr": 2, "févr": 2, "mars": 3,
    "avril": 4, "avr": 4, "mai": 5, "juin": 6, "juillet": 7, "juil": 7, "aout": 8, "août": 8,
    "septembre": 9, "sept": 9, "octobre": 10, "oct": 10, "novembre": 11, "nov": 11,
    "decembre": 12, "décembre": 12, "dec": 12, "déc": 12,
}
_WEEKDAY = r"(?:lun|mar|mer|jeu|ven|sam|dim|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|" \
           r"mon|tue|wed|thu|fri|sat|sun)\.?,?\s+"
_FRENCH = re.compile(
    r"^(?:" + _WEEKDAY + r")?(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})"
    r"(?:\s*(?:-|à|a|,)?\s*(\d{1,2})[:h](\d{2})(?::(\d{2}))?)?$",
    re.IGNORECASE,
)
_WRITTEN = re.compile(r"^(?:" + _WEEKDAY + r")?(?:(\d{1,2})(?:er)?\s+)?([a-zéûô]+)\.?\s+(\d{4})$",
                      re.IGNORECASE)
_ISO_SPACE = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2})?)(?:[.,](\d+))?\s*"
                        r"(Z|UTC|GMT|[+-]\d{2}:?\d{2})?$", re.IGNORECASE)
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_TYPED = re.compile(r'^"?([^"]+)"?\^\^\S+$')
_EPOCH = re.compile(r"^-?\d{10}(?:\d{3})?(?:\.\d+)?$")


def _check_year(year: int, original: str) -> None:
    if not _MIN_YEAR <= year <= _MAX_YEAR:
        raise InvalidValue(NOT_A_REAL_DATE, value=shorten(original))


def _from_objects(value: Any) -> DateReading | None:
    if isinstance(value, dt.datetime):
        _check_year(value.year, value.isoformat())
        return DateReading(value.isoformat(), "datetime")
    if isinstance(value, dt.date):
        _check_year(value.year, value.isoformat())
        return DateReading(value.isoformat(), "date")
    return None


def _epoch(number: float, original: str) -> DateReading:
    seconds = number / 1000 if abs(number) >= 1e11 else number
    try:
        moment = dt.datetime.fromtimestamp(seconds, dt.timezone.utc)
    except (OverflowError, OSError, ValueError):
        raise InvalidValue(NOT_A_REAL_DATE, value=shorten(original)) from None
    _check_year(moment.year, original)
    return DateReading(moment.replace(microsecond=0).isoformat(), "datetime", True, TIME_STAMP)


def _iso(text: str, original: str) -> DateReading:
    parsed = parse_temporal(text)
    _check_year(parsed.lower.year, original)
    return DateReading(parsed.text, parsed.precision)


def read_date(value: Any) -> DateReading:
    """Read a remote date (see the module's doc); raises :class:`InvalidValue`."""
    from_object = _from_objects(value)
    if from_object is not None:
        return from_object
    if isinstance(value, bool):
        raise InvalidValue(NOT_A_DATE, value=shorten(value))
    if isinstance(value, (int, float)):
        if value != value or value in (float("inf"), float("-inf")):
            raise InvalidValue(NOT_A_DATE, value=shorten(value))
        if 1000 <= value <= 2999 and float(value).is_integer():
            return _iso(str(int(value)), str(value))
        return _epoch(float(value), str(value))
    text = plain(value)
    if not text:
        raise InvalidValue("Missing value")
    original = text
    if match := _TYPED.match(text):
        text = match.group(1).strip()

    # ISO 8601 and its common variants
    try:
        return _iso(text, original)
    except InvalidValue as error:
        if error.msgid == NOT_A_REAL_DATE or "valid date" in error.msgid:
            raise InvalidValue(NOT_A_REAL_DATE, value=shorten(original)) from None
    if match := _ISO_SPACE.match(text):
        day, time, fraction, zone = match.groups()
        rebuilt = f"{day}T{time}"
        if fraction:
            rebuilt += "." + fraction[:6]
        if zone:
            zone = zone.upper()
            rebuilt += "Z" if zone in ("Z", "UTC", "GMT") else \
                (zone if ":" in zone else f"{zone[:3]}:{zone[3:]}")
        try:
            return _iso(rebuilt, original)
        except InvalidValue:
            raise InvalidValue(NOT_A_REAL_DATE, value=shorten(original)) from None
    if match := _COMPACT.match(text):
        try:
            day = dt.date(*(int(part) for part in match.groups()))
        except ValueError:
            raise InvalidValue(NOT_A_REAL_DATE, value=shorten(original)) from None
        _check_year(day.year, original)
        return DateReading(day.isoformat(), "date")

    # French forms
    if match := _FRENCH.match(text):
        day_s, month_s, year_s, hour, minute, second = match.groups()
        year = int(year_s)
        note = None
        if len(year_s) == 2:
            year += 2000 if year <= 68 else 1900
            note = TWO_DIGIT_YEAR
        try:
            if hour is not None:
                moment = dt.datetime(year, int(month_s), int(day_s), int(hour), int(minute),
                                     int(second or 0))
                reading = DateReading(moment.isoformat(), "datetime", bool(note), note)
            else:
                reading = DateReading(dt.date(year, int(month_s), int(day_s)).isoformat(),
                                      "date", bool(note), note)
        except ValueError:
            raise InvalidValue(NOT_A_REAL_DATE, value=shorten(original)) from None
        _check_year(year, original)
        return reading
    if match := _WRITTEN.match(text):
        day_s, month_name, year_s = match.groups()
        month = _MONTHS.get(month_name.lower().rstrip("."))
        if month is not None:
            year = int(year_s)
            _check_year(year, original)
            try:
                if day_s:
                    return DateReading(dt.date(year, month, int(day_s)).isoformat(), "date")
                return DateReading(f"{year:04d}-{month:02d}", "month")
            except ValueError:
                raise InvalidValue(NOT_A_REAL_DATE, value=shorten(original)) from None

    # RFC 2822
    if re.search(r"[A-Za-z]{3},?\s+\d{1,2}\s+[A-Za-z]{3}\s+\d{4}", text):
        try:
            moment = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            moment = None
        if moment is not None:
            _check_year(moment.year, original)
            return DateReading(moment.isoformat(), "datetime")

    # epoch seconds / milliseconds written as text
    if _EPOCH.match(text):
        return _epoch(float(text), original)
    raise InvalidValue(NOT_A_DATE, value=shorten(original))

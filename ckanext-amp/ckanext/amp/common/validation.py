"""Pure validators for the metadata schema: dates, periods, web addresses,
e-mail addresses and vocabulary values.

Every validator takes a value and returns it normalised, or raises
:class:`InvalidValue` with an English gettext msgid (a ``str.format``
template) and its parameters. The CKAN layer translates the msgid with the
shared catalogue (``i18n/fr/LC_MESSAGES/ckanext-amp.po``) and formats it
with the parameters; ``str(error)`` is the English text.

No CKAN import. Identifiers (SIREN, SIRET, INSEE codes, zone ids) are in
:mod:`ckanext.amp.common.identifiers`.
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
import urllib.parse
from dataclasses import dataclass
from typing import Any, Iterable

from ckanext.amp.common.messages import TranslatableError

__all__ = [
    "InvalidValue",
    "Temporal",
    "email",
    "http_uri",
    "iso_date",
    "iso_datetime",
    "iso_temporal",
    "parse_temporal",
    "period",
    "vocabulary_value",
    "vocabulary_values",
]


class InvalidValue(TranslatableError):
    """A value a validator refuses (English gettext id + parameters)."""


MISSING = "Missing value"


def _text(value: Any) -> str:
    if value is None:
        raise InvalidValue(MISSING)
    text = str(value).strip()
    if not text:
        raise InvalidValue(MISSING)
    return text


# ---------------------------------------------------------------------------
# ISO 8601 dates

_YEAR = re.compile(r"^(\d{4})$")
_YEAR_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_DATETIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,6}))?)?"
    r"(Z|[+-]\d{2}:?\d{2})?$"
)


def _local_zone() -> dt.tzinfo:
    """Time zone given to dates and times written without one: Paris."""
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo("Europe/Paris")
    except Exception:  # pragma: no cover - no tz database on the system
        return dt.timezone.utc


def _offset(text: str | None) -> dt.tzinfo | None:
    if text is None:
        return None
    if text == "Z":
        return dt.timezone.utc
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:])
    if hours > 23 or minutes > 59:
        raise ValueError("offset out of range")
    return dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))


def _build_datetime(match: re.Match) -> dt.datetime:
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    micro = int((fraction or "0").ljust(6, "0"))
    return dt.datetime(int(year), int(month), int(day), int(hour), int(minute),
                       int(second or 0), micro, tzinfo=_offset(zone))


@dataclass(frozen=True)
class Temporal:
    """A parsed ISO 8601 value and the instants it spans.

    ``precision`` is ``year``, ``month``, ``date`` or ``datetime``;
    ``lower`` and ``upper`` are time-zone aware (Europe/Paris when the value
    has no zone) first and last instants of the value.
    """

    text: str
    precision: str
    lower: dt.datetime
    upper: dt.datetime


def _day_bounds(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    zone = _local_zone()
    return (dt.datetime.combine(first, dt.time.min, zone),
            dt.datetime.combine(last, dt.time.max, zone))


def _date_from_objects(value: Any) -> Temporal | None:
    if isinstance(value, dt.datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=_local_zone())
        return Temporal(value.isoformat(), "datetime", aware, aware)
    if isinstance(value, dt.date):
        return Temporal(value.isoformat(), "date", *_day_bounds(value, value))
    return None


def parse_temporal(value: Any) -> Temporal:
    """Parse ``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD`` or a date and time
    (``YYYY-MM-DDThh:mm[:ss[.ffffff]]`` with an optional ``Z`` or ``±hh:mm``).
    """
    parsed = _date_from_objects(value)
    if parsed is not None:
        return parsed
    text = _text(value)
    try:
        if match := _YEAR.match(text):
            year = int(match.group(1))
            return Temporal(text, "year", *_day_bounds(dt.date(year, 1, 1), dt.date(year, 12, 31)))
        if match := _YEAR_MONTH.match(text):
            year, month = int(match.group(1)), int(match.group(2))
            first = dt.date(year, month, 1)
            last = first.replace(day=calendar.monthrange(year, month)[1])
            return Temporal(text, "month", *_day_bounds(first, last))
        if match := _DATE.match(text):
            day = dt.date(*(int(part) for part in match.groups()))
            return Temporal(day.isoformat(), "date", *_day_bounds(day, day))
        if match := _DATETIME.match(text):
            moment = _build_datetime(match)
            aware = moment if moment.tzinfo else moment.replace(tzinfo=_local_zone())
            return Temporal(moment.isoformat(), "datetime", aware, aware)
    except (ValueError, OverflowError):
        raise InvalidValue("{value} is not a valid date", value=text) from None
    raise InvalidValue(
        "{value} is not an ISO 8601 date: expected YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss",
        value=text,
    )


def iso_temporal(value: Any) -> str:
    """A year, year-month, date or date and time; returns it normalised."""
    return parse_temporal(value).text


def iso_date(value: Any) -> str:
    """A calendar date ``YYYY-MM-DD``."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    text = _text(value)
    match = _DATE.match(text)
    if not match:
        raise InvalidValue("{value} is not a date in the ISO 8601 format YYYY-MM-DD", value=text)
    try:
        return dt.date(*(int(part) for part in match.groups())).isoformat()
    except ValueError:
        raise InvalidValue("{value} is not a valid date", value=text) from None


def iso_datetime(value: Any, *, allow_date: bool = False) -> str:
    """A date and time ``YYYY-MM-DDThh:mm[:ss[.ffffff]][Z|±hh:mm]``.

    Returned as ``datetime.isoformat()`` (seconds always written, ``Z``
    written ``+00:00``). With ``allow_date``, a plain date is accepted too.
    """
    if isinstance(value, dt.datetime):
        return value.isoformat()
    text = _text(value)
    if allow_date and _DATE.match(text):
        return iso_date(text)
    match = _DATETIME.match(text)
    if not match:
        raise InvalidValue(
            "{value} is not a date and time in the ISO 8601 format YYYY-MM-DDThh:mm:ss "
            "(time zone optional)",
            value=text,
        )
    try:
        return _build_datetime(match).isoformat()
    except ValueError:
        raise InvalidValue("{value} is not a valid date", value=text) from None


def period(start: Any, end: Any) -> tuple[str | None, str | None]:
    """Check a period: both ends ISO 8601 (any precision), end not before start.

    Either end may be empty (an open period). The end is compared by the
    last instant it covers, the start by its first: ``2020`` to ``2020`` and
    ``2020-06-15`` to ``2020-06`` are valid periods. Returns both ends
    normalised (``None`` for an empty end).
    """
    def parse(value: Any) -> Temporal | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        return parse_temporal(value)

    first, last = parse(start), parse(end)
    if first is not None and last is not None and last.upper < first.lower:
        raise InvalidValue(
            "The end of the period ({end}) is before its start ({start})",
            start=first.text, end=last.text,
        )
    return (first.text if first else None, last.text if last else None)


# ---------------------------------------------------------------------------
# web addresses and e-mail addresses

_HOST = re.compile(r"^(?=.{1,253}$)([A-Za-z0-9\u00a1-\uffff]([A-Za-z0-9\u00a1-\uffff-]{0,61}"
                   r"[A-Za-z0-9\u00a1-\uffff])?)(\.[A-Za-z0-9\u00a1-\uffff]([A-Za-z0-9\u00a1-\uffff-]{0,61}"
                   r"[A-Za-z0-9\u00a1-\uffff])?)*\.?$")
_FORBIDDEN_IN_URI = re.compile(r"[\s<>\"{}|\\^`\x00-\x1f\x7f]")


def http_uri(value: Any) -> str:
    """An absolute ``http``/``https`` address with a host; returned stripped."""
    text = _text(value)
    scheme = text.split(":", 1)[0].lower() if ":" in text else ""
    if scheme not in ("http", "https") or not text[len(scheme) + 1:].startswith("//"):
        raise InvalidValue(
            "{value} is not a web address: it must start with http:// or https://", value=text
        )
    if _FORBIDDEN_IN_URI.search(text):
        raise InvalidValue("{value} is not a valid web address", value=text)
    try:
        parts = urllib.parse.urlsplit(text)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError when the port is invalid
    except ValueError:
        raise InvalidValue("{value} is not a valid web address", value=text) from None
    if not host:
        raise InvalidValue("{value} is not a valid web address", value=text)
    if not (_HOST.match(host) or (parts.netloc.count("[") == 1 and ":" in host)):
        raise InvalidValue("{value} is not a valid web address", value=text)
    return text


_EMAIL_LOCAL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
_EMAIL_DOMAIN = re.compile(r"^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
                           r"([A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59})$")


def email(value: Any) -> str:
    """A pragmatic e-mail check: ``local@domain.tld``.

    A ``mailto:`` prefix (common in DCAT contact points) is removed;
    internationalised domains are accepted; the domain is lower-cased.
    """
    text = _text(value)
    address = text[7:] if text.lower().startswith("mailto:") else text
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain or len(address) > 254 or len(local) > 64:
        raise InvalidValue("{value} is not a valid e-mail address", value=text)
    try:
        ascii_domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        raise InvalidValue("{value} is not a valid e-mail address", value=text) from None
    if not _EMAIL_LOCAL.match(local) or not _EMAIL_DOMAIN.match(ascii_domain):
        raise InvalidValue("{value} is not a valid e-mail address", value=text)
    return f"{local}@{domain.lower()}"


# ---------------------------------------------------------------------------
# vocabularies


def vocabulary_value(name: str, value: Any, *, to: str = "uri",
                     allow_deprecated: bool = False) -> str:
    """A value of vocabulary ``name`` given as a code, URI or alias.

    Returns the entry's URI (``to="uri"``, the stored form; zones, which
    have no URI, give their id) or its code (``to="code"``). Deprecated
    entries are refused unless ``allow_deprecated`` (harvesting keeps them).
    """
    from ckanext.amp.common.vocabularies import load_vocabulary

    if to not in ("uri", "code"):
        raise ValueError("to must be 'uri' or 'code'")
    vocabulary = load_vocabulary(name)
    text = _text(value)
    entry = vocabulary.get(text)
    if entry is None:
        raise InvalidValue("{value} is not an allowed value for {vocabulary}",
                           value=text, vocabulary=name)
    if entry.deprecated and not allow_deprecated:
        raise InvalidValue("{value} is a deprecated value of {vocabulary}",
                           value=text, vocabulary=name)
    return entry.value if to == "uri" else entry.code


def vocabulary_values(name: str, values: Any, **options: Any) -> list[str]:
    """Several values (a list, or one string with commas); duplicates dropped."""
    if values is None:
        return []
    if isinstance(values, str):
        items: Iterable[Any] = [part for part in values.split(",") if part.strip()]
    else:
        items = values
    result: list[str] = []
    for item in items:
        normalised = vocabulary_value(name, item, **options)
        if normalised not in result:
            result.append(normalised)
    return result


def guess_file_type(url: Any) -> str | None:
    """The code of the EU file type that the extension of ``url``'s path
    names (``…/pav.geojson`` -> ``GEOJSON``), None when it names none."""
    from ckanext.amp.common.vocabularies import load_vocabulary

    path = urllib.parse.urlsplit(str(url or "").strip()).path
    name = path.rsplit("/", 1)[-1]
    if "." not in name:
        return None
    entry = load_vocabulary("file-type").get(name.rsplit(".", 1)[-1].lower())
    if entry is None or entry.deprecated:
        return None
    return entry.code

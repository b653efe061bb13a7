"""Dates, periods, web and e-mail addresses, vocabulary values, and the
French catalogue of every message the pure validators raise. Pure Python."""
from __future__ import annotations

import ast
import datetime as dt
import string
from pathlib import Path

import pytest

from ckanext.amp.common import identifiers, validation
from ckanext.amp.common.validation import (
    InvalidValue,
    email,
    http_uri,
    iso_date,
    iso_datetime,
    iso_temporal,
    parse_temporal,
    period,
    vocabulary_value,
    vocabulary_values,
)

EU = "http://publications.europa.eu/resource/authority/"
PACKAGE = Path(validation.__file__).resolve().parents[1]
CATALOGUE = PACKAGE / "i18n" / "fr" / "LC_MESSAGES" / "ckanext-amp.po"


def _raises(function, value, msgid_start: str, **kwargs) -> InvalidValue:
    with pytest.raises(InvalidValue) as info:
        function(value, **kwargs)
    assert info.value.msgid.startswith(msgid_start), info.value.msgid
    return info.value


# ---------------------------------------------------------------------------
# InvalidValue


def test_invalid_value():
    error = InvalidValue("{value} is not a valid date", value="2021-02-29")
    assert isinstance(error, ValueError)
    assert error.msgid == "{value} is not a valid date"
    assert error.params == {"value": "2021-02-29"}
    assert str(error) == "2021-02-29 is not a valid date"
    french = {"{value} is not a valid date": "{value} n’est pas une date valide"}
    assert error.translate(lambda msgid: french.get(msgid, msgid)) == \
        "2021-02-29 n’est pas une date valide"


# ---------------------------------------------------------------------------
# dates


@pytest.mark.parametrize("value, expected", [
    ("2024-02-29", "2024-02-29"), (" 2020-01-31 ", "2020-01-31"),
    (dt.date(2020, 5, 1), "2020-05-01"),
])
def test_iso_date(value, expected):
    assert iso_date(value) == expected


def test_iso_date_errors():
    for value in ("2020", "2020-1-5", "01/02/2020", "2020-01-01T10:00", "20200101"):
        _raises(iso_date, value, "{value} is not a date in the ISO 8601 format YYYY-MM-DD")
    for value in ("2023-02-29", "2020-13-01", "2020-04-31", "0000-01-01"):
        error = _raises(iso_date, value, "{value} is not a valid date")
        assert error.params == {"value": value}
    _raises(iso_date, "", "Missing value")
    _raises(iso_date, None, "Missing value")


@pytest.mark.parametrize("value, expected", [
    ("2020-03-01T10:15", "2020-03-01T10:15:00"),
    ("2020-03-01T10:15:30", "2020-03-01T10:15:30"),
    ("2020-03-01T10:15:30Z", "2020-03-01T10:15:30+00:00"),
    ("2020-03-01T10:15:30+02:00", "2020-03-01T10:15:30+02:00"),
    ("2020-03-01T10:15:30-0530", "2020-03-01T10:15:30-05:30"),
    ("2020-03-01T10:15:30.25+01:00", "2020-03-01T10:15:30.250000+01:00"),
    ("2020-03-01T10:15:30,5", "2020-03-01T10:15:30.500000"),
    (dt.datetime(2020, 3, 1, 10, 15), "2020-03-01T10:15:00"),
])
def test_iso_datetime(value, expected):
    assert iso_datetime(value) == expected


def test_iso_datetime_errors():
    for value in ("2020-03-01", "2020-03-01 10:15", "2020-03-01T10", "2020-03-01T10:15+2",
                  "10:15", "2020-03-01T10:15:30.1234567"):
        _raises(iso_datetime, value, "{value} is not a date and time in the ISO 8601 format")
    for value in ("2020-03-01T24:00", "2020-03-01T10:60", "2020-02-30T10:00",
                  "2020-03-01T10:15+25:00"):
        _raises(iso_datetime, value, "{value} is not a valid date")
    assert iso_datetime("2020-03-01", allow_date=True) == "2020-03-01"
    _raises(iso_datetime, "2020-02-30", "{value} is not a valid date", allow_date=True)


@pytest.mark.parametrize("value, precision", [
    ("2020", "year"), ("2020-02", "month"), ("2020-02-29", "date"),
    ("2020-02-29T23:00:00Z", "datetime"), ("2020-02-29T23:00", "datetime"),
])
def test_iso_temporal(value, precision):
    parsed = parse_temporal(value)
    assert parsed.precision == precision
    assert parsed.lower <= parsed.upper
    assert parsed.lower.tzinfo is not None
    assert iso_temporal(value) == parsed.text


def test_temporal_bounds():
    year = parse_temporal("2020")
    assert (year.lower.date(), year.upper.date()) == (dt.date(2020, 1, 1), dt.date(2020, 12, 31))
    month = parse_temporal("2024-02")
    assert month.upper.date() == dt.date(2024, 2, 29)
    assert parse_temporal("2023-12").upper.date() == dt.date(2023, 12, 31)
    assert parse_temporal("9999-12").upper.date() == dt.date(9999, 12, 31)
    assert parse_temporal(dt.date(2020, 1, 1)).precision == "date"
    naive = parse_temporal(dt.datetime(2020, 1, 1, 12))
    assert naive.lower.utcoffset() == dt.timedelta(hours=1)  # Paris in winter


def test_iso_temporal_errors():
    for value in ("20", "2020-1", "2020/02", "Q1 2020", "2020-02-29 10:00", "2020-W05"):
        _raises(iso_temporal, value, "{value} is not an ISO 8601 date: expected")
    for value in ("0000", "2020-00", "2020-13", "2021-02-29", "2020-01-01T25:00"):
        _raises(iso_temporal, value, "{value} is not a valid date")
    _raises(iso_temporal, "  ", "Missing value")


# ---------------------------------------------------------------------------
# periods


@pytest.mark.parametrize("start, end", [
    ("2020-01-01", "2020-12-31"), ("2020", "2020"), ("2020-06-15", "2020-06"),
    ("2020-06", "2020-06-01"), ("2020-01-01T10:00:00+02:00", "2020-01-01T08:00:00Z"),
    ("2020-01-01", None), (None, "2020"), ("", ""), (None, None),
    ("2020-01-01T00:30", "2019-12-31T23:45:00Z"),  # 00:30 in Paris is 23:30 UTC
])
def test_valid_periods(start, end):
    first, last = period(start, end)
    assert first == (iso_temporal(start) if start else None)
    assert last == (iso_temporal(end) if end else None)


@pytest.mark.parametrize("start, end", [
    ("2021-01-01", "2020-12-31"), ("2021", "2020"), ("2020-07", "2020-06-30"),
    ("2020-01-01T10:00:00Z", "2020-01-01T10:59:00+01:00"),
])
def test_period_end_before_start(start, end):
    with pytest.raises(InvalidValue) as info:
        period(start, end)
    assert info.value.msgid == "The end of the period ({end}) is before its start ({start})"
    assert info.value.params == {"start": iso_temporal(start), "end": iso_temporal(end)}


def test_period_checks_each_end():
    with pytest.raises(InvalidValue, match="not a valid date"):
        period("2020-02-30", "2021")
    with pytest.raises(InvalidValue, match="not an ISO 8601 date"):
        period("2020", "next year")


# ---------------------------------------------------------------------------
# web addresses


@pytest.mark.parametrize("value", [
    "https://www.ampmetropole.fr/", "http://data.example.org/dataset/x?format=csv#top",
    " HTTPS://Example.org/a ", "http://localhost:5000/api/3/action/package_show",
    "http://127.0.0.1/", "http://[::1]:8080/a", "https://métropole.fr/données",
    "https://example.org:443",
])
def test_http_uri(value):
    assert http_uri(value) == value.strip()


def test_http_uri_errors():
    for value in ("ftp://example.org/a", "www.example.org", "example.org/a", "mailto:a@b.fr",
                  "http:/example.org", "javascript:alert(1)", "urn:isbn:123"):
        _raises(http_uri, value, "{value} is not a web address: it must start with")
    for value in ("http://", "http:///path", "http://exa mple.org", "http://example.org/a b",
                  "http://example.org:99999/", "http://example.org:port/", "https://-bad.org",
                  "http://exa_mple.org", "http://<script>", "http://example..org"):
        _raises(http_uri, value, "{value} is not a valid web address")
    _raises(http_uri, "", "Missing value")


# ---------------------------------------------------------------------------
# e-mail addresses


@pytest.mark.parametrize("value, expected", [
    ("opendata@ampmetropole.fr", "opendata@ampmetropole.fr"),
    ("Open.Data+mdata@AMPmetropole.FR", "Open.Data+mdata@ampmetropole.fr"),
    ("mailto:contact@symcrau.fr", "contact@symcrau.fr"),
    ("MAILTO:contact@example.org", "contact@example.org"),
    ("prenom.nom@métropole.fr", "prenom.nom@métropole.fr"),
    ("x@sub.domain.xn--p1ai", "x@sub.domain.xn--p1ai"),
])
def test_email(value, expected):
    assert email(value) == expected


@pytest.mark.parametrize("value", [
    "opendata", "opendata@", "@ampmetropole.fr", "a@b", "a@@b.fr", "a b@c.fr", ".a@b.fr",
    "a.@b.fr", "a..b@c.fr", "a@b.f", "a@-b.fr", "a@b-.fr", "a@b..fr", "é@b.fr",
    "a@b.fr,c@d.fr", "x" * 65 + "@b.fr", "a@" + "b" * 250 + ".fr",
])
def test_email_errors(value):
    error = _raises(email, value, "{value} is not a valid e-mail address")
    assert error.params == {"value": value}


def test_email_missing():
    _raises(email, None, "Missing value")


# ---------------------------------------------------------------------------
# vocabulary values


@pytest.mark.parametrize("name, value, uri", [
    ("frequency", "DAILY", EU + "frequency/DAILY"),
    ("frequency", "quotidienne", EU + "frequency/DAILY"),
    ("frequency", EU + "frequency/DAILY", EU + "frequency/DAILY"),
    ("data-theme", "envi", EU + "data-theme/ENVI"),
    ("access-right", "PUBLIC", EU + "access-right/PUBLIC"),
    ("file-type", "csv", EU + "file-type/CSV"),
    ("language", "fr", EU + "language/FRA"),
    ("licence", "ETALAB_2_0", EU + "licence/ETALAB_2_0"),
    ("hvd-category", "c_ac64a52d", "http://data.europa.eu/bna/c_ac64a52d"),
    ("zones", "fr:commune:13055", "fr:commune:13055"),
])
def test_vocabulary_value_normalises_to_uri(name, value, uri):
    assert vocabulary_value(name, value) == uri


def test_vocabulary_value_to_code():
    assert vocabulary_value("frequency", EU + "frequency/DAILY", to="code") == "DAILY"
    assert vocabulary_value("licence", "ODC_ODBL", to="code") == "ODC_BL"
    with pytest.raises(ValueError):
        vocabulary_value("frequency", "DAILY", to="label")


def test_vocabulary_value_errors():
    with pytest.raises(InvalidValue) as info:
        vocabulary_value("frequency", "sometimes")
    error = info.value
    assert error.msgid == "{value} is not an allowed value for {vocabulary}"
    assert error.params == {"value": "sometimes", "vocabulary": "frequency"}
    with pytest.raises(InvalidValue) as info:
        vocabulary_value("licence", "CC_BY")
    assert info.value.msgid == "{value} is a deprecated value of {vocabulary}"
    assert vocabulary_value("licence", "CC_BY", allow_deprecated=True) == EU + "licence/CC_BY"
    with pytest.raises(InvalidValue) as info:
        vocabulary_value("frequency", "")
    assert info.value.msgid == "Missing value"
    with pytest.raises(ValueError, match="unknown vocabulary"):
        vocabulary_value("colours", "red")


def test_vocabulary_values():
    assert vocabulary_values("data-theme", ["ENVI", "TRAN", EU + "data-theme/ENVI"]) == [
        EU + "data-theme/ENVI", EU + "data-theme/TRAN"]
    assert vocabulary_values("language", "fr, en") == [EU + "language/FRA", EU + "language/ENG"]
    assert vocabulary_values("language", None) == []
    assert vocabulary_values("language", "") == []
    assert vocabulary_values("language", ["fr"], to="code") == ["FRA"]
    with pytest.raises(InvalidValue):
        vocabulary_values("language", ["fr", "klingon"])


# ---------------------------------------------------------------------------
# the French catalogue covers every message


def _module_msgids(module) -> set[str]:
    """String literals (or module constants) passed as msgids to InvalidValue."""
    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    constants = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) \
                and isinstance(node.value.value, str):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    constants[target.id] = node.value.value
    msgids = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
            continue
        if node.func.id == "InvalidValue":
            args = node.args[:1]
        elif node.func.id == "_digits":  # its two message arguments
            args = node.args[2:4]
        else:
            continue
        for arg in args:
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                msgids.add(arg.value)
            elif isinstance(arg, ast.Name) and arg.id in constants:
                msgids.add(constants[arg.id])
    return msgids


def _catalogue():
    babel = pytest.importorskip("babel.messages.pofile")
    with open(CATALOGUE, "rb") as handle:
        return babel.read_po(handle)


def _fields(template: str) -> set[str]:
    return {name for _text, name, _spec, _conv in string.Formatter().parse(template) if name}


def test_catalogue_header():
    catalogue = _catalogue()
    assert str(catalogue.locale) == "fr"
    assert catalogue.plural_forms == "nplurals=2; plural=(n > 1);"
    assert catalogue.charset.lower() == "utf-8"


@pytest.mark.parametrize("module", [validation, identifiers], ids=lambda m: m.__name__)
def test_every_message_is_translated(module):
    msgids = _module_msgids(module)
    assert len(msgids) >= (11 if module is validation else 9)
    catalogue = _catalogue()
    for msgid in msgids:
        message = catalogue.get(msgid)
        assert message is not None, f"missing from ckanext-amp.po: {msgid!r}"
        assert message.string and message.string != msgid, f"untranslated: {msgid!r}"
        assert _fields(message.string) == _fields(msgid), f"placeholders differ: {msgid!r}"
        if _fields(msgid):
            assert "python-brace-format" in message.flags, msgid
        # the French text formats with the same parameters
        message.string.format(**{name: "x" for name in _fields(msgid)})


def test_catalogue_compiles():
    _catalogue()
    from babel.messages.mofile import write_mo
    import io

    buffer = io.BytesIO()
    write_mo(buffer, _catalogue())
    assert buffer.getvalue()


@pytest.mark.parametrize("url, expected", [
    ("https://files.example.org/pav.csv", "CSV"),
    ("https://files.example.org/dir/pav.GeoJSON?download=1#top", "GEOJSON"),
    ("https://files.example.org/budget.xlsx", "XLSX"),
    ("pav.json", "JSON"),                       # an upload's URL is its file name
    ("https://files.example.org/data", None),   # no extension
    ("https://files.example.org/v1.2/data", None),
    ("https://files.example.org/data.zzz", None),  # no such file type
    ("", None),
])
def test_guess_file_type(url, expected):
    assert validation.guess_file_type(url) == expected

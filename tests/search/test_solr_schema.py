"""CKAN's stock Solr schema as the engine reads it (pure, no database)."""
from __future__ import annotations

import datetime as dt

import pytest

from ckanext.amp.search.datemath import parse_date_math
from ckanext.amp.search.query_ast import QuerySyntaxError
from ckanext.amp.common.solr_schema import (DATE, STRING, TEXT, DocumentRejected,
                                             load_schema, parse_solr_date)


@pytest.fixture(scope="module")
def schema():
    return load_schema()


def test_reads_static_dynamic_and_copy_fields(schema):
    assert schema.unique_key == "index_id"
    assert schema.field("tags").kind == STRING and schema.field("tags").multi_valued
    assert schema.field("title").kind == TEXT and not schema.field("title").multi_valued
    assert schema.field("issued_date").kind == DATE
    assert schema.field("extras_theme").kind == TEXT
    assert schema.field("vocab_topics").multi_valued
    catch_all = schema.field("anything_else")
    assert catch_all.kind == STRING and not catch_all.stored and not catch_all.multi_valued
    assert "notes" in schema.copy_sources("text")
    assert {"index_id", "id", "site_id"} <= schema.required


def test_normalise_types_values_as_solr_stores_them(schema):
    document = schema.normalise({
        "index_id": "x", "id": "1", "site_id": "default", "private": False,
        "num_resources": 3, "tags": "single", "metadata_modified": "2024-05-01T12:00:00.123456+02:00",
        "notes": None, "groups": []})
    assert document["private"] == "false"
    assert document["num_resources"] == "3"
    assert document["tags"] == ["single"]
    # UTC, millisecond precision, as Solr stores and returns it.
    assert document["metadata_modified"] == "2024-05-01T10:00:00.123Z"
    assert "notes" not in document and "groups" not in document


@pytest.mark.parametrize("field, value, problem", [
    ("metadata_modified", "2024-05-01", "not a Solr date"),
    ("theme", ["a", "b"], "multiple values"),
    ("views_total", "many", "not an integer"),
    ("contact", {"name": "x"}, "JSON object"),
])
def test_check_reports_what_stock_solr_refuses(schema, field, value, problem):
    document = {"index_id": "x", "id": "1", "site_id": "default", field: value}
    problems = schema.check(document)
    assert any(problem in message for message in problems), problems
    with pytest.raises(DocumentRejected):
        schema.normalise(document, strict=True)


def test_check_requires_the_unique_key(schema):
    assert schema.check({"id": "1", "site_id": "s"}) == ["index_id: required field is missing"]


def test_solr_dates():
    assert parse_solr_date("2024-02-29T23:59:59Z") == "2024-02-29T23:59:59Z"
    assert parse_solr_date(dt.datetime(2024, 1, 2, 3, 4, 5)) == "2024-01-02T03:04:05Z"
    with pytest.raises(ValueError):
        parse_solr_date("2023-02-29T00:00:00Z")


NOW = dt.datetime(2024, 3, 31, 15, 45, 30, tzinfo=dt.timezone.utc)


@pytest.mark.parametrize("text, expected", [
    ("NOW", NOW),
    ("NOW/DAY", dt.datetime(2024, 3, 31, tzinfo=dt.timezone.utc)),
    ("NOW-1MONTH", dt.datetime(2024, 2, 29, 15, 45, 30, tzinfo=dt.timezone.utc)),
    ("NOW-1YEAR/MONTH", dt.datetime(2023, 3, 1, tzinfo=dt.timezone.utc)),
    ("NOW+2HOURS", dt.datetime(2024, 3, 31, 17, 45, 30, tzinfo=dt.timezone.utc)),
    ("2020-01-01T00:00:00Z+6MONTHS", dt.datetime(2020, 7, 1, tzinfo=dt.timezone.utc)),
    ("2020-01-01", dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)),
])
def test_date_math(text, expected):
    assert parse_date_math(text, NOW) == expected


@pytest.mark.parametrize("text", ["yesterday", "NOW-1FORTNIGHT", "NOW-", "2020-13-01", "NOW+99999YEARS"])
def test_date_math_errors_are_syntax_errors(text):
    with pytest.raises(QuerySyntaxError):
        parse_date_math(text, NOW)

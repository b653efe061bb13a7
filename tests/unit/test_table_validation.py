"""common/table_validation.py: which schema a claim names (local copies
only), and what a steward is told about a CSV file."""
from __future__ import annotations

import pytest

from ckanext.amp.common import table_validation as tv

from support import scdl_files


@pytest.fixture
def subventions() -> dict:
    return tv.resolve_claim(scdl_files.SCHEMA_URL).entry.descriptor()


def check(tmp_path, content: bytes, descriptor, **limits):
    path = tmp_path / "data.csv"
    path.write_bytes(content)
    options = {"max_bytes": 10_000_000, "max_rows": 100_000, "max_errors": 1000, **limits}
    return tv.check_file(path, descriptor, **options)


@pytest.mark.parametrize("url", [
    scdl_files.SCHEMA_URL,
    scdl_files.LATEST_URL,
    "https://schema.data.gouv.fr/scdl/subventions/",
    "http://www.schema.data.gouv.fr/scdl/subventions/2.1.1",
    "https://gitlab.com/opendatafrance/scdl/subventions/raw/v2.1.1/schema.json",
])
def test_addresses_of_a_shipped_schema_resolve_to_its_copy(url):
    claim = tv.resolve_claim(url)
    assert claim.problem is None
    assert (claim.entry.name, claim.entry.version) == ("subventions", "2.1.1")


def test_every_shipped_schema_loads_and_matches_its_digest():
    import hashlib

    from ckanext.amp.common.paths import data_path

    assert {e.name for e in tv.registry()} >= {"subventions", "deliberations", "equipements",
                                              "budget"}
    for entry in tv.registry():
        raw = data_path("schemas", "scdl", *entry.file.split("/")).read_bytes()
        assert hashlib.sha256(raw).hexdigest() == entry.sha256
        assert entry.descriptor()["fields"]


def test_unknown_schema_or_version_is_said_not_fetched():
    version = tv.resolve_claim("https://schema.data.gouv.fr/schemas/scdl/subventions/1.0.0/schema.json")
    assert version.entry is None and version.problem.msgid == tv.UNKNOWN_VERSION
    assert version.problem.params["available"] == "2.1.1"
    other = tv.resolve_claim("https://example.org/schemas/arbres/schema.json")
    assert other.entry is None and other.problem.msgid == tv.UNKNOWN_SCHEMA
    assert "Subventions 2.1.1" in other.problem.params["names"]


def test_which_claim_a_resource_is_checked_against():
    inspire = "http://data.europa.eu/eli/reg/2010/1089"
    assert tv.choose_claim([], [inspire], resource_format="CSV") is None
    assert tv.choose_claim(None, None, resource_format="CSV") is None
    # The dataset's claim applies to its CSV files only.
    assert tv.choose_claim([], [scdl_files.SCHEMA_URL], resource_format="PDF") is None
    assert tv.choose_claim([], f'["{scdl_files.SCHEMA_URL}"]',
                           resource_format="CSV").entry.name == "subventions"
    assert tv.choose_claim([], [scdl_files.SCHEMA_URL], resource_format="",
                           resource_url="https://x.org/a.csv").entry.name == "subventions"
    # The resource's own claim wins, whatever its format.
    own = tv.choose_claim(["https://schema.data.gouv.fr/scdl/budget/"], [scdl_files.SCHEMA_URL],
                          resource_format="PDF")
    assert own.entry.name == "budget"


def test_the_valid_example_is_valid(tmp_path, subventions):
    outcome = check(tmp_path, scdl_files.valid_csv(), subventions)
    assert (outcome.status, outcome.error_count, outcome.rows) == (tv.VALID, 0, 29)
    # SCDL's own checks (SIRET key...) are listed as not run.
    assert [n.msgid for n in outcome.notes] == [tv.CHECKS_NOT_RUN]
    assert tv.CUSTOM_CHECKS["french-siret-value"] in outcome.notes[0].params["checks"]


def test_mistakes_are_found_by_line_and_column(tmp_path, subventions):
    outcome = check(tmp_path, scdl_files.invalid_csv(), subventions)
    assert outcome.status == tv.INVALID
    found = {(f.row, f.column): f for f in outcome.findings}
    assert set(found) == {(line, column) for line, column, _ in scdl_files.MISTAKES}
    assert found[(2, "idAttribuant")].msgid == tv.PATTERN
    assert found[(2, "idAttribuant")].hint == (tv.EXAMPLE, {"example": "23350001600040"})
    assert found[(3, "dateConvention")].msgid == tv.TYPE_MESSAGES["date"]
    assert found[(3, "dateConvention")].params["value"] == "04/10/2013"
    assert found[(4, "nature")].msgid == tv.ENUM
    assert "« aide en nature »" in found[(4, "nature")].params["values"]
    assert found[(5, "montant")].msgid == tv.TYPE_MESSAGES["number"]
    # Every message formats with its parameters.
    for finding in outcome.findings:
        assert finding.msgid.format(**finding.params)


def test_latin1_file_is_refused_with_the_line_and_what_to_do(tmp_path, subventions):
    outcome = check(tmp_path, scdl_files.latin1_csv(), subventions)
    assert outcome.status == tv.INVALID
    (finding,) = outcome.findings
    assert finding.msgid == tv.NOT_UTF8 and finding.row == 2
    assert "0x" in finding.params["detail"]


def test_binary_and_semicolon_and_empty_files(tmp_path, subventions):
    binary = check(tmp_path, b"PK\x03\x04\x00\x00\xff\xfe" * 100, subventions)
    assert binary.findings[0].msgid == tv.BINARY_FILE
    semicolon = check(tmp_path, scdl_files.semicolon_csv(), subventions)
    assert [f.msgid for f in semicolon.findings] == [tv.SEPARATOR]
    assert semicolon.findings[0].params == {"found": ";"}
    empty = check(tmp_path, b"", subventions)
    assert empty.status == tv.ERROR and empty.problem.msgid == tv.EMPTY_FILE


def test_limits_of_size_rows_and_errors(tmp_path, subventions):
    too_big = check(tmp_path, scdl_files.valid_csv(), subventions, max_bytes=1000)
    assert too_big.status == tv.ERROR and too_big.problem.msgid == tv.TOO_LARGE
    assert too_big.problem.params["limit"] == "1000 o"
    rows = check(tmp_path, scdl_files.long_csv(500), subventions, max_rows=100)
    assert rows.status == tv.VALID and rows.rows == 100 and rows.truncated
    assert tv.ROWS_LIMITED in [n.msgid for n in rows.notes]
    errors = check(tmp_path, scdl_files.invalid_csv(), subventions, max_errors=2)
    assert errors.error_count == 2 and errors.truncated
    assert tv.ERRORS_LIMITED in [n.msgid for n in errors.notes]


def test_wrong_header_is_told_by_column(tmp_path, subventions):
    content = scdl_files.valid_csv().replace(b"dateConvention", b"date_convention", 1)
    outcome = check(tmp_path, content, subventions)
    wrong = [f for f in outcome.findings if f.msgid == tv.WRONG_COLUMN]
    assert wrong and wrong[0].params["label"] == "date_convention"
    assert wrong[0].params["column"] == "dateConvention"


def test_a_broken_schema_is_not_a_crash(tmp_path):
    outcome = check(tmp_path, scdl_files.valid_csv(), {"fields": [{"name": "a", "type": "nope"}]})
    assert outcome.status in (tv.ERROR, tv.INVALID)
    assert outcome.problem or outcome.findings


def test_human_size():
    assert tv.human_size(50 * 1024 * 1024) == "50 Mo"
    assert tv.human_size(1536) == "1.5 ko"

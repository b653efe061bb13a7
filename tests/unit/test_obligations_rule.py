"""common/obligations.py: which datasets fulfil which obligation, an
obligation's status from its datasets' freshness, the form prefill."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from ckanext.amp.common import freshness, obligations

NOW = dt.datetime(2026, 6, 1, tzinfo=dt.timezone.utc)


def test_the_list_is_the_priority_then_the_recommended_datasets():
    codes = [item.code for item in obligations.OBLIGATIONS]
    assert codes[:3] == ["budget", "deliberations", "subventions"]
    assert {item.tier for item in obligations.OBLIGATIONS[:3]} == {"priority"}
    assert set(codes[3:]) == {"plu", "assainissement", "permis_construire", "marches_publics",
                              "transport"}
    assert {item.tier for item in obligations.OBLIGATIONS[3:]} == {"recommended"}
    assert all(item.label("fr") and item.label("en") and item.basis
               for item in obligations.OBLIGATIONS)
    assert all(item.frequency in freshness.UPDATE_PERIODS or item.frequency in
               freshness.NO_SCHEDULE for item in obligations.OBLIGATIONS)


@pytest.mark.parametrize("uri, code", [
    ("https://schema.data.gouv.fr/scdl/budget/", "budget"),
    ("https://schema.data.gouv.fr/schemas/scdl/budget/0.8.3/schema.json", "budget"),
    ("HTTPS://WWW.SCHEMA.DATA.GOUV.FR/SCDL/DELIBERATIONS", "deliberations"),
    ("https://schema.data.gouv.fr/schemas/scdl/subventions/2.1.0/schema.json", "subventions"),
    ("https://schema.data.gouv.fr/139bercy/decp/", "marches_publics"),
    ("https://gtfs.org/schedule/reference/", "transport"),
    ("https://cnig.gouv.fr/ressources-dematerialisation-documents-d-urbanisme-a2732.html", "plu"),
    ("scdl/budget", "budget"),
])
def test_a_schema_uri_is_recognised(uri, code):
    assert obligations.conforms_to({"conforms_to": [uri]}) == {code}


@pytest.mark.parametrize("uri", [
    "https://schema.data.gouv.fr/scdl/budget-participatif/",     # not the same segment
    "https://schema.data.gouv.fr/etalab/schema-irve-statique/",
    "https://example.org/notgtfs.org/feed",                        # host, not a path
    "https://schema.data.gouv.fr/scdl/equipements/",
])
def test_other_schemas_are_not(uri):
    assert obligations.conforms_to({"conforms_to": [uri]}) == set()


def test_conforms_to_as_stored_json_or_on_a_resource():
    stored = json.dumps(["https://schema.data.gouv.fr/scdl/subventions/"])
    assert obligations.matching({"conforms_to": stored}) == {"subventions"}
    dataset = {"resources": [{"conforms_to": ["https://schema.data.gouv.fr/scdl/budget/"]}]}
    assert obligations.matching(dataset) == {"budget"}


def test_the_stewards_flag_counts_and_adds_to_the_schema():
    assert obligations.matching({"obligation": "permis_construire"}) == {"permis_construire"}
    assert obligations.matching({"obligation": "unknown"}) == set()
    both = {"obligation": "PLU", "conforms_to": ["https://schema.data.gouv.fr/scdl/budget/"]}
    assert obligations.matching(both) == {"plu", "budget"}


def report(frequency, days_ago):
    updated = None if days_ago is None else NOW - dt.timedelta(days=days_ago)
    return freshness.assess_frequency(frequency, updated, NOW)


def test_status_from_the_freshness_of_the_datasets():
    assert obligations.obligation_status([]) == "missing"
    assert obligations.obligation_status([report("MONTHLY", 10)]) == "fresh"
    assert obligations.obligation_status([report("IRREG", 900)]) == "fresh"
    assert obligations.obligation_status([report("MONTHLY", 100)]) == "late"
    # One fresh dataset is enough; a late one beside one not judged is not judged.
    assert obligations.obligation_status([report("MONTHLY", 100), report("ANNUAL", 3)]) == "fresh"
    assert obligations.obligation_status([report("MONTHLY", 100), report("", 3)]) == "not_judged"
    assert obligations.obligation_status([report("MONTHLY", None)]) == "not_judged"


def test_status_counts_hold_every_status():
    assert obligations.status_counts(["fresh", "missing", "missing"]) == {
        "fresh": 1, "not_judged": 0, "late": 0, "missing": 2}


def test_prefill_of_the_new_dataset_form():
    query = obligations.prefill("budget", "eau")
    assert query == {
        "obligation": "budget", "license_id": "lov2", "owner_org": "eau",
        "frequency": "http://publications.europa.eu/resource/authority/frequency/ANNUAL",
        "conforms_to": "https://schema.data.gouv.fr/scdl/budget/",
        "theme": ["http://publications.europa.eu/resource/authority/data-theme/ECON",
                  "http://publications.europa.eu/resource/authority/data-theme/GOVE"]}
    # Without a national schema: no conforms_to, the flag says it.
    assert "conforms_to" not in obligations.prefill("permis_construire")
    # The schema a new dataset gets is recognised as the obligation's.
    for item in obligations.OBLIGATIONS:
        if item.schema:
            assert obligations.conforms_to({"conforms_to": [item.schema]}) == {item.code}

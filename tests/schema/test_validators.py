"""Unit tests of amp_schema's validators, rules and index document (no database)."""
from __future__ import annotations

import json

import pytest

import ckan.plugins.toolkit as toolkit
from ckan.lib.navl.dictization_functions import missing

from ckanext.amp.common.validation import InvalidValue
from ckanext.amp.schema import indexing, rules
from ckanext.amp.schema.logic import validators as v

EU = "http://publications.europa.eu/resource/authority/"


def test_every_validator_is_prefixed():
    assert v.__all__ and all(name.startswith("amp_") for name in v.__all__)


@pytest.mark.parametrize("value, expected", [
    ("200 054 807 00017", "20005480700017"), ("21130055300016", "21130055300016")])
def test_siret_accepts_valid_keys(value, expected):
    assert v.amp_siret(value) == expected


@pytest.mark.parametrize("value", ["20005480700011", "2000548070001", "2000548070001A"])
def test_siret_refuses_bad_keys_and_shapes(value):
    with pytest.raises(toolkit.Invalid):
        v.amp_siret(value)


def test_siren_and_insee():
    assert v.amp_siren("200054807") == "200054807"
    with pytest.raises(toolkit.Invalid):
        v.amp_siren("200054808")
    assert v.amp_insee_commune("13055") == "13055"
    with pytest.raises(toolkit.Invalid):
        v.amp_insee_commune("13000")


def test_empty_values_pass_through():
    assert v.amp_siret("") == ""
    assert v.amp_uri(missing) is missing


def test_uri_email_dates_number():
    assert v.amp_uri(" https://data.ampmetropole.fr/ ") == "https://data.ampmetropole.fr/"
    with pytest.raises(toolkit.Invalid):
        v.amp_uri("ftp://example.org")
    assert v.amp_email("mailto:Open@Example.ORG") == "Open@example.org"
    with pytest.raises(toolkit.Invalid):
        v.amp_email("not-an-address")
    assert v.amp_iso_temporal("2020-06") == "2020-06"
    assert v.amp_iso_date("2024-02-29") == "2024-02-29"
    with pytest.raises(toolkit.Invalid):
        v.amp_iso_date("2023-02-29")
    assert v.amp_number("12,5") == "12.5"
    with pytest.raises(toolkit.Invalid):
        v.amp_number("douze")


def test_vocabularies_store_uris_and_refuse_unknown_values():
    assert v.amp_vocabulary("frequency")("quotidienne") == EU + "frequency/DAILY"
    themes = v.amp_vocabulary_list("data-theme")(["ENVI", "tran", EU + "data-theme/ENVI"])
    assert json.loads(themes) == [EU + "data-theme/ENVI", EU + "data-theme/TRAN"]
    assert json.loads(v.amp_vocabulary_list("data-theme")('["ENVI"]')) == [EU + "data-theme/ENVI"]
    with pytest.raises(toolkit.Invalid) as error:
        v.amp_vocabulary_list("data-theme")(["ENVI", "GASTRONOMIE"])
    assert "GASTRONOMIE" in str(error.value.error)
    assert v.amp_resource_format(".csv") == "CSV"
    with pytest.raises(toolkit.Invalid):
        v.amp_resource_format("WORDPERFECT-ZZ")


def test_zones_must_exist_in_the_cog():
    assert json.loads(v.amp_zones(["fr:commune:13055", "fr:epci:200054807"])) == [
        "fr:commune:13055", "fr:epci:200054807"]
    with pytest.raises(toolkit.Invalid):
        v.amp_zones(["fr:commune:75056"])      # Paris: a real code, not in the zones file
    with pytest.raises(toolkit.Invalid):
        v.amp_zones("fr:commune:13000")


def test_choice_tables():
    assert v.amp_choice("DIFFUSION_LEVELS")(" Public ") == "public"
    with pytest.raises(toolkit.Invalid):
        v.amp_choice("DIFFUSION_LEVELS")("secret")


# -- cross-field validators on flattened data --------------------------------

def _run(validator, key, data):
    errors = {key: []}
    validator(key, data, errors, {})
    return errors[key]


@pytest.mark.parametrize("diffusion, licence, ok", [
    ("public", "lov2", True), ("public", "odc-odbl", True), ("public", EU + "licence/ETALAB_2_0", True),
    ("public", "cc-by", False), ("public", "", False), ("public", "notspecified", False),
    ("restricted", "other-closed", True), ("restricted", "lov2", False),
    ("internal", "", True), ("personal", "odc-odbl", False),
])
def test_licence_and_diffusion(diffusion, licence, ok):
    data = {("diffusion",): diffusion, ("license_id",): licence}
    assert (not _run(v.amp_licence_for_diffusion, ("license_id",), data)) is ok


def test_access_rights_are_derived_never_typed():
    for diffusion, code in (("public", "PUBLIC"), ("restricted", "RESTRICTED"),
                            ("internal", "NON_PUBLIC"), ("personal", "NON_PUBLIC")):
        data = {("diffusion",): diffusion, ("access_rights",): EU + "access-right/PUBLIC"}
        _run(v.amp_access_rights, ("access_rights",), data)
        assert data[("access_rights",)] == EU + "access-right/" + code


def test_period_end_before_start_is_refused():
    key = ("temporal_coverage", 0, "end")
    data = {("temporal_coverage", 0, "start"): "2024-01-01", key: "2023-12-31"}
    assert _run(v.amp_period, key, data)
    data[key] = "2024"
    assert not _run(v.amp_period, key, data)


def test_diffusion_basis_required_unless_public():
    key = ("diffusion_basis",)
    assert _run(v.amp_diffusion_basis, key, {("diffusion",): "internal", key: ""})
    assert not _run(v.amp_diffusion_basis, key, {("diffusion",): "public", key: ""})
    data = {("diffusion",): "restricted", key: "", ("convention",): "CONV-1"}
    assert not _run(v.amp_diffusion_basis, key, data)
    assert data[key] == "convention"


def test_metadata_visibility_only_for_restricted():
    key = ("metadata_visibility",)
    data = {("diffusion",): "restricted", key: ""}
    assert not _run(v.amp_metadata_visibility, key, data) and data[key] == "public"
    assert _run(v.amp_metadata_visibility, key, {("diffusion",): "public", key: "parties"})


def test_hvd_category_adds_the_regulation():
    key = ("applicable_legislation",)
    data = {key: [], ("hvd_category",): ["http://data.europa.eu/bna/c_ac64a52d"]}
    _run(v.amp_hvd_legislation, key, data)
    assert json.loads(data[key]) == [rules.HVD_REGULATION]
    assert _run(v.amp_hvd_legislation, key, {key: ["pas une adresse"]})


# -- index document ------------------------------------------------------------

def test_index_document_fits_the_stock_solr_schema():
    from ckanext.amp.common.solr_schema import load_schema

    document = {
        "id": "x", "metadata_created": "2025-01-01T00:00:00Z", "index_id": "y", "site_id": "amp", "name": "n", "title": "t",
        "theme": [EU + "data-theme/ENVI", EU + "data-theme/TRAN"],
        "spatial_zones": ["fr:commune:13055"], "language": [],
        "contact": [{"name": "a", "email": "a@b.fr"}],
        "tags": ["verre"], "some_object": {"a": 1},
        "validated_data_dict": json.dumps({"notes": "x" * 120, "license_id": "lov2"}),
    }
    result = indexing.index_document(dict(document))
    assert result["quality_score"] == "020"
    assert result["vocab_theme"] == document["theme"]
    assert result["theme"] == " ".join(document["theme"])
    assert result["vocab_spatial_zones"] == ["fr:commune:13055"]
    assert "language" not in result
    assert isinstance(result["contact"], str) and isinstance(result["some_object"], str)
    assert result["tags"] == ["verre"]
    assert load_schema().check(result) == []


def test_repeating_fields_become_json_that_ckanext_dcat_reads_back():
    document = {"contact": [{"name": "a"}], "validated_data_dict": "{}"}
    result = indexing.index_document(document)
    assert json.loads(result["contact"]) == [{"name": "a"}]

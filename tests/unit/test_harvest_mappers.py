"""The record mappers of common/harvest on every real fixture catalogue
(CKAN, DCAT-JSON, OpenDataSoft, CSW/ISO 19139), on hostile and odd values,
and on arbitrary JSON-like input (hypothesis); delivery files checked
against their expected columns. Pure (no CKAN)."""
from __future__ import annotations

import copy
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from ckanext.amp.common import identifiers, validation
from ckanext.amp.common.harvest.ckan import ckan_package_to_record, ckan_packages
from ckanext.amp.common.harvest.dcat import dcat_dataset_to_record, dcat_json_dataset_to_record
from ckanext.amp.common.harvest.delivery import check_delivery
from ckanext.amp.common.harvest.iso19139 import (
    MalformedXML,
    iso19139_to_record,
    iso_documents,
    read_iso_values,
)
from ckanext.amp.common.harvest.ods import ods_dataset_to_record, ods_datasets
from ckanext.amp.common.harvest.records import MappedRecord

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "catalogues"
OURS = ROOT / "tests" / "fixtures" / "ods"
EU = "http://publications.europa.eu/resource/authority/"
HERAULT = "https://www.herault-data.fr"
DATASUD = "https://www.datasud.fr/fr/indexer/service/ckan"
TAG = re.compile(r"^[\w \-.]{2,100}$")


def _fixture(*parts: str) -> Path:
    path = FIXTURES.joinpath(*parts)
    if not path.exists():
        pytest.fail(f"fixture file missing: {path} (tests/fixtures/)")
    return path


def assert_schema_valid(record: MappedRecord) -> None:
    """What a mapper writes passes the schema's pure validators."""
    dataset = record.dataset
    assert isinstance(record.remote_id, str)
    assert not {"owner_org", "convention", "diffusion", "name"} & set(dataset)
    for key in ("title", "notes"):
        if key in dataset:
            assert isinstance(dataset[key], str) and dataset[key].strip() and "<script" not in dataset[key]
    for key in ("theme", "language", "hvd_category"):
        vocabulary = {"theme": "data-theme", "language": "language", "hvd_category": "hvd-category"}[key]
        if key in dataset:
            assert validation.vocabulary_values(vocabulary, dataset[key]) == dataset[key]
    if "frequency" in dataset:
        assert validation.vocabulary_value("frequency", dataset["frequency"]) == dataset["frequency"]
    if "spatial_zones" in dataset:
        assert identifiers.zone_ids(dataset["spatial_zones"]) == dataset["spatial_zones"]
    for key in ("issued", "modified"):
        if key in dataset:
            validation.iso_datetime(dataset[key], allow_date=True)
    for period in dataset.get("temporal_coverage", []):
        validation.period(period.get("start"), period.get("end"))
    for key in ("url", "uri", "homepage", "canonical_url", "source_portal"):
        if key in dataset:
            validation.http_uri(dataset[key])
    for key in ("documentation", "conforms_to", "is_referenced_by", "has_version",
                "applicable_legislation"):
        for uri in dataset.get(key, []):
            validation.http_uri(uri)
    for key in ("contact", "publisher", "creator"):
        for agent in dataset.get(key, []):
            if "email" in agent:
                assert validation.email(agent["email"]) == agent["email"]
            for link in ("url", "uri"):
                if link in agent:
                    validation.http_uri(agent[link])
    for item in dataset.get("spatial_coverage", []):
        for key in ("geom", "bbox", "centroid"):
            if key in item:
                assert json.loads(item[key])["type"]
        if "uri" in item:
            validation.http_uri(item["uri"])
    for item in dataset.get("qualified_attribution", []):
        assert item["agent_name"] and item["role"].startswith("http://inspire.ec.europa.eu/")
    for tag in dataset.get("tags", []):
        assert TAG.match(tag["name"]), tag
    assert isinstance(dataset.get("resources"), list)
    for resource in dataset["resources"]:
        validation.http_uri(resource["url"])
        if "format" in resource:
            assert validation.vocabulary_value("file-type", resource["format"], to="code") == \
                resource["format"]
        for key in ("issued", "modified"):
            if key in resource:
                validation.iso_datetime(resource[key], allow_date=True)
    if "license_id" not in dataset:  # never a silent default
        assert record.errors
    json.dumps(dataset)  # serialisable as it will be hashed and sent


# ---------------------------------------------------------------------------
# CKAN

CKAN_FILES = ["datasud_package_search_org-gap-tallard-durance.json",
              "datasud_package_show_canispaces-ville-de-gap.json",
              "demo-ckan-org_package_search_2017.json", "udata_dkan-french-w-license.json",
              "ckanext-dcat_ckan_full_dataset_dcat_ap.json",
              "ckanext-dcat_ckan_full_dataset_dcat_ap_vocabularies.json",
              "ckanext-dcat_ckan_dataset_multilingual.json", "ckanext-dcat_dataset.json"]


@pytest.mark.parametrize("name", CKAN_FILES)
def test_every_ckan_fixture_maps_to_valid_fields(name):
    packages = ckan_packages(json.loads(_fixture("ckan", name).read_text(encoding="utf-8")))
    assert packages
    for package in packages:
        assert_schema_valid(ckan_package_to_record(package, DATASUD))


def test_datasud_package():
    package = ckan_packages(json.loads(_fixture("ckan", "datasud_package_show_canispaces-ville-de-gap.json")
                                       .read_text(encoding="utf-8")))[0]
    record = ckan_package_to_record(package, DATASUD + "/")
    dataset = record.dataset
    assert record.remote_id == "cfa98601-185f-4194-bc0f-119fc23a194b"
    assert record.remote_url == DATASUD + "/dataset/canispaces----ville-de-gap"
    assert not record.errors
    assert dataset["license_id"] == "lov2"
    assert dataset["theme"] == [EU + "data-theme/ENVI", EU + "data-theme/REGI"]
    assert [r["format"] for r in dataset["resources"]] == ["SHP", "WMS_SRVC", "WFS_SRVC"]
    assert dataset["contact"] == [{"name": "Ville de Gap", "email": "voirie@ville-gap.fr"}]
    assert dataset["publisher"][0]["name"] == "Communauté d'Agglomération de Gap-Tallard-Durance"
    assert {tag["name"] for tag in dataset["tags"]} >= {"chien", "canispace"}
    assert "[propreté canine à Gap ](https://www.ville-gap.fr/la-proprete-canine/)" in dataset["notes"]


def test_dkan_package_with_html_french_dates_and_iso_extras():
    package = ckan_packages(json.loads(_fixture("ckan", "udata_dkan-french-w-license.json")
                                       .read_text(encoding="utf-8")))[0]
    record = ckan_package_to_record(package, "https://opendata.hautsdefrance.fr")
    dataset = record.dataset
    assert dataset["notes"] == "Liste et coordonnées des antennes de proximité du conseil régional " \
                               "Hauts-de-France."
    assert dataset["license_id"] == "fr-lo"  # Licence Ouverte 1.0, by its Etalab URL
    assert dataset["issued"] == "2019-12-10T09:23:00"  # "mar, 10/12/2019 - 09:23"
    assert dataset["modified"] == "2019-10-01"  # dataset-reference-date revision (HTML-escaped JSON)
    assert dataset["frequency"] == EU + "frequency/IRREG"  # asNeeded
    assert dataset["language"] == [EU + "language/FRA"]  # fre
    assert dataset["contact"][0] == {"name": "Opendata de la Région Hauts-de-France",
                                     "email": "opendata@hautsdefrance.fr"}
    assert json.loads(dataset["spatial_coverage"][0]["bbox"])["coordinates"][0][0] == [1.1865234, 48.805463]
    assert dataset["resources"][0]["format"] == "XLSX"
    assert any("Date changed" in p.message() for p in record.warnings)


def test_dcat_json_catalogues():
    for parts in (("dcat", "udata_evian.json"), ("ckan", "ckanext-dcat_catalog.json")):
        catalogue = json.loads(_fixture(*parts).read_text(encoding="utf-8"))
        for dataset in catalogue["dataset"]:
            record = dcat_json_dataset_to_record(dataset)
            assert record.remote_id
            assert_schema_valid(record)
    evian = dcat_json_dataset_to_record(json.loads(_fixture("dcat", "udata_evian.json")
                                                   .read_text(encoding="utf-8"))["dataset"][0])
    assert evian.dataset["license_id"] == "lov2" and evian.dataset["spatial_coverage"][0]["bbox"]


# ---------------------------------------------------------------------------
# OpenDataSoft

def _ods(name: str) -> list[dict[str, Any]]:
    return ods_datasets(json.loads((OURS / name).read_text(encoding="utf-8")))


def test_ods_datasets_of_a_herault_data_like_portal():
    water, buses, budget = (ods_dataset_to_record(d, HERAULT + "/") for d in
                            _ods("herault-data_catalog_datasets.json"))
    for record in (water, buses, budget):
        assert_schema_valid(record)
    assert water.remote_id == "da_7hq2kd"
    assert water.remote_url == HERAULT + "/explore/dataset/qualite-de-leau-des-rivieres-de-lherault/"
    assert not water.errors
    data = water.dataset
    assert data["license_id"] == "lov2" and data["theme"] == [EU + "data-theme/ENVI"]
    assert data["notes"].startswith("Résultats des analyses physico-chimiques")
    assert "[Département de l'Hérault](https://www.herault.fr/)" in data["notes"]
    assert data["frequency"] == EU + "frequency/MONTHLY" and data["issued"] == "2018-03-15"
    assert data["temporal_coverage"] == [{"start": "2010", "end": "2025"}]
    assert data["contact"] == [{"name": "Service de l'eau", "email": "eau@herault.fr"}]
    api = HERAULT + "/api/explore/v2.1/catalog/datasets/qualite-de-leau-des-rivieres-de-lherault"
    urls = [r["url"] for r in data["resources"]]
    assert urls[:3] == [api + "/exports/csv", api + "/exports/json", api + "/exports/xlsx"]
    assert api + "/exports/geojson" in urls  # the dataset has the geo feature
    assert api + "/attachments/notice_qualite_eau_pdf" in urls
    assert json.loads(data["spatial_coverage"][-1]["geom"])["type"] == "Polygon"

    assert buses.dataset["license_id"] == "odc-odbl" and buses.dataset["issued"] == "2019-09-15"
    assert buses.dataset["theme"] == [EU + "data-theme/TRAN"]
    assert not any(r["url"].endswith("/exports/geojson") for r in buses.dataset["resources"])

    assert [p.field for p in budget.errors] == ["license_id"]
    warnings = {p.field: p.message() for p in budget.warnings}
    assert "2025-02-30" in warnings["issued"] and "Parfois" in warnings["frequency"]
    assert "Tourisme" in warnings["theme"]
    assert {"name": "Tourisme"} in budget.dataset["tags"]


def test_a_renamed_ods_dataset_keeps_its_remote_id():
    before = ods_dataset_to_record(_ods("herault-data_catalog_datasets.json")[0], HERAULT)
    after = ods_dataset_to_record(_ods("herault-data_catalog_datasets_renamed.json")[0], HERAULT)
    assert before.remote_id == after.remote_id == "da_7hq2kd"
    assert after.remote_url.endswith("/explore/dataset/qualite-eau-rivieres-herault/")
    assert before.content_hash != after.content_hash


@pytest.mark.parametrize("name", ["ods-explore-v2.1_catalog_datasets_example.json",
                                  "ods-explore-v2.1_catalog_dataset_example.json"])
def test_ods_openapi_examples(name):
    datasets = ods_datasets(json.loads(_fixture("ods", name).read_text(encoding="utf-8")))
    assert datasets
    for dataset in datasets:
        record = ods_dataset_to_record(dataset, "https://documentation-resources.opendatasoft.com")
        assert record.remote_id.startswith("da_")
        assert_schema_valid(record)


# ---------------------------------------------------------------------------
# CSW / ISO 19139

CSW_FILES = ["ckanext-spatial_iso19139_dataset.xml", "geo-ide_csw-ddt24_GetRecords_iso19139_response.xml",
             "udata_geoide-iso19139-single-dataset.xml", "udata_geonetwork-iso19139-page-1.xml",
             "udata_geoplateforme-iso19139-IGNF_RPG.xml"]


@pytest.fixture(scope="module")
def iso_records() -> dict[str, list[MappedRecord]]:
    return {name: [iso19139_to_record(read_iso_values(element))
                   for element in iso_documents(_fixture("csw", name).read_bytes())]
            for name in CSW_FILES}


@pytest.mark.parametrize("name", CSW_FILES)
def test_every_iso_record_maps_to_valid_fields(iso_records, name):
    assert iso_records[name]
    for record in iso_records[name]:
        assert record.remote_id
        assert_schema_valid(record)


def test_ign_rpg_record(iso_records):
    rpg = iso_records["udata_geoplateforme-iso19139-IGNF_RPG.xml"][0]
    data = rpg.dataset
    assert rpg.remote_id == "IGNF_RPG"
    assert data["license_id"] == "lov2"  # a gmx:Anchor ckanext-spatial does not read
    assert data["frequency"] == EU + "frequency/ANNUAL"
    assert data["temporal_coverage"] == [{"start": "2007-01-01", "end": "2025-01-01"}]
    assert EU + "data-theme/AGRI" in data["theme"]  # topic category farming, INSPIRE af
    assert data["resources"][0]["url"] == "https://data.geopf.fr/telechargement/resource/RPG"


def test_geo_ide_records(iso_records):
    records = iso_records["geo-ide_csw-ddt24_GetRecords_iso19139_response.xml"]
    assert len(records) == 4
    noise = records[1]
    assert noise.dataset["license_id"] == "lov2"  # "Licence Ouverte / Open Licence Version 2.0 https://…"
    assert any(p.msgid.startswith("The bounding box") for p in noise.warnings)
    assert {"uri": "http://id.insee.fr/geo/departement/24"} in noise.dataset["spatial_coverage"]
    assert "catalog.search#/metadata/" in noise.remote_url
    assert all(res["url"].startswith("http") and "GetRecordById" not in res["url"]
               for res in noise.dataset["resources"])
    access_only = records[0]  # no licence text at all: access limitations are not licences
    assert [p.field for p in access_only.errors] == ["license_id"]


@pytest.mark.parametrize("xml", [
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
    b'<lolz>&lol2;</lolz>',
    b"<gmd:MD_Metadata", b"", b"not xml at all",
])
def test_hostile_or_broken_xml_is_refused(xml):
    with pytest.raises(MalformedXML):
        iso_documents(xml)


def test_csw_page_without_iso_records_has_none():
    assert iso_documents(_fixture("csw", "udata_geonetwork-dcat-page-1.xml").read_bytes()) == []


# ---------------------------------------------------------------------------
# hostile and odd values

def _base_package() -> dict[str, Any]:
    return {"id": "p1", "name": "p1", "title": "Titre", "notes": "Une description.",
            "license_id": "lov2", "resources": [{"url": "https://example.org/a.csv", "format": "CSV"}]}


@pytest.mark.parametrize("changes", [
    {"title": "", "name": ""}, {"title": ["Titre", "Autre"]}, {"title": {"fr": "Titre FR", "en": "Title"}},
    {"title": "<b>Titre</b> <script>x()</script>"}, {"title": "x" * 50_000},
    {"notes": ""}, {"notes": "<p>a</p>" * 30_000}, {"notes": 12}, {"notes": None},
    {"tags": "pas une liste"}, {"tags": [{"name": "a/b,c"}, None, 3, {"x": 1}, "ok"]},
    {"tags": [f"mot {i}" for i in range(500)]},
    {"license_id": ["lov2"]}, {"license_id": {"id": "lov2"}}, {"license_id": 42},
    {"metadata_created": "n/a", "metadata_modified": "2019-02-30"},
    {"extras": [{"key": "spatial", "value": "{not json"}, {"key": "frequency", "value": []},
                {"key": "bbox-west-long", "value": "x"}]},
    {"extras": "garbage"}, {"extras": [None, 1, "x"]},
    {"resources": "pas une liste"}, {"resources": [None, {"url": "javascript:alert(1)"},
                                                   {"url": "ftp://x.org/a"}, {"url": ""}]},
    {"resources": [{"url": f"https://example.org/{i}.csv"} for i in range(600)]},
    {"groups": [{"title": None}], "organization": "pas un objet"},
    {"maintainer_email": "pas une adresse", "author_email": ["x"], "url": "www.sans-schema.fr"},
])
def test_odd_ckan_values_never_crash_and_stay_valid(changes):
    package = _base_package()
    package.update(changes)
    record = ckan_package_to_record(package, "https://example.org")
    assert_schema_valid(record)
    if changes.get("title") == "":
        assert [p.field for p in record.errors] == ["title"]
    if "resources" in changes and isinstance(changes["resources"], list) and len(changes["resources"]) == 600:
        assert len(record.dataset["resources"]) == 500
        assert any("600" in p.message() for p in record.warnings)


def test_title_and_notes_limits():
    package = _base_package()
    package.update(title="t" * 5_000, notes="n" * 200_000)
    record = ckan_package_to_record(package, "")
    assert len(record.dataset["title"]) == 1_000 and len(record.dataset["notes"]) == 100_000
    assert {p.field for p in record.warnings} >= {"title", "notes"}


def test_missing_description_gets_the_title_with_a_warning():
    package = _base_package()
    del package["notes"]
    record = ckan_package_to_record(package, "")
    assert record.dataset["notes"] == "Titre"
    assert [p.field for p in record.warnings] == ["notes"]


@pytest.mark.parametrize("mapper", [
    lambda value: ckan_package_to_record(value, "https://example.org"),
    lambda value: dcat_dataset_to_record(value),
    lambda value: dcat_json_dataset_to_record(value),
    lambda value: ods_dataset_to_record(value, HERAULT),
    lambda value: iso19139_to_record(value),
], ids=["ckan", "dcat", "dcat-json", "ods", "iso19139"])
@pytest.mark.parametrize("value", [None, [], "texte", 12, {"metas": "x"}, {"metas": {"default": []}}])
def test_not_a_record_at_all(mapper, value):
    record = mapper(value)
    assert record.errors


_json_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=40)
    | st.sampled_from(["", "lov2", "2019-02-30", "21/05/2019", "POLYGON((0 0,1 1,1 0,0 0))",
                       "http://id.insee.fr/geo/commune/13055", "<script>x</script>", "odsfile://a.zip",
                       "https://example.org/a.csv", "Environnement", "asNeeded", "N" + "a" * 32]),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(
        st.sampled_from(["title", "notes", "description", "id", "name", "url", "format", "tags",
                         "extras", "key", "value", "resources", "metas", "default", "dcat", "theme",
                         "license", "license_id", "modified", "bbox", "guid", "resource-locator",
                         "dataset_id", "dataset_uid", "keyword", "spatial", "temporal_coverage",
                         "contact", "publisher", "distribution", "attachments", "features",
                         "geographic_area", "territory", "responsible-organisation", "role",
                         "dataset-reference-date", "type", "start", "end", "email"]) | st.text(max_size=8),
        children, max_size=6),
    max_leaves=25)


@settings(max_examples=150, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(value=_json_like)
def test_no_mapper_raises_on_arbitrary_json_like_input(value):
    for record in (ckan_package_to_record(value, "https://example.org"),
                   dcat_dataset_to_record(value), dcat_json_dataset_to_record(value),
                   ods_dataset_to_record(value, HERAULT), iso19139_to_record(value)):
        assert isinstance(record, MappedRecord)
        assert_schema_valid(record)


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(noise=st.dictionaries(st.sampled_from(["title", "license", "modified", "keyword", "theme",
                                              "territory", "geographic_area", "description"]),
                             _json_like, max_size=4))
def test_ods_record_with_noisy_metas(noise):
    dataset = copy.deepcopy(_ods("herault-data_catalog_datasets.json")[0])
    dataset["metas"]["default"].update(noise)
    record = ods_dataset_to_record(dataset, HERAULT)
    assert record.remote_id == "da_7hq2kd"
    assert_schema_valid(record)


# ---------------------------------------------------------------------------
# deliveries

COLUMNS = [{"name": "Date de mesure", "type": "date"},
           {"name": "Piézomètre", "type": "string", "required": True},
           {"name": "Niveau", "type": "number", "unit": "m NGF"},
           {"name": "Mesures", "type": "integer"}]


def test_french_csv_in_windows_1252_with_semicolons():
    data = ("date de mesure;PIÉZOMÈTRE;niveau;mesures;remarque\n"
            "21/05/2019;P1;12,5;3;\n2019-06-01;;abc;4.5;\n31/02/2019;P3;1 234,5;2;\n").encode("cp1252")
    report = check_delivery(data, "releves-2019.csv", COLUMNS)
    assert (report.encoding, report.delimiter, report.rows) == ("cp1252", ";", 3)
    assert not report.valid and report.error_count == 4
    found = {(issue.row, issue.column, issue.message()) for issue in report.errors}
    assert found == {
        (3, "Piézomètre", "Row 3, column Piézomètre: a value is required"),
        (3, "Niveau", "Row 3, column Niveau: abc is not a number"),
        (3, "Mesures", "Row 3, column Mesures: 4.5 is not an integer"),
        (4, "Date de mesure", "Row 4, column Date de mesure: 31/02/2019 is not a date"),
    }
    assert [w.message() for w in report.warnings] == ["Columns not expected (kept, not checked): remarque"]
    assert (report.period_start[:10], report.period_end[:10]) == ("2019-05-21", "2019-06-01")


def test_valid_utf8_bom_csv_with_commas_extends_the_series():
    data = "\ufeffDate de mesure,Piézomètre,Niveau,Mesures\n2024-01-31,P1,1.5,2\n2024-02-29,P2,2,3\n"
    report = check_delivery(data.encode("utf-8"), "fevrier.csv", COLUMNS)
    assert report.valid and report.issues == [] and report.encoding == "utf-8"
    assert report.columns[0] == "Date de mesure"
    assert (report.period_start[:10], report.period_end[:10]) == ("2024-01-31", "2024-02-29")


def test_xlsx_and_json_deliveries(tmp_path):
    import datetime as dt

    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Date de mesure", "Piézomètre", "Niveau"])
    sheet.append([dt.datetime(2021, 3, 4), "P9", 3.5])
    sheet.append([dt.datetime(2021, 5, 4), "P9", "haut"])
    path = tmp_path / "livraison.xlsx"
    workbook.save(path)
    report = check_delivery(path, "livraison.xlsx", COLUMNS)
    assert report.rows == 2 and (report.period_start[:10], report.period_end[:10]) == \
        ("2021-03-04", "2021-05-04")
    assert sorted(issue.message() for issue in report.errors) == [
        "Row 3, column Niveau: haut is not a number", "The column Mesures is missing"]

    rows = [{"Date de mesure": "2020-01-01", "Piézomètre": "P1", "Niveau": 1, "Mesures": 2}]
    assert check_delivery(json.dumps(rows).encode(), "x.json", COLUMNS).valid


@pytest.mark.parametrize("data, filename, msgid", [
    (b"PK\x03\x04garbage", "x.xlsx", "The file {filename} cannot be read: {reason}"),
    (b"{not json", "x.json", "The file {filename} cannot be read: {reason}"),
    (b"", "x.csv", "The file {filename} is empty"),
    (b"a,b", "x.pdf", "The file {filename} is not a CSV, XLSX or JSON file"),
])
def test_unreadable_deliveries(data, filename, msgid):
    report = check_delivery(data, filename, COLUMNS)
    assert [issue.msgid for issue in report.errors] == [msgid]


def test_delivery_of_a_real_scdl_example_against_its_schema():
    schema_path = FIXTURES / ".." / "scdl" / "subventions" / "schema.json"
    example = FIXTURES / ".." / "scdl" / "subventions" / "exemple_valide.csv"
    if not example.exists():
        pytest.fail(f"fixture file missing: {example} (tests/fixtures/)")
    fields = json.loads(schema_path.read_text(encoding="utf-8"))["fields"]
    report = check_delivery(example, "exemple_valide.csv", fields)
    assert report.rows > 0
    assert report.valid, [issue.message() for issue in report.issues[:5]]

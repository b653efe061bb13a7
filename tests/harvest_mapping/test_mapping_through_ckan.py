"""The mappers' output through real CKAN with the amp schema.

* ckanext-dcat's RDF parser (our ``amp_dcat_ap_fr`` profile and stock
  ``euro_dcat_ap_3``) on every DCAT fixture gives dicts that
  ``dcat_dataset_to_record`` maps to valid fields;
* every mapped dataset of every fixture catalogue (CKAN, DCAT, ODS, CSW) is
  accepted by ``package_create`` with the amp schema, stamped as the
  harvester stamps it (organisation, name, diffusion), or refused only on
  fields whose problems the record already lists.
"""
from __future__ import annotations

import json
import re
import sys
import unicodedata
from pathlib import Path
from typing import Any, Iterator

import pytest

from ckan.tests import factories, helpers
from ckanext.dcat.processors import RDFParser

from ckanext.amp.common.harvest.ckan import ckan_package_to_record, ckan_packages
from ckanext.amp.common.harvest.dcat import dcat_dataset_to_record, dcat_json_dataset_to_record
from ckanext.amp.common.harvest.iso19139 import iso19139_to_record, iso_documents, read_iso_values
from ckanext.amp.common.harvest.ods import ods_dataset_to_record, ods_datasets
from ckanext.amp.common.harvest.records import MappedRecord

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))
from test_harvest_mappers import assert_schema_valid  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = ROOT / "tests" / "fixtures" / "catalogues"
FORMATS = {".rdf": "xml", ".xml": "xml", ".ttl": "turtle", ".jsonld": "json-ld"}
DCAT_FILES = sorted(path.name for path in (CATALOGUES / "dcat").glob("*") if path.suffix in FORMATS) \
    if (CATALOGUES / "dcat").exists() else []

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", "amp_search amp_schema scheming_datasets "
                            "scheming_organizations dcat amp_dcat"),
    pytest.mark.ckan_config("ckanext.dcat.rdf.profiles", "amp_dcat_ap_fr"),
    pytest.mark.usefixtures("with_plugins"),
]


def _parsed(name: str, profile: str) -> list[dict[str, Any]]:
    path = CATALOGUES / "dcat" / name
    parser = RDFParser(profiles=[profile])
    parser.parse(path.read_bytes(), _format=FORMATS[path.suffix])
    return list(parser.datasets())


@pytest.mark.parametrize("profile", ["amp_dcat_ap_fr", "euro_dcat_ap_3"])
@pytest.mark.parametrize("name", DCAT_FILES)
def test_parsed_dcat_datasets_map_to_valid_fields(name, profile):
    datasets = _parsed(name, profile)
    assert datasets, name
    for dataset in datasets:
        record = dcat_dataset_to_record(dataset)
        assert record.remote_id, dataset
        assert_schema_valid(record)


def test_parsed_datara_record():
    dataset = _parsed("udata_datara--f40c3860-7236-4b30-a141-23b8ae33f7b2.rdf.xml", "amp_dcat_ap_fr")[0]
    record = dcat_dataset_to_record(dataset)
    data = record.dataset
    assert record.remote_id == "https://catalogue.open-datara.fr/geonetwork/srv/f40c3860-7236-4b30-a141-23b8ae33f7b2"
    assert data["language"] == ["http://publications.europa.eu/resource/authority/language/FRA"]  # FRE
    assert json.loads(data["spatial_coverage"][0]["geom"])["type"] == "Polygon"
    assert {item["role"].rsplit("/", 1)[-1] for item in data["qualified_attribution"]} == \
        {"owner", "pointOfContact"}
    assert any(p.field == "theme" for p in record.warnings)  # blank-node themes, left out
    assert [p.field for p in record.errors] == ["license_id"]


# ---------------------------------------------------------------------------
# package_create of every mapped dataset


def _records() -> Iterator[tuple[str, MappedRecord]]:
    for path in sorted((CATALOGUES / "ckan").glob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(document, dict) and "dataset" in document:  # a DCAT-JSON catalogue
            for dataset in document["dataset"]:
                yield path.name, dcat_json_dataset_to_record(dataset)
            continue
        for package in ckan_packages(document):
            yield path.name, ckan_package_to_record(package, "https://www.datasud.fr")
    for name in DCAT_FILES:
        for dataset in _parsed(name, "amp_dcat_ap_fr")[:15]:
            yield name, dcat_dataset_to_record(dataset)
    for dataset in json.loads((CATALOGUES / "dcat" / "udata_evian.json").read_text())["dataset"]:
        yield "udata_evian.json", dcat_json_dataset_to_record(dataset)
    for path in sorted((ROOT / "tests" / "fixtures" / "ods").glob("*.json")) + \
            sorted((CATALOGUES / "ods").glob("*catalog_dataset*.json")):
        for dataset in ods_datasets(json.loads(path.read_text(encoding="utf-8"))):
            yield path.name, ods_dataset_to_record(dataset, "https://www.herault-data.fr")
    for path in sorted((CATALOGUES / "csw").glob("*.xml")):
        for element in iso_documents(path.read_bytes()):
            yield path.name, iso19139_to_record(read_iso_values(element))


def _slug(text: str, index: int) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return f"{re.sub(r'[^a-z0-9]+', '-', ascii_text.lower()).strip('-')[:60] or 'jeu'}-{index}"


DECREE_LICENCES = {"lov2", "odc-odbl"}


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_every_mapped_dataset_is_accepted_or_refused_only_where_its_record_says():
    sysadmin = factories.Sysadmin()
    organization = factories.Organization(name="partenaire")
    context = {"user": sysadmin["name"], "ignore_auth": True}
    created = refused = 0
    for index, (source, record) in enumerate(_records()):
        data = json.loads(json.dumps(record.dataset))
        data.update(name=_slug(record.dataset.get("title", "jeu"), index), owner_org=organization["id"])
        # as amp_harvest stamps it: open data in public, anything else restricted
        # under a convention (the convention's licence would replace the remote one)
        if data.get("license_id") in DECREE_LICENCES or "license_id" not in data:
            data["diffusion"] = "public"
        else:
            data.update(diffusion="restricted", convention="CONV-TEST", license_id="amp-parties")
        try:
            helpers.call_action("package_create", context=dict(context), **data)
            created += 1
            assert not record.errors, (source, record.errors)
        except Exception as error:  # ValidationError
            errors = getattr(error, "error_dict", None)
            assert errors is not None, (source, error)
            listed = {problem.field for problem in record.errors}
            assert set(errors) <= listed, (source, errors, record.problems)
            refused += 1
    assert created >= 20 and refused >= 20, (created, refused)

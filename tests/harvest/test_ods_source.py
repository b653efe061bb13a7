"""amp_ods against a local OpenDataSoft Explore API v2.1 serving the
Hérault Data-like fixtures (tests/fixtures/ods/): first harvest with its
provenance, paging, the catalogue export past the 10,000 window, an
unchanged re-harvest (nothing written), a renamed dataset_id, the API key,
HTTP 429, cross-referencing, broken answers."""
from __future__ import annotations

import copy
import json
import logging
from pathlib import Path

import pytest
import sqlalchemy as sa

from ckan import model
from ckan.tests import helpers
from ckanext.harvest.model import HarvestObject

import harvest_helpers as hh

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", hh.PLUGINS),
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index", "clean_queues"),
]

OURS = Path(__file__).resolve().parents[1] / "fixtures" / "ods"
API = "/api/explore/v2.1"
DATASETS = API + "/catalog/datasets"
EXPORT = API + "/catalog/exports/json"


def _results(name: str) -> list[dict]:
    return json.loads((OURS / name).read_text(encoding="utf-8"))["results"]


HERAULT = _results("herault-data_catalog_datasets.json")
WATER, BUSES, BUDGET = HERAULT
RENAMED_WATER = _results("herault-data_catalog_datasets_renamed.json")[0]


def copies(count: int) -> list[dict]:
    """``count`` datasets made from the two openly licensed ones."""
    out = []
    for index in range(count):
        dataset = copy.deepcopy((WATER, BUSES)[index % 2])
        dataset["dataset_id"] = f"jeu-{index:02d}-{dataset['dataset_id']}"
        dataset["dataset_uid"] = f"da_copy{index:02d}"
        dataset["metas"]["default"]["title"] += f" ({index})"
        out.append(dataset)
    return out


class OdsPortal:
    """``catalog/datasets`` (limit ≤ 100, offset + limit below 10,000, as the
    API says) and ``catalog/exports/json`` over a list of datasets."""

    def __init__(self, server, datasets):
        self.server = server
        self.datasets = datasets
        self.broken: bytes | None = None
        self.total_count: int | None = None  # what the first page claims, when set
        self.throttled = 0  # how many 429 answers before a real one
        server.route(DATASETS, self.page)
        server.route(EXPORT, self.export)

    def ordered(self, handler):
        if handler.query.get("order_by") == ["dataset_id"]:
            return sorted(self.datasets, key=lambda d: d["dataset_id"])
        return list(self.datasets)

    def _throttle(self, handler) -> bool:
        if self.throttled > 0:
            self.throttled -= 1
            handler.answer(429, b'{"error_code": "TooManyRequests"}', "application/json",
                           {"Retry-After": "0"})
            return True
        return False

    def page(self, handler):
        if self._throttle(handler):
            return
        if self.broken is not None:
            handler.answer(200, self.broken, "application/json")
            return
        limit = int(handler.query.get("limit", ["10"])[0])
        offset = int(handler.query.get("offset", ["0"])[0])
        if limit > 100 or offset + limit >= 10_000:
            handler.json({"error_code": "InvalidRESTParameterError",
                          "message": "Invalid value for limit/offset"}, status=400)
            return
        datasets = self.ordered(handler)
        handler.json({"total_count": self.total_count or len(datasets),
                      "results": datasets[offset:offset + limit]})

    def export(self, handler):
        if self._throttle(handler):
            return
        handler.json(self.ordered(handler))

    def offsets(self) -> list[int]:
        return [int(seen.query["offset"][0]) for seen in self.server.requests_to(DATASETS)]


@pytest.fixture
def portal(partner, ckan_config):
    ckan_config["ckanext.amp.harvest.allowed_hosts"] = partner.host
    return OdsPortal(partner, [copy.deepcopy(WATER), copy.deepcopy(BUSES)])


def ods_source(portal, sysadmin, organization, **config):
    settings = {"open_data_only": True, "grace_days": 0, "max_withdraw_share": 0.5}
    settings.update(config)
    return hh.create_source(sysadmin, organization, portal.server.url("/"), source_type="amp_ods",
                            name="herault-data", **settings)


def package_rows():
    return {row.id: row.metadata_modified for row in model.Session.query(model.Package)
            .filter(model.Package.type == "dataset")}


def test_first_harvest_creates_datasets_with_their_provenance(portal, sysadmin, organization):
    portal.datasets.append(copy.deepcopy(BUDGET))
    source = ods_source(portal, sysadmin, organization, limit=2)
    job = hh.run_job(source["id"])
    assert job["status"] == "Finished"
    assert hh.gather_errors(job["id"]) == []
    datasets = hh.harvested(source["id"])
    assert set(datasets) == {"da_7hq2kd", "da_2mbx9a"}
    water = datasets["da_7hq2kd"]
    assert water["title"] == "Qualité de l'eau des rivières de l'Hérault"
    assert water["owner_org"] == organization["id"]
    assert water["license_id"] == "lov2" and water["diffusion"] == "public"
    assert water["harvest_source"] == "herault-data" and water["harvest_date"]
    assert water["source_portal"] == portal.server.url("/")
    assert water["canonical_url"] == portal.server.url(
        "/explore/dataset/qualite-de-leau-des-rivieres-de-lherault/")
    exports = portal.server.url(f"{DATASETS}/qualite-de-leau-des-rivieres-de-lherault/exports/")
    assert {exports + fmt for fmt in ("csv", "json", "xlsx", "geojson")} <= \
        {r["url"] for r in water["resources"]}
    # the budget's licence is unknown to the registry: an error on its object, in French
    errors = hh.object_errors(job["id"])
    assert len(errors) == 1 and errors[0].startswith("license_id : "), errors
    assert "registre des licences" in errors[0], errors
    counts = hh.summary(job["id"])["counts"]
    assert (counts["created"], counts["failed"]) == (2, 1)
    # two pages of two, in a stable order
    assert portal.offsets() == [0, 2]
    for seen in portal.server.requests_to(DATASETS):
        assert seen.query["order_by"] == ["dataset_id"] and seen.query["limit"] == ["2"]


def test_paging_across_pages_and_an_unchanged_catalogue_writes_nothing(portal, sysadmin,
                                                                     organization):
    portal.datasets[:] = copies(7)
    source = ods_source(portal, sysadmin, organization, limit=3)
    job = hh.run_job(source["id"])
    assert hh.gather_errors(job["id"]) == [] and hh.object_errors(job["id"]) == []
    assert len(hh.harvested(source["id"])) == 7
    assert portal.offsets() == [0, 3, 6]

    before = package_rows()
    job = hh.run_job(source["id"])
    assert package_rows() == before
    summary = hh.summary(job["id"])
    assert summary["counts"]["unchanged"] == 7
    assert summary["counts"]["created"] == summary["counts"]["updated"] == 0
    assert summary["planned"]["pages_skipped"] == 3
    assert model.Session.query(HarvestObject).filter_by(harvest_job_id=job["id"]).count() == 0


def test_a_catalogue_past_the_window_is_read_from_its_export(portal, sysadmin, organization):
    """The first page says 10,050 datasets: paging would need offset + limit
    ≥ 10,000, so the export is read instead, in one answer."""
    portal.datasets[:] = copies(5)
    portal.total_count = 10_050
    source = ods_source(portal, sysadmin, organization, where="records_count > 0",
                        refine=['theme:"Environnement"'])
    job = hh.run_job(source["id"])
    assert hh.gather_errors(job["id"]) == [] and hh.object_errors(job["id"]) == []
    assert set(hh.harvested(source["id"])) == {f"da_copy{i:02d}" for i in range(5)}
    assert portal.offsets() == [0]  # the first page only; never offset ≥ 100
    [export] = portal.server.requests_to(EXPORT)
    assert export.query["where"] == ["records_count > 0"]
    assert export.query["refine"] == ['theme:"Environnement"']
    assert export.query["order_by"] == ["dataset_id"]
    # Unchanged: both the first page and the export are skipped.
    job = hh.run_job(source["id"])
    summary = hh.summary(job["id"])
    assert summary["counts"]["unchanged"] == 5 and summary["planned"]["pages_skipped"] == 2


def test_a_renamed_dataset_id_updates_the_same_dataset(portal, sysadmin, organization):
    source = ods_source(portal, sysadmin, organization)
    hh.run_job(source["id"])
    before = hh.harvested(source["id"])
    portal.datasets[0] = copy.deepcopy(RENAMED_WATER)
    job = hh.run_job(source["id"])
    assert hh.gather_errors(job["id"]) == []
    counts = hh.summary(job["id"])["counts"]
    assert (counts["updated"], counts["created"], counts["unchanged"]) == (1, 0, 1)
    after = hh.harvested(source["id"])
    assert set(after) == set(before)
    water = after["da_7hq2kd"]
    assert water["id"] == before["da_7hq2kd"]["id"] and water["name"] == before["da_7hq2kd"]["name"]
    assert water["title"] == RENAMED_WATER["metas"]["default"]["title"]
    assert water["canonical_url"] == portal.server.url(
        "/explore/dataset/qualite-eau-rivieres-herault/")
    assert all("qualite-eau-rivieres-herault" in r["url"] for r in water["resources"])
    assert model.Session.query(model.Package).filter(
        model.Package.type == "dataset").count() == 2


def test_the_api_key_is_sent_and_never_written(portal, sysadmin, organization, monkeypatch,
                                               caplog, app):
    secret = "ods-s3cr3t-6f1e"
    monkeypatch.setenv("AMP_CREDENTIAL_HERAULT_KEY", secret)
    caplog.set_level(logging.DEBUG)
    portal.datasets[:] = copies(3)
    portal.total_count = 10_050  # the export too gets the key
    source = ods_source(portal, sysadmin, organization, credential="HERAULT_KEY")
    job = hh.run_job(source["id"])
    assert hh.gather_errors(job["id"]) == []
    seen = portal.server.requests_to(DATASETS) + portal.server.requests_to(EXPORT)
    assert len(seen) == 2
    assert all(s.headers.get("Authorization") == f"Apikey {secret}" for s in seen)
    assert all(secret not in json.dumps(s.query) for s in seen)  # never in the address
    assert secret not in caplog.text
    shown = helpers.call_action("harvest_source_show", context={"user": sysadmin["name"]},
                                id=source["id"])
    assert json.loads(shown["config"])["credential"] == "HERAULT_KEY"
    assert secret not in json.dumps(shown)
    assert secret not in json.dumps(hh.summary(job["id"]))
    assert secret not in json.dumps(list(hh.harvested(source["id"]).values()))
    assert secret not in hh.job_page(app, sysadmin, source["name"], job["id"])
    for table, column in (("harvest_object", "content"), ("harvest_source", "config"),
                          ("harvest_object_error", "message"), ("harvest_gather_error", "message"),
                          ("package_extra", "value"), ("resource", "url")):
        found = model.Session.execute(sa.text(
            f"SELECT count(*) FROM {table} WHERE {column} LIKE :secret"),
            {"secret": f"%{secret}%"}).scalar()
        assert found == 0, table


def test_http_429_is_retried_then_read(portal, sysadmin, organization):
    portal.throttled = 2
    source = ods_source(portal, sysadmin, organization)
    job = hh.run_job(source["id"])
    assert hh.gather_errors(job["id"]) == []
    assert set(hh.harvested(source["id"])) == {"da_7hq2kd", "da_2mbx9a"}
    assert portal.offsets() == [0, 0, 0]  # two 429, then the page


def test_http_429_that_never_ends_is_a_clear_error_and_changes_nothing(portal, sysadmin,
                                                                       organization):
    source = ods_source(portal, sysadmin, organization)
    hh.run_job(source["id"])
    before = hh.harvested(source["id"])
    portal.throttled = 100
    job = hh.run_job(source["id"])
    errors = hh.gather_errors(job["id"])
    assert len(errors) == 1 and "a répondu HTTP 429" in errors[0], errors
    assert len(portal.offsets()) == 1 + 4  # the first job, then 1 + 3 retries
    assert hh.harvested(source["id"]) == before


def test_cross_referencing_keeps_the_metadata_and_points_to_the_source(portal, sysadmin,
                                                                       organization):
    source = ods_source(portal, sysadmin, organization, mode="reference")
    job = hh.run_job(source["id"])
    assert hh.gather_errors(job["id"]) == [] and hh.object_errors(job["id"]) == []
    water = hh.harvested(source["id"])["da_7hq2kd"]
    page = portal.server.url("/explore/dataset/qualite-de-leau-des-rivieres-de-lherault/")
    assert water["url"] == page and water["canonical_url"] == page
    assert water["title"] == "Qualité de l'eau des rivières de l'Hérault"
    assert water["notes"].startswith("Résultats des analyses")
    assert water["license_id"] == "lov2" and "eau" in {t["name"] for t in water["tags"]}
    api = portal.server.url(f"{DATASETS}/qualite-de-leau-des-rivieres-de-lherault/")
    assert water["resources"]
    for resource in water["resources"]:
        assert resource["url"].startswith(api), resource["url"]
        assert resource.get("url_type") in (None, ""), resource
    assert any(r["url"] == api + "attachments/notice_qualite_eau_pdf" for r in water["resources"])
    # nothing was downloaded: the portal only saw its catalogue read
    assert {seen.path for seen in portal.server.seen} == {DATASETS}


@pytest.mark.parametrize("body,expected", [
    (b'{"total_count": 2, "results": [', "n’est pas du JSON valide"),
    (b"<html>Maintenance</html>", "n’est pas du JSON valide"),
    (b'{"total_count": 2}', "n’est pas une réponse catalog/datasets d’OpenDataSoft"),
    (b'[{"dataset_id": "x"}]', "n’est pas une réponse catalog/datasets d’OpenDataSoft"),
])
def test_a_broken_answer_is_one_french_error_and_damages_nothing(portal, sysadmin,
                                                                 organization, app, body,
                                                                 expected):
    source = ods_source(portal, sysadmin, organization)
    hh.run_job(source["id"])
    before = hh.harvested(source["id"])
    rows = package_rows()
    portal.broken = body
    job = hh.run_job(source["id"])
    errors = hh.gather_errors(job["id"])
    assert len(errors) == 1 and expected in errors[0], errors
    assert expected in hh.job_page(app, sysadmin, source["name"], job["id"])
    assert hh.harvested(source["id"]) == before and package_rows() == rows


def test_a_broken_export_is_one_french_error(portal, sysadmin, organization):
    portal.total_count = 20_000
    portal.server.serve(EXPORT, b'{"results": []}', "application/json")
    source = ods_source(portal, sysadmin, organization)
    job = hh.run_job(source["id"])
    errors = hh.gather_errors(job["id"])
    assert len(errors) == 1 and "n’est pas un export de catalogue OpenDataSoft" in errors[0]
    assert hh.harvested(source["id"]) == {}


def test_the_options_are_checked(portal, sysadmin, organization):
    for config, expected in (({"limit": 101}, "limit"), ({"limit": 0}, "limit"),
                             ({"refine": 3}, "refine"), ({"where": ["a"]}, "where")):
        with pytest.raises(helpers.logic.ValidationError) as error:
            ods_source(portal, sysadmin, organization, **config)
        assert expected in str(error.value.error_dict), config

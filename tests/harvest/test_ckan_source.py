"""amp_ckan against a local copy of DataSud's CKAN API: first harvest,
unchanged re-harvest (nothing written), changes, withdrawals after the
grace period, the zero-datasets catalogue, broken answers; provenance and
the job page."""
from __future__ import annotations

import copy
import json
from urllib.parse import parse_qs, urlsplit

import pytest

from ckan import model
from ckan.tests import helpers

import harvest_helpers as hh
from partner_server import CATALOGUES

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", hh.PLUGINS),
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index", "clean_queues"),
]

DATASUD = json.loads((CATALOGUES / "ckan" / "datasud_package_search_org-gap-tallard-durance.json")
                     .read_text(encoding="utf-8"))


class CkanApi:
    """A remote CKAN's package_search over a list of packages (sorted by id,
    paged by rows/start as CKAN does)."""

    def __init__(self, server, packages):
        self.server = server
        self.packages = packages
        self.broken: bytes | None = None
        server.route("/api/3/action/package_search", self.search)

    def search(self, handler):
        if self.broken is not None:
            handler.answer(200, self.broken, "application/json")
            return
        query = parse_qs(urlsplit(handler.path).query)
        rows = int(query.get("rows", ["10"])[0])
        start = int(query.get("start", ["0"])[0])
        ordered = sorted(self.packages, key=lambda p: p["id"])
        handler.json({"help": "", "success": True, "result": {
            "count": len(ordered), "results": ordered[start:start + rows]}})


@pytest.fixture
def api(partner, ckan_config):
    ckan_config["ckanext.amp.harvest.allowed_hosts"] = partner.host
    return CkanApi(partner, copy.deepcopy(DATASUD["result"]["results"]))


@pytest.fixture
def source(api, sysadmin, organization):
    return hh.create_source(sysadmin, organization, api.server.url("/"), source_type="amp_ckan",
                            name="datasud", open_data_only=True, rows=3, grace_days=0,
                            max_withdraw_share=0.5)


def test_first_harvest_creates_every_dataset_with_its_provenance(api, source, organization):
    job = hh.run_job(source["id"])
    assert job["status"] == "Finished"
    assert hh.gather_errors(job["id"]) == []
    datasets = hh.harvested(source["id"])
    assert set(datasets) == {p["id"] for p in api.packages}
    dataset = datasets["cfa98601-185f-4194-bc0f-119fc23a194b"]
    assert dataset["title"] == "Canispaces - Ville de Gap"
    assert dataset["owner_org"] == organization["id"]
    assert dataset["diffusion"] == "public" and dataset["license_id"] == "lov2"
    assert dataset["harvest_source"] == "datasud"
    assert dataset["harvest_remote_id"] == "cfa98601-185f-4194-bc0f-119fc23a194b"
    assert dataset["canonical_url"] == api.server.url("/dataset/canispaces----ville-de-gap")
    assert dataset["source_portal"] == api.server.url("/")
    assert dataset["harvest_date"]
    counts = hh.summary(job["id"])["counts"]
    assert counts["created"] == 7 and counts["failed"] == 0


def test_an_unchanged_catalogue_writes_nothing(api, source):
    hh.run_job(source["id"])
    before = {row.id: row.metadata_modified for row in model.Session.query(model.Package)
              .filter(model.Package.type == "dataset")}
    objects_before = model.Session.execute(
        model.Session.query(model.Package).statement.with_only_columns(
            model.Package.id)).fetchall()
    job = hh.run_job(source["id"])
    after = {row.id: row.metadata_modified for row in model.Session.query(model.Package)
             .filter(model.Package.type == "dataset")}
    assert after == before
    assert len(objects_before) == len(after) + 1  # + the source itself
    summary = hh.summary(job["id"])
    assert summary["counts"]["unchanged"] == 7
    assert summary["counts"]["created"] == summary["counts"]["updated"] == 0
    assert summary["planned"]["pages_skipped"] == summary["planned"]["pages_read"] + 3
    from ckanext.harvest.model import HarvestObject
    assert model.Session.query(HarvestObject).filter_by(harvest_job_id=job["id"]).count() == 0


def test_a_change_updates_and_a_removal_withdraws_with_a_reason(api, source):
    hh.run_job(source["id"])
    api.packages[0]["title"] = "Nouveau titre"
    removed = api.packages.pop()
    job = hh.run_job(source["id"])
    counts = hh.summary(job["id"])["counts"]
    assert (counts["updated"], counts["withdrawn"], counts["unchanged"]) == (1, 1, 5)
    datasets = hh.harvested(source["id"])
    assert datasets[api.packages[0]["id"]]["title"] == "Nouveau titre"
    gone = datasets[removed["id"]]
    assert gone["private"] is True
    assert gone["harvest_withdrawn"]
    assert "No longer listed" in gone["harvest_withdrawn_reason"] or \
        "n’est plus" in gone["harvest_withdrawn_reason"] or "plus listé" in gone["harvest_withdrawn_reason"]
    # back in the catalogue: public again
    api.packages.append(removed)
    job = hh.run_job(source["id"])
    back = hh.harvested(source["id"])[removed["id"]]
    assert back["private"] is False and not back.get("harvest_withdrawn")


def test_a_catalogue_that_lists_nothing_stops_the_job_and_keeps_everything(api, source, app,
                                                                           sysadmin):
    hh.run_job(source["id"])
    kept = hh.harvested(source["id"])
    api.packages.clear()
    job = hh.run_job(source["id"])
    errors = hh.gather_errors(job["id"])
    assert len(errors) == 1 and "datasud" in errors[0]
    assert hh.harvested(source["id"]) == kept
    page = hh.job_page(app, sysadmin, "datasud", job["id"])
    assert errors[0].split(":")[0] in page


@pytest.mark.parametrize("body", [b'{"result": {"results": [', b"<html>maintenance</html>",
                                  b'{"success": true, "result": 3}'])
def test_a_broken_answer_is_a_clear_error_and_damages_nothing(api, source, body):
    hh.run_job(source["id"])
    kept = hh.harvested(source["id"])
    api.broken = body
    job = hh.run_job(source["id"])
    errors = hh.gather_errors(job["id"])
    assert len(errors) == 1 and "package_search" in errors[0]
    assert hh.harvested(source["id"]) == kept

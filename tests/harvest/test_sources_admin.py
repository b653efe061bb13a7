"""Sources as the portal's staff meet them: configuration kept from
non-editors, credentials by name, the preview, the job page while a job
runs, timeouts, cross-referencing mode, idempotent sync, pruning."""
from __future__ import annotations

import datetime as dt
import json
import logging

import pytest
import sqlalchemy as sa

from ckan import model
from ckan.tests import factories, helpers
from ckanext.harvest.model import HarvestJob, HarvestObject

import catalogues
import harvest_helpers as hh

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", hh.PLUGINS),
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index", "clean_queues"),
]

GOOD = catalogues.demo_datasets()[24:28]


@pytest.fixture
def catalogue(partner, ckan_config):
    ckan_config["ckanext.amp.harvest.allowed_hosts"] = partner.host
    partner.route("/catalog.ttl", lambda handler: handler.answer(
        200, catalogues.page(GOOD), "text/turtle"))
    return partner


@pytest.fixture
def source(catalogue, sysadmin, organization):
    return hh.create_source(sysadmin, organization, catalogue.url("/catalog.ttl"),
                            open_data_only=True, credential="PARTNER_KEY",
                            credential_prefix="Apikey")


@pytest.fixture
def credential(monkeypatch):
    monkeypatch.setenv("AMP_CREDENTIAL_PARTNER_KEY", "s3cr3t-value")
    return "s3cr3t-value"


# -- configuration and credentials ---------------------------------------------------

def test_the_configuration_is_kept_from_those_who_cannot_edit_the_source(source, app, sysadmin):
    anonymous = {"ignore_auth": False, "user": ""}
    for action in ("harvest_source_show", "package_show"):
        shown = helpers.call_action(action, context=dict(anonymous), id=source["id"])
        assert "config" not in shown and "credential" not in shown, action
    listed = helpers.call_action("harvest_source_list", context=dict(anonymous))
    assert listed and all("config" not in s for s in listed)
    member = factories.User()
    shown = helpers.call_action("harvest_source_show",
                                context={"user": member["name"], "ignore_auth": False},
                                id=source["id"])
    assert "config" not in shown
    answer = app.get("/api/3/action/package_search?fq=dataset_type:harvest").json
    assert answer["result"]["results"] and all("config" not in r
                                               for r in answer["result"]["results"])
    answer = app.get(f"/api/3/action/harvest_source_show?id={source['id']}").json
    assert "config" not in answer["result"]
    # the editors (here a sysadmin) still read and edit it
    shown = helpers.call_action("harvest_source_show", context={"user": sysadmin["name"]},
                                id=source["id"])
    assert json.loads(shown["config"])["credential"] == "PARTNER_KEY"


def test_a_secret_in_the_configuration_is_refused(sysadmin, organization, catalogue):
    with pytest.raises(helpers.logic.ValidationError) as error:
        hh.create_source(sysadmin, organization, catalogue.url("/catalog.ttl"), name="bad",
                         open_data_only=True, api_key="abcdef123456")
    assert "aucun secret (api_key)" in str(error.value.error_dict)


def test_the_credential_is_sent_by_name_and_never_written(source, catalogue, credential, caplog):
    caplog.set_level(logging.DEBUG)
    job = hh.run_job(source["id"])
    assert hh.gather_errors(job["id"]) == []
    assert catalogue.requests_to("/catalog.ttl")[-1].headers["Authorization"] == \
        f"Apikey {credential}"
    assert credential not in caplog.text
    for table, column in (("harvest_object", "content"), ("harvest_source", "config"),
                          ("harvest_object_error", "message"), ("harvest_gather_error", "message"),
                          ("package_extra", "value")):
        found = model.Session.execute(sa.text(
            f"SELECT count(*) FROM {table} WHERE {column} LIKE :secret"),
            {"secret": f"%{credential}%"}).scalar()
        assert found == 0, table


def test_a_missing_credential_stops_the_job_with_its_name(source):
    job = hh.run_job(source["id"])
    errors = hh.gather_errors(job["id"])
    assert len(errors) == 1 and "PARTNER_KEY" in errors[0]
    assert "AMP_CREDENTIAL_PARTNER_KEY" in errors[0]
    assert hh.harvested(source["id"]) == {}


def test_a_source_without_convention_must_be_open_data_only(sysadmin, organization, catalogue):
    with pytest.raises(helpers.logic.ValidationError) as error:
        helpers.call_action("harvest_source_create", context={"user": sysadmin["name"]},
                            name="sans-convention", url=catalogue.url("/catalog.ttl"),
                            source_type="amp_dcat", owner_org=organization["id"], config="{}")
    assert "open_data_only" in str(error.value.error_dict)


# -- preview --------------------------------------------------------------------------

def test_the_preview_shows_what_a_job_would_do_and_writes_nothing(source, credential, app,
                                                                  sysadmin, catalogue):
    preview = helpers.call_action("amp_harvest_source_preview",
                                  context={"user": sysadmin["name"]}, id=source["id"])
    assert sorted(item["remote_id"] for item in preview["create"]) == \
        sorted(catalogues.remote_id(entry) for entry in GOOD)
    assert preview["update"] == preview["withdraw"] == [] and preview["refusal"] is None
    assert hh.harvested(source["id"]) == {}
    assert model.Session.query(HarvestJob).count() == 0

    hh.run_job(source["id"])
    catalogue.route("/catalog.ttl", lambda handler: handler.answer(
        200, catalogues.page(GOOD[1:]), "text/turtle"))
    preview = helpers.call_action("amp_harvest_source_preview",
                                  context={"user": sysadmin["name"]}, id=source["id"])
    assert preview["unchanged"] == 3 and preview["create"] == []
    page = app.get(f"/harvest/{source['name']}/preview",
                   headers={"Authorization": sysadmin["token"]}).body
    assert "Prévisualisation du prochain moissonnage" in page
    admin = app.get(f"/harvest/admin/{source['name']}",
                    headers={"Authorization": sysadmin["token"]}).body
    assert f"/harvest/{source['name']}/preview" in admin


def test_the_preview_is_for_editors_only(source, app):
    member = factories.UserWithToken()
    with pytest.raises(helpers.logic.NotAuthorized):
        helpers.call_action("amp_harvest_source_preview",
                            context={"user": member["name"], "ignore_auth": False},
                            id=source["id"])
    app.get(f"/harvest/{source['name']}/preview", headers={"Authorization": member["token"]},
            status=403)


# -- the job page while the job runs, timeouts -------------------------------------------------

def test_the_job_page_shows_progress_then_a_timeout_ends_a_stuck_job(source, credential, app,
                                                                     sysadmin, ckan_config):
    job = hh.run_job(source["id"], fetch=False, finish=False)
    assert job["status"] == "Running"
    page = hh.job_page(app, sysadmin, source["name"], job["id"])
    assert "0 enregistrements traités sur 4 (0 %)" in page
    summary = hh.summary(job["id"])
    assert summary["counts"]["pending"] == 4

    # Nothing consumes the fetch queue: the job hangs until the timeout.
    ckan_config["ckanext.amp.harvest.job_timeout"] = "0"
    helpers.call_action("harvest_jobs_run", context={"ignore_auth": True}, source_id=source["id"])
    model.Session.remove()
    job = helpers.call_action("harvest_job_show", context={"ignore_auth": True}, id=job["id"])
    assert job["status"] == "Finished"
    errors = hh.gather_errors(job["id"])
    assert len(errors) == 1 and "délai dépassé" in errors[0] and "4 enregistrements" in errors[0]
    assert model.Session.query(HarvestObject).filter_by(harvest_job_id=job["id"],
                                                        state="QUEUED").count() == 0
    assert "délai dépassé" in hh.job_page(app, sysadmin, source["name"], job["id"])
    # the next job harvests them
    ckan_config["ckanext.amp.harvest.job_timeout"] = "240"
    job = hh.run_job(source["id"])
    assert hh.summary(job["id"])["counts"]["created"] == 4


# -- cross-referencing -----------------------------------------------------------------------------

def test_cross_referencing_points_to_the_source_portal(catalogue, sysadmin, organization):
    source = hh.create_source(sysadmin, organization, catalogue.url("/catalog.ttl"),
                              name="herault", open_data_only=True, mode="reference")
    hh.run_job(source["id"])
    for remote_id, dataset in hh.harvested(source["id"]).items():
        assert dataset["canonical_url"] and dataset["url"] == dataset["canonical_url"]
        for resource in dataset["resources"]:
            assert resource["url"].startswith("http") and not resource.get("url_type")


# -- sync ------------------------------------------------------------------------------------------

def test_sync_creates_updates_and_leaves_sources_alone(sysadmin, organization, catalogue):
    sources = [{"name": "symcrau-catalogue", "type": "amp_dcat", "url": catalogue.url("/catalog.ttl"),
                "organization": organization["name"], "title": "Catalogue du SYMCRAU",
                "grace_days": 14},
               {"name": "datasud", "type": "amp_ckan", "url": catalogue.url("/"),
                "organization": organization["name"], "config": {"rows": 50}}]
    context = {"user": sysadmin["name"]}
    first = helpers.call_action("amp_harvest_source_sync", context=dict(context),
                                convention="SYMCRAU-AMP-2025", sources=sources)
    assert sorted(first["created"]) == ["datasud", "symcrau-catalogue"]
    again = helpers.call_action("amp_harvest_source_sync", context=dict(context),
                                convention="SYMCRAU-AMP-2025", sources=sources)
    assert sorted(again["unchanged"]) == ["datasud", "symcrau-catalogue"]
    sources[1]["config"]["rows"] = 100
    third = helpers.call_action("amp_harvest_source_sync", context=dict(context),
                                convention="SYMCRAU-AMP-2025", sources=sources)
    assert third == {"created": [], "updated": ["datasud"], "unchanged": ["symcrau-catalogue"]}
    shown = helpers.call_action("harvest_source_show", context=dict(context), id="datasud")
    assert json.loads(shown["config"]) == {"convention": "SYMCRAU-AMP-2025", "rows": 100}
    listed = helpers.call_action("amp_harvest_source_list", context={"user": ""},
                                 convention="SYMCRAU-AMP-2025")
    assert sorted(s["name"] for s in listed) == ["datasud", "symcrau-catalogue"]
    assert all("config" not in s for s in listed)
    # a bad source: nothing is written
    with pytest.raises(helpers.logic.ValidationError):
        helpers.call_action("amp_harvest_source_sync", context=dict(context),
                            convention="SYMCRAU-AMP-2025",
                            sources=[{**sources[0], "name": "nouvelle"},
                                     {**sources[1], "password": "x"}])
    assert model.Package.get("nouvelle") is None
    member = factories.User()
    with pytest.raises(helpers.logic.NotAuthorized):
        helpers.call_action("amp_harvest_source_sync",
                            context={"user": member["name"], "ignore_auth": False},
                            sources=sources)


# -- pruning ---------------------------------------------------------------------------------------

def test_prune_deletes_old_history_but_keeps_current_objects(source, credential, cli, catalogue):
    from ckanext.amp.harvest import cli as harvest_cli
    from rdflib import Literal
    from rdflib.namespace import DCTERMS

    jobs = [hh.run_job(source["id"])]
    renamed = [(d, tuple(t for t in triples if t[1] != DCTERMS.title)
                + ((d, DCTERMS.title, Literal(f"Titre revu {n}")),))
               for n, (d, triples) in enumerate(GOOD)]
    catalogue.route("/catalog.ttl", lambda handler: handler.answer(
        200, catalogues.page(renamed), "text/turtle"))
    jobs += [hh.run_job(source["id"]), hh.run_job(source["id"])]
    assert hh.summary(jobs[1]["id"])["counts"]["updated"] == 4
    for age, job in enumerate(reversed(jobs)):
        model.Session.query(HarvestJob).filter_by(id=job["id"]).update(
            {"created": dt.datetime.utcnow() - dt.timedelta(days=400 + age)})
    model.Session.commit()
    current_before = model.Session.query(HarvestObject).filter_by(current=True).count()
    assert current_before == 4
    result = cli.invoke(harvest_cli.amp, ["harvest", "prune", "--days", "30", "--keep", "1"])
    assert result.exit_code == 0, result.output
    assert "1 tâche(s) et 4 objet(s) supprimé(e)s" in result.output
    remaining = {job.id for job in model.Session.query(HarvestJob)}
    assert jobs[0]["id"] not in remaining  # its objects were no longer current
    assert jobs[1]["id"] in remaining  # holds the current objects
    assert jobs[2]["id"] in remaining  # the last job
    assert model.Session.query(HarvestObject).filter_by(current=True).count() == current_before
    assert len(hh.harvested(source["id"])) == 4


# -- ckanext-harvest's state-changing views: POST only ---------------------------------------------

def test_start_stop_clear_and_delete_need_a_post_with_the_csrf_token(source, app, sysadmin):
    headers = {"Authorization": sysadmin["token"]}
    for url in (f"/harvest/refresh/{source['id']}", f"/harvest/clear/{source['id']}",
                f"/harvest/{source['name']}/job/any/abort", f"/harvest/delete/{source['id']}"):
        app.get(url, headers=headers, status=405)
    assert model.Session.query(HarvestJob).count() == 0
    assert model.Package.get(source["id"]).state == "active"
    # (a POST from a browser also needs the CSRF token, tests/browser/test_csrf.py;
    # an API token in the Authorization header is CKAN's exemption)
    app.post(f"/harvest/refresh/{source['id']}", headers=headers, follow_redirects=False)
    assert model.Session.query(HarvestJob).count() == 1
    job = model.Session.query(HarvestJob).one()
    job.status = "Running"
    model.Session.commit()
    admin = app.get(f"/harvest/admin/{source['name']}", headers=headers).body
    assert f'href="/harvest/{source["name"]}/job/{job.id}/abort"' in admin
    assert "amp-harvest-stop" in admin and 'data-module="confirm-action"' in admin
    app.post(f"/harvest/{source['name']}/job/{job.id}/abort", headers=headers,
             follow_redirects=False)
    model.Session.expire_all()
    assert model.Session.get(HarvestJob, job.id).status == "Finished"

"""A source under a convention, with amp_conventions and amp_access loaded:
the job asks the convention at gather, stamps its terms on every record
whatever the partner says, and stops, touching nothing, once the
convention is no longer in force (docs/architecture.md, "A harvest source
belongs to one convention")."""
from __future__ import annotations

import json

import pytest

from ckan import model
from ckan.tests import factories, helpers
from ckanext.harvest.model import HarvestObject

import catalogues
import harvest_helpers as hh

PLUGINS = hh.PLUGINS + " amp_access amp_conventions"
REFERENCE = "CRAU-TEST-2025"

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", PLUGINS),
    pytest.mark.ckan_config("ckan.locale_default", "fr"),
    pytest.mark.usefixtures("with_plugins", "clean_db", "conventions_tables", "clean_index",
                            "clean_queues"),
]

#: Remote records that claim to be public under Licence Ouverte 2.0.
RECORDS = catalogues.demo_datasets()[30:34]


@pytest.fixture
def parties(sysadmin):
    context = {"user": sysadmin["name"]}
    return {name: helpers.call_action("organization_create", context=dict(context), name=name,
                                      title=title)
            for name, title in (("metropole-test", "Métropole (test)"),
                                ("syndicat-test", "Syndicat de la nappe (test)"),
                                ("tiers-test", "Un tiers (test)"))}


@pytest.fixture
def convention(parties, sysadmin):
    return helpers.call_action(
        "amp_convention_create", context={"user": sysadmin["name"]}, reference=REFERENCE,
        title="Échange de données sur la nappe (test)", kind="data_exchange",
        parties=[{"organization": "metropole-test", "role": "both"},
                 {"organization": "syndicat-test", "role": "both"}],
        date_notified="2025-03-10", initial_term_months=12, tacit_renewal=True,
        renewal_term_months=12, max_renewals=3, notice_months=3,
        usage={"internal_use_only": True, "third_party_diffusion_needs_approval": True},
        licence_id="amp-parties", diffusion="restricted")


@pytest.fixture
def catalogue(partner, ckan_config):
    ckan_config["ckanext.amp.harvest.allowed_hosts"] = partner.host
    partner.route("/catalog.ttl", lambda handler: handler.answer(
        200, catalogues.page(RECORDS), "text/turtle"))
    return partner


def _source(sysadmin, organization, catalogue, **config):
    return hh.create_source(sysadmin, organization, catalogue.url("/catalog.ttl"),
                            name=f"nappe-{organization['name']}", **config)


def test_the_conventions_terms_are_stamped_whatever_the_partner_says(
        convention, parties, catalogue, sysadmin, app):
    source = _source(sysadmin, parties["syndicat-test"], catalogue, convention=REFERENCE)
    job = hh.run_job(source["id"])
    assert hh.gather_errors(job["id"]) == [] and hh.object_errors(job["id"]) == []
    datasets = hh.harvested(source["id"])
    assert len(datasets) == len(RECORDS)
    for dataset in datasets.values():
        assert dataset["diffusion"] == "restricted", dataset["name"]
        assert dataset["license_id"] == "amp-parties"
        assert dataset["convention"] == REFERENCE
        assert dataset["owner_org"] == parties["syndicat-test"]["id"]
        assert dataset["harvest_source"] == source["name"] and dataset["harvest_remote_id"]

    # What amp_access makes of it: the record is listed, its data are not given
    # to someone outside the parties.
    outsider = factories.UserWithToken()
    name = next(iter(datasets.values()))["name"]
    shown = app.get(f"/api/3/action/package_show?id={name}",
                    headers={"Authorization": outsider["token"]}).json["result"]
    assert shown["resources"] and not any(r.get("url") for r in shown["resources"])
    member = factories.UserWithToken()
    helpers.call_action("organization_member_create", context={"user": sysadmin["name"]},
                        id=parties["metropole-test"]["id"], username=member["name"],
                        role="member")
    shown = app.get(f"/api/3/action/package_show?id={name}",
                    headers={"Authorization": member["token"]}).json["result"]
    assert all(r.get("url") for r in shown["resources"])


def test_a_suspended_convention_stops_the_job_and_touches_nothing(
        convention, parties, catalogue, sysadmin):
    source = _source(sysadmin, parties["syndicat-test"], catalogue, convention=REFERENCE)
    hh.run_job(source["id"])
    before = {k: v["metadata_modified"] for k, v in hh.harvested(source["id"]).items()}
    assert len(before) == len(RECORDS)
    helpers.call_action("amp_convention_event_create", context={"user": sysadmin["name"]},
                        convention=REFERENCE, kind="suspended", date="2025-06-01",
                        note="Lettre recommandée du 1er juin 2025")
    # The partner now lists one record fewer and changed another: nothing of it lands.
    catalogue.route("/catalog.ttl", lambda handler: handler.answer(
        200, catalogues.page(RECORDS[1:]), "text/turtle"))
    job = hh.run_job(source["id"])
    errors = hh.gather_errors(job["id"])
    assert len(errors) == 1 and REFERENCE in errors[0] and "en vigueur" in errors[0], errors
    assert model.Session.query(HarvestObject).filter_by(harvest_job_id=job["id"]).count() == 0
    after = {k: v["metadata_modified"] for k, v in hh.harvested(source["id"]).items()}
    assert after == before
    assert not any(d.get("harvest_withdrawn") for d in hh.harvested(source["id"]).values())


def test_a_source_of_an_organisation_that_is_not_a_party_is_refused(
        convention, parties, catalogue, sysadmin):
    source = _source(sysadmin, parties["tiers-test"], catalogue, convention=REFERENCE)
    job = hh.run_job(source["id"])
    errors = hh.gather_errors(job["id"])
    assert len(errors) == 1 and "partie" in errors[0] and REFERENCE in errors[0], errors
    assert hh.harvested(source["id"]) == {}


def test_an_unknown_convention_is_refused(convention, parties, catalogue, sysadmin):
    source = _source(sysadmin, parties["syndicat-test"], catalogue, convention="INCONNUE-2099")
    job = hh.run_job(source["id"])
    errors = hh.gather_errors(job["id"])
    assert len(errors) == 1 and "INCONNUE-2099" in errors[0] and "inconnue" in errors[0], errors
    assert hh.harvested(source["id"]) == {}
    assert json.loads(helpers.call_action("harvest_source_show", context={"ignore_auth": True},
                                          id=source["id"])["config"])["convention"] \
        == "INCONNUE-2099"

"""The audit log of people's access: datastore reads through the API, the
attestation of anonymisation, grants, revocations and decisions, and the
action that lists it for the producer's admins.

The datastore runs for real: ``amp-stack test`` gives it a database of its
own on the test server and a read-only role, set up as CKAN's ``datastore
set-permissions`` says (CKAN_DATASTORE_WRITE_URL / CKAN_DATASTORE_READ_URL).
"""
from __future__ import annotations

import os

import pytest

from ckan import model
from ckan.plugins import toolkit
from ckan.tests import helpers

from access_world import PLUGINS, api, headers, in_days, request_fields, world  # noqa: F401
from ckanext.amp.access.model import AccessLog

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", PLUGINS + " datastore"),
    pytest.mark.ckan_config("ckan.datastore.sqlsearch.enabled", True),
    pytest.mark.usefixtures("with_plugins", "clean_index"),
]


@pytest.fixture(autouse=True)
def datastore_db():
    if not os.environ.get("CKAN_DATASTORE_WRITE_URL"):
        pytest.fail("no datastore database: run the suite with `make test`")


def _lines(kind: str) -> list[AccessLog]:
    model.Session.expire_all()
    return model.Session.query(AccessLog).filter(AccessLog.kind == kind).order_by(
        AccessLog.id).all()


def _grant(app, world) -> dict:
    created = api(app, "amp_access_request_create", world.requester,
                  **request_fields(world.restricted["id"]))["result"]
    return api(app, "amp_access_request_decide", world.admin, id=created["id"],
               decision="grant")["result"]["grants"][0]


def _datastore(world, dataset: dict) -> str:
    resource_id = dataset["resources"][0]["id"]
    helpers.call_action("datastore_create", context={"user": world.sysadmin["name"]},
                        resource_id=resource_id, force=True,
                        fields=[{"id": "captage", "type": "text"},
                                {"id": "volume_m3", "type": "numeric"}],
                        records=[{"captage": "Sulauze", "volume_m3": 1520},
                                 {"captage": "Mary Rose", "volume_m3": 870}])
    return resource_id


def test_datastore_reads_of_restricted_data_are_logged_with_their_grant(app, world):
    restricted = _datastore(world, world.restricted)
    public = _datastore(world, world.public)
    # Without a grant, the datastore refuses: nothing is read, nothing logged.
    app.get("/api/action/datastore_search", params={"resource_id": restricted},
            headers=headers(world.requester), status=403)
    grant = _grant(app, world)
    found = app.get("/api/action/datastore_search", params={"resource_id": restricted},
                    headers=headers(world.requester)).json["result"]
    assert [r["captage"] for r in found["records"]] == ["Sulauze", "Mary Rose"]
    [line] = _lines("datastore")
    assert (line.user_id, line.dataset_id, line.resource_id, line.grant_id, line.basis) == \
        (world.requester["id"], world.restricted["id"], restricted, grant["id"], "grant")
    assert line.owner_org == world.org["id"] and line.detail == {"channel": "datastore_search"}
    # SQL: each restricted table the query reads; public data is not logged.
    query = f'SELECT a.captage FROM "{restricted}" a JOIN "{public}" b USING (captage)'
    found = app.get("/api/action/datastore_search_sql", params={"sql": query},
                    headers=headers(world.requester)).json["result"]
    assert len(found["records"]) == 2
    lines = _lines("datastore")
    assert [(x.resource_id, x.detail["channel"]) for x in lines[1:]] == \
        [(restricted, "datastore_search_sql")]
    app.get("/api/action/datastore_search", params={"resource_id": public},
            headers=headers(world.outsider))
    assert len(_lines("datastore")) == 2
    # Reads by the producer's members are logged too (who had the data, and why).
    app.get("/api/action/datastore_search", params={"resource_id": restricted},
            headers=headers(world.member))
    assert _lines("datastore")[-1].basis == "owner"
    # After the revocation, the datastore refuses again.
    api(app, "amp_grant_revoke", world.admin, id=grant["id"], reason="Fin de l’étude.")
    app.get("/api/action/datastore_search", params={"resource_id": restricted},
            headers=headers(world.requester), status=403)
    app.get("/api/action/datastore_search_sql", params={"sql": query},
            headers=headers(world.requester), status=403)
    assert len(_lines("datastore")) == 3


def test_a_datastore_dump_is_one_download_line(app, world):
    restricted = _datastore(world, world.restricted)
    _grant(app, world)
    dump = app.get(f"/datastore/dump/{restricted}", headers=headers(world.requester))
    assert "Sulauze" in dump.body
    [line] = _lines("download")
    assert line.detail == {"channel": "datastore"} and line.resource_id == restricted
    assert _lines("datastore") == []


def test_leaving_personal_writes_the_attestation_of_anonymisation(app, world):
    context = {"user": world.sysadmin["name"]}
    # Without the attestation, the change is refused and nothing is written.
    with pytest.raises(toolkit.ValidationError):
        helpers.call_action("package_patch", context=dict(context), id=world.personal["id"],
                            diffusion="internal")
    assert _lines("attestation") == []
    helpers.call_action("package_patch", context=dict(context), id=world.personal["id"],
                        diffusion="internal", anonymisation_by="Service SIG, M. Roux",
                        anonymisation_date=in_days(-1),
                        anonymisation_method="Agrégation à la commune, suppression des "
                                             "identifiants d’abonnés")
    [line] = _lines("attestation")
    assert line.dataset_id == world.personal["id"] and line.user_id == world.sysadmin["id"]
    assert line.detail == {"from": "personal", "to": "internal",
                           "anonymisation_by": "Service SIG, M. Roux",
                           "anonymisation_date": in_days(-1),
                           "anonymisation_method": "Agrégation à la commune, suppression des "
                                                   "identifiants d’abonnés"}
    # Later changes of the dataset write nothing more; nor do other levels' changes.
    helpers.call_action("package_patch", context=dict(context), id=world.personal["id"],
                        title="Abonnés agrégés")
    helpers.call_action("package_patch", context=dict(context), id=world.internal["id"],
                        diffusion="restricted", license_id="amp-parties")
    assert len(_lines("attestation")) == 1
    # The producer's admin reads it in the access log.
    page = app.get("/organization/symcrau/journal-acces", params={"type": "attestation"},
                   headers=headers(world.admin)).body
    assert "Attestation d’anonymisation" in page and "Service SIG, M. Roux" in page


def test_the_access_log_action_is_for_the_producers_admins(app, world):
    grant = _grant(app, world)
    api(app, "amp_grant_revoke", world.admin, id=grant["id"], reason="Fin de l’étude.")
    found = api(app, "amp_access_log_list", world.admin, organization_id="symcrau")["result"]
    assert [line["kind"] for line in found["results"]] == \
        ["revocation", "decision", "grant", "request"]
    assert found["count"] == 4 and found["results"][0]["detail"] == {"reason": "Fin de l’étude."}
    assert found["results"][0]["dataset_name"] == "volumes-captages"
    # Paged, newest first.
    page = api(app, "amp_access_log_list", world.admin, organization_id="symcrau", limit=2,
               offset=2)["result"]
    assert [line["kind"] for line in page["results"]] == ["grant", "request"]
    assert api(app, "amp_access_log_list", world.sysadmin)["result"]["count"] == 4
    by_dataset = api(app, "amp_access_log_list", world.admin,
                     dataset_id="niveaux-piezometriques")["result"]
    assert by_dataset["count"] == 0
    for user in (world.editor, world.member, world.outsider, world.requester, None):
        error = api(app, "amp_access_log_list", user, expect=403,
                    organization_id="symcrau")["error"]
        assert "Seul un administrateur de l’organisation productrice peut consulter son " \
               "journal d’accès" in error["message"]
    error = api(app, "amp_access_log_list", world.admin, expect=404,
                organization_id="pas-une-org")["error"]
    assert error["message"].endswith(": Organisation introuvable")
    error = api(app, "amp_access_log_list", world.admin, expect=409, organization_id="symcrau",
                since="hier", kind="lecture")["error"]
    assert "hier" in error["since"][0] and error["kind"] == ["Type de ligne inconnu : lecture"]
    # What the log keeps of people: an account id, never an address or a browser.
    columns = {column.name for column in AccessLog.__table__.columns}
    assert columns == {"id", "at", "kind", "user_id", "dataset_id", "owner_org", "resource_id",
                       "grant_id", "basis", "detail"}
    assert all("ip" not in str(line["detail"]).lower() for line in found["results"])

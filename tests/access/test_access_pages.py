"""The French pages of the access-request workflow, through CKAN's app client.

Each page: its status, its French words, and who is refused (an editor and a
member of the producer, another user, anonymous visitors). Forms carry a
CSRF token; a browser session without it is refused.
"""
from __future__ import annotations

import csv
import io

import pytest

from ckan import model
from ckan.tests import helpers

from access_world import (PLUGINS, api, csrf_token, headers, in_days, request_fields,  # noqa: F401
                          world)
from ckanext.amp.access.model import AccessLog, AccessRequest, Grant
from ckanext.amp.access.undertaking import operator_undertaking

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", PLUGINS),
    pytest.mark.usefixtures("with_plugins", "clean_index"),
]


def _request(app, world) -> dict:
    return api(app, "amp_access_request_create", world.requester,
               **request_fields(world.restricted["id"]))["result"]


def _grant(app, world) -> dict:
    created = _request(app, world)
    return api(app, "amp_access_request_decide", world.admin, id=created["id"],
               decision="grant")["result"]


def _refused(app, url: str, users, method: str = "get", **kwargs) -> None:
    """Each of ``users`` (None: anonymous) gets a 403 with a French message."""
    for user in users:
        response = getattr(app, method)(url, headers=headers(user) if user else {}, status=403,
                                        **kwargs)
        assert "Connectez-vous" in response.body or "Seul" in response.body \
            or "Vous n’êtes pas autorisé" in response.body, (url, user and user["name"])


def _browser(app, user):
    """A client that keeps its cookies, logged in through the login form
    (CKAN's ``app`` makes a new client, without cookies, for each request)."""
    client = app.test_client()
    page = client.get("/user/login")
    client.post("/user/login", data={"login": user["name"], "password": "correct123",
                                     "_csrf_token": csrf_token(page.body)}, status=302,
                follow_redirects=False)
    return client


def test_the_request_form_shows_the_undertaking_in_full(app, world):
    page = app.get("/dataset/volumes-captages/demande-acces", headers=headers(world.requester))
    body = page.body
    assert "Demander l’accès aux données" in body
    for label in ("Votre organisation", "Signataire de l’acte d’engagement (nom et qualité)",
                  "Usage des données", "Usage et diffusion prévus", "Usage interne uniquement",
                  "après avis favorable préalable du producteur", "Du", "Au",
                  "J’ai lu cet acte d’engagement et je l’accepte"):
        assert label in body, label
    current = operator_undertaking()
    assert "ACTE D’ENGAGEMENT POUR L’ACCÈS À DES DONNÉES À DIFFUSION RESTREINTE" in body
    assert "Article 3 – Diffusion" in body and "avis favorable du producteur" in body
    assert f'name="undertaking_version" value="{current.version}"' in body
    assert current.sha256 in body
    assert 'name="_csrf_token"' in body
    # The dataset's page links to it.
    dataset_page = app.get("/dataset/volumes-captages", headers=headers(world.requester)).body
    assert 'href="/dataset/volumes-captages/demande-acces"' in dataset_page


def test_the_request_form_refuses_who_may_not_ask(app, world):
    _refused(app, "/dataset/volumes-captages/demande-acces", [None])
    page = app.get("/dataset/qualite-eau-publique/demande-acces",
                   headers=headers(world.requester), status=409)
    assert "Ce jeu de données est public" in page.body and "Envoyer la demande" not in page.body
    page = app.get("/dataset/volumes-captages/demande-acces", headers=headers(world.editor),
                   status=409)
    assert "Vous avez déjà accès aux données de ce jeu" in page.body
    app.get("/dataset/budget-interne/demande-acces", headers=headers(world.requester),
            status=404)
    app.get("/dataset/pas-de-tel-jeu/demande-acces", headers=headers(world.requester),
            status=404)


def test_a_request_sent_from_the_form_in_a_browser_session(app, world):
    browser = _browser(app, world.requester)
    page = browser.get("/dataset/volumes-captages/demande-acces", status=200)
    fields = {**request_fields(world.restricted["id"]), "undertaking_accepted": "on"}
    fields.pop("dataset_id")
    # Without its CSRF token, the form is refused and nothing is written.
    refused = browser.post("/dataset/volumes-captages/demande-acces", data=fields, status=400)
    assert "CSRF" in refused.body
    assert model.Session.query(AccessRequest).count() == 0
    # A refused form says why, in French, and keeps what was typed.
    refused = browser.post("/dataset/volumes-captages/demande-acces", status=409,
                           data={**fields, "undertaking_accepted": "",
                                 "_csrf_token": csrf_token(page.body)})
    assert "Acceptez l’acte d’engagement pour envoyer la demande" in refused.body
    assert "Modélisation de la recharge de la nappe" in refused.body
    sent = browser.post("/dataset/volumes-captages/demande-acces", status=302,
                        follow_redirects=False,
                        data={**fields, "_csrf_token": csrf_token(refused.body)})
    [row] = model.Session.query(AccessRequest).all()
    assert sent.headers["Location"].endswith(f"/demandes-acces/{row.id}")
    shown = browser.get(f"/demandes-acces/{row.id}").body
    assert "En attente de décision" in shown and "Votre demande a été transmise" in shown
    assert "Enregistrer la décision" not in shown  # the requester does not decide


def test_a_request_page_and_the_decision_form(app, world):
    created = _request(app, world)
    url = f"/demandes-acces/{created['id']}"
    page = app.get(url, headers=headers(world.admin)).body
    for text in ("Demande d’accès", "Jeanne Martin", "Bureau d’études Hydro-Crau",
                 "Modélisation de la recharge", "Usage interne uniquement",
                 "Acte d’engagement accepté", created["undertaking_sha256"],
                 "Favorable : accorder l’accès", "Défavorable : refuser l’accès",
                 "Jeux couverts par l’autorisation", "Niveaux piezometriques",
                 "Enregistrer la décision"):
        assert text in page, text
    _refused(app, url, [world.editor, world.member, world.outsider, None])
    app.get("/demandes-acces/pas-une-demande", headers=headers(world.admin), status=404)
    # Someone who is not an admin of the producer cannot decide through the page.
    _refused(app, url, [world.editor, world.outsider], method="post",
             data={"decision": "grant"})
    # A refusal without its reason is refused in French; nothing is written.
    page = app.post(url, headers=headers(world.admin), status=409,
                    data={"decision": "refuse", "reason": ""})
    assert "Indiquez pourquoi la demande est refusée" in page.body
    assert model.Session.get(AccessRequest, created["id"]).status == "pending"
    # A grant covering two datasets of the producer.
    done = app.post(url, headers=headers(world.admin), status=302, follow_redirects=False,
                    data={"decision": "grant", "dataset_ids": [world.restricted["id"],
                                                             world.restricted_too["id"]],
                          "starts": in_days(0), "ends": in_days(30)})
    assert done.headers["Location"].endswith("/organization/symcrau/demandes-acces")
    model.Session.expire_all()
    grants = model.Session.query(Grant).filter(Grant.request_id == created["id"]).all()
    assert sorted(g.dataset_id for g in grants) == sorted([world.restricted["id"],
                                                           world.restricted_too["id"]])
    page = app.get(url, headers=headers(world.requester)).body
    assert "Accordée" in page and "Volumes captages" in page and "Niveaux piezometriques" in page
    assert "Enregistrer la décision" not in app.get(url, headers=headers(world.admin)).body


def test_the_admins_queues(app, world):
    created = _request(app, world)
    page = app.get("/organization/symcrau/demandes-acces", headers=headers(world.admin)).body
    assert "Demandes d’accès" in page and "En attente de décision" in page
    assert f"/demandes-acces/{created['id']}" in page and "Jeanne Martin" in page
    _refused(app, "/organization/symcrau/demandes-acces",
             [world.editor, world.member, world.outsider, None])
    app.get("/organization/pas-une-org/demandes-acces", headers=headers(world.admin),
            status=404)
    everything = app.get("/demandes-acces", headers=headers(world.admin)).body
    assert "Demandes d’accès à traiter" in everything and created["id"] in everything
    _refused(app, "/demandes-acces", [world.editor, world.member, world.outsider, None])
    # Decided requests are under their own tab.
    api(app, "amp_access_request_decide", world.admin, id=created["id"], decision="refuse",
        reason="Hors périmètre.")
    assert created["id"] not in app.get("/demandes-acces", headers=headers(world.admin)).body
    refused = app.get("/demandes-acces?statut=refused", headers=headers(world.admin)).body
    assert created["id"] in refused and "Hors périmètre." in refused
    app.get("/demandes-acces?statut=perdue", headers=headers(world.admin), status=400)


def test_my_requests(app, world):
    decided = _grant(app, world)
    page = app.get("/mes-demandes-acces", headers=headers(world.requester)).body
    assert "Mes demandes d’accès" in page and "Volumes captages" in page
    assert "Accordée" in page and "En cours" in page
    assert f"jusqu’au" in page
    assert decided["id"] in page
    # The same list under the user's address, for that user and sysadmins only.
    url = f"/user/{world.requester['name']}/demandes-acces"
    assert decided["id"] in app.get(url, headers=headers(world.requester)).body
    assert decided["id"] in app.get(url, headers=headers(world.sysadmin)).body
    _refused(app, url, [world.admin, world.outsider, None])
    _refused(app, "/mes-demandes-acces", [None])
    # Another user's list of their own is empty.
    assert decided["id"] not in app.get("/mes-demandes-acces",
                                        headers=headers(world.outsider)).body


def test_a_datasets_grants_and_their_revocation(app, world):
    decided = _grant(app, world)
    [grant] = decided["grants"]
    url = "/dataset/volumes-captages/autorisations"
    page = app.get(url, headers=headers(world.admin)).body
    for text in ("Autorisations", "Bénéficiaire", "Jeanne Martin", "Modélisation de la recharge",
                 "En cours", "Motif de la révocation", "Révoquer"):
        assert text in page, text
    _refused(app, url, [world.editor, world.member, world.outsider, world.requester, None])
    revoke = f"{url}/{grant['id']}/revocation"
    _refused(app, revoke, [world.editor, world.outsider], method="post",
             data={"reason": "Essai"})
    # A forged grant id, or a grant of another dataset: not found, nothing said.
    app.post(f"{url}/pas-une-autorisation/revocation", headers=headers(world.admin),
             data={"reason": "Essai"}, status=404)
    app.post(f"/dataset/niveaux-piezometriques/autorisations/{grant['id']}/revocation",
             headers=headers(world.admin), data={"reason": "Essai"}, status=404)
    # No reason: refused in French.
    page = app.post(revoke, headers=headers(world.admin), data={"reason": ""}, status=409)
    assert "Indiquez pourquoi l’autorisation est révoquée" in page.body
    assert model.Session.get(Grant, grant["id"]).revoked_at is None
    done = app.post(revoke, headers=headers(world.admin), status=302, follow_redirects=False,
                    data={"reason": "Fin de l’étude."})
    assert done.headers["Location"].endswith(url)
    model.Session.expire_all()
    assert model.Session.get(Grant, grant["id"]).revoke_reason == "Fin de l’étude."
    page = app.get(url, headers=headers(world.admin)).body
    assert "Révoquée" in page and "Fin de l’étude." in page
    # The data is withheld from its former holder at once.
    shown = app.get("/api/action/package_show", params={"id": world.restricted["id"]},
                    headers=headers(world.requester)).json["result"]
    assert shown["resources"][0]["url"] == ""


def test_the_access_log_page_and_its_csv_export(app, world):
    decided = _grant(app, world)
    resource = world.restricted["resources"][0]
    download = f"/dataset/volumes-captages/resource/{resource['id']}/download"
    app.get(download, headers=headers(world.requester), status=302, follow_redirects=False)
    url = "/organization/symcrau/journal-acces"
    page = app.get(url, headers=headers(world.admin)).body
    for text in ("Journal d’accès", "Téléchargement", "Autorisation accordée",
                 "Décision sur une demande", "Demande d’accès", "Jeanne Martin",
                 "Volumes captages", "Fichier volumes-captages", decided["grants"][0]["id"],
                 "jamais l’adresse de l’ordinateur", "Exporter en CSV"):
        assert text in page, text
    _refused(app, url, [world.editor, world.member, world.outsider, None])
    _refused(app, url + ".csv", [world.editor, world.member, world.outsider, None])
    app.get("/organization/pas-une-org/journal-acces", headers=headers(world.admin), status=404)
    # Filters: a dataset without lines, a period, a kind.
    filtered = app.get(url, params={"jeu": "niveaux-piezometriques"},
                       headers=headers(world.admin)).body
    assert "0 ligne(s)" in filtered
    downloads = app.get(url, params={"type": "download", "du": in_days(0), "au": in_days(0)},
                        headers=headers(world.admin)).body
    assert "1 ligne(s)" in downloads
    assert "0 ligne(s)" in app.get(url, params={"du": in_days(1)}, headers=headers(world.admin)).body
    bad = app.get(url, params={"du": "2026-13-01"}, headers=headers(world.admin), status=409)
    assert "2026-13-01" in bad.body
    # The CSV export: every line, with the same filters.
    exported = app.get(url + ".csv", headers=headers(world.admin))
    assert exported.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.body)))
    assert len(rows) == model.Session.query(AccessLog).count() == 4
    [line] = [row for row in rows if row["kind"] == "download"]
    assert line["user_name"] == world.requester["name"]
    assert line["dataset_name"] == "volumes-captages" and line["resource_id"] == resource["id"]
    assert line["grant_id"] == decided["grants"][0]["id"] and line["basis"] == "grant"
    assert '"channel": "link"' in line["detail"]
    only = app.get(url + ".csv", params={"type": "grant"}, headers=headers(world.admin)).body
    assert [row["kind"] for row in csv.DictReader(io.StringIO(only))] == ["grant"]


def test_the_pages_are_linked_from_the_organisation_the_dashboard_and_the_dataset(app, world):
    organization = app.get("/organization/symcrau", headers=headers(world.admin)).body
    assert 'href="/organization/symcrau/demandes-acces"' in organization
    assert 'href="/organization/symcrau/journal-acces"' in organization
    for user in (world.editor, world.member, world.outsider):
        page = app.get("/organization/symcrau", headers=headers(user)).body
        assert "/demandes-acces" not in page and "/journal-acces" not in page
    dataset = app.get("/dataset/volumes-captages", headers=headers(world.admin)).body
    assert 'href="/dataset/volumes-captages/autorisations"' in dataset
    assert "/autorisations" not in app.get("/dataset/volumes-captages",
                                           headers=headers(world.editor)).body
    _request(app, world)
    dashboard = app.get("/dashboard/datasets", headers=headers(world.admin)).body
    assert 'href="/mes-demandes-acces"' in dashboard
    assert "Demandes à traiter (1)" in dashboard and 'href="/demandes-acces"' in dashboard
    requester = app.get("/dashboard/datasets", headers=headers(world.requester)).body
    assert 'href="/mes-demandes-acces"' in requester and "Demandes à traiter" not in requester

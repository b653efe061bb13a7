"""The access-request workflow of amp_access in a real browser, in French,
with its e-mails caught by a real SMTP server.

A restricted dataset of the SYMCRAU, under a convention in force: a
registered user from a consultancy sees « Accès sur demande » and no
download, fills the request form and accepts the convention's undertaking;
the producer's admin is mailed, decides from the pending requests; the
requester is mailed, finds the grant in « Mes demandes d’accès » and
downloads the data, which the audit log records; the admin revokes the
grant and the download is refused at once. Then a refusal (its reason shown
to the requester) and requests that are not the caller's.
"""
from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from dateutil.relativedelta import relativedelta
from playwright.sync_api import expect

from support.browser import assert_french, ckan_ready, login

REFERENCE = "SYMCRAU-AMP-2025"
UNDERTAKING = ("Je soussigné(e) m’engage à n’utiliser les données de la nappe de Crau que "
               "pour l’usage décrit dans ma demande, à ne les diffuser à aucun tiers sans "
               "l’avis favorable préalable du producteur, et à les détruire à la fin de "
               "l’autorisation.")
CSV = ("date;captage;volume_m3\n2025-01-01;Saint-Martin-de-Crau;1520\n"
       "2025-01-02;Saint-Martin-de-Crau;1498\n").encode("utf-8")
#: English words the pages legitimately show: « SHA-256 » is none, but the
#: dataset's and resource's names are French; « Crau » etc. are no English.
TODAY = dt.date.today()


def in_days(days: int) -> str:
    return (TODAY + dt.timedelta(days=days)).isoformat()


def fr(iso: str) -> str:
    """A date as CKAN's render_datetime shows it in French (« 5 mars 2026 »)."""
    months = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
              "septembre", "octobre", "novembre", "décembre"]
    day = dt.date.fromisoformat(iso)
    return f"{day.day} {months[day.month - 1]} {day.year}"


@pytest.fixture(scope="module")
def people(portal):
    return {
        "admin": portal.create_user("paul-durand", fullname="Paul Durand",
                                    email="paul.durand@symcrau.example"),
        "editor": portal.create_user("lea-roux", fullname="Léa Roux",
                                     email="lea.roux@symcrau.example"),
        "requester": portal.create_user("jeanne-martin", fullname="Jeanne Martin",
                                        email="jeanne.martin@bureau-hydro.example"),
        "other": portal.create_user("marc-blanc", fullname="Marc Blanc",
                                    email="marc.blanc@ailleurs.example"),
    }


@pytest.fixture(scope="module")
def symcrau(portal, people):
    return portal.create_organization(
        "symcrau", title="Syndicat mixte de la nappe de Crau", kind="syndicat_mixte",
        siret="25130059600011", contact_email="contact@symcrau.example",
        members=[(people["admin"], "admin"), (people["editor"], "editor")])


@pytest.fixture(scope="module")
def metropole(portal):
    return portal.create_organization("metropole-amp")


@pytest.fixture(scope="module")
def convention(portal, symcrau, metropole):
    notified = TODAY - relativedelta(months=1)
    portal.action("amp_convention_create", {
        "reference": REFERENCE,
        "title": "Convention d’objectifs et d’échange de données Métropole AMP – SYMCRAU",
        "kind": "data_exchange", "licence_id": "amp-parties", "diffusion": "restricted",
        "date_notified": notified.isoformat(), "initial_term_months": 12,
        "tacit_renewal": False, "undertaking": UNDERTAKING,
        "parties": [{"organization": symcrau["name"], "role": "both"},
                    {"organization": metropole["name"], "role": "both"}]})
    return portal.action("amp_convention_show", {"id": REFERENCE})


def restricted_dataset(portal, organization, name: str, title: str) -> dict:
    """A restricted dataset under the convention, with an uploaded CSV."""
    dataset = portal.create_dataset(
        organization, name=name, title=title, diffusion="restricted",
        license_id="amp-parties", convention=REFERENCE, resources=[],
        notes="Volumes journaliers produits par les captages de la nappe de Crau, livrés "
              "chaque semestre par les exploitants.")
    response = portal.request(
        "POST", "/api/3/action/resource_create", token=portal.token,
        data={"package_id": dataset["id"], "name": "Volumes journaliers", "format": "CSV"},
        files={"upload": ("volumes.csv", CSV, "text/csv")})
    assert response.status_code == 200, response.text[:2000]
    return portal.action("package_show", {"id": dataset["id"]})


@pytest.fixture(scope="module")
def volumes(portal, symcrau, convention):
    return restricted_dataset(portal, symcrau, "volumes-captages-crau",
                              "Volumes produits par les captages de Crau")


@pytest.fixture(scope="module")
def piezometry(portal, symcrau, convention):
    return restricted_dataset(portal, symcrau, "niveaux-piezometriques-crau",
                              "Niveaux piézométriques de la nappe de Crau")


def download_path(dataset: dict) -> str:
    [resource] = dataset["resources"]
    return f"/dataset/{dataset['id']}/resource/{resource['id']}/download/volumes.csv"


def fill_request_form(page, *, purpose: str, period_end: str) -> None:
    page.fill("#field-organization", "Bureau d’études Hydro-Crau")
    page.fill("#field-signatory", "Jeanne Martin, cheffe de projet")
    page.fill("#field-purpose", purpose)
    page.locator("#field-intended-diffusion").select_option("internal")
    expect(page.locator("#field-period-start")).to_have_value(TODAY.isoformat())
    page.fill("#field-period-end", period_end)


def test_request_grant_download_revoke(portal, smtp, people, volumes, piezometry, new_page,
                                       screenshot):
    requester, admin = people["requester"], people["admin"]
    page = new_page()
    login(page, requester)

    # The dataset's page: « Accès sur demande », no download.
    page.goto(f"/dataset/{volumes['name']}")
    main = page.locator(".main")
    expect(main.locator(".amp-access-badge").first).to_contain_text("Accès sur demande")
    expect(main.locator(".resource-item")).to_contain_text("Volumes journaliers")
    expect(main.locator(".resource-item .amp-access-badge")).to_be_visible()
    assert main.locator("a[href*='/download']").count() == 0
    assert main.locator(".resource-item a.dropdown-toggle").count() == 0
    expect(page.locator("a[href='#content']").first).to_have_text("Aller au contenu principal")
    screenshot("1-dataset-withheld", page)
    assert_french(page)
    # The resource's page and its download answer « Accès sur demande ».
    response = page.goto(download_path(volumes))
    assert response.status == 403
    expect(page.locator(".primary h1")).to_have_text("Accès sur demande")
    expect(page.locator(".breadcrumb")).to_contain_text("Volumes produits par les")
    screenshot("2-download-withheld", page)
    assert_french(page)
    # Both offer the request form.
    request_form = f"/dataset/{volumes['name']}/demande-acces"
    expect(page.locator(".amp-access-request a.btn")).to_have_attribute("href", request_form)
    page.goto(f"/dataset/{volumes['name']}")
    page.locator(".amp-access-request a.btn", has_text="Demander l’accès").click()
    expect(page).to_have_url(re.compile(f"/dataset/{volumes['name']}/demande-acces$"))
    expect(page.locator(".primary h1")).to_have_text("Demander l’accès aux données")
    expect(page.locator("#amp-access-undertaking")).to_have_text(UNDERTAKING)
    expect(page.locator(".main")).to_contain_text(
        f"Acte d’engagement de la convention {REFERENCE}")
    end = (TODAY - relativedelta(months=1) + relativedelta(months=12)
           - dt.timedelta(days=1)).isoformat()
    expect(page.locator(".main")).to_contain_text(
        f"fin de la convention qui encadre ces données ({fr(end)})")
    assert page.locator("#amp-access-request input[name=_csrf_token]").count() == 1
    fill_request_form(page, purpose="Modélisation de la recharge de la nappe pour l’étude "
                                    "de volume prélevable.", period_end=in_days(60))
    screenshot("3-request-form", page)
    assert_french(page, ".main", ignore=["sha"])
    # Without the undertaking accepted: refused in French, what was typed kept.
    page.locator("#amp-access-request button[name=save]").click()
    errors = page.locator(".amp-access-errors")
    expect(errors).to_contain_text("Acceptez l’acte d’engagement pour envoyer la demande")
    expect(page.locator("#field-purpose")).to_have_value(re.compile("^Modélisation"))
    screenshot("4-request-refused", page)
    assert_french(page, ".amp-access-errors")
    assert smtp.messages == []
    page.locator("#field-undertaking-accepted").check()
    page.locator("#amp-access-request button[name=save]").click()

    # Sent: the request's page, pending.
    expect(page).to_have_url(re.compile(r"/demandes-acces/[0-9a-f-]+$"))
    request_id = page.url.rsplit("/", 1)[1]
    expect(page.locator(".flash-messages")).to_contain_text("Votre demande a été transmise")
    expect(page.locator(".amp-access-status")).to_have_text("En attente de décision")
    assert page.locator("#amp-access-decision").count() == 0
    sent_on = page.locator(".amp-access-request-detail tr", has_text="Envoyée le")
    expect(sent_on).to_contain_text(re.compile(rf"{fr(TODAY.isoformat())}, \d\d:\d\d$"))
    screenshot("5-request-sent", page)
    assert_french(page, ".main", ignore=["sha"])

    # The producer's admin is mailed, in French, with a link to decide.
    mail = smtp.wait_for(lambda m: admin.email in m.recipients)
    # (The sysadmin who created the organisation is one of its admins too.)
    assert sorted(m.recipients for m in smtp.messages) == sorted(
        [(admin.email,), (portal.admin.email,)])
    assert {m.subject for m in smtp.messages} == {mail.subject}
    assert "Demande d’accès" in mail.subject and volumes["title"] in mail.subject, mail.subject
    assert "Jeanne Martin" in mail.body and "Bureau d’études Hydro-Crau" in mail.body, mail.body
    link = re.search(rf"{re.escape(portal.url)}/demandes-acces/{request_id}\b", mail.body)
    assert link, mail.body

    # The admin logs in and opens the pending requests.
    decider = new_page()
    login(decider, admin)
    decider.goto("/dashboard/datasets")
    expect(decider.locator(".main")).to_contain_text("Demandes à traiter (1)")
    decider.goto("/organization/symcrau/demandes-acces")
    rows = decider.locator("table.amp-access-requests tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Jeanne Martin")
    expect(rows.first).to_contain_text("En attente de décision")
    screenshot("6-pending-requests", decider)
    assert_french(decider)
    rows.first.get_by_role("link", name="Voir").click()
    expect(decider).to_have_url(link.group(0))
    expect(decider.locator(".amp-access-request-detail")).to_contain_text(
        "Modélisation de la recharge de la nappe")
    expect(decider.locator(".amp-access-request-detail")).to_contain_text(
        "Usage interne uniquement")
    # Both restricted datasets of the producer may be covered: only this one is.
    expect(decider.locator("#field-dataset-volumes-captages-crau")).to_be_checked()
    expect(decider.locator("#field-dataset-niveaux-piezometriques-crau")).not_to_be_checked()
    ckan_ready(decider)
    screenshot("7-decision-form", decider)
    assert_french(decider, ".main", ignore=["sha"])
    decider.locator("#field-decision-grant").check()
    decider.fill("#field-reason", "Accord pour la durée de l’étude.")
    decider.locator("#amp-access-decision button[name=save]").click()
    expect(decider).to_have_url(re.compile("/organization/symcrau/demandes-acces$"))
    expect(decider.locator(".flash-messages")).to_contain_text("Décision enregistrée")
    expect(decider.locator(".main")).to_contain_text("Aucune demande d’accès")

    # The requester is mailed and finds the grant in « Mes demandes ».
    granted = smtp.wait_for(lambda m: requester.email in m.recipients)
    assert "Accès accordé" in granted.subject, granted.subject
    assert f"- {volumes['title']} : du {TODAY.isoformat()} au {in_days(60)}" in granted.body, \
        granted.body
    assert "Accord pour la durée de l’étude." in granted.body
    page.goto("/dashboard/datasets")
    page.locator(".main").get_by_role("link", name="Mes demandes d’accès").click()
    expect(page).to_have_url(re.compile("/mes-demandes-acces$"))
    mine = page.locator("table.amp-access-requests tbody tr")
    expect(mine).to_have_count(1)
    expect(mine.first).to_contain_text("Accordée")
    expect(mine.first).to_contain_text(f"En cours — jusqu’au {fr(in_days(60))}")
    ckan_ready(page)
    screenshot("8-my-requests-granted", page)
    assert_french(page)

    # The data is hers: no badge, a download that works.
    page.goto(f"/dataset/{volumes['name']}")
    assert page.locator(".main .amp-access-badge").count() == 0
    page.locator(".resource-item a.heading").first.click()
    button = page.locator(".main a.btn.resource-url-analytics")
    expect(button).to_contain_text("Télécharger")
    ckan_ready(page)
    screenshot("9-resource-granted", page)
    assert_french(page, ".main", ignore=["volumes", "csv"])
    with page.expect_download() as download:
        button.click()
    saved = download.value.path()
    assert saved is not None and saved.read_bytes() == CSV

    # The download is in the audit log, under the grant.
    decider.goto("/organization/symcrau")
    decider.locator(".main").get_by_role("link", name="Journal d’accès").click()
    decider.locator("#field-type").select_option("download")
    decider.locator(".amp-access-log-filters button[type=submit]").click()
    lines = decider.locator("table.amp-access-log tbody tr")
    expect(lines).to_have_count(1)
    expect(lines.first).to_contain_text("Téléchargement")
    expect(lines.first).to_contain_text("Jeanne Martin")
    expect(lines.first).to_contain_text("Volumes journaliers")
    expect(lines.first).to_contain_text(volumes["title"])
    expect(lines.first).to_contain_text("fichier déposé sur le portail")
    expect(lines.first).to_contain_text("autorisation d’accès")
    ckan_ready(decider)
    screenshot("10-access-log", decider)
    assert_french(decider)
    [grant] = portal.action("amp_grant_list", {"dataset_id": volumes["id"]})
    expect(lines.first).to_contain_text(grant["id"])

    # The admin revokes the grant on the dataset's grants page.
    decider.goto(f"/dataset/{volumes['name']}")
    decider.locator(".main").get_by_role("link", name="Autorisations").click()
    expect(decider).to_have_url(re.compile(f"/dataset/{volumes['name']}/autorisations$"))
    row = decider.locator(f"#grant-{grant['id']}")
    expect(row).to_contain_text("Jeanne Martin")
    expect(row).to_contain_text("En cours")
    ckan_ready(decider)
    screenshot("11-grants", decider)
    assert_french(decider)
    # A revocation needs its reason.
    row.locator("button[type=submit]").click()
    expect(decider.locator(f"#grant-{grant['id']}")).to_contain_text(
        "Indiquez pourquoi l’autorisation est révoquée")
    row = decider.locator(f"#grant-{grant['id']}")
    row.locator("input[name=reason]").fill("Fin anticipée de l’étude.")
    row.locator("button[type=submit]").click()
    expect(decider.locator(".flash-messages")).to_contain_text("Autorisation révoquée")
    expect(decider.locator(f"#grant-{grant['id']}")).to_contain_text("Révoquée")
    expect(decider.locator(f"#grant-{grant['id']}")).to_contain_text("Fin anticipée de l’étude.")
    ckan_ready(decider)
    screenshot("12-grant-revoked", decider)
    assert_french(decider)

    # At once: the requester's download is refused, « Accès sur demande » again.
    response = page.goto(download_path(volumes))
    assert response.status == 403
    expect(page.locator(".primary h1")).to_have_text("Accès sur demande")
    page.goto(f"/dataset/{volumes['name']}")
    expect(page.locator(".main .amp-access-badge").first).to_contain_text("Accès sur demande")
    page.goto("/mes-demandes-acces")
    expect(page.locator("table.amp-access-requests tbody tr").first).to_contain_text("Révoquée")
    screenshot("13-my-requests-revoked", page)

    kinds = [line["kind"] for line in portal.action(
        "amp_access_log_list", {"organization_id": "symcrau"}, user=admin)["results"]]
    assert sorted(kinds) == sorted(["request", "decision", "grant", "download", "revocation"])


def test_a_refusal_and_its_reason(portal, smtp, people, piezometry, new_page, screenshot):
    requester, admin = people["requester"], people["admin"]
    page = new_page()
    login(page, requester)
    page.goto(f"/dataset/{piezometry['name']}/demande-acces")
    fill_request_form(page, purpose="Comparer les niveaux de la nappe avec nos forages "
                                    "d’essai.", period_end=in_days(30))
    page.locator("#field-undertaking-accepted").check()
    page.locator("#amp-access-request button[name=save]").click()
    expect(page.locator(".amp-access-status")).to_have_text("En attente de décision")
    request_id = page.url.rsplit("/", 1)[1]
    smtp.wait_for(lambda m: admin.email in m.recipients)

    decider = new_page()
    login(decider, admin)
    decider.goto(f"/demandes-acces/{request_id}")
    decider.locator("#field-decision-refuse").check()
    # A refusal without its reason is refused, in French.
    decider.locator("#amp-access-decision button[name=save]").click()
    expect(decider.locator(".amp-access-errors")).to_be_visible()
    ckan_ready(decider)
    screenshot("1-refusal-without-reason", decider)
    assert_french(decider, ".amp-access-errors")
    assert portal.action("amp_access_request_show", {"id": request_id})["status"] == "pending"
    decider.locator("#field-decision-refuse").check()
    decider.fill("#field-reason", "Ces données ne couvrent pas le périmètre de votre étude.")
    decider.locator("#amp-access-decision button[name=save]").click()
    expect(decider.locator(".flash-messages")).to_contain_text("Décision enregistrée")
    decider.goto("/organization/symcrau/demandes-acces?statut=refused")
    expect(decider.locator("table.amp-access-requests tbody tr")).to_have_count(1)
    ckan_ready(decider)
    screenshot("2-refused-requests", decider)
    assert_french(decider)

    refused = smtp.wait_for(lambda m: requester.email in m.recipients)
    assert "Accès refusé" in refused.subject, refused.subject
    assert "Ces données ne couvrent pas le périmètre de votre étude." in refused.body
    page.goto("/mes-demandes-acces")
    row = page.locator("table.amp-access-requests tbody tr",
                       has_text=piezometry["title"])
    expect(row).to_contain_text("Refusée")
    expect(row).to_contain_text("Ces données ne couvrent pas le périmètre de votre étude.")
    screenshot("3-my-requests-refused", page)
    assert_french(page)
    row.get_by_role("link", name="Voir").click()
    expect(page.locator(".amp-access-reason")).to_have_text(
        "Ces données ne couvrent pas le périmètre de votre étude.")
    ckan_ready(page)
    screenshot("4-refused-request", page)
    assert_french(page, ".main", ignore=["sha"])
    # Still no data for her.
    assert page.goto(download_path(piezometry)).status == 403


def test_a_request_that_is_not_yours(portal, people, convention, volumes, new_page,
                                    screenshot):
    requester, other = people["requester"], people["other"]
    undertaking = convention["undertaking"]
    pending = portal.action("amp_access_request_create", {
        "dataset_id": volumes["id"], "organization": "Bureau d’études Hydro-Crau",
        "purpose": "Reprise de l’étude de volume prélevable après sa suspension.",
        "intended_diffusion": "internal", "period_end": in_days(20),
        "undertaking_accepted": True, "undertaking_version": undertaking["version"],
        "undertaking_sha256": undertaking["sha256"]}, user=requester)
    assert pending["status"] == "pending"

    page = new_page()
    login(page, other)
    # Another user's request: refused, in French, nothing of it shown.
    response = page.goto(f"/demandes-acces/{pending['id']}")
    assert response.status == 403
    expect(page.locator(".main h1")).to_have_text("403 Accès refusé")
    expect(page.locator("body")).not_to_contain_text("Bureau d’études Hydro-Crau")
    screenshot("1-other-users-request", page)
    assert_french(page)
    # A forged id: not found.
    assert page.goto(f"/demandes-acces/{uuid.uuid4()}").status == 404
    expect(page.locator(".main h1")).to_have_text("404 Page introuvable")
    expect(page.locator(".main")).to_contain_text("Demande d’accès introuvable")
    screenshot("2-unknown-request", page)
    assert_french(page)
    # Nor may she decide on it: the decision form posted from her own
    # session, its CSRF token included.
    page.goto("/mes-demandes-acces")
    expect(page.locator(".main")).to_contain_text("Aucune demande d’accès")
    field = page.locator("meta[name=csrf_field_name]").get_attribute("content")
    token = page.locator(f"meta[name='{field}']").get_attribute("content")
    forged = page.request.post(f"/demandes-acces/{pending['id']}",
                               form={field: token, "decision": "grant"}, max_redirects=0)
    assert forged.status == 403, forged.text()[:1000]
    # Nor the requester on her own request, nor the producer's editor.
    own = new_page()
    login(own, requester)
    own.goto(f"/demandes-acces/{pending['id']}")
    assert own.locator("#amp-access-decision").count() == 0
    field = own.locator("meta[name=csrf_field_name]").get_attribute("content")
    token = own.locator(f"meta[name='{field}']").get_attribute("content")
    forged = own.request.post(f"/demandes-acces/{pending['id']}",
                              form={field: token, "decision": "grant"}, max_redirects=0)
    assert forged.status == 403, forged.text()[:1000]
    editor = new_page()
    login(editor, people["editor"])
    assert editor.goto(f"/demandes-acces/{pending['id']}").status == 403
    assert editor.goto("/organization/symcrau/demandes-acces").status == 403
    assert_french(editor)
    assert portal.action("amp_access_request_show", {"id": pending["id"]})["status"] == "pending"
    assert portal.action("amp_grant_list", {"dataset_id": volumes["id"]})[0]["revoked_at"]
    assert own.goto(download_path(volumes)).status == 403

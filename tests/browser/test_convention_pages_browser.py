"""The pages of amp_conventions in a real browser, in French.

A sysadmin reads the list of conventions (state, parties, end date) and
filters it, opens the SYMCRAU convention (parties, terms in plain words,
data items with their expected and received deliveries, datasets under it,
timeline, computed end date and next renewal), edits it (a change is saved;
dates in the wrong order are refused in French and nothing is saved) and
records its suspension. A member of a party reads it without edit buttons;
an anonymous visitor sees the conventions in force only, as a public
summary.
"""
from __future__ import annotations

import copy
import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from ckanext.amp.common.conventions import add_months

from support.browser import assert_french, ckan_ready, login
from support.data import PARTNER_ORGANIZATIONS, symcrau_convention

REFERENCE = "SYMCRAU-AMP-2025"
URL = f"/conventions/{REFERENCE}"
TODAY = dt.date.today()
NOTIFIED = add_months(TODAY, -8)               # its first delivery was due two months ago
END = add_months(NOTIFIED, 48) - dt.timedelta(days=1)   # 12 months, renewed 3 times
NEXT_RENEWAL = add_months(NOTIFIED, 12)

ORGANIZATIONS = PARTNER_ORGANIZATIONS

SYMCRAU = symcrau_convention(
    notified=NOTIFIED.isoformat(), deliberation=add_months(NOTIFIED, -2).isoformat(),
    date_signed=add_months(NOTIFIED, -1).isoformat(),
    description="Échange des volumes prélevés et des niveaux de la nappe de Crau.")


def fr(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


@pytest.fixture(scope="module")
def orgs(portal):
    return {name: portal.create_organization(name, title=title, siret=siret)
            for name, (title, siret) in ORGANIZATIONS.items()}


@pytest.fixture(scope="module")
def member(portal, orgs):
    """A member of the SYMCRAU (a party): reads, never edits."""
    user = portal.create_user("claire-fabre", fullname="Claire Fabre")
    portal.add_member(orgs["symcrau"], user, "member")
    return user


@pytest.fixture(scope="module")
def conventions(portal, orgs):
    portal.action("amp_convention_create", copy.deepcopy(SYMCRAU))
    portal.action("amp_convention_create", {
        "reference": "HERAULT-3M-2022", "title": "Hérault Data", "kind": "cross_referencing",
        "parties": [{"organization": "montpellier-mediterranee-metropole", "role": "both"},
                    {"organization": "departement-herault", "role": "both"}]})
    portal.action("amp_convention_create", {
        "reference": "REGION-AMP-2019", "title": "Observatoire régional de l’eau",
        "kind": "open_data_partnership", "date_notified": "2019-01-15",
        "initial_term_months": 24, "tacit_renewal": False,
        "parties": [{"organization": "region-sud", "role": "provider"},
                    {"organization": "metropole-aix-marseille-provence", "role": "recipient"}]})
    portal.create_dataset(orgs["metropole-aix-marseille-provence"],
                          name="volumes-produits-captages-crau",
                          title="Volumes d’eau potable produits par les captages de la nappe "
                                "de Crau", diffusion="restricted", license_id="amp-parties",
                          convention=REFERENCE)
    portal.action("amp_delivery_create", {
        "convention": REFERENCE, "item": "piezometrie-sondes",
        "received": add_months(TODAY, -1).isoformat(), "file_name": "sondes-crau.csv"})
    return portal.action("amp_convention_list", {})


def rows(page) -> list[str]:
    return page.locator("table.amp-conventions tr[data-reference]").evaluate_all(
        "rows => rows.map(r => r.dataset.reference)")


def test_the_list_and_its_filters(portal, conventions, page, screenshot):
    login(page, portal.admin)
    page.goto("/")
    page.locator("header").get_by_role("link", name="Conventions").click()
    expect(page).to_have_url(re.compile("/conventions$"))
    ckan_ready(page)
    expect(page.locator(".primary h1")).to_have_text("Conventions de partage de données")
    assert sorted(rows(page)) == ["HERAULT-3M-2022", "REGION-AMP-2019", REFERENCE]
    symcrau = page.locator(f"tr[data-reference='{REFERENCE}']")
    expect(symcrau.locator(".amp-convention-state")).to_have_text("En vigueur")
    expect(symcrau).to_contain_text("Métropole d’Aix-Marseille-Provence, SYMCRAU")
    expect(symcrau).to_contain_text(fr(END))
    expect(symcrau).to_contain_text("Échange de données")
    expect(page.locator("tr[data-reference='HERAULT-3M-2022'] .amp-convention-state")) \
        .to_have_text("Non notifiée (brouillon)")
    expect(page.locator("tr[data-reference='REGION-AMP-2019'] .amp-convention-state")) \
        .to_have_text("Échue")
    expect(page.locator("tr[data-reference='REGION-AMP-2019']")).to_contain_text("14/01/2021")
    expect(page.locator("a.btn", has_text="Nouvelle convention")).to_be_visible()
    screenshot("1-list")
    assert_french(page)

    # Filters, as a person uses them: the form of the side column.
    page.locator("#field-state").select_option(label="Non notifiée (brouillon)")
    page.locator(".secondary form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"state=draft"))
    assert rows(page) == ["HERAULT-3M-2022"]
    expect(page.locator("#field-state")).to_have_value("draft")
    page.locator("#field-state").select_option("")
    page.locator("#field-party").select_option(label=ORGANIZATIONS["symcrau"][0])
    page.locator("#field-kind").select_option(label="Échange de données")
    page.locator(".secondary form button[type=submit]").click()
    # The rows are read once the filtered page is there (not the previous one).
    expect(page).to_have_url(re.compile(r"kind=data_exchange"))
    page.wait_for_load_state()
    assert rows(page) == [REFERENCE]
    page.locator("#field-party").select_option("")
    page.locator("#field-kind").select_option("")
    page.fill("#field-q", "Observatoire")
    page.locator(".secondary form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"q=Observatoire"))
    page.wait_for_load_state()
    assert rows(page) == ["REGION-AMP-2019"]
    ckan_ready(page)
    screenshot("2-list-filtered")
    assert_french(page)
    page.goto("/conventions?state=perdue")
    expect(page.locator(".primary .alert-danger")).to_contain_text("État inconnu")
    assert_french(page)


def test_a_conventions_page(portal, conventions, page, screenshot):
    login(page, portal.admin)
    page.goto("/conventions")
    page.get_by_role("link", name=REFERENCE).click()
    expect(page).to_have_url(re.compile(f"{URL}$"))
    ckan_ready(page)
    # Still logged in, as the header says (it once forgot it on this page).
    expect(page.locator(".account.authed")).to_contain_text("amp-admin")
    main = page.locator(".primary")
    expect(main.locator("h1")).to_have_text(SYMCRAU["title"])
    expect(main.locator(".amp-convention-state").first).to_have_text("En vigueur")
    # Parties.
    parties = main.locator("table.amp-parties")
    expect(parties).to_contain_text("Métropole d’Aix-Marseille-Provence")
    expect(parties).to_contain_text("Martine VASSAL, Présidente")
    expect(parties).to_contain_text("20005480700017")
    # Duration, dates computed.
    expect(main).to_contain_text("Reconduite tacitement par périodes de 12 mois, 3 fois au plus.")
    expect(main.locator(".amp-end-date")).to_have_text(fr(END))
    dates = main.locator("dl.amp-dates")
    expect(dates).to_contain_text(fr(NEXT_RENEWAL))
    expect(dates).to_contain_text(f"du {fr(NOTIFIED)} au {fr(NEXT_RENEWAL - dt.timedelta(days=1))}")
    expect(page.locator(".secondary")).to_contain_text(f"Prochaine reconduction : {fr(NEXT_RENEWAL)}")
    # Terms of use in plain words.
    usage = main.locator("ul.amp-usage")
    expect(usage).to_contain_text("Un tiers ne reçoit les données que sur demande expresse")
    expect(usage).to_contain_text("Charte métropolitaine de la donnée")
    expect(main.locator(".amp-licence")).to_have_text("Usage réservé aux parties de la convention")
    expect(main.locator(".amp-diffusion")).to_have_text(re.compile("^Restreint"))
    # The data items, their deliveries expected and received.
    volumes = main.locator("[data-item=volumes-captages]")
    expect(volumes).to_contain_text("semestriel")
    expect(volumes.locator("[data-status=late]")).to_contain_text(
        f"attendue le {fr(add_months(NOTIFIED, 6))}")
    expect(main.locator(".amp-late")).to_contain_text("Volumes produits par les captages de Crau")
    piezometry = main.locator("[data-item=piezometrie-sondes]")
    expect(piezometry).to_contain_text(f"{fr(add_months(TODAY, -1))} (sondes-crau.csv)")
    expect(piezometry).to_contain_text("« non renseigné »")
    # Datasets under it, timeline, undertaking.
    expect(main.locator(".amp-datasets a")).to_have_text(
        "Volumes d’eau potable produits par les captages de la nappe de Crau")
    expect(main.locator(".amp-timeline li[data-kind=undertaking_changed]")).to_contain_text(
        f"{fr(TODAY)} — nouvelle version de l’acte d’engagement")
    expect(main.locator(".amp-undertaking")).to_have_text(SYMCRAU["undertaking"])
    expect(main.locator("a", has_text="Modifier").or_(main.locator("a", has_text="Éditer"))
           ).to_have_count(1)
    expect(main.locator("a", has_text="Enregistrer un événement")).to_have_count(1)
    screenshot("1-convention")
    assert_french(page)
    # The dataset's page links back.
    page.locator(".amp-datasets a").click()
    expect(page.locator(".amp-dataset-convention a")).to_have_attribute("href", URL)


def test_a_party_member_reads_without_editing(portal, conventions, member, page, screenshot):
    login(page, member)
    page.goto(URL)
    expect(page.locator(".account.authed")).to_contain_text("Claire Fabre")
    main = page.locator(".primary")
    expect(main.locator("h1")).to_have_text(SYMCRAU["title"])
    expect(main).to_contain_text("Données échangées")
    expect(main.locator(".amp-timeline")).to_be_visible()
    assert main.locator(f"a[href='{URL}/edit'], a[href='{URL}/event']").count() == 0
    screenshot("1-member")
    assert_french(page)
    page.goto("/conventions")
    expect(page.locator("a.btn", has_text="Nouvelle convention")).to_have_count(0)
    assert page.goto(f"{URL}/edit").status == 403
    expect(page.locator(".main h1")).to_have_text("403 Accès refusé")
    assert_french(page)
    assert page.goto(f"{URL}/event").status == 403


def test_anonymous_sees_conventions_in_force_as_summaries(portal, conventions, page,
                                                          screenshot):
    page.goto("/conventions")
    assert rows(page) == [REFERENCE]
    screenshot("1-list")
    assert_french(page)
    page.get_by_role("link", name=REFERENCE).click()
    ckan_ready(page)
    main = page.locator(".primary")
    expect(main).to_contain_text("Résumé public d’une convention en vigueur")
    expect(main).to_contain_text("Un tiers ne reçoit les données que sur demande expresse")
    expect(main.locator(".amp-end-date")).to_have_text(fr(END))
    expect(main.locator("dl.amp-dates")).to_contain_text(fr(NEXT_RENEWAL))
    expect(main.locator("dl.amp-dates")).not_to_contain_text("non renseigné")
    for hidden in ("Données échangées", "Acte d’engagement des tiers", "Martine VASSAL"):
        expect(main).not_to_contain_text(hidden)
    assert main.locator(".amp-timeline").count() == 0
    assert main.locator(f"a[href='{URL}/edit']").count() == 0
    screenshot("2-summary")
    assert_french(page)
    assert page.goto("/conventions/HERAULT-3M-2022").status == 403
    expect(page.locator(".main")).to_contain_text("Cette convention n’est visible que de ses parties")
    expect(page.locator(".main").get_by_role("link", name="Se connecter")).to_be_visible()
    screenshot("3-draft-refused")
    assert_french(page)


def test_edit_form(portal, conventions, page, screenshot):
    login(page, portal.admin)
    page.goto(URL)
    page.locator(f"a[href='{URL}/edit']").click()
    expect(page).to_have_url(re.compile(f"{URL}/edit$"))
    ckan_ready(page)
    expect(page.locator("#field-title")).to_have_value(SYMCRAU["title"])
    expect(page.locator("#field-items")).to_contain_text("key: volumes-captages")
    expect(page.locator("#field-diffusion option:checked")).to_have_text(re.compile("^Restreint"))
    screenshot("1-edit-form")
    # The YAML box's keys, and licences' names (« … Dedication and License »).
    assert_french(page, ".primary", ignore=["key", "title", "dataset", "license", "and"])

    # Dates in the wrong order: refused in French, nothing saved.
    page.fill("#field-title", "Titre qui ne doit pas être enregistré")
    page.fill("#field-date_signed", add_months(NOTIFIED, 1).isoformat())
    page.locator(".amp-convention-form button[type=submit]").click()
    errors = page.locator(".amp-form-errors")
    expect(errors).to_contain_text(re.compile(
        r"La signature \(\S+\) est postérieure à la notification \(\S+\)"))
    expect(errors.locator("li")).to_have_text(re.compile(r"^Date de signature : La signature"))
    expect(page.locator("#field-date_signed")).to_have_class(re.compile("is-invalid"))
    expect(page.locator("#field-title")).to_have_value("Titre qui ne doit pas être enregistré")
    screenshot("2-edit-refused", full_page=False)
    assert_french(page, ".amp-form-errors")
    shown = portal.action("amp_convention_show", {"id": REFERENCE})
    assert shown["title"] == SYMCRAU["title"]
    assert shown["date_signed"] == SYMCRAU["date_signed"]

    # Put right and saved.
    page.fill("#field-date_signed", SYMCRAU["date_signed"])
    page.fill("#field-title", "Convention SYMCRAU – Métropole AMP (avenant n° 1)")
    page.locator(".amp-convention-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(f"{URL}$"))
    expect(page.locator(".flash-messages")).to_contain_text("La convention SYMCRAU-AMP-2025")
    expect(page.locator(".primary h1")).to_have_text(
        "Convention SYMCRAU – Métropole AMP (avenant n° 1)")
    ckan_ready(page)
    screenshot("3-edited")
    shown = portal.action("amp_convention_show", {"id": REFERENCE})
    assert shown["title"] == "Convention SYMCRAU – Métropole AMP (avenant n° 1)"
    assert len(shown["items"]) == 2 and shown["date_signed"] == SYMCRAU["date_signed"]


def test_record_a_suspension(portal, conventions, page, screenshot):
    login(page, portal.admin)
    page.goto(URL)
    page.locator(f"a[href='{URL}/event']").click()
    ckan_ready(page)
    expect(page.locator(".primary h1")).to_contain_text("Enregistrer un événement")
    screenshot("1-event-form")
    assert_french(page)
    # A resumption follows no suspension: refused, in French.
    page.locator("#field-kind").select_option("resumed")
    page.fill("#field-date", TODAY.isoformat())
    page.locator(".primary form button[type=submit]").click()
    expect(page.locator(".amp-form-errors")).to_contain_text(
        f"La reprise du {fr(TODAY)} ne suit aucune suspension")
    assert_french(page, ".amp-form-errors")

    page.locator("#field-kind").select_option("suspended")
    page.fill("#field-date", TODAY.isoformat())
    page.fill("#field-note", "Divergence sur la qualité des données (art. 8)")
    page.locator(".primary form button[type=submit]").click()
    expect(page).to_have_url(re.compile(f"{URL}$"))
    expect(page.locator(".flash-messages")).to_contain_text("L’événement est inscrit à l’historique.")
    expect(page.locator(".primary .amp-convention-state").first).to_have_text("Suspendue")
    timeline = page.locator(".amp-timeline")
    expect(timeline.locator("li[data-kind=suspended]")).to_contain_text(
        f"{fr(TODAY)} — suspension : Divergence sur la qualité des données (art. 8)")
    ckan_ready(page)
    screenshot("2-suspended")
    assert_french(page)
    page.goto("/conventions")
    expect(page.locator(f"tr[data-reference='{REFERENCE}'] .amp-convention-state")) \
        .to_have_text("Suspendue")
    assert portal.action("amp_convention_status", {"references": [REFERENCE]})[REFERENCE][
        "state"] == "suspended"

"""The obligations and maturity dashboards in a real browser: an editor
sees which priority datasets their organisation publishes, the plot is drawn
(pixels in the canvas), one click on a missing obligation opens CKAN's
new-dataset form prefilled (schema, licence, frequency, organisation,
obligation); the editor fills in the maturity checklist twice and sees the
latest score, the history and the plot of its evolution."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from support.browser import assert_french, canvas_colours, ckan_ready, login
from support.dashboard import FREQ, days_ago


@pytest.fixture(scope="module")
def steward(portal):
    user = portal.create_user("camille-roux", fullname="Camille Roux")
    organization = portal.create_organization("commune-aubagne", title="Commune d’Aubagne",
                                              members=[(user, "editor")])
    portal.create_dataset(organization, name="budget-primitif", title="Budget primitif",
                          conforms_to=["https://schema.data.gouv.fr/scdl/budget/"],
                          frequency=FREQ + "ANNUAL", modified=days_ago(20))
    portal.create_dataset(organization, name="deliberations", title="Délibérations du conseil",
                          conforms_to=["https://schema.data.gouv.fr/scdl/deliberations/"],
                          frequency=FREQ + "MONTHLY", modified=days_ago(120))
    portal.create_dataset(organization, name="permis-construire", title="Permis de construire",
                          obligation="permis_construire", frequency=FREQ + "MONTHLY",
                          modified=days_ago(2))
    return user, organization



def test_missing_obligation_opens_the_prefilled_form(portal, steward, page, screenshot):
    user, organization = steward
    login(page, user)
    page.click("text=Tableaux de bord")
    page.click(".nav-tabs >> text=Obligations")
    expect(page.locator("h1")).to_contain_text("Obligations de publication")
    ckan_ready(page)
    expect(page.locator("#amp-obligations-chart[data-amp-chart-ready]")).to_be_attached()
    assert canvas_colours(page, "#amp-obligations-chart") > 5
    table = page.locator(".amp-chart-table")
    expect(table.locator("tr[data-row='fresh'] td")).to_have_text("2")
    expect(table.locator("tr[data-row='late'] td")).to_have_text("1")
    expect(table.locator("tr[data-row='missing'] td")).to_have_text("5")
    budget = page.locator("tr[data-obligation='budget']")
    expect(budget).to_contain_text("Publié et à jour")
    expect(budget).to_contain_text("Budget primitif")
    expect(page.locator("tr[data-obligation='deliberations']")).to_contain_text(
        "Publié mais en retard")
    screenshot("obligations")
    assert_french(page, "[role=main]", ignore=["SCDL", "DECP", "RAEPA", "CNIG", "PLU", "EPCI",
                                               "NOTRe", "CRPA", "L312-1-1"])

    page.locator("tr[data-obligation='subventions'] a.amp-obligation-create").click()
    page.wait_for_url("**/dataset/new?**")
    ckan_ready(page)
    form = page.locator("form#dataset-edit")
    expect(form.locator("input[name='conforms_to']").first).to_have_value(
        "https://schema.data.gouv.fr/scdl/subventions/")
    assert form.locator("select[name='license_id']").input_value() == "lov2"
    assert form.locator("select[name='frequency']").input_value() == FREQ + "ANNUAL"
    assert form.locator("select[name='obligation']").input_value() == "subventions"
    assert form.locator("select[name='owner_org']").input_value() == organization["id"]
    form.locator("input[name='conforms_to']").first.scroll_into_view_if_needed()
    screenshot("obligations-new-dataset-prefilled-schema", full_page=False)
    form.locator("label[for='field-license_id']").scroll_into_view_if_needed()
    screenshot("obligations-new-dataset-prefilled-licence", full_page=False)
    assert page.js_errors == [] and page.outside_requests == []


def answer(page, yes: int) -> None:
    """Answer the checklist: the first ``yes`` questions "Oui", the rest "Non"."""
    items = page.locator(".amp-maturity-item")
    for index in range(items.count()):
        choice = "Oui" if index < yes else "Non"
        items.nth(index).get_by_label(choice, exact=True).check()


def test_maturity_checklist_is_filled_in_and_kept(portal, steward, page, screenshot):
    user, _organization = steward
    login(page, user)
    page.goto("/dashboards/maturity")
    expect(page.locator("h1")).to_contain_text("Maturité open data")
    expect(page.locator(".amp-maturity-item")).to_have_count(32)
    # An incomplete form is refused in French, the answers given kept.
    page.locator(".amp-maturity-item").first.get_by_label("Oui", exact=True).check()
    page.click("text=Enregistrer cette évaluation")
    expect(page.locator(".amp-maturity-errors")).to_contain_text(
        "Répondez à chaque question (31 sans réponse)")
    expect(page.locator(".amp-maturity-item").first.get_by_label("Oui", exact=True)).to_be_checked()

    answer(page, 8)
    page.fill("#comment-engagement_politique", "Délibération du conseil de mars.")
    page.click("text=Enregistrer cette évaluation")
    expect(page.locator(".alert")).to_contain_text("Auto-évaluation enregistrée")
    expect(page.locator(".amp-maturity-latest")).to_contain_text("Score : 25/100")
    # The form is prefilled with the latest answers: change some and save again.
    expect(page.locator("#comment-engagement_politique")).to_have_value(
        "Délibération du conseil de mars.")
    answer(page, 20)
    page.click("text=Enregistrer cette évaluation")
    expect(page.locator(".amp-maturity-latest")).to_contain_text("Score : 63/100")
    ckan_ready(page)
    expect(page.locator(".amp-maturity-latest")).to_contain_text("Camille Roux")
    expect(page.locator(".amp-maturity-history tbody tr")).to_have_count(2)
    expect(page.locator("#amp-maturity-chart[data-amp-chart-ready]")).to_be_attached()
    assert canvas_colours(page, "#amp-maturity-chart") > 5
    page.locator("#amp-maturity-chart").scroll_into_view_if_needed()
    screenshot("maturity")
    assert_french(page, "[role=main]", ignore=["OpenDataLab", "CSV"])
    assert page.js_errors == [] and page.outside_requests == []

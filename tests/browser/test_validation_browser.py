"""amp_validation in a real browser: an editor uploads a CSV that claims the
SCDL « subventions » schema, the portal's jobs worker (`ckan jobs worker`)
checks it, and the resource page shows the errors by line and column, in
French; « Contrôler à nouveau » queues a new check; the validation tab of
the dashboards counts and lists it."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from support import scdl_files
from support.browser import assert_french, canvas_colours, login


@pytest.fixture(scope="module")
def published(portal):
    editor = portal.create_user("nora-benali", fullname="Nora Benali")
    organization = portal.create_organization("ville-exemple", title="Ville d’Exemple",
                                              members=[(editor, "editor")])
    dataset = portal.create_dataset(organization, user=editor, name="subventions-2024",
                                    title="Subventions attribuées en 2024", resources=[],
                                    conforms_to=[scdl_files.SCHEMA_URL])
    response = portal.request(
        "POST", "/api/3/action/resource_create", token=portal.token_for(editor),
        data={"package_id": dataset["id"], "name": "Subventions 2024", "format": "CSV",
              "url": "subventions-2024.csv"},
        files={"upload": ("subventions-2024.csv", scdl_files.invalid_csv(), "text/csv")})
    assert response.ok, response.text[:2000]
    resource = response.json()["result"]
    portal.ckan("jobs", "worker", "--burst")  # the worker of make run, until the queue is empty
    return {"editor": editor, "dataset": dataset, "resource": resource}


def test_the_report_is_on_the_resource_page(portal, published, page, screenshot):
    login(page, published["editor"])
    page.goto(f"/dataset/{published['dataset']['name']}/resource/{published['resource']['id']}")
    section = page.locator("#amp-validation")
    expect(section).to_have_attribute("data-status", "invalid")
    expect(section.locator(".amp-validation-badge")).to_have_text("Non valide")
    expect(section).to_contain_text("Subventions")
    expect(section).to_contain_text("4 erreurs trouvées (29 lignes contrôlées)")
    rows = section.locator(".amp-validation-errors tbody tr")
    expect(rows).to_have_count(len(scdl_files.MISTAKES))
    for index, (line, column, value) in enumerate(scdl_files.MISTAKES):
        expect(rows.nth(index)).to_have_attribute("data-row", str(line))
        expect(rows.nth(index)).to_have_attribute("data-column", column)
        expect(rows.nth(index)).to_contain_text(value)
    expect(rows.nth(1)).to_contain_text("n’est pas une date au format AAAA-MM-JJ")
    expect(rows.nth(0)).to_contain_text("Exemple de valeur valide : 23350001600040")
    section.scroll_into_view_if_needed()
    screenshot("validation-report")
    assert_french(page, "#amp-validation",
                  ignore=["idAttribuant", "dateConvention", "nature", "montant"])

    page.click("text=Contrôler à nouveau")
    expect(page.locator(".alert")).to_contain_text("va être contrôlé à nouveau")
    expect(page.locator("#amp-validation")).to_have_attribute("data-status", "pending")
    portal.ckan("jobs", "worker", "--burst")
    page.reload()
    expect(page.locator("#amp-validation")).to_have_attribute("data-status", "invalid")
    assert page.js_errors == [] and page.outside_requests == []


def test_the_validation_tab_counts_and_lists_it(portal, published, page, screenshot):
    login(page, published["editor"])
    page.goto("/dashboards/freshness")
    page.click(".nav-tabs >> text=Validation des données")
    expect(page.locator("h1")).to_contain_text("Conformité des fichiers à leur schéma")
    expect(page.locator("#amp-validation-chart[data-amp-chart-ready]")).to_be_attached()
    assert canvas_colours(page, "#amp-validation-chart") > 5  # the plot is drawn
    row = page.locator(".amp-validation-organizations tr[data-organization='ville-exemple']")
    expect(row.locator("td[data-bucket='invalid']")).to_have_text("1")
    invalid = page.locator(".amp-invalid-list tbody tr")
    expect(invalid).to_have_count(1)
    expect(invalid.first).to_have_attribute("data-errors", "4")
    screenshot("validation-dashboard")
    assert_french(page, "[role=main]", ignore=["MData"])
    invalid.first.locator("a").first.click()
    expect(page.locator("#amp-validation")).to_have_attribute("data-status", "invalid")
    assert page.js_errors == [] and page.outside_requests == []

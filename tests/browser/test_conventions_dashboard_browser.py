"""The conventions tab of the dashboards in a real browser: an admin of the
Métropole reads the deliveries expected and received under the SYMCRAU
convention (the plot drawn by Chart.js holds pixels of both series, not an
empty frame), the late ones, the convention ending soon and the access
request waiting for their decision, in French, and downloads the CSV behind
the plot."""
from __future__ import annotations

import copy
import datetime as dt

import pytest
from playwright.sync_api import expect

from ckanext.amp.common.conventions import add_months

from support.browser import assert_french, canvas_colours, login, screenshot_dir
from support.data import PARTNER_ORGANIZATIONS, symcrau_convention

TODAY = dt.date.today()
NOTIFIED = add_months(TODAY, -10) - dt.timedelta(days=15)
DAY = dt.timedelta(days=1)


@pytest.fixture(scope="module")
def admin(portal):
    user = portal.create_user("marc-olivier", fullname="Marc Olivier")
    requester = portal.create_user("jeanne-martin", fullname="Jeanne Martin")
    orgs = {name: portal.create_organization(name, title=title, siret=siret)
            for name, (title, siret) in PARTNER_ORGANIZATIONS.items()}
    portal.add_member(orgs["metropole-aix-marseille-provence"], user, "admin")
    convention = symcrau_convention(notified=NOTIFIED.isoformat(),
                                    deliberation=add_months(NOTIFIED, -2).isoformat())
    convention["items"][1]["periodicity"] = "MONTHLY"
    undertaking = portal.action("amp_convention_create", copy.deepcopy(convention))["undertaking"]
    for months in (1, 2, 3, 5, 6, 9):   # some on time, some missing
        portal.action("amp_delivery_create", {
            "convention": "SYMCRAU-AMP-2025", "item": "piezometrie-sondes",
            "received": (add_months(NOTIFIED, months) - 3 * DAY).isoformat()})
    portal.action("amp_convention_create", {
        "reference": "REGION-AMP-2025", "title": "Observatoire régional de l’eau",
        "kind": "open_data_partnership",
        "date_notified": (add_months(TODAY, -12) + 40 * DAY).isoformat(),
        "initial_term_months": 12, "tacit_renewal": False,
        "parties": [{"organization": "region-sud", "role": "provider"},
                    {"organization": "metropole-aix-marseille-provence", "role": "recipient"}]})
    dataset = portal.create_dataset(
        orgs["metropole-aix-marseille-provence"], name="volumes-distribues",
        title="Volumes d’eau distribués", diffusion="restricted",
        diffusion_basis="commercial_secret", license_id="amp-parties",
        convention="SYMCRAU-AMP-2025")
    portal.action("amp_access_request_create", {
        "dataset_id": dataset["id"], "organization": "Bureau d’études Hydro-Crau",
        "purpose": "Modélisation de la recharge de la nappe.", "intended_diffusion": "internal",
        "period_start": TODAY.isoformat(), "period_end": (TODAY + 60 * DAY).isoformat(),
        "signatory": "Jeanne Martin", "undertaking_accepted": True,
        "undertaking_version": undertaking["version"],
        "undertaking_sha256": undertaking["sha256"]},
        user=requester)
    return user


def test_admin_reads_the_conventions_tab(portal, admin, page, screenshot):
    login(page, admin)
    page.click("text=Tableaux de bord")
    page.click(".nav-tabs >> text=Conventions")
    expect(page.locator("h1")).to_contain_text("Conventions et livraisons")
    expect(page.locator("#amp-deliveries-chart[data-amp-chart-ready]")).to_be_attached()
    assert canvas_colours(page, "#amp-deliveries-chart") > 5
    # Both series are drawn, with their legend: the plot is not blank.
    legend = page.evaluate("""() => {
        const chart = window.Chart.getChart(document.querySelector('#amp-deliveries-chart'));
        return chart.data.datasets.map(d => [d.label, d.data.reduce((a, b) => a + b, 0)]);
    }""")
    assert legend == [["Attendues", 11], ["Reçues", 6]]   # 10 monthly + 1 half-yearly
    probes = page.locator(".amp-delivery-items tr[data-item='SYMCRAU-AMP-2025/piezometrie-sondes']")
    expect(probes).to_have_attribute("data-expected", "10")
    expect(probes).to_have_attribute("data-received", "6")
    late = page.locator(".amp-late-deliveries tbody tr")
    expect(late.first).to_contain_text("Volumes produits par les captages de Crau")
    expect(page.locator(".amp-ending-soon")).to_contain_text("REGION-AMP-2025")
    expect(page.locator(".amp-pending-requests")).to_contain_text("Volumes d’eau distribués")
    expect(page.locator(".amp-pending-requests")).to_contain_text("Jeanne Martin")
    screenshot("conventions")
    page.locator(".amp-chart").screenshot(
        path=str(screenshot_dir() / "test_conventions_dashboard_browser__plot.png"))
    assert_french(page, "[role=main]", ignore=["SYMCRAU", "AMP", "Crau", "CSV"])

    link = page.locator("a", has_text="Télécharger en CSV").get_attribute("href")
    answer = page.request.get(link)  # with the page's session cookie
    assert answer.ok and answer.headers["content-type"].startswith("text/csv")
    lines = answer.text().lstrip("\ufeff").splitlines()
    assert lines[0] == "Mois,Attendues,Reçues" and len(lines) == 13
    assert sum(int(line.split(",")[1]) for line in lines[1:]) == 11
    assert sum(int(line.split(",")[2]) for line in lines[1:]) == 6
    assert page.js_errors == [] and page.outside_requests == []

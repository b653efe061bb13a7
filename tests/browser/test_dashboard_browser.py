"""amp_dashboard in a real browser: the home page with the portal's own
identity, the dataset list with the French facets, and the freshness and
quality dashboards of an editor, whose plots are drawn by Chart.js (the
canvases hold pixels, not just an empty frame)."""
from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from support.browser import assert_french, login
from support.browser import canvas_colours as canvas_has_drawing

FREQ = "http://publications.europa.eu/resource/authority/frequency/"


def days_ago(days: int) -> str:
    return (dt.date.today() - dt.timedelta(days=days)).isoformat()


@pytest.fixture(scope="module")
def editor(portal):
    user = portal.create_user("lea-martin", fullname="Léa Martin")
    organization = portal.create_organization("regie-eau", title="Régie de l’eau",
                                              members=[(user, "editor")])
    for name, frequency, modified, extra in [
            ("releves-compteurs", "MONTHLY", days_ago(3), {}),
            ("qualite-eau-robinet", "MONTHLY", days_ago(45), {"theme": ["HEAL", "ENVI"]}),
            ("captages-nappe", "WEEKLY", days_ago(300), {}),
            ("travaux-reseau", "IRREG", days_ago(900),
             {"notes": "Court.", "resources": [], "theme": [], "tag_string": ""})]:
        portal.create_dataset(organization, name=name, title=name.replace("-", " ").capitalize(),
                              frequency=FREQ + frequency, modified=modified, **extra)
    return user


def test_home_page_and_dataset_list(portal, editor, page, screenshot):
    page.goto("/")
    header = page.locator("header.masthead")
    expect(header.locator("img[src$='mdata-logo.svg']")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("Bienvenue sur CKAN")
    expect(page.locator(".amp-hero h1")).to_contain_text("MData")
    expect(page.locator(".amp-theme[data-theme='ENVI']")).to_contain_text("Environnement")
    expect(page.locator(".amp-theme[data-theme='ENVI']")).to_contain_text("3 jeux de données")
    expect(page.locator(".amp-latest")).to_contain_text("Captages nappe")
    expect(page.locator(".amp-organizations")).to_contain_text("Régie de l’eau")
    screenshot("home")
    assert_french(page, "[role=main]", ignore=["MData"])

    page.fill("#amp-home-q", "captages")
    page.click(".amp-hero-search button")
    expect(page.locator(".dataset-list")).to_contain_text("Captages nappe")

    page.goto("/dataset/")
    facets = page.locator(".secondary")
    for title in ("Thèmes", "Territoires", "Niveau de diffusion", "Fréquence de mise à jour",
                  "Qualité des métadonnées"):
        expect(facets).to_contain_text(title)
    for label in ("Santé", "Marseille", "Public", "mensuel"):
        expect(facets).to_contain_text(label)
    screenshot("dataset-list-facets")
    facets.locator("a[href*='quality_band=']").first.click()
    expect(page.locator(".filtered.pill")).to_be_visible()
    assert page.outside_requests == []


def test_editor_reads_the_dashboards_with_their_plots(portal, editor, page, screenshot):
    login(page, editor)
    page.click("text=Tableaux de bord")
    expect(page.locator("h1")).to_contain_text("Fraîcheur des jeux de données")
    chart = page.locator("#amp-freshness-chart[data-amp-chart-ready]")
    expect(chart).to_be_attached()
    assert canvas_has_drawing(page, "#amp-freshness-chart") > 5
    rows = page.locator(".amp-late-list tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Captages nappe")
    screenshot("freshness")

    page.click(".nav-tabs >> text=Qualité")
    expect(page.locator("#amp-quality-chart[data-amp-chart-ready]")).to_be_attached()
    assert canvas_has_drawing(page, "#amp-quality-chart") > 5
    expect(page.locator(".amp-lowest-list tbody tr").first).to_contain_text("Travaux reseau")
    expect(page.locator(".amp-lowest-list")).to_contain_text("Décrivez le contenu")
    screenshot("quality")
    link = page.locator("a", has_text="Télécharger en CSV").get_attribute("href")
    answer = page.request.get(link)  # with the page's session cookie
    assert answer.ok and answer.headers["content-type"].startswith("text/csv")
    lines = answer.text().lstrip("\ufeff").splitlines()
    assert lines[0] == "Score de qualité,Jeux de données" and len(lines) == 11
    assert sum(int(line.rsplit(",", 1)[1]) for line in lines[1:]) == 4
    assert page.js_errors == [] and page.outside_requests == []

"""The reuses of a dataset in a real browser, on a portal with the plugins
of `make run`: the dataset's editor opens the « Réutilisations » tab of its
page, declares one through the form (CSRF token and all), sees it listed
and counted; a visitor without an account reads it but has no form."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from support.browser import assert_french, login, logout


@pytest.fixture(scope="module")
def reuse_world(portal):
    editor = portal.create_user("lea-moulin", fullname="Léa Moulin")
    organization = portal.create_organization("regie-eau-reutilisations", title="Régie de l’eau",
                                              members=[(editor, "editor")])
    portal.create_dataset(organization, name="qualite-eau-baignade",
                          title="Qualité des eaux de baignade")
    return editor


def test_an_editor_declares_a_reuse_and_sees_it_listed(portal, reuse_world, new_page,
                                                       screenshot):
    page = new_page()
    login(page, reuse_world)
    page.goto("/dataset/qualite-eau-baignade")
    expect(page.locator(".amp-dataset-reuses")).to_contain_text("Aucune réutilisation")
    page.click(".nav-tabs >> text=Réutilisations (0)")
    expect(page.locator("h1", has_text="Réutilisations")).to_be_visible()

    # A wrong address first: said in French, nothing recorded.
    page.fill("#field-reuse-title", "Carte des plages surveillées")
    page.fill("#field-reuse-url", "plages.example.fr")
    page.click("text=Déclarer la réutilisation")
    expect(page.locator(".amp-reuse-form .error-block")).to_contain_text(
        "commençant par http:// ou https://")
    expect(page.locator("#field-reuse-title")).to_have_value("Carte des plages surveillées")
    screenshot("wrong-address", page=page)

    page.fill("#field-reuse-url", "https://plages.example.fr/carte")
    page.fill("#field-reuse-description", "Carte interactive des plages, mise à jour l’été.")
    page.click("text=Déclarer la réutilisation")
    expect(page.locator(".alert-success")).to_contain_text("Réutilisation enregistrée.")
    reuse = page.locator(".amp-reuse")
    expect(reuse).to_have_count(1)
    expect(reuse.locator("a")).to_have_attribute("href", "https://plages.example.fr/carte")
    expect(reuse).to_contain_text("Carte des plages surveillées")
    expect(reuse).to_contain_text("Déclarée le")
    expect(page.locator(".nav-tabs")).to_contain_text("Réutilisations (1)")
    screenshot("reuses", page=page)
    assert_french(page, ".main", ignore=["http", "https"])

    logout(page)
    page.goto("/dataset/qualite-eau-baignade")
    expect(page.locator(".amp-dataset-reuses")).to_contain_text(
        "1 réutilisation de ce jeu de données est déclarée.")
    screenshot("dataset-page", page=page)
    page.click("text=Voir les réutilisations")
    expect(page.locator(".amp-reuse")).to_contain_text("Carte des plages surveillées")
    expect(page.locator(".amp-reuse-form")).to_have_count(0)
    expect(page.locator(".amp-reuse-delete")).to_have_count(0)
    assert page.js_errors == [] and page.outside_requests == []


def test_the_daily_prune_is_a_command_of_the_portal(portal):
    """`ckan amp tracking prune` as the daily jobs run it: the real `ckan`
    command, the plugins of `make run` (after a `tracking update`)."""
    import datetime as dt

    import sqlalchemy as sa

    # A visit today, so that the update sums a day (in SQL: `ckan run`'s
    # server, under the tests' portal, keeps the tracking hook reading the
    # body of a client that waits for the answer).
    engine = sa.create_engine(portal.sqlalchemy_url)
    try:
        with engine.begin() as connection:
            connection.execute(sa.text(
                "INSERT INTO tracking_raw (user_key, url, tracking_type) "
                "VALUES ('visiteur-cli', '/dataset/qualite-eau-baignade', 'page')"))
    finally:
        engine.dispose()
    portal.ckan("tracking", "update", dt.date.today().isoformat())
    output = portal.ckan("amp", "tracking", "prune")
    assert "tracking_raw" in output and "conservation : 400 jours" in output, output

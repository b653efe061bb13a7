"""Dataset pages in a real browser, in French: a visitor reads a public
dataset; a steward creates one through the form (scheming's form with the
amp fields), and a form with missing fields is refused in French without
creating anything."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from support.browser import assert_french, choose, ckan_ready, login

EU = "http://publications.europa.eu/resource/authority/"


@pytest.fixture(scope="module")
def organization(portal):
    return portal.create_organization("metropole-amp")


@pytest.fixture(scope="module")
def steward(portal, organization):
    user = portal.create_user("camille-durand", fullname="Camille Durand")
    portal.add_member(organization, user, "editor")
    return user


def test_visitor_reads_a_public_dataset_in_french(portal, organization, page, screenshot):
    dataset = portal.create_dataset(organization, name="points-apport-verre")

    page.goto(f"/dataset/{dataset['name']}")

    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator(".account.not-authed")).to_contain_text("Connexion")
    main = page.locator(".main")
    expect(main.locator("article h1")).to_have_text(dataset["title"])
    expect(main).to_contain_text("Données et ressources")
    expect(main.locator(".resource-item")).to_contain_text("Points")
    # Labels and values of the amp schema, in French.
    for label, value in [("Niveau de diffusion", "Public : tout le monde voit et télécharge"),
                         ("Thèmes", "Environnement"),
                         ("Territoires couverts", "Marseille (commune 13055)"),
                         ("Producteur", "Métropole d’Aix-Marseille-Provence")]:
        row = main.locator("tr", has=page.locator("th", has_text=re.compile(f"^{label}$")))
        expect(row).to_contain_text(value)
    expect(page.locator(".secondary")).to_contain_text("Licence Ouverte")
    screenshot("dataset-page")
    assert_french(page)
    assert page.outside_requests == [], "the page made the browser call another site"


def test_visitor_cannot_open_a_private_dataset(portal, organization, page):
    hidden = portal.create_dataset(organization, name="brouillon-prive", private=True,
                                   title="Brouillon privé")

    response = page.goto(f"/dataset/{hidden['name']}")

    assert response.status == 404
    expect(page.locator(".main")).to_contain_text(
        "Jeu de données introuvable, ou vous n’avez pas le droit de le voir")
    expect(page.locator("body")).not_to_contain_text("Brouillon privé")


def fill_dataset_form(page, title: str) -> None:
    page.fill("#field-title", title)
    page.fill("#field-notes", "Calendrier et points de collecte des encombrants, "
                              "mis à jour chaque mois par la direction de la propreté.")
    choose(page, "field-theme", "Environnement")
    choose(page, "field-private", "Publique")
    choose(page, "field-diffusion", "Public : tout le monde voit et télécharge")
    choose(page, "field-license_id", "Licence Ouverte / Open Licence version 2.0 (Etalab)")
    choose(page, "field-spatial_granularity", "Communale")
    choose(page, "field-spatial_zones", "Marseille (commune 13055)")
    choose(page, "field-frequency", "mensuel")
    page.fill("#field-issued", "2024-03-01")
    # A repeating group, added with its "Ajouter" button (none in a new form).
    add_group(page, "Couverture temporelle")
    page.fill("#field-temporal_coverage-0-start", "2023-01-01")
    page.fill("#field-temporal_coverage-0-end", "2023-12-31")


def add_group(page, label: str) -> None:
    block = page.locator(".form-group, .control-group").filter(
        has=page.locator("label", has_text=re.compile(f"^\\*?\\s*{label}")))
    block.locator("a[name=repeating-add]").first.click()


def test_steward_creates_a_dataset_through_the_form(portal, organization, steward, page,
                                                    screenshot):
    login(page, steward)
    page.goto("/dataset/new")
    expect(page.locator(".stages .active")).to_contain_text("Créer le jeu de données")
    # "License": in the names of licences (Open Database License…).
    assert_french(page, ".main form", ignore=["license"])
    fill_dataset_form(page, "Collecte des encombrants")
    screenshot("form-top", full_page=False)
    page.locator("button[name=save]").click()

    # Second stage: the first resource.
    expect(page).to_have_url(re.compile(r"/dataset/collecte-des-encombrants/resource/new$"))
    ckan_ready(page)
    screenshot("resource-form", full_page=False)
    page.get_by_role("link", name="Lien").or_(page.get_by_role("button", name="Lien")).first.click()
    page.fill("#field-resource-url", "https://donnees.example.org/encombrants.csv")
    page.fill("#field-name", "Calendrier")
    page.locator("button[name=save][value=go-metadata]").click()

    expect(page.locator(".main article h1")).to_have_text("Collecte des encombrants")
    screenshot("created")
    created = portal.action("package_show", {"id": "collecte-des-encombrants"})
    assert created["state"] == "active" and created["private"] is False
    assert created["owner_org"] == organization["id"]
    assert created["creator_user_id"] == steward.id
    assert created["diffusion"] == "public"
    assert created["theme"] == [EU + "data-theme/ENVI"]
    assert created["spatial_zones"] == ["fr:commune:13055"]
    assert created["license_id"] == "lov2"
    assert created["temporal_coverage"] == [{"start": "2023-01-01", "end": "2023-12-31"}]
    assert [(r["url"], r["format"]) for r in created["resources"]] == [
        ("https://donnees.example.org/encombrants.csv", "CSV")]   # guessed from the URL
    # Groups the steward did not add are not stored as empty entries.
    for field in ("publisher", "creator", "spatial_coverage", "qualified_relation",
                  "qualified_attribution", "provenance_activity"):
        assert not created.get(field), (field, created.get(field))


def test_form_without_required_fields_is_refused_in_french(portal, steward, page,
                                                           screenshot):
    login(page, steward)
    page.goto("/dataset/new")
    page.fill("#field-title", "Jeu incomplet")
    page.locator("button[name=save]").click()

    errors = page.locator(".error-explanation")
    expect(errors).to_be_visible()
    screenshot("refused", full_page=False)
    expect(errors).to_contain_text("Description")
    assert_french(page, ".error-explanation")
    status, answer = portal.call_action("package_show", {"id": "jeu-incomplet"})
    assert status == 404, answer

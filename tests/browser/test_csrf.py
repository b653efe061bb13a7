"""CSRF protection of every form of the make-run stack, extensions included
(``ckan.csrf_protection.ignore_extensions = false`` in portal.ini), checked
in a real browser: the forms still work, and a POST without the token is
refused. The dataset form is exercised by test_dataset_pages.py."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from support.browser import assert_french, login, logout

@pytest.fixture(scope="module")
def organization(portal):
    return portal.create_organization("metropole-amp")


@pytest.fixture(scope="module")
def source(portal, organization):
    """A harvest source (made through the API: its form is tested below)."""
    return portal.action("harvest_source_create", {
        "name": "catalogue-region", "title": "Catalogue de la Région",
        "url": f"{portal.url}/catalog.ttl", "source_type": "dcat_rdf",
        "owner_org": organization["id"], "frequency": "MANUAL"})


def csrf_token(page) -> tuple[str, str]:
    """(field name, token) as CKAN puts them in every page's <head>."""
    name = page.locator("meta[name=csrf_field_name]").get_attribute("content")
    return name, page.locator(f"meta[name='{name}']").get_attribute("content")


def test_extension_blueprints_are_not_exempted(portal):
    assert "Extensions are excluded from CSRF protection" not in portal.log_path.read_text()


def test_extension_post_without_token_is_refused(portal, source, page):
    login(page, portal.admin)          # a session cookie: what CSRF is about
    page.goto(f"/harvest/admin/{source['name']}")
    field = csrf_token(page)[0]

    for path in ("/harvest/refresh/{id}", "/harvest/clear/{id}"):
        url = path.format(id=source["id"])
        refused = page.request.post(url, form={}, max_redirects=0)
        forged = page.request.post(url, form={field: "forged"}, max_redirects=0)
        assert refused.status == 400, (url, refused.text()[:500])
        assert "CSRF" in refused.text()
        assert forged.status == 400, url
    assert portal.action("harvest_job_list", {"source_id": source["id"]}) == []


def test_login_and_logout_forms(portal, page):
    user = portal.create_user()
    login(page, user)
    logout(page)
    page.goto("/dashboard/datasets")
    expect(page).to_have_url(re.compile(r"/user/login"))


def test_login_with_a_wrong_password_is_refused_in_french(portal, page):
    user = portal.create_user()
    with pytest.raises(AssertionError, match="Mauvais login ou mot de passe"):
        login(page, user, "pas-le-bon-mot-de-passe")
    expect(page.locator(".account.not-authed")).to_be_visible()


def test_organisation_form(portal, page, screenshot):
    login(page, portal.admin)
    page.goto("/organization/new")
    page.fill("#field-title", "Syndicat mixte du bassin de l’Huveaune")
    page.locator("#field-kind").select_option("syndicat_mixte")
    page.fill("#field-siret", "251 300 596 00011")
    page.fill("#field-contact_email", "contact@huveaune.example.org")
    screenshot("organisation-form", full_page=False)
    page.locator("form.dataset-form button[name=save]").click()

    expect(page).to_have_url(re.compile(r"/organization/syndicat-mixte-du-bassin-de-l-huveaune$"))
    created = portal.action("organization_show", {"id": "syndicat-mixte-du-bassin-de-l-huveaune"})
    assert created["siret"] == "25130059600011"
    assert created["contact_email"] == "contact@huveaune.example.org"


def test_organisation_form_refuses_a_bad_siret_in_french(portal, page):
    login(page, portal.admin)
    page.goto("/organization/new")
    page.fill("#field-title", "Organisme au SIRET faux")
    page.fill("#field-siret", "20005480700011")
    page.locator("form.dataset-form button[name=save]").click()

    expect(page.locator(".error-explanation")).to_contain_text("clé de contrôle")
    status, _answer = portal.call_action("organization_show", {"id": "organisme-au-siret-faux"})
    assert status == 404


def test_harvest_source_form(portal, organization, page, screenshot):
    login(page, portal.admin)
    page.goto("/harvest/new")
    page.fill("#field-url", "https://www.datasud.fr/catalog.ttl")
    page.fill("#field-title", "DataSud")
    page.locator("input[name=source_type][value=dcat_rdf]").check()
    page.locator("#field-frequency").select_option("MANUAL")
    screenshot("harvest-form", full_page=False)
    page.locator("form#source-new [name=save]").click()

    expect(page).to_have_url(re.compile(r"/harvest/datasud$"))
    # Its edit form opens too (it has the delete buttons).
    assert page.goto("/harvest/edit/datasud").status == 200
    expect(page.locator("form#source-new #field-url")).to_have_value(
        "https://www.datasud.fr/catalog.ttl")
    created = portal.action("harvest_source_show", {"id": "datasud"})
    assert created["url"] == "https://www.datasud.fr/catalog.ttl"
    assert created["source_type"] == "dcat_rdf"
    assert created["owner_org"] == organization["id"]


def confirm(page) -> None:
    """Accept CKAN's confirm-action dialog (it posts a form with the token)."""
    dialog = page.locator(".modal.show")
    expect(dialog).to_be_visible()
    dialog.locator(".btn-primary").click()


def test_harvest_job_buttons(portal, source, page, screenshot):
    login(page, portal.admin)
    admin_page = f"/harvest/admin/{source['name']}"

    # Reharvest: a new job.
    page.goto(admin_page)
    page.locator(f"a[href$='/harvest/refresh/{source['id']}']").click()
    confirm(page)
    expect(page.locator(".flash-messages, .alert").first).to_be_visible()
    jobs = portal.action("harvest_job_list", {"source_id": source["id"]})
    # Sent to the gather queue; no consumer runs here, so it stays running.
    assert [job["status"] for job in jobs] == ["Running"]

    # Stop: shown while the job runs.
    page.goto(admin_page)
    screenshot("harvest-admin-running", full_page=False)
    page.locator("a[href*='/abort']").click()
    expect(page.locator(".flash-messages, .alert").first).to_be_visible()
    job = portal.action("harvest_job_show", {"id": jobs[0]["id"]})
    assert job["status"] == "Finished"

    # Clear: the jobs and datasets of the source go.
    page.goto(admin_page)
    page.locator(f"a[href$='/harvest/clear/{source['id']}']").click()
    confirm(page)
    expect(page.locator(".flash-messages, .alert").first).to_be_visible()
    assert portal.action("harvest_job_list", {"source_id": source["id"]}) == []


def test_follow_button(portal, organization, page):
    """An htmx POST of CKAN core (the token travels in a header)."""
    dataset = portal.create_dataset(organization, name="suivi-des-crues")
    user = portal.create_user()
    login(page, user)
    page.goto(f"/dataset/{dataset['name']}")

    page.locator("#package-info").get_by_text("S'abonner").click()

    # (CKAN's htmx answer lands inside the old box: two #package-info.)
    expect(page.locator("#package-info").last).to_contain_text("Se désabonner")
    assert portal.action("am_following_dataset", {"id": dataset["id"]}, user=user) is True
    assert_french(page, "#package-info >> nth=-1")

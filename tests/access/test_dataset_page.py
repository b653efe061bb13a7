"""The page of a restricted record whose data the visitor may not have."""
from __future__ import annotations

import pytest

from ckan.tests import factories, helpers

PLUGINS = "amp_search activity amp_access amp_schema scheming_datasets scheming_organizations"
SECRET = "https://partenaire.example/volumes-secrets.csv"

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", PLUGINS),
    pytest.mark.usefixtures("with_plugins", "access_db", "clean_index"),
]


@pytest.fixture
def restricted():
    sysadmin = factories.Sysadmin()
    org = factories.Organization()
    dataset = helpers.call_action(
        "package_create", context={"user": sysadmin["name"]}, name="volumes-captages",
        title="Volumes des captages", notes="Volumes produits par captage.", owner_org=org["id"],
        diffusion="restricted", diffusion_basis="commercial_secret", license_id="amp-parties",
        resources=[{"url": SECRET, "format": "CSV", "name": "Volumes"}])
    return dataset


def test_anonymous_sees_the_page_without_the_data(app, restricted):
    page = app.get(f"/dataset/{restricted['name']}")
    assert page.status_code == 200
    assert "Volumes des captages" in page.body
    assert "Accès sur demande" in page.body
    assert SECRET not in page.body


def test_the_api_still_refuses_the_views_of_withheld_data(app, restricted):
    response = app.get("/api/action/resource_view_list",
                       params={"id": restricted["resources"][0]["id"]}, status=403)
    assert response.json["success"] is False

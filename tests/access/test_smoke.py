"""amp_access loads with the portal's plugins and withholds restricted data."""
from __future__ import annotations

import pytest

from ckan.tests import factories, helpers

PLUGINS = "amp_search activity amp_access amp_schema scheming_datasets scheming_organizations"

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", PLUGINS),
    pytest.mark.usefixtures("with_plugins", "access_db", "clean_index"),
]


def test_restricted_record_is_listed_but_its_data_is_withheld(app):
    sysadmin = factories.SysadminWithToken()
    org = factories.Organization()
    dataset = helpers.call_action(
        "package_create", context={"user": sysadmin["name"]}, name="captages", title="Captages",
        notes="Volumes produits par captage, moyennes journalières.", owner_org=org["id"],
        diffusion="restricted", diffusion_basis="commercial_secret", license_id="amp-parties",
        resources=[{"url": "https://partenaire.example/secret.csv", "format": "CSV", "name": "Volumes"}])
    shown = app.get("/api/action/package_show", params={"id": dataset["id"]}).json["result"]
    assert shown["resources"][0]["url"] == ""
    found = app.get("/api/action/package_search", params={"q": "captages"}).json["result"]
    assert found["count"] == 1
    assert found["results"][0]["resources"][0]["url"] == ""
    admin_view = app.get("/api/action/package_show", params={"id": dataset["id"]},
                         headers={"Authorization": sysadmin["token"]}).json["result"]
    assert admin_view["resources"][0]["url"] == "https://partenaire.example/secret.csv"

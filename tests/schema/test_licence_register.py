"""CKAN reads the extended licence registry as its licence register: the
``license_list`` API answers with it, Licence Ouverte 2.0 first with its
French title, and CKAN's notion of an open licence agrees with ours."""
from __future__ import annotations

import pytest

from ckanext.amp.common.licences import load_registry

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins",
                            "amp_search amp_schema scheming_datasets scheming_organizations"),
    pytest.mark.usefixtures("with_plugins"),
]


def test_license_list_api_serves_the_registry_lov2_first(app):
    response = app.get("/api/3/action/license_list")
    assert response.status_code == 200, response.body
    licences = response.json["result"]
    registry = load_registry()
    assert [licence["id"] for licence in licences] == [licence.id for licence in registry]
    first = licences[0]
    assert first["id"] == "lov2"
    assert first["title"] == "Licence Ouverte / Open Licence version 2.0 (Etalab)"
    # CKAN passes our keys through untouched
    assert first["decree"] is True and first["levels"] == ["public"]
    assert first["spdx"] == "etalab-2.0"
    parties = next(licence for licence in licences if licence["id"] == "amp-parties")
    assert parties["title"] == "Usage réservé aux parties de la convention"
    assert parties["levels"] == ["restricted"] and parties["eu_uri"] is None


def test_ckan_and_the_registry_agree_on_open_licences():
    from ckan import model

    register = model.Package.get_license_register()
    registry = load_registry()
    assert list(register.keys()) == [licence.id for licence in registry]
    for licence in registry:
        assert register[licence.id].isopen() is licence.open, licence.id
        assert register[licence.id].title == licence.title

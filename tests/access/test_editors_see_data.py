"""Whoever may edit a restricted dataset gets its data in search results,
though not a member of its organisation (an admin of a parent organisation,
an editor collaborator); whoever may not, does not (members, users of no
organisation). package_search answers it for each result without asking
CKAN's auth when CKAN's rule surely refuses (permissions.could_edit)."""
from __future__ import annotations

import pytest

from ckan import model
from ckan.tests import factories, helpers

PLUGINS = "amp_search activity amp_access amp_schema scheming_datasets scheming_organizations"
SECRET = "https://partenaire.example/releves-forages.csv"

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", PLUGINS),
    pytest.mark.usefixtures("with_plugins", "access_db", "clean_index"),
]


def _restricted(owner_org: str) -> dict:
    sysadmin = factories.Sysadmin()
    return helpers.call_action(
        "package_create", context={"user": sysadmin["name"]}, name="releves-forages",
        title="Relevés des forages", notes="Relevés mensuels des forages.", owner_org=owner_org,
        diffusion="restricted", diffusion_basis="commercial_secret", license_id="amp-parties",
        resources=[{"url": SECRET, "format": "CSV", "name": "Relevés"}])


def _found_url(app, user: dict) -> str:
    found = app.get("/api/action/package_search", params={"q": "forages"},
                    headers={"Authorization": user["token"]}).json["result"]
    assert found["count"] == 1
    return found["results"][0]["resources"][0]["url"]


def test_admin_of_a_parent_organisation_gets_the_data_a_member_of_it_does_not(app):
    admin, member = factories.UserWithToken(), factories.UserWithToken()
    parent = factories.Organization(users=[{"name": admin["name"], "capacity": "admin"},
                                           {"name": member["name"], "capacity": "member"}])
    child = factories.Organization()
    # CKAN's hierarchy: the child's member row names its parent.
    model.Session.add(model.Member(group=model.Group.get(child["id"]), table_id=parent["id"],
                                   table_name="group", capacity="parent", state="active"))
    model.Session.commit()
    _restricted(child["id"])
    assert _found_url(app, admin) == SECRET
    assert _found_url(app, member) == ""


@pytest.mark.ckan_config("ckan.auth.allow_dataset_collaborators", "true")
def test_an_editor_collaborator_gets_the_data_a_member_collaborator_does_not(app):
    editor, reader = factories.UserWithToken(), factories.UserWithToken()
    dataset = _restricted(factories.Organization()["id"])
    for user, capacity in ((editor, "editor"), (reader, "member")):
        helpers.call_action("package_collaborator_create", id=dataset["id"],
                            user_id=user["id"], capacity=capacity)
    assert _found_url(app, editor) == SECRET
    assert _found_url(app, reader) == ""


def test_a_user_of_no_organisation_does_not_get_the_data(app):
    _restricted(factories.Organization()["id"])
    assert _found_url(app, factories.UserWithToken()) == ""

"""The « Validation des données » tab of the dashboards: resources valid,
invalid, pending and not checked per organisation, the invalid ones with
their error counts, the CSV export, and who may see them."""
from __future__ import annotations

import csv
import io

import pytest

from ckan.tests import factories, helpers

from support import scdl_files
from support.data import dataset_fields

PLUGINS = ("amp_search amp_schema amp_dashboard amp_validation scheming_datasets "
           "scheming_organizations")

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", PLUGINS),
    pytest.mark.usefixtures("with_plugins", "validation_db"),
]


def auth(user):
    return {"Authorization": user["token"]}


@pytest.fixture
def world(create_with_upload, run_worker):
    sysadmin = factories.SysadminWithToken()
    editor = factories.UserWithToken()
    member = factories.UserWithToken()
    other_editor = factories.UserWithToken()
    water = factories.Organization(name="eau", title="Régie de l’eau", users=[
        {"name": editor["name"], "capacity": "editor"},
        {"name": member["name"], "capacity": "member"}])
    transport = factories.Organization(name="transports", title="Régie des transports", users=[
        {"name": other_editor["name"], "capacity": "editor"}])

    def dataset(org, name, user, **fields):
        return helpers.call_action("package_create", context={"user": user["name"]},
                                   **dataset_fields(org, name=name, resources=[], **fields))

    def add(ds, user, content, name, **fields):
        return create_with_upload(content, f"{name}.csv", context={"user": user["name"]},
                                  package_id=ds["id"], url=f"{name}.csv", name=name,
                                  format="CSV", **fields)

    grants = dataset(water, "subventions-eau", editor, conforms_to=[scdl_files.SCHEMA_URL])
    add(grants, editor, scdl_files.valid_csv(), "valide")
    bad = add(grants, editor, scdl_files.invalid_csv(), "fautif")
    add(grants, editor, scdl_files.valid_csv(), "version-inconnue",
        conforms_to=["https://schema.data.gouv.fr/schemas/scdl/subventions/9.9.9/schema.json"])
    plain = dataset(water, "releves", editor)
    add(plain, editor, b"a,b\n1,2\n", "sans-schema")
    other = dataset(transport, "subventions-transports", other_editor,
                    conforms_to=[scdl_files.SCHEMA_URL])
    add(other, other_editor, scdl_files.latin1_csv(), "latin1")
    run_worker()
    add(grants, editor, scdl_files.valid_csv(), "en-attente")  # queued, not run
    return {"sysadmin": sysadmin, "editor": editor, "member": member,
            "other_editor": other_editor, "bad": bad}


def test_counts_per_organisation_and_invalid_list(app, world):
    figures = helpers.call_action("amp_dashboard_validation",
                                  context={"user": world["editor"]["name"]})
    assert figures["enabled"]
    (water,) = figures["organizations"]  # the editor's organisation only
    assert {k: water[k] for k in ("valid", "invalid", "pending", "not_checked", "total",
                                  "no_schema")} == {
        "valid": 1, "invalid": 1, "pending": 1, "not_checked": 1, "total": 4, "no_schema": 1}
    (invalid,) = figures["invalid"]
    assert (invalid["resource_id"], invalid["error_count"]) == (world["bad"]["id"], 4)
    everything = helpers.call_action("amp_dashboard_validation",
                                     context={"user": world["sysadmin"]["name"]})
    assert everything["totals"]["invalid"] == 2
    assert [i["resource_name"] for i in everything["invalid"]] == ["fautif", "latin1"]

    response = app.get("/dashboards/validation", headers=auth(world["editor"]))
    page = response.body
    assert "Conformité des fichiers à leur schéma" in page
    assert 'class="nav-link active" href="/dashboards/validation' in page
    assert f'data-resource="{world["bad"]["id"]}" data-errors="4"' in page
    assert 'data-organization="eau"' in page and 'data-organization="transports"' not in page
    assert '<td data-bucket="pending">1</td>' in page


def test_csv_exports(app, world):
    response = app.get("/dashboards/validation.csv", headers=auth(world["sysadmin"]))
    assert response.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Organisation", "Jeu de données", "Ressource"]
    assert sorted(r[2] for r in rows[1:]) == ["fautif", "latin1"]
    assert {r[2]: r[5] for r in rows[1:]} == {"fautif": "4", "latin1": "1"}
    by_org = app.get("/dashboards/validation.csv?table=organizations&organization=eau",
                     headers=auth(world["editor"]))
    rows = list(csv.reader(io.StringIO(by_org.data.decode("utf-8-sig"))))
    assert rows == [["Organisation", "Valide", "Non valide", "Contrôle en cours", "Non contrôlé",
                     "Déclarant un schéma", "Sans schéma"],
                    ["Régie de l’eau", "1", "1", "1", "1", "4", "1"]]


def test_who_may_see_the_tab(app, world):
    assert app.get("/dashboards/validation", status=403).status_code == 403
    assert app.get("/dashboards/validation.csv", status=403).status_code == 403
    assert app.get("/dashboards/validation", headers=auth(world["member"]),
                   status=403).status_code == 403
    # An editor of another organisation: not this one's figures.
    assert app.get("/dashboards/validation?organization=eau",
                   headers=auth(world["other_editor"]), status=403).status_code == 403
    assert app.get("/dashboards/validation.csv?organization=eau",
                   headers=auth(world["other_editor"]), status=403).status_code == 403
    with pytest.raises(Exception) as refused:
        helpers.call_action("amp_validation_summary",
                            context={"user": world["other_editor"]["name"], "ignore_auth": False},
                            organization_ids=["eau"])
    assert "NotAuthorized" in type(refused.value).__name__
    own = app.get("/dashboards/validation", headers=auth(world["other_editor"])).body
    assert 'data-organization="transports"' in own and 'data-organization="eau"' not in own

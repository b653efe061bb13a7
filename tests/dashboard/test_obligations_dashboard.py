"""The obligations dashboard through real CKAN (amp_search on PostgreSQL,
the amp schema): which priority datasets each organisation publishes (by
SCDL schema or by the steward's flag), which are missing, which are fresh;
who sees what (private datasets only for those who may see them); the CSV;
the link from a missing obligation to the prefilled new-dataset form."""
from __future__ import annotations

import csv
import io
import urllib.parse
from dataclasses import dataclass
from typing import Any

import pytest
from bs4 import BeautifulSoup

from ckan.tests import factories, helpers

from support.dashboard import FREQ, PLUGINS, auth, create, days_ago

SCDL = "https://schema.data.gouv.fr/schemas/scdl/{}/2.1.0/schema.json"

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", PLUGINS),
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index"),
]


@dataclass
class World:
    sysadmin: dict[str, Any]
    editor: dict[str, Any]
    member: dict[str, Any]
    other_editor: dict[str, Any]
    commune: dict[str, Any]
    syndicat: dict[str, Any]


@pytest.fixture
def world() -> World:
    sysadmin = factories.SysadminWithToken()
    editor = factories.UserWithToken()
    member = factories.UserWithToken()
    other_editor = factories.UserWithToken()
    commune = factories.Organization(name="commune-aubagne", title="Commune d’Aubagne", users=[
        {"name": editor["name"], "capacity": "editor"},
        {"name": member["name"], "capacity": "member"},
        {"name": other_editor["name"], "capacity": "member"}])
    syndicat = factories.Organization(name="syndicat-eau", title="Syndicat de l’eau", users=[
        {"name": other_editor["name"], "capacity": "editor"}])
    # commune: a fresh budget (SCDL), late deliberations (SCDL), building
    # permits flagged by the steward and private, a dataset of no obligation.
    create(sysadmin, commune, "budget-primitif", conforms_to=[SCDL.format("budget")],
           frequency=FREQ + "ANNUAL", modified=days_ago(30))
    create(sysadmin, commune, "deliberations-conseil",
           conforms_to=["https://schema.data.gouv.fr/scdl/deliberations/"],
           frequency=FREQ + "MONTHLY", modified=days_ago(200))
    create(sysadmin, commune, "permis-construire", obligation="permis_construire",
           frequency=FREQ + "MONTHLY", modified=days_ago(3), private=True)
    create(sysadmin, commune, "points-apport-verre", frequency=FREQ + "MONTHLY",
           modified=days_ago(3))
    # syndicat: a private subsidies dataset without a frequency (not judged).
    create(sysadmin, syndicat, "subventions-associations", conforms_to=[SCDL.format("subventions")],
           frequency="", private=True)
    return World(sysadmin, editor, member, other_editor, commune, syndicat)


def obligations(app, user, **params):
    answer = app.post("/api/action/amp_dashboard_obligations", json=params,
                      headers=auth(user)).json
    assert answer.get("success"), answer
    return answer["result"]


def statuses(org_figures):
    return {item["code"]: item["status"] for item in org_figures["obligations"]}


def test_present_missing_and_fresh_per_organisation(app, world):
    result = obligations(app, world.editor)
    assert [org["name"] for org in result["organizations"]] == ["commune-aubagne"]
    commune = result["organizations"][0]
    assert statuses(commune) == {
        "budget": "fresh", "deliberations": "late", "subventions": "missing", "plu": "missing",
        "assainissement": "missing", "permis_construire": "fresh", "marches_publics": "missing",
        "transport": "missing"}
    assert commune["counts"] == {"fresh": 2, "not_judged": 0, "late": 1, "missing": 5}
    by_code = {item["code"]: item for item in commune["obligations"]}
    assert [d["name"] for d in by_code["budget"]["datasets"]] == ["budget-primitif"]
    late = by_code["deliberations"]["datasets"][0]
    assert late["state"] == "late" and late["days_late"] > 100
    # The editor sees the private, flagged dataset of their organisation.
    assert by_code["permis_construire"]["datasets"][0]["private"] is True
    assert by_code["budget"]["label"] == "Budgets" and by_code["budget"]["tier"] == "priority"
    # The new-dataset query of a missing obligation carries its schema.
    query = by_code["subventions"]["new_dataset"]
    assert query["conforms_to"] == "https://schema.data.gouv.fr/scdl/subventions/"
    assert query["owner_org"] == world.commune["id"] and query["license_id"] == "lov2"


def test_a_sysadmin_sees_every_organisation(app, world):
    result = obligations(app, world.sysadmin)
    assert {org["name"] for org in result["organizations"]} == {"commune-aubagne",
                                                                "syndicat-eau"}
    syndicat = next(o for o in result["organizations"] if o["name"] == "syndicat-eau")
    assert statuses(syndicat)["subventions"] == "not_judged"
    assert result["totals"] == {"fresh": 2, "not_judged": 1, "late": 1, "missing": 12}
    budget = next(item for item in result["obligations"] if item["code"] == "budget")
    assert budget["counts"] == {"fresh": 1, "not_judged": 0, "late": 0, "missing": 1}
    one = obligations(app, world.sysadmin, organization="syndicat-eau")
    assert [org["name"] for org in one["organizations"]] == ["syndicat-eau"]


def test_anonymous_members_and_other_organisations_are_refused(app, world):
    app.post("/api/action/amp_dashboard_obligations", json={}, status=403)
    app.get("/dashboards/obligations", status=403)
    app.get("/dashboards/obligations.csv", status=403)
    for user in (world.member,):
        app.post("/api/action/amp_dashboard_obligations", json={}, headers=auth(user),
                 status=403)
        app.get("/dashboards/obligations", headers=auth(user), status=403)
    # An editor of another organisation, member only of the commune: the
    # commune is out of their scope, and its private datasets out of sight.
    app.post("/api/action/amp_dashboard_obligations", json={"organization": "commune-aubagne"},
             headers=auth(world.other_editor), status=403)
    app.get("/dashboards/obligations?organization=commune-aubagne",
            headers=auth(world.other_editor), status=403)
    result = obligations(app, world.other_editor)
    assert [org["name"] for org in result["organizations"]] == ["syndicat-eau"]
    page = app.get("/dashboards/obligations", headers=auth(world.other_editor)).body
    assert "subventions-associations" in page
    assert "permis-construire" not in page and "Commune d’Aubagne" not in page


def test_a_resource_s_schema_counts_and_a_deleted_dataset_does_not(app, world):
    """The figures are read from the database (action.package_rows and the
    resources' extras): a schema claimed by a resource only fulfils the
    obligation, a deleted dataset fulfils nothing."""
    dataset = create(world.sysadmin, world.commune, "subventions-2025",
                     frequency=FREQ + "ANNUAL", modified=days_ago(10),
                     resources=[{"url": "https://files.example.org/subventions-2025.csv",
                                 "name": "CSV", "format": "CSV",
                                 "conforms_to": [SCDL.format("subventions")]}])
    assert statuses(obligations(app, world.editor)["organizations"][0])["subventions"] == "fresh"
    helpers.call_action("package_delete", context={"user": world.sysadmin["name"]},
                        id=dataset["id"])
    commune = obligations(app, world.editor)["organizations"][0]
    assert statuses(commune)["subventions"] == "missing"
    assert statuses(commune)["budget"] == "fresh"


def test_the_page_lists_and_links_a_missing_obligation_to_the_prefilled_form(app, world):
    page = BeautifulSoup(app.get("/dashboards/obligations", headers=auth(world.editor)).body,
                         "html.parser")
    assert "Obligations de publication" in page.find("h1").text
    row = page.select_one("tr[data-obligation='subventions']")
    assert row["data-status"] == "missing" and "Manquant" in row.text
    link = row.select_one("a.amp-obligation-create")["href"]
    path, _, query = link.partition("?")
    assert path == "/dataset/new"
    params = urllib.parse.parse_qs(query)
    assert params["conforms_to"] == ["https://schema.data.gouv.fr/scdl/subventions/"]
    assert params["obligation"] == ["subventions"] and params["owner_org"] == [world.commune["id"]]
    assert "Publié et à jour" in page.select_one("tr[data-obligation='budget']").text
    assert page.select_one("canvas#amp-obligations-chart")["data-amp-chart"]
    # The form CKAN serves at that address is prefilled.
    form = BeautifulSoup(app.get(link, headers=auth(world.editor)).body, "html.parser")
    assert form.select_one("input[name='conforms_to']")["value"] == \
        "https://schema.data.gouv.fr/scdl/subventions/"
    assert form.select_one("select[name='license_id'] option[selected]")["value"] == "lov2"
    assert form.select_one("select[name='frequency'] option[selected]")["value"] == \
        FREQ + "ANNUAL"
    assert form.select_one("select[name='obligation'] option[selected]")["value"] == \
        "subventions"
    assert form.select_one("select[name='owner_org'] option[selected]")["value"] == \
        world.commune["id"]


def test_the_page_lists_five_datasets_per_obligation_the_csv_all(app, world):
    for number in range(6):
        create(world.sysadmin, world.commune, f"budget-annexe-{number}",
               conforms_to=[SCDL.format("budget")], frequency=FREQ + "ANNUAL",
               modified=days_ago(10 + number))
    page = BeautifulSoup(app.get("/dashboards/obligations", headers=auth(world.editor)).body,
                         "html.parser")
    row = page.select_one("tr[data-obligation='budget']")
    assert len(row.select("li[data-dataset]")) == 5
    assert "et 2 autres jeux de données (dans le CSV)" in row.text
    body = app.get("/dashboards/obligations.csv", headers=auth(world.editor)).body
    budget = next(r for r in csv.reader(io.StringIO(body.lstrip("\ufeff"))) if r[1] == "budget")
    assert budget[6] == "7" and len(budget[7].split()) == 7


def test_csv_export(app, world):
    body = app.get("/dashboards/obligations.csv", headers=auth(world.editor)).body
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0][:3] == ["Organisation", "obligation", "Obligation"]
    assert len(rows) == 1 + 8
    by_code = {row[1]: row for row in rows[1:]}
    assert by_code["budget"][4] == "fresh" and by_code["budget"][6] == "1"
    assert by_code["budget"][7] == "budget-primitif"
    assert by_code["transport"][4] == "missing" and by_code["transport"][5] == "Manquant"


def test_the_steward_flags_a_dataset_through_the_schema_field(app, world):
    dataset = create(world.sysadmin, world.commune, "plan-local-urbanisme", obligation="PLU",
                     frequency=FREQ + "IRREG", modified=days_ago(700))
    assert dataset["obligation"] == "plu"
    assert statuses(obligations(app, world.editor)["organizations"][0])["plu"] == "fresh"
    with pytest.raises(Exception) as caught:
        create(world.sysadmin, world.commune, "autre", obligation="cantine")
    assert "obligation" in str(caught.value)

"""amp_dashboard through real CKAN (amp_search on PostgreSQL, the amp
schema): the home page and identity, the dataset list's facets in French,
the quality-band filter, the freshness and quality dashboards (who sees
what, figures, CSV)."""
from __future__ import annotations

import csv
import re
import io
from dataclasses import dataclass
from typing import Any

import pytest

from ckan.tests import factories, helpers

from ckanext.amp.common import freshness

from support.dashboard import FREQ, PLUGINS, auth, create, days_ago

THEME = "http://publications.europa.eu/resource/authority/data-theme/"

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", PLUGINS),
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index"),
]


@dataclass
class World:
    sysadmin: dict[str, Any]
    editor: dict[str, Any]
    member: dict[str, Any]
    outsider: dict[str, Any]
    water: dict[str, Any]
    transport: dict[str, Any]


@pytest.fixture
def world() -> World:
    sysadmin = factories.SysadminWithToken()
    editor = factories.UserWithToken()
    member = factories.UserWithToken()
    outsider = factories.UserWithToken()
    water = factories.Organization(name="eau", title="Régie de l’eau", users=[
        {"name": editor["name"], "capacity": "editor"},
        {"name": member["name"], "capacity": "member"}])
    transport = factories.Organization(name="transports", title="Régie des transports")
    # eau: one on time, one a little late, one very late, one irregular.
    create(sysadmin, water, "releves-compteurs", frequency=FREQ + "MONTHLY", modified=days_ago(5))
    create(sysadmin, water, "qualite-eau", frequency=FREQ + "MONTHLY", modified=days_ago(40),
           theme=["HEAL", "ENVI"])
    create(sysadmin, water, "captages", frequency=FREQ + "WEEKLY", modified=days_ago(400))
    create(sysadmin, water, "travaux-reseau", frequency=FREQ + "IRREG", modified=days_ago(900),
           notes="Court.", resources=[], tag_string="", theme=[], spatial_zones=[],
           temporal_coverage=[])
    # transports: late, under another organisation.
    create(sysadmin, transport, "horaires-bus", frequency=FREQ + "DAILY", modified=days_ago(30),
           theme=["TRAN"], hvd_category=["http://data.europa.eu/bna/c_ac64a52d"])
    return World(sysadmin, editor, member, outsider, water, transport)


def test_home_page_and_dataset_list_for_a_visitor(app, world):
    for user in (world.editor, world.member):  # "most used": by followers (no tracking)
        helpers.call_action("follow_dataset", context={"user": user["name"]}, id="captages")
    helpers.call_action("follow_dataset", context={"user": world.member["name"]}, id="horaires-bus")
    page = app.get("/", headers={"Accept-Language": "fr"}).body

    assert "Bienvenue sur CKAN" not in page and "420 x 220" not in page
    assert "ckan-logo" not in page.split("<header", 1)[1].split("</header>", 1)[0]
    assert "/amp-dashboard/mdata-logo.svg" in page
    assert "MData" in page and "Métropole Aix-Marseille-Provence" in page
    assert 'action="/dataset/"' in page and 'name="q"' in page
    # The 13 EU themes, with their counts.
    assert page.count('class="amp-theme') >= 13
    assert "Environnement" in page and "Transports" in page
    assert f'href="/dataset/?vocab_theme={THEME}ENVI"' in page
    envi = re.search(r'data-theme="ENVI">(.*?)</li>', page, re.S).group(1)
    assert "3 jeux de données" in envi  # releves, qualite-eau, captages
    # Latest datasets, most used datasets and organisations.
    assert "horaires bus" in page and "Régie de l’eau" in page
    popular = page.split('class="col-md-6 amp-popular"', 1)[1].split("</section>", 1)[0]
    assert popular.index("captages") < popular.index("horaires bus")
    assert "qualite eau" not in popular
    assert "<strong>2</strong> organisations" in page
    assert app.get("/amp-dashboard/mdata-logo.svg").headers["Content-Type"].startswith("image/svg")

    # The dataset list offers the French facets, values with their labels.
    page = app.get("/dataset/").body
    for title in ("Thèmes", "Territoires", "Niveau de diffusion", "Catégorie de données de forte valeur",
                  "Fréquence de mise à jour", "Qualité des métadonnées"):
        assert title in page, title
    for label in ("Santé", "Marseille", "Public", "mensuel", "hebdomadaire", "Bonne (75 à 100)",
                  "Géospatiales"):
        assert f'class="item-label">{label}' in page, label
    assert 'class="item-label">http' not in page and 'class="item-label">fr:' not in page
    assert "?quality_band=" in page or "&amp;quality_band=" in page

    # The quality band: a facet and a filter (a range on the score), in the API too.
    result = helpers.call_action("package_search", q="*:*", rows=100,
                                 **{"facet.field": ["quality_band"]})
    bands = {item["name"]: item["count"] for item in result["search_facets"]["quality_band"]["items"]}
    assert sum(bands.values()) == 5 and bands.get("very_low", 0) + bands.get("low", 0) >= 1
    scores = {d["name"]: d["quality_score"] for d in result["results"]}
    for band, count in bands.items():
        found = helpers.call_action("package_search", q="*:*", fq=f'quality_band:"{band}"', rows=100)
        assert found["count"] == count
    low = helpers.call_action("package_search", q="*:*", fq='+(quality_band:"very_low" OR quality_band:"low")')
    assert {d["name"] for d in low["results"]} == {n for n, s in scores.items() if s < 50}
    page = app.get("/dataset/?quality_band=high").body
    assert "travaux reseau" not in page


@pytest.mark.ckan_config("ckanext.amp.portal.name", "DataSud test")
@pytest.mark.ckan_config("ckanext.amp.portal.logo", "")
@pytest.mark.ckan_config("ckanext.amp.portal.intro", "Bienvenue sur **notre** portail.")
def test_operator_sets_name_logo_and_introduction(app):
    page = app.get("/").body
    assert "DataSud test" in page and "mdata-logo.svg" not in page
    assert "<strong>notre</strong>" in page


def test_environment_variables_set_the_identity_options():
    from ckanext.amp.dashboard import helpers as dashboard_helpers

    config: dict[str, str] = {}
    dashboard_helpers.apply_environment(config, {"CKANEXT__AMP__PORTAL__NAME": "Autre",
                                                 "CKANEXT__AMP__PORTAL__OWNER": ""})
    assert config == {"ckanext.amp.portal.name": "Autre"}


def test_freshness_dashboard_and_who_sees_it(app, world):
    figures = app.post("/api/action/amp_dashboard_freshness", json={},
                       headers=auth(world.editor)).json["result"]

    assert figures["total"] == 4  # the editor's organisation only
    assert [o["name"] for o in figures["organizations"]] == ["eau"]
    assert [d["name"] for d in figures["late"]] == ["captages", "qualite-eau"]
    assert figures["late"][0]["days_late"] > figures["late"][1]["days_late"]
    assert figures["distribution"] == {"on_time": 1, "late_1": 1, "late_3": 0, "late_more": 1,
                                       "unscheduled": 1, "no_frequency": 0, "no_date": 0}
    page = app.get("/dashboards/freshness", headers=auth(world.editor)).body
    assert "Fraîcheur des jeux de données" in page and "data-amp-chart=" in page
    assert page.index('data-dataset="captages"') < page.index('data-dataset="qualite-eau"')
    assert "horaires bus" not in page
    rows = list(csv.reader(io.StringIO(
        app.get("/dashboards/freshness.csv", headers=auth(world.editor)).body.lstrip("\ufeff"))))
    assert rows[0][2] == "Jeux de données" and len(rows) == 1 + len(freshness.BUCKETS)
    assert {row[0]: int(row[2]) for row in rows[1:]} == figures["distribution"]

    # A sysadmin sees every organisation; nobody else but editors and admins.
    figures = app.post("/api/action/amp_dashboard_freshness", json={},
                       headers=auth(world.sysadmin)).json["result"]
    assert figures["total"] == 5 and [d["name"] for d in figures["late"]] == [
        "captages", "horaires-bus", "qualite-eau"]
    only = app.post("/api/action/amp_dashboard_freshness", json={"organization": "transports"},
                    headers=auth(world.sysadmin)).json["result"]
    assert only["total"] == 1
    # The editor of eau asks for transports; a member, an outsider, an anonymous visitor.
    app.post("/api/action/amp_dashboard_freshness", json={"organization": "transports"},
             headers=auth(world.editor), status=403)
    for user in (world.member, world.outsider):
        app.post("/api/action/amp_dashboard_quality", json={}, headers=auth(user), status=403)
        app.get("/dashboards/quality", headers=auth(user), status=403)
    app.get("/dashboards/freshness", status=403)
    assert "Tableaux de bord" in app.get("/", headers=auth(world.editor)).body
    assert "Tableaux de bord" not in app.get("/", headers=auth(world.member)).body


def test_quality_dashboard_shows_the_distribution_and_how_to_fix_the_lowest(app, world):
    figures = app.post("/api/action/amp_dashboard_quality", json={},
                       headers=auth(world.editor)).json["result"]

    assert figures["total"] == 4 and sum(figures["histogram"]) == 4
    assert sum(figures["bands"].values()) == 4
    lowest = figures["lowest"][0]
    assert lowest["name"] == "travaux-reseau"
    assert [d["score"] for d in figures["lowest"]] == sorted(d["score"] for d in figures["lowest"])
    assert {"description", "resources_available", "themes"} <= {c["code"] for c in lowest["missing"]}
    page = app.get("/dashboards/quality", headers=auth(world.editor)).body
    assert "Qualité des métadonnées" in page
    assert "Décrivez le contenu, la méthode de production et les limites des données." in page
    rows = list(csv.reader(io.StringIO(
        app.get("/dashboards/quality.csv", headers=auth(world.editor)).body.lstrip("\ufeff"))))
    assert rows[1][0] == "0-9" and sum(int(r[1]) for r in rows[1:]) == 4

"""The usage dashboard through real CKAN (amp_search on PostgreSQL, CKAN's
own ``tracking`` plugin): views and downloads recorded through the tracking
endpoint (``POST /_tracking``, what tracking.js sends), summed by the real
``ckan tracking update``, then counted by ``amp_dashboard_usage`` and shown
on ``/dashboards/usage`` with its CSV; who sees what; the reuses; the home
page's "most used"."""
from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa

from ckan import model
from ckan.tests import factories, helpers

from ckanext.amp.common import usage
from ckanext.tracking.cli.tracking import tracking as tracking_command

from support.data import dataset_fields

PLUGINS = ("amp_search tracking amp_schema amp_dashboard scheming_datasets "
           "scheming_organizations")

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", PLUGINS),
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index"),
]


@pytest.fixture
def clean_db(reset_db, migrate_db_for):
    """CKAN's reset drops every table the first time: tracking's and
    amp_dashboard's come back through their migrations; their rows go."""
    reset_db()
    migrate_db_for("tracking")
    migrate_db_for("amp_dashboard")
    model.Session.execute(sa.text(
        "TRUNCATE tracking_raw, tracking_summary, amp_dashboard_reuse"))
    model.Session.commit()


@dataclass
class World:
    sysadmin: dict[str, Any]
    editor: dict[str, Any]
    member: dict[str, Any]
    bus_editor: dict[str, Any]
    datasets: dict[str, dict[str, Any]]


def auth(user):
    return {"Authorization": user["token"]}


@pytest.fixture
def world() -> World:
    sysadmin = factories.SysadminWithToken()
    editor = factories.UserWithToken()
    member = factories.UserWithToken()
    bus_editor = factories.UserWithToken()
    water = factories.Organization(name="eau", title="Régie de l’eau", users=[
        {"name": editor["name"], "capacity": "editor"},
        {"name": member["name"], "capacity": "member"}])
    transport = factories.Organization(name="transports", title="Régie des transports", users=[
        {"name": bus_editor["name"], "capacity": "editor"}])
    datasets = {}
    for org, name, extra in [
            (water, "captages", {"resources": [
                {"url": "https://example.org/captages.csv", "format": "csv", "name": "Captages"}]}),
            (water, "releves", {"resources": [
                {"url": "releves.csv", "url_type": "upload", "format": "csv",
                 "name": "Relevés"}]}),
            (water, "travaux", {}),
            (transport, "horaires-bus", {}),
            (transport, "secret-bus", {"private": True})]:
        datasets[name] = helpers.call_action(
            "package_create", context={"user": sysadmin["name"]},
            **dataset_fields(org, name=name, title=name.replace("-", " ").capitalize(), **extra))
    return World(sysadmin, editor, member, bus_editor, datasets)


def track(app, url: str, kind: str, visitors: int) -> None:
    """``visitors`` distinct visitors (their user agent) post what
    tracking.js posts for a page view or a download (the test client sets no
    peer address; a server does, and tracking reads it)."""
    for number in range(visitors):
        answer = app.post("/_tracking", data={"url": url, "type": kind},
                          headers={"User-Agent": f"Navigateur/{number}", "Accept-Language": "fr"},
                          environ_overrides={"REMOTE_ADDR": "127.0.0.1"})
        # amp_dashboard answers at once (no CSRF token: tracking.js sends none).
        assert answer.status_code == 204 and not answer.body


def months_ago(months: int) -> dt.datetime:
    """Mid-month, ``months`` calendar months back."""
    start = usage.month_starts(dt.date.today(), months + 1)[0]
    return dt.datetime.combine(start + dt.timedelta(days=14), dt.time(12))


def tracking_update(cli, since: dt.date) -> None:
    """``ckan tracking update <since>`` (the command group itself: the test
    ini's plugin list, which the ``ckan`` group reads, has no tracking)."""
    result = cli.invoke(tracking_command, ["update", since.isoformat()])
    assert result.exit_code == 0, result.output


def record_usage(app, cli, world) -> str:
    """Today's visits through the endpoint, two older months in SQL (the
    endpoint stamps the time of the request), then ``ckan tracking update``."""
    captages = world.datasets["captages"]
    releves = world.datasets["releves"]
    download = releves["resources"][0]["url"]  # CKAN's download address of the upload
    assert usage.resource_id_of(download) == releves["resources"][0]["id"]
    track(app, "/dataset/captages", "page", 3)
    track(app, "/dataset/releves", "page", 1)
    track(app, "/dataset/horaires-bus", "page", 2)
    track(app, "/dataset/secret-bus", "page", 9)
    track(app, "https://example.org/captages.csv", "resource", 2)
    track(app, download, "resource", 1)
    track(app, f"/dataset/captages/resource/{captages['resources'][0]['id']}", "page", 1)
    assert model.Session.execute(sa.text("SELECT count(*) FROM tracking_raw")).scalar() == 19
    for months, visitors in ((1, 4), (2, 1)):
        for number in range(visitors):
            model.Session.execute(sa.text(
                "INSERT INTO tracking_raw (user_key, url, tracking_type, access_timestamp) "
                "VALUES (:key, '/dataset/captages', 'page', :at)"),
                {"key": f"ancien-{months}-{number}", "at": months_ago(months)})
    model.Session.commit()
    tracking_update(cli, months_ago(2).date() - dt.timedelta(days=1))
    return download


def usage_of(app, user, **params):
    return app.post("/api/action/amp_dashboard_usage", json=params,
                    headers=auth(user)).json["result"]


def test_views_and_downloads_by_month_for_an_editor(app, cli, world):
    record_usage(app, cli, world)
    figures = usage_of(app, world.editor)

    assert figures["tracking"] is True and figures["in_scope"] == 3  # eau only
    assert len(figures["months"]) == 12 and figures["months"][-1] == usage.month_key(dt.date.today())
    assert figures["views"][-1] == 4 and figures["views"][-2] == 4 and figures["views"][-3] == 1
    assert figures["downloads"][-1] == 3 and sum(figures["downloads"]) == 3
    assert figures["total_views"] == 9
    assert figures["trend"]["views"]["direction"] in ("up", "new")
    by_name = {d["name"]: d for d in figures["datasets"]}
    assert list(by_name) == ["captages", "releves"]  # travaux: not used
    assert by_name["captages"]["views"] == 8 and by_name["captages"]["downloads"] == 2
    assert by_name["captages"]["monthly_views"][-3:] == [1, 4, 3]
    assert by_name["releves"]["downloads"] == 1
    resources = {r["dataset_name"]: r for r in figures["resources"]}
    assert resources["captages"]["downloads"] == 2 and resources["captages"]["views"] == 1
    assert resources["releves"]["downloads"] == 1  # an upload, by its download address
    assert "horaires-bus" not in by_name and "secret-bus" not in by_name

    # The page, in French, and the numbers behind the plot as CSV.
    page = app.get("/dashboards/usage", headers=dict(auth(world.editor),
                                                     **{"Accept-Language": "fr"})).body
    assert "Utilisation des jeux de données" in page and 'id="amp-usage-chart"' in page
    assert 'data-total-views="9"' in page and 'data-dataset="captages"' in page
    assert "secret bus" not in page.lower() and "horaires" not in page.lower()
    rows = list(csv.reader(io.StringIO(app.get(
        "/dashboards/usage.csv", headers=auth(world.editor)).body.lstrip("\ufeff"))))
    assert rows[0] == ["Mois", "Consultations", "Téléchargements"] and len(rows) == 13
    assert rows[-1] == [figures["months"][-1], "4", "3"]
    assert sum(int(row[1]) for row in rows[1:]) == 9
    rows = list(csv.reader(io.StringIO(app.get(
        "/dashboards/usage.csv?table=datasets", headers=auth(world.editor)).body.lstrip("\ufeff"))))
    assert rows[0][:2] == ["Jeu de données", "Titre du jeu de données"] and len(rows) == 1 + 2 * 12
    assert {row[0] for row in rows[1:]} == {"captages", "releves"}
    assert sum(int(row[4]) for row in rows[1:] if row[0] == "captages") == 8
    rows = list(csv.reader(io.StringIO(app.get(
        "/dashboards/usage.csv?table=resources", headers=auth(world.editor)).body.lstrip("\ufeff"))))
    assert sum(int(row[5]) for row in rows[1:]) == 3


def test_who_sees_the_usage_and_what_is_counted(app, cli, world):
    record_usage(app, cli, world)

    # A sysadmin: every organisation, the private dataset included.
    everything = usage_of(app, world.sysadmin)
    assert everything["in_scope"] == 5 and everything["total_views"] == 9 + 2 + 9
    assert everything["datasets"][0]["name"] == "secret-bus"
    # The editor of transports: theirs (their private dataset too), not eau's.
    theirs = usage_of(app, world.bus_editor)
    assert theirs["in_scope"] == 2 and theirs["total_views"] == 11
    app.post("/api/action/amp_dashboard_usage", json={"organization": "eau"},
             headers=auth(world.bus_editor), status=403)
    app.get("/dashboards/usage?organization=eau", headers=auth(world.bus_editor), status=403)
    # A member (not editor) of eau, an anonymous visitor: refused.
    app.post("/api/action/amp_dashboard_usage", json={}, headers=auth(world.member), status=403)
    app.get("/dashboards/usage", headers=auth(world.member), status=403)
    app.get("/dashboards/usage", status=403)
    app.get("/dashboards/usage.csv", status=403)
    app.post("/api/action/amp_dashboard_usage", json={}, status=403)

    # The private dataset is counted only for whoever may see it.
    only_transports = usage_of(app, world.sysadmin, organization="transports")
    assert only_transports["total_views"] == 11
    model.Session.execute(sa.text("DELETE FROM member WHERE table_id = :u"),
                          {"u": model.User.get(world.bus_editor["name"]).id})
    model.Session.commit()
    app.post("/api/action/amp_dashboard_usage", json={}, headers=auth(world.bus_editor),
             status=403)

    # "Most used" on the home page: by recent views now that tracking is
    # loaded, and never a dataset the visitor may not see.
    popular = app.get("/", headers={"Accept-Language": "fr"}).body.split(
        'class="col-md-6 amp-popular"', 1)[1].split("</section>", 1)[0]
    assert "Secret bus" not in popular
    assert popular.index("Captages") < popular.index("Horaires bus") < popular.index("Releves")
    assert "Travaux" not in popular  # never viewed: not "most used"


def test_reuses_are_recorded_by_editors_and_counted(app, cli, world):
    record_usage(app, cli, world)
    for name, url in (("captages", "https://example.org/carte"),
                      ("captages", "https://example.org/article"),
                      ("releves", "https://example.org/appli")):
        app.post("/api/action/amp_dashboard_reuse_create",
                 json={"package_id": name, "title": f"Réutilisation de {name}", "url": url},
                 headers=auth(world.editor))
    # Twice the same address; not an address; someone else's dataset.
    app.post("/api/action/amp_dashboard_reuse_create",
             json={"package_id": "captages", "title": "Encore", "url": "https://example.org/carte"},
             headers=auth(world.editor), status=409)
    app.post("/api/action/amp_dashboard_reuse_create",
             json={"package_id": "captages", "title": "Sans adresse", "url": "ailleurs"},
             headers=auth(world.editor), status=409)
    app.post("/api/action/amp_dashboard_reuse_create",
             json={"package_id": "captages", "title": "Pirate", "url": "https://example.org/x"},
             headers=auth(world.bus_editor), status=403)
    listed = app.post("/api/action/amp_dashboard_reuse_list",
                      json={"package_id": "captages"}).json["result"]
    assert {r["url"] for r in listed} == {"https://example.org/carte", "https://example.org/article"}
    app.post("/api/action/amp_dashboard_reuse_list", json={"package_id": "secret-bus"}, status=403)

    figures = usage_of(app, world.editor)
    assert figures["total_reuses"] == 3
    assert [(d["name"], d["reuses"]) for d in figures["most_reused"]] == [
        ("captages", 2), ("releves", 1)]
    assert {d["name"]: d["reuses"] for d in figures["datasets"]} == {"captages": 2, "releves": 1}
    page = app.get("/dashboards/usage", headers=auth(world.editor)).body
    assert 'data-total-reuses="3"' in page
    rows = list(csv.reader(io.StringIO(app.get(
        "/dashboards/usage.csv?table=reuses", headers=auth(world.editor)).body.lstrip("\ufeff"))))
    assert rows[1][0] == "captages" and rows[1][3] == "2"
    assert usage_of(app, world.bus_editor)["total_reuses"] == 0

    app.post("/api/action/amp_dashboard_reuse_delete", json={"id": listed[0]["id"]},
             headers=auth(world.bus_editor), status=403)
    app.post("/api/action/amp_dashboard_reuse_delete", json={"id": listed[0]["id"]},
             headers=auth(world.editor))
    assert usage_of(app, world.editor)["total_reuses"] == 2

"""The usage dashboard in a real browser, on a portal with the plugins of
`make run`: visitors open dataset pages and download a file, CKAN's
tracking.js records it (``POST /_tracking``), ``ckan tracking update`` sums
it, and the editor reads the usage tab, whose time series Chart.js draws
(the canvas holds pixels), with the numbers and their CSV."""
from __future__ import annotations

import datetime as dt
import time

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from ckanext.amp.common import usage

from support.browser import assert_french, canvas_colours, login

CSV = "compteur;date;volume\nC1;2026-01-01;12\n".encode()

#: Visits of earlier months, straight into tracking_raw (the endpoint stamps
#: the time of the request): months back -> visitors of the meters' page.
EARLIER = {1: 6, 2: 4, 3: 5, 5: 2}


@pytest.fixture(scope="module")
def usage_world(portal):
    editor = portal.create_user("camille-roux", fullname="Camille Roux")
    organization = portal.create_organization("regie-eau-usage", title="Régie de l’eau",
                                              members=[(editor, "editor")])
    meters = portal.create_dataset(organization, name="releves-compteurs",
                                   title="Relevés des compteurs", resources=[])
    response = portal.request(
        "POST", "/api/3/action/resource_create", token=portal.token,
        data={"package_id": meters["id"], "name": "Relevés 2026", "format": "CSV"},
        files={"upload": ("releves.csv", CSV, "text/csv")})
    assert response.status_code == 200, response.text[:2000]
    portal.create_dataset(organization, name="captages-nappe", title="Captages de la nappe")
    return editor, portal.action("package_show", {"id": meters["id"]})


def raw_rows(portal) -> list[tuple]:
    engine = sa.create_engine(portal.sqlalchemy_url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(sa.text(
                "SELECT url, tracking_type FROM tracking_raw ORDER BY url"))]
    finally:
        engine.dispose()


def add_earlier_visits(portal) -> None:
    engine = sa.create_engine(portal.sqlalchemy_url)
    try:
        with engine.begin() as connection:
            for months, visitors in EARLIER.items():
                day = usage.month_starts(dt.date.today(), months + 1)[0] + dt.timedelta(days=9)
                for number in range(visitors):
                    connection.execute(sa.text(
                        "INSERT INTO tracking_raw (user_key, url, tracking_type, access_timestamp)"
                        " VALUES (:key, '/dataset/releves-compteurs', 'page', :at)"),
                        {"key": f"earlier-{months}-{number}",
                         "at": dt.datetime.combine(day, dt.time(10))})
    finally:
        engine.dispose()


def visit(page, path: str) -> None:
    """Open ``path`` and wait for tracking.js's POST (not for its answer:
    the script gives up after 300 ms, which a loaded machine may exceed; the
    server records the visit all the same)."""
    with page.expect_request(lambda r: r.url.endswith("/_tracking") and r.method == "POST"):
        page.goto(path)


def wait_for_rows(portal, count: int) -> list[tuple]:
    deadline = time.monotonic() + 30
    while True:
        rows = raw_rows(portal)
        if len(rows) >= count or time.monotonic() > deadline:
            return rows
        time.sleep(0.3)


def test_visits_are_recorded_and_the_editor_reads_the_usage(portal, usage_world, new_page,
                                                            screenshot):
    editor, meters = usage_world
    resource = meters["resources"][0]
    # Three visitors (three browsers) on the meters' page, one on the other;
    # the first downloads the file from the resource's page.
    for number in range(3):
        visitor = new_page(user_agent=f"Mozilla/5.0 (visiteur {number}) Chromium")
        visit(visitor, "/dataset/releves-compteurs")
        if number == 0:
            visit(visitor, f"/dataset/releves-compteurs/resource/{resource['id']}")
            link = visitor.locator("a.resource-url-analytics[href*='/download/']").first
            with visitor.expect_request(lambda r: r.url.endswith("/_tracking")):
                with visitor.expect_download():
                    link.click()
            visit(visitor, "/dataset/captages-nappe")
        assert visitor.outside_requests == []
        # A download ends its navigation ("request failed"); nothing else fails.
        assert [e for e in visitor.js_errors if "/download/" not in e] == []
    recorded = wait_for_rows(portal, 6)
    assert recorded.count(("/dataset/releves-compteurs", "page")) == 3
    assert ("/dataset/captages-nappe", "page") in recorded
    assert [url for url, kind in recorded if kind == "resource"] == [resource["url"]]
    add_earlier_visits(portal)
    since = usage.month_starts(dt.date.today(), max(EARLIER) + 1)[0]
    portal.ckan("tracking", "update", since.isoformat())

    page = new_page()
    login(page, editor)
    page.goto("/dashboards/freshness")
    page.click(".nav-tabs >> text=Utilisation")
    expect(page.locator("h1")).to_contain_text("Utilisation des jeux de données")
    expect(page.locator("#amp-usage-chart[data-amp-chart-ready]")).to_be_attached()
    assert canvas_colours(page, "#amp-usage-chart") > 5
    months = page.locator(".amp-usage-months tbody tr")
    expect(months).to_have_count(12)
    this_month = months.last
    expect(this_month.locator("td").nth(0)).to_have_text("4")  # 3 + 1 visitors today
    expect(this_month.locator("td").nth(1)).to_have_text("1")  # the download
    first = page.locator(".amp-usage-datasets tbody tr").first
    expect(first).to_have_attribute("data-dataset", "releves-compteurs")
    expect(first).to_have_attribute("data-views", str(3 + sum(EARLIER.values())))
    expect(page.locator(".amp-usage-resources")).to_contain_text("Relevés 2026")
    screenshot("usage", page=page)
    assert_french(page, ".amp-dashboard", ignore=["CSV"])

    link = page.locator("a", has_text="Télécharger en CSV").get_attribute("href")
    answer = page.request.get(link)  # with the page's session cookie
    assert answer.ok and answer.headers["content-type"].startswith("text/csv")
    lines = answer.text().lstrip("\ufeff").splitlines()
    assert lines[0] == "Mois,Consultations,Téléchargements" and len(lines) == 13
    assert lines[-1] == f"{usage.month_key(dt.date.today())},4,1"
    assert page.js_errors == [] and page.outside_requests == []

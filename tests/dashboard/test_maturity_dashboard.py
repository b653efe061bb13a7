"""The open-data maturity self-assessment through real CKAN: an
organisation's editors and admins submit the checklist (API and the
CSRF-protected form), every submission is kept with its date, author and
score (table amp_maturity_assessment, migrated by amp_dashboard's alembic
scripts), the page shows the latest and the history; others are refused."""
from __future__ import annotations

import csv
import io
import re

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from ckan import model
from ckan.tests import factories

from ckanext.amp.common import maturity

from support.dashboard import PLUGINS, auth

PASSWORD = "Mot-de-passe-2026"

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", PLUGINS),
    pytest.mark.usefixtures("with_plugins", "maturity_db"),
]


@pytest.fixture
def maturity_db(clean_db, migrate_db_for):
    # clean_db drops every table on its first call: amp_dashboard's migration
    # recreates its own (the table is outside CKAN's metadata: emptied here).
    migrate_db_for("amp_dashboard")
    model.Session.execute(sa.text("TRUNCATE amp_maturity_assessment"))
    model.Session.commit()
    yield
    model.Session.rollback()


@pytest.fixture
def people():
    admin = factories.UserWithToken(fullname="Nora Admin")
    editor = factories.UserWithToken(fullname="Léo Éditeur", password=PASSWORD)
    member = factories.UserWithToken()
    outsider = factories.UserWithToken()
    org = factories.Organization(name="commune-cassis", title="Commune de Cassis", users=[
        {"name": admin["name"], "capacity": "admin"},
        {"name": editor["name"], "capacity": "editor"},
        {"name": member["name"], "capacity": "member"}])
    other = factories.Organization(name="commune-la-ciotat", users=[
        {"name": outsider["name"], "capacity": "editor"}])
    return {"admin": admin, "editor": editor, "member": member, "outsider": outsider,
            "org": org, "other": other, "sysadmin": factories.SysadminWithToken()}


def answers(yes: int) -> dict[str, str]:
    return {item.code: "yes" if index < yes else "no" for index, item in
            enumerate(maturity.ITEMS)}


def submit(app, user, org="commune-cassis", status=200, **data):
    data.setdefault("answers", answers(8))
    return app.post("/api/action/amp_dashboard_maturity_submit",
                    json={"organization": org, **data}, headers=auth(user), status=status).json


def show(app, user, org="commune-cassis", status=200):
    return app.post("/api/action/amp_dashboard_maturity_show", json={"organization": org},
                    headers=auth(user), status=status).json


def test_submissions_are_kept_with_date_author_and_score(app, people):
    empty = show(app, people["editor"])["result"]
    assert empty["latest"] is None and empty["history"] == [] and empty["count"] == 0
    assert [t["code"] for t in empty["checklist"]["themes"]][0] == "pilotage"
    assert sum(len(t["questions"]) for t in empty["checklist"]["themes"]) == 32

    first = submit(app, people["editor"], answers=answers(8),
                   comments={"engagement_politique": "Délibération du 12 mars."})["result"]
    assert first["score"] == 25 and first["author"] == people["editor"]["name"]
    second = submit(app, people["admin"], answers=answers(24))["result"]
    assert second["score"] == 75

    result = show(app, people["editor"])["result"]
    assert result["count"] == 2
    assert result["latest"]["id"] == second["id"]
    assert [item["score"] for item in result["history"]] == [75, 25]
    assert result["history"][1]["comments"] == {"engagement_politique": "Délibération du 12 mars."}
    assert result["history"][1]["author_display_name"] == "Léo Éditeur"
    assert result["history"][0]["submitted"] >= result["history"][1]["submitted"]
    assert result["latest"]["theme_scores"]["pilotage"] == 100
    rows = model.Session.execute(sa.text(
        "SELECT score, checklist FROM amp_maturity_assessment ORDER BY submitted")).all()
    assert [tuple(row) for row in rows] == [(25, maturity.CHECKLIST_VERSION),
                                            (75, maturity.CHECKLIST_VERSION)]


def test_an_incomplete_assessment_is_refused_in_french(app, people):
    partial = answers(3)
    del partial["plan_suivi"]
    error = submit(app, people["editor"], answers=partial, status=409)["error"]
    assert error["__type"] == "Validation Error"
    assert error["plan_suivi"] and "Répondez à chaque question (1 sans réponse)" in str(error)
    assert show(app, people["editor"])["result"]["count"] == 0


def test_who_may_submit_and_read(app, people):
    app.post("/api/action/amp_dashboard_maturity_show", json={"organization": "commune-cassis"},
             status=403)
    app.post("/api/action/amp_dashboard_maturity_submit",
             json={"organization": "commune-cassis", "answers": answers(1)}, status=403)
    for user in ("member", "outsider"):
        show(app, people[user], status=403)
        submit(app, people[user], status=403)
    app.get("/dashboards/maturity", status=403)
    app.get("/dashboards/maturity", headers=auth(people["member"]), status=403)
    app.get("/dashboards/maturity?organization=commune-cassis",
            headers=auth(people["outsider"]), status=403)
    app.get("/dashboards/maturity.csv?organization=commune-cassis",
            headers=auth(people["outsider"]), status=403)
    # A sysadmin reads and submits for any organisation.
    submit(app, people["sysadmin"], org="commune-la-ciotat")
    assert show(app, people["sysadmin"], org="commune-la-ciotat")["result"]["count"] == 1
    assert show(app, people["outsider"], org="commune-la-ciotat")["result"]["count"] == 1


def _csrf(page: str) -> dict[str, str]:
    field = BeautifulSoup(page, "html.parser").select_one("input[name=_csrf_token]")
    return {"_csrf_token": field["value"]}


def test_the_form_is_csrf_protected_and_keeps_the_history(app, people):
    # One client logged in through the login form, as a browser is (session cookie).
    browser = app.test_client()
    browser.post("/user/login", data={**_csrf(browser.get("/user/login").body),
                                      "login": people["editor"]["name"], "password": PASSWORD},
                 status=302, follow_redirects=False)
    page = browser.get("/dashboards/maturity").body
    assert "Maturité open data" in page and "Aucune évaluation" in page
    soup = BeautifulSoup(page, "html.parser")
    assert len(soup.select("form.amp-maturity-form input[type=radio][value=yes]")) == 32
    assert soup.select_one("form.amp-maturity-form input[name=_csrf_token]")
    form = {"organization": "commune-cassis"}
    form.update({f"answer-{code}": value for code, value in answers(16).items()})
    form["comment-implication"] = "Deux agents à mi-temps."
    # Without the token: refused.
    browser.post("/dashboards/maturity", data=form, status=400, follow_redirects=False)
    # With it, an incomplete form comes back with a French message and the answers kept.
    incomplete = dict(form, **_csrf(page))
    del incomplete["answer-outils_partage"]
    again = browser.post("/dashboards/maturity", data=incomplete, status=200).body
    assert "Répondez à chaque question (1 sans réponse)" in again
    soup = BeautifulSoup(again, "html.parser")
    assert soup.select_one("#answer-engagements_clairs-yes").has_attr("checked")
    assert soup.select_one("#comment-implication")["value"] == "Deux agents à mi-temps."
    assert "Répondez à cette question" in soup.select_one("[data-item=outils_partage]").text
    assert show(app, people["editor"])["result"]["count"] == 0
    # Complete: saved, then shown as the latest, prefilled for the next one.
    browser.post("/dashboards/maturity", data=dict(form, **_csrf(page)), status=302,
                 follow_redirects=False)
    submit(app, people["admin"], answers=answers(32))
    page = browser.get("/dashboards/maturity?organization=commune-cassis").body
    soup = BeautifulSoup(page, "html.parser")
    assert soup.select_one(".amp-maturity-latest")["data-score"] == "100"
    assert "Nora Admin" in soup.select_one(".amp-maturity-latest").text
    assert [row["data-score"] for row in soup.select(".amp-maturity-history tbody tr")] == \
        ["100", "50"]
    assert soup.select_one("canvas#amp-maturity-chart")["data-amp-chart"]
    assert soup.select_one("#answer-outils_partage-yes").has_attr("checked")
    body = browser.get("/dashboards/maturity.csv?organization=commune-cassis").body
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0][:3] == ["Enregistrée le", "Par", "Score"] and len(rows) == 3
    assert [row[2] for row in rows[1:]] == ["50", "100"]
    assert re.match(r"\d{4}-\d\d-\d\dT", rows[1][0])

"""Pages of amp_conventions in French, through CKAN's test client: the
list, a convention's page (whole for the parties, public summary for the
others), the forms with their CSRF token and their French errors, the
link from a dataset's page."""
from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

import datetime as dt

from ckan.tests import helpers

from ckanext.amp.common.conventions import add_months

from conventions_helpers import PASSWORD, PLUGINS, dataset

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", PLUGINS),
    pytest.mark.usefixtures("with_plugins", "clean_index", "french"),
]

URL = "/conventions/SYMCRAU-AMP-2025"
# Pages are requested with API tokens, which a frozen clock would make
# "not yet valid": the convention is dated from today instead.
TODAY = dt.date.today()
NOTIFIED = add_months(TODAY, -8)            # its first delivery was due two months ago
END = add_months(NOTIFIED, 48) - dt.timedelta(days=1)


def fr(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


@pytest.fixture
def symcrau_data(symcrau_data):
    symcrau_data["date_notified"] = NOTIFIED.isoformat()
    return symcrau_data


def get(app, url, user=None, status=200):
    headers = {"Authorization": user["token"]} if user else {}
    return app.get(url, headers=headers, status=status)


def page(app, url, user=None, status=200) -> BeautifulSoup:
    return BeautifulSoup(get(app, url, user, status).body, "html.parser")


def csrf_token(soup: BeautifulSoup) -> str:
    field = soup.select_one("form[method=post] input[name=_csrf_token]")
    assert field is not None, "the form has no CSRF token"
    return field["value"]


def post(app, url, user, data, status=200):
    soup = page(app, url, user)
    return app.post(url, data={"_csrf_token": csrf_token(soup), **data},
                    headers={"Authorization": user["token"]}, status=status,
                    follow_redirects=False)


def test_the_list_shows_state_parties_and_end_date_and_filters(app, symcrau, sysadmin, people):
    helpers.call_action("amp_convention_create", context={"user": sysadmin["name"]},
                        reference="HERAULT-3M-2022", title="Hérault Data", kind="cross_referencing",
                        parties=[{"organization": "montpellier-mediterranee-metropole", "role": "both"},
                                 {"organization": "departement-herault", "role": "both"}])
    soup = page(app, "/conventions", people["amp_admin"])
    assert soup.select_one("h1").get_text(strip=True) == "Conventions de partage de données"
    rows = {row["data-reference"]: row.get_text(" ", strip=True)
            for row in soup.select("tr[data-reference]")}
    assert "En vigueur" in rows["SYMCRAU-AMP-2025"] and fr(END) in rows["SYMCRAU-AMP-2025"]
    assert "SYMCRAU" in rows["SYMCRAU-AMP-2025"]
    # anonymous: the conventions in force only, no draft
    public = page(app, "/conventions")
    assert [r["data-reference"] for r in public.select("tr[data-reference]")] == ["SYMCRAU-AMP-2025"]
    filtered = page(app, "/conventions?state=draft", sysadmin)
    assert [r["data-reference"] for r in filtered.select("tr[data-reference]")] == ["HERAULT-3M-2022"]
    by_party = page(app, "/conventions?party=symcrau&kind=data_exchange", sysadmin)
    assert [r["data-reference"] for r in by_party.select("tr[data-reference]")] == [
        "SYMCRAU-AMP-2025"]
    assert "État inconnu" in page(app, "/conventions?state=perdue", sysadmin).get_text()
    assert soup.select_one("a[href='/conventions']").get_text(strip=True) == "Conventions"


def test_a_party_sees_the_whole_convention(app, symcrau, people, sysadmin, orgs):
    dataset(orgs["metropole-aix-marseille-provence"], sysadmin,
            name="volumes-produits-captages-crau", convention="SYMCRAU-AMP-2025")
    soup = page(app, URL, people["symcrau_member"])
    text = soup.get_text(" ", strip=True)
    for french in ("Parties", "Durée et reconduction", "Reconduite tacitement par périodes de 12 mois, "
                   "3 fois au plus.", "Prochaine reconduction", "Données échangées",
                   "Historique", "Acte d’engagement des tiers", "Comité syndical du SYMCRAU"):
        assert french in text, french
    assert soup.select_one(".amp-end-date").get_text(strip=True) == fr(END)
    volumes = soup.select_one("[data-item=volumes-captages]")
    assert "semestriel" in volumes.get_text()
    assert volumes.select_one("[data-status=late]") is not None
    assert f"attendue le {fr(add_months(NOTIFIED, 6))}" in volumes.get_text()
    assert soup.select_one(".amp-late") is not None
    # what the seed does not say
    piezometry = soup.select_one("[data-item=piezometrie-sondes]")
    assert "« non renseigné »" in piezometry.get_text()
    assert [a.get_text(strip=True) for a in soup.select(".amp-datasets a")] == [
        "Volumes d’eau potable produits par les captages de la nappe de Crau"]
    # a member reads but does not edit
    assert not soup.select("a[href$='/edit']")


def test_others_see_the_public_summary_only(app, symcrau, people):
    soup = page(app, URL)
    text = soup.get_text(" ", strip=True)
    assert "Résumé public d’une convention en vigueur" in text
    assert "Un tiers ne reçoit les données que sur demande expresse" in text
    assert "Acte d’engagement des tiers" not in text
    assert "Données échangées" not in text
    assert page(app, URL, people["region_admin"]).select_one(".amp-timeline") is None


def test_a_draft_is_refused_to_non_parties(app, sysadmin, orgs, people, symcrau_data):
    symcrau_data.pop("date_notified")
    helpers.call_action("amp_convention_create", context={"user": sysadmin["name"]}, **symcrau_data)
    get(app, URL, status=403)
    get(app, URL, people["region_admin"], status=403)
    assert "Non notifiée (brouillon)" in get(app, URL, people["symcrau_member"]).body
    get(app, "/conventions/INCONNUE-1", people["amp_admin"], status=404)


def test_create_through_the_form_with_french_errors(app, orgs, people):
    admin = people["amp_admin"]
    form = {"reference": "SYMCRAU-AMP-2025", "title": "Échange de données SYMCRAU",
            "kind": "data_exchange", "date_notified": NOTIFIED.isoformat(),
            "initial_term_months": "12", "tacit_renewal": "true", "max_renewals": "-1",
            "parties-0-organization": "metropole-aix-marseille-provence", "parties-0-role": "both",
            "parties-1-organization": "symcrau", "parties-1-role": "both",
            "items": "- key: volumes\n  title: Volumes\n  provider: region-sud\n  recipient: symcrau\n"}
    response = post(app, "/conventions/new", admin, form)
    errors = BeautifulSoup(response.body, "html.parser").select_one(".amp-form-errors").get_text()
    assert "Le nombre de reconductions ne peut pas être négatif" in errors
    assert "La donnée désigne « region-sud », qui n’est pas partie à la convention" in errors
    assert get(app, URL, admin, status=404)
    form.update({"max_renewals": "3", "items": form["items"].replace("region-sud",
                                                                      "metropole-aix-marseille-provence")})
    response = post(app, "/conventions/new", admin, form, status=302)
    assert response.headers["Location"].endswith(URL)
    assert "Échange de données SYMCRAU" in get(app, URL, admin).body


def test_a_browser_form_needs_its_csrf_token(app, orgs, people):
    # one client, logged in with the login form as a browser is (session cookie)
    browser = app.test_client()

    def form_token(url):
        return csrf_token(BeautifulSoup(browser.get(url, status=200).body, "html.parser"))

    browser.post("/user/login", data={"_csrf_token": form_token("/user/login"),
                                      "login": people["amp_admin"]["name"],
                                      "password": PASSWORD}, status=302, follow_redirects=False)
    form = {"reference": "CSRF-2025", "title": "Sans jeton", "kind": "data_exchange",
            "parties-0-organization": "metropole-aix-marseille-provence",
            "parties-0-role": "both"}
    browser.post("/conventions/new", data=form, status=400, follow_redirects=False)
    browser.get("/conventions/CSRF-2025", status=404)
    browser.post("/conventions/new", data={"_csrf_token": form_token("/conventions/new"), **form},
                 status=302, follow_redirects=False)
    assert "Sans jeton" in browser.get("/conventions/CSRF-2025", status=200).body


def test_edit_and_record_an_event(app, symcrau, people):
    admin = people["amp_admin"]
    soup = page(app, URL + "/edit", admin)
    assert soup.select_one("input[name=title]")["value"] == symcrau["title"]
    assert "key: volumes-captages" in soup.select_one("textarea[name=items]").get_text()
    fields = {field["name"]: field.get("value", "") for field in soup.select("form input[name]")}
    for select in soup.select("form select[name]"):
        chosen = select.select_one("option[selected]")
        fields[select["name"]] = chosen["value"] if chosen else ""
    for area in soup.select("form textarea[name]"):
        fields[area["name"]] = area.get_text()
    fields["title"] = "Convention SYMCRAU modifiée"
    fields.pop("_csrf_token")
    post(app, URL + "/edit", admin, fields, status=302)
    assert "Convention SYMCRAU modifiée" in get(app, URL, admin).body

    refused = post(app, URL + "/event", admin, {"kind": "resumed", "date": TODAY.isoformat()})
    assert f"La reprise du {fr(TODAY)} ne suit aucune suspension" in refused.body
    post(app, URL + "/event", admin, {"kind": "suspended", "date": TODAY.isoformat(),
                                      "note": "Divergence (art. 8)"}, status=302)
    timeline = page(app, URL, admin).select_one(".amp-timeline").get_text()
    assert "suspension" in timeline and "Divergence (art. 8)" in timeline
    get(app, URL + "/edit", people["symcrau_member"], status=403)
    get(app, URL + "/event", people["region_admin"], status=403)


def test_a_dataset_page_links_to_its_convention(app, symcrau, sysadmin, orgs, people):
    dataset(orgs["metropole-aix-marseille-provence"], sysadmin,
            name="volumes-produits-captages-crau", convention="SYMCRAU-AMP-2025")
    soup = page(app, "/dataset/volumes-produits-captages-crau", people["amp_admin"])
    link = soup.select_one(".amp-dataset-convention a")
    assert link["href"] == URL
    assert "Ce jeu de données relève de la convention" in soup.select_one(
        ".amp-dataset-convention").get_text()

"""The conventions tab of the dashboards (/dashboards/conventions) through
real CKAN, with real conventions (amp_conventions), deliveries and access
requests (amp_access): expected, received and late deliveries per data
item, the late ones the most overdue first, the conventions ending within
90 days, the access requests waiting for a decision, who sees what, the
CSV behind the plot, and the French sentences when amp_conventions or
amp_access is not loaded.

Dates are relative to today, chosen away from the schedules' edges (the
30-day tolerance, the months' lengths)."""
from __future__ import annotations

import copy
import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa

from ckan import model
from ckan.tests import factories, helpers

from ckanext.amp.common.conventions import add_months

from support.data import PARTNER_ORGANIZATIONS, dataset_fields, symcrau_convention

PLUGINS = ("amp_search activity amp_access amp_schema amp_conventions amp_dashboard "
           "scheming_datasets scheming_organizations")
URL = "/dashboards/conventions"

TODAY = dt.date.today()
#: SYMCRAU-AMP-2025 came into force ten and a half months ago.
NOTIFIED = add_months(TODAY, -10) - dt.timedelta(days=15)
DAY = dt.timedelta(days=1)


def month(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


# Each test says its plugins (a module-level ckan_config would win over a
# test's: CKAN applies the closest marks first).
pytestmark = [pytest.mark.usefixtures("with_plugins", "clean_index")]
bundle = pytest.mark.ckan_config("ckan.plugins", PLUGINS)


@dataclass
class World:
    sysadmin: dict[str, Any]
    amp_admin: dict[str, Any]
    amp_editor: dict[str, Any]
    symcrau_admin: dict[str, Any]
    herault_editor: dict[str, Any]
    region_member: dict[str, Any]
    requester: dict[str, Any]
    orgs: dict[str, dict[str, Any]]
    dues: dict[str, list[dt.date]]
    received: list[dt.date]


@pytest.fixture
def tables(clean_db, migrate_db_for):
    migrate_db_for("activity")
    migrate_db_for("amp_access")
    migrate_db_for("amp_conventions")
    from ckanext.amp.conventions import model as convention_tables

    names = ", ".join(t.name for t in convention_tables.metadata.sorted_tables)
    model.Session.execute(sa.text(
        f"TRUNCATE {names}, amp_access_log, amp_grant, amp_access_request, "
        "amp_access_undertaking RESTART IDENTITY CASCADE"))
    model.Session.commit()
    yield
    model.Session.rollback()


def call(user, action, **data):
    return helpers.call_action(action, context={"user": user["name"], "ignore_auth": False},
                               **data)


def member(org, capacity, sysadmin, **fields):
    user = factories.UserWithToken(**fields)
    helpers.call_action("organization_member_create", context={"user": sysadmin["name"]},
                        id=org["id"], username=user["name"], role=capacity)
    return user


def restricted(sysadmin, org, name):
    return helpers.call_action("package_create", context={"user": sysadmin["name"]},
                               **dataset_fields(org, name=name, title=name.replace("-", " "),
                                                diffusion="restricted",
                                                diffusion_basis="commercial_secret",
                                                license_id="amp-parties"))


def ask_access(requester, dataset):
    from ckanext.amp.access.undertaking import operator_undertaking

    current = operator_undertaking()
    return call(requester, "amp_access_request_create", dataset_id=dataset["id"],
                organization="Bureau d’études Hydro-Crau",
                purpose="Modélisation de la recharge de la nappe.",
                intended_diffusion="internal", period_start=TODAY.isoformat(),
                period_end=(TODAY + 60 * DAY).isoformat(), signatory="Jeanne Martin",
                undertaking_accepted=True, undertaking_version=current.version,
                undertaking_sha256=current.sha256)


@pytest.fixture
def world(tables) -> World:
    sysadmin = factories.SysadminWithToken()
    orgs = {name: helpers.call_action("organization_create", context={"user": sysadmin["name"]},
                                      name=name, title=title, siret=siret)
            for name, (title, siret) in PARTNER_ORGANIZATIONS.items()}
    amp, symcrau = orgs["metropole-aix-marseille-provence"], orgs["symcrau"]

    # SYMCRAU-AMP-2025: the volumes every six months (due 4½ months ago,
    # never delivered: late), the probes every quarter (due 7½, 4½ and 1½
    # months ago: on time, 50 days late, missing).
    convention = symcrau_convention(notified=NOTIFIED.isoformat(),
                                    deliberation=add_months(NOTIFIED, -2).isoformat())
    convention["items"][1]["periodicity"] = "QUARTERLY"
    context = {"user": sysadmin["name"]}
    helpers.call_action("amp_convention_create", context=context, **copy.deepcopy(convention))
    deliveries = [("piezometrie-sondes", add_months(NOTIFIED, 1), "received"),
                  ("piezometrie-sondes", add_months(NOTIFIED, 6) + 50 * DAY, "received"),
                  ("volumes-captages", add_months(NOTIFIED, 6) + DAY, "rejected")]
    for item, day, status in deliveries:
        helpers.call_action("amp_delivery_create", context=context, convention="SYMCRAU-AMP-2025",
                            item=item, received=day.isoformat(), status=status)

    # REGION-AMP-2025: its one year ends in 39 days; its one-off report is due in 20.
    helpers.call_action(
        "amp_convention_create", context=context, reference="REGION-AMP-2025",
        title="Observatoire régional de l’eau", kind="open_data_partnership",
        date_notified=(add_months(TODAY, -12) + 40 * DAY).isoformat(),
        initial_term_months=12, tacit_renewal=False,
        parties=[{"organization": "region-sud", "role": "provider"},
                 {"organization": "metropole-aix-marseille-provence", "role": "recipient"}],
        items=[{"key": "bilan", "title": "Bilan annuel de la ressource", "provider": "region-sud",
                "recipient": "metropole-aix-marseille-provence", "periodicity": "NEVER",
                "due_date": (TODAY + 20 * DAY).isoformat()}])
    # HERAULT-3M-2024: between two other organisations, ends in 29 days.
    helpers.call_action(
        "amp_convention_create", context=context, reference="HERAULT-3M-2024",
        title="Hérault Data", kind="cross_referencing",
        date_notified=(add_months(TODAY, -24) + 30 * DAY).isoformat(),
        initial_term_months=24, tacit_renewal=False,
        parties=[{"organization": "montpellier-mediterranee-metropole", "role": "both"},
                 {"organization": "departement-herault", "role": "both"}],
        items=[{"key": "adresses", "title": "Base adresse", "provider": "departement-herault",
                "recipient": "montpellier-mediterranee-metropole", "periodicity": "MONTHLY"}])

    people = World(
        sysadmin=sysadmin,
        amp_admin=member(amp, "admin", sysadmin),
        amp_editor=member(amp, "editor", sysadmin),
        symcrau_admin=member(symcrau, "admin", sysadmin),
        herault_editor=member(orgs["departement-herault"], "editor", sysadmin),
        region_member=member(orgs["region-sud"], "member", sysadmin),
        requester=factories.UserWithToken(fullname="Jeanne Martin"),
        orgs=orgs,
        dues={"volumes-captages": [add_months(NOTIFIED, 6)],
              "piezometrie-sondes": [add_months(NOTIFIED, k) for k in (3, 6, 9)]},
        received=[add_months(NOTIFIED, 1), add_months(NOTIFIED, 6) + 50 * DAY])
    # Access requests: two to the Métropole (one decided), one to the SYMCRAU.
    first = ask_access(people.requester, restricted(sysadmin, amp, "volumes-distribues"))
    second = ask_access(people.requester, restricted(sysadmin, amp, "reseau-eau-potable"))
    call(people.amp_admin, "amp_access_request_decide", id=second["id"], decision="refuse",
         reason="Données en cours de consolidation.")
    ask_access(people.requester, restricted(sysadmin, symcrau, "forages-crau"))
    people.dues["first-request"] = [dt.date.fromisoformat(first["created"][:10])]
    return people


def figures_for(app, user, expect=200, **params):
    answer = app.post("/api/action/amp_dashboard_conventions", json=params,
                      headers={"Authorization": user["token"]}, status=expect).json
    return answer.get("result") or answer.get("error")


@bundle
def test_a_party_sees_expected_received_and_late_deliveries(app, world):
    figures = figures_for(app, world.amp_editor)
    assert figures["conventions_available"] and figures["access_available"]
    assert figures["on"] == TODAY.isoformat()
    assert [c["reference"] for c in figures["conventions"]] == ["REGION-AMP-2025",
                                                                 "SYMCRAU-AMP-2025"]
    items = {(i["convention"], i["key"]): i for i in figures["items"]}
    assert set(items) == {("REGION-AMP-2025", "bilan"), ("SYMCRAU-AMP-2025", "volumes-captages"),
                          ("SYMCRAU-AMP-2025", "piezometrie-sondes")}
    probes = items["SYMCRAU-AMP-2025", "piezometrie-sondes"]["counts"]
    assert (probes["expected"], probes["delivered"], probes["received_late"], probes["late"]) \
        == (3, 2, 1, 1)
    volumes = items["SYMCRAU-AMP-2025", "volumes-captages"]
    assert (volumes["counts"]["expected"], volumes["counts"]["delivered"],
            volumes["counts"]["late"]) == (1, 0, 1)     # the rejected delivery settles nothing
    assert volumes["provider_title"] == "Métropole d’Aix-Marseille-Provence"
    assert volumes["next_due"] == add_months(NOTIFIED, 12).isoformat()
    report = items["REGION-AMP-2025", "bilan"]
    assert report["schedule"] == "one_off" and report["counts"]["expected"] == 0
    assert report["counts"]["pending"] == 1
    assert figures["totals"] == {"expected": 4, "delivered": 2, "received_late": 1, "late": 2,
                                 "due": 0}

    # The late ones, the most overdue first.
    assert [(e["item"], e["due"], e["days_late"]) for e in figures["late"]] == [
        ("volumes-captages", add_months(NOTIFIED, 6).isoformat(),
         (TODAY - add_months(NOTIFIED, 6)).days),
        ("piezometrie-sondes", add_months(NOTIFIED, 9).isoformat(),
         (TODAY - add_months(NOTIFIED, 9)).days)]
    assert figures["late_count"] == 2

    # Ending within 90 days: the Region's convention, not the SYMCRAU's.
    assert [(c["reference"], c["days_left"]) for c in figures["ending_soon"]] == [
        ("REGION-AMP-2025", 39)]
    assert figures["ending_within_days"] == 90

    # The plot: due dates and deliveries (not the rejected one) per month.
    months = {m["month"]: m for m in figures["months"]}
    assert len(months) == 12 and month(TODAY) == figures["months"][-1]["month"]
    expected: dict[str, int] = {}
    for day in world.dues["volumes-captages"] + world.dues["piezometrie-sondes"]:
        expected[month(day)] = expected.get(month(day), 0) + 1
    received: dict[str, int] = {}
    for day in world.received:
        received[month(day)] = received.get(month(day), 0) + 1
    assert {k: m["expected"] for k, m in months.items() if m["expected"]} == expected
    assert {k: m["received"] for k, m in months.items() if m["received"]} == received

    # An editor does not decide on access requests: the tab says so.
    assert figures["requests"] == {"visible": False, "count": 0, "results": []}


@bundle
def test_the_page_in_french(app, world):
    page = app.get(URL, headers={"Authorization": world.amp_editor["token"],
                                 "Accept-Language": "fr"}).body
    assert "Conventions et livraisons" in page
    assert 'class="nav-link active" href="/dashboards/conventions"' in page
    assert "Niveau piézométrique de 14 sondes" in page and "trimestriel" in page
    assert 'data-item="SYMCRAU-AMP-2025/piezometrie-sondes" data-expected="3" data-received="2" ' \
           'data-late="1"' in page
    late = page.split('class="table table-striped amp-late-deliveries"', 1)[1].split("</table>")[0]
    assert late.index("volumes-captages") < late.index("piezometrie-sondes")
    assert "Conventions qui arrivent à échéance dans les 90 jours" in page
    assert 'data-convention="REGION-AMP-2025" data-days-left="39"' in page
    assert "HERAULT-3M-2024" not in page
    assert "vous n’êtes administrateur d’aucune de ces organisations" in page
    assert "Livraisons par mois : attendues et reçues" in page
    assert 'href="/dashboards/conventions.csv"' in page
    assert "data-amp-chart=" in page and "Attendues" in page and "Reçues" in page


@bundle
def test_an_admin_sees_the_pending_requests_addressed_to_the_organisation(app, world):
    requests = figures_for(app, world.amp_admin)["requests"]
    assert requests["visible"] and requests["count"] == 1
    [pending] = requests["results"]
    assert pending["dataset_name"] == "volumes-distribues"
    assert pending["owner_org_title"] == "Métropole d’Aix-Marseille-Provence"
    assert pending["user_display_name"] == "Jeanne Martin"
    assert pending["days_waiting"] == (TODAY - world.dues["first-request"][0]).days
    page = app.get(URL, headers={"Authorization": world.amp_admin["token"]}).body
    assert f'href="/demandes-acces/{pending["id"]}"' in page and "forages-crau" not in page
    # The SYMCRAU's admin: the SYMCRAU's convention and request only.
    figures = figures_for(app, world.symcrau_admin)
    assert [c["reference"] for c in figures["conventions"]] == ["SYMCRAU-AMP-2025"]
    assert [r["dataset_name"] for r in figures["requests"]["results"]] == ["forages-crau"]
    # A sysadmin: every convention and every pending request.
    figures = figures_for(app, world.sysadmin)
    assert [c["reference"] for c in figures["conventions"]] == [
        "HERAULT-3M-2024", "REGION-AMP-2025", "SYMCRAU-AMP-2025"]
    assert [(c["reference"], c["days_left"]) for c in figures["ending_soon"]] == [
        ("HERAULT-3M-2024", 29), ("REGION-AMP-2025", 39)]
    assert figures["requests"]["count"] == 2
    figures = figures_for(app, world.sysadmin, organization="symcrau")
    assert [c["reference"] for c in figures["conventions"]] == ["SYMCRAU-AMP-2025"]
    assert [r["dataset_name"] for r in figures["requests"]["results"]] == ["forages-crau"]


@bundle
def test_who_sees_the_tab(app, world):
    assert app.get(URL, status=403)
    assert app.get(URL + ".csv", status=403)
    for user in (world.region_member, world.requester):
        app.get(URL, headers={"Authorization": user["token"]}, status=403)
        figures_for(app, user, expect=403)
    # An editor elsewhere sees the conventions of their organisation only.
    figures = figures_for(app, world.herault_editor)
    assert [c["reference"] for c in figures["conventions"]] == ["HERAULT-3M-2024"]
    assert {i["convention"] for i in figures["items"]} == {"HERAULT-3M-2024"}
    assert {e["convention"] for e in figures["late"]} == {"HERAULT-3M-2024"}
    app.get(URL + "?organization=symcrau", headers={"Authorization": world.amp_editor["token"]},
            status=403)


@bundle
def test_the_csv_behind_the_plot(app, world):
    answer = app.get(URL + ".csv", headers={"Authorization": world.amp_editor["token"],
                                            "Accept-Language": "fr"})
    assert answer.headers["Content-Type"].startswith("text/csv")
    assert 'filename="livraisons.csv"' in answer.headers["Content-Disposition"]
    text = answer.body if isinstance(answer.body, str) else answer.body.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == ["Mois", "Attendues", "Reçues"]
    figures = figures_for(app, world.amp_editor)
    assert rows[1:] == [[m["month"], str(m["expected"]), str(m["received"])]
                        for m in figures["months"]]
    assert sum(int(r[1]) for r in rows[1:]) == 4 and sum(int(r[2]) for r in rows[1:]) == 2


@pytest.mark.ckan_config("ckan.plugins", "amp_search amp_schema amp_dashboard scheming_datasets "
                                         "scheming_organizations")
def test_without_conventions_nor_access_the_tab_says_so(app, clean_db):
    editor = factories.UserWithToken()
    factories.Organization(users=[{"name": editor["name"], "capacity": "editor"}])
    page = app.get(URL, headers={"Authorization": editor["token"],
                                 "Accept-Language": "fr"}).body
    assert "Les conventions ne sont pas gérées sur ce portail" in page
    assert "Les demandes d’accès ne sont pas gérées sur ce portail" in page
    assert "amp-deliveries-chart" not in page
    figures = figures_for(app, editor)
    assert not figures["conventions_available"] and not figures["access_available"]
    assert figures["items"] == [] and len(figures["months"]) == 12

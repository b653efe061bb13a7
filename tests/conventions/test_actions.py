"""amp_conventions' actions through real CKAN: create, show, list, update,
patch, delete, events, status; validation in French with nothing
half-written; who may read and write."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from freezegun import freeze_time

from ckan import model
from ckan.plugins import toolkit
from ckan.tests import helpers

from ckanext.amp.conventions import model as tables

from conventions_helpers import PLUGINS, dataset

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", PLUGINS),
    pytest.mark.usefixtures("with_plugins", "clean_index", "french"),
]


def call(name, user=None, **data):
    context = {"user": user["name"], "ignore_auth": False} if user else {"ignore_auth": False}
    return helpers.call_action(name, context=context, **data)


def count(table) -> int:
    return model.Session.execute(sa.select(sa.func.count()).select_from(table)).scalar()


def api_error(app, user, action, data, status=409):
    headers = {"Authorization": user["token"]} if user else {}
    return app.post(f"/api/action/{action}", json=data, headers=headers, status=status).json["error"]


# ------------------------------------------------------------------ create

@freeze_time("2025-06-01")
def test_create_and_show_a_convention(symcrau, orgs, sysadmin):
    assert symcrau["reference"] == "SYMCRAU-AMP-2025"
    assert [p["organization"] for p in symcrau["parties"]] == [
        "metropole-aix-marseille-provence", "symcrau"]
    # the SIRET is the organisation's, copied; SYMCRAU has none
    assert symcrau["parties"][0]["siret"] == "20005480700017"
    assert symcrau["parties"][1]["siret"] is None
    assert symcrau["deliberations"][0]["organization"] == "symcrau"
    assert symcrau["items"][0]["provider"] == "metropole-aix-marseille-provence"
    assert symcrau["items"][0]["periodicity"] == "ANNUAL_2"
    assert symcrau["undertaking"]["version"] == 1
    assert len(symcrau["undertaking"]["sha256"]) == 64
    status = call("amp_convention_show", sysadmin, id="SYMCRAU-AMP-2025")["status"]
    assert status["state"] == "active" and status["in_force"]
    assert status["end_date"] == "2029-03-09"
    assert status["next_renewal"] == "2026-03-10"
    assert status["renewals_left"] == 3
    assert symcrau["url"] == "http://test.ckan.net/conventions/SYMCRAU-AMP-2025"
    assert [e["kind"] for e in symcrau["events"]] == ["undertaking_changed"]


def test_party_admin_creates_non_party_cannot(orgs, people, symcrau_data):
    created = call("amp_convention_create", people["symcrau_admin"], **symcrau_data)
    assert created["reference"] == "SYMCRAU-AMP-2025"
    symcrau_data["reference"] = "OTHER-2025"
    for who in ("region_admin", "symcrau_member", "outsider"):
        with pytest.raises(toolkit.NotAuthorized):
            call("amp_convention_create", people[who], **symcrau_data)
    with pytest.raises(toolkit.NotAuthorized):
        call("amp_convention_create", None, **symcrau_data)


@pytest.mark.parametrize("change, field, expected", [
    ({"parties": [{"organization": "inconnue", "role": "both"}]}, "parties[0].organization",
     "L’organisation « inconnue » n’existe pas"),
    ({"parties": []}, "parties", "Une convention a au moins une partie"),
    ({"kind": "marché"}, "kind", "Type de convention inconnu"),
    ({"max_renewals": -1}, "max_renewals", "Le nombre de reconductions ne peut pas être négatif"),
    ({"max_renewals": "trois"}, "max_renewals", "n’est pas un nombre entier"),
    ({"date_signed": "2025-04-01"}, "date_signed",
     "La signature (01/04/2025) est postérieure à la notification (10/03/2025)"),
    ({"date_notified": "2025-01-01"}, "deliberations",
     "La délibération 07/25 (28/01/2025) est postérieure à la notification (01/01/2025)"),
    ({"date_notified": "10 mars 2025"}, "date_notified", "n’est pas une date"),
    ({"licence_id": "licence-maison"}, "licence_id", "Licence inconnue"),
    ({"diffusion": "secret"}, "diffusion", "Niveau de diffusion inconnu"),
    ({"reference": "SYMCRAU AMP"}, "reference", "ne peut contenir que"),
    ({"max_renewal": 3}, "max_renewal", "Champ inconnu : max_renewal"),
])
def test_bad_input_gets_a_precise_french_error_and_writes_nothing(
        app, sysadmin, orgs, symcrau_data, change, field, expected):
    symcrau_data.update(change)
    error = api_error(app, sysadmin, "amp_convention_create", symcrau_data)
    from ckanext.amp.conventions.logic.validators import flatten

    messages = dict(flatten({k: v for k, v in error.items() if k != "__type"}))
    assert expected in messages.get(field, ""), messages
    assert count(tables.convention) == count(tables.party) == count(tables.item) == 0
    assert count(tables.undertaking) == 0


def test_a_data_item_pointing_at_no_party(app, sysadmin, orgs, symcrau_data):
    symcrau_data["items"][1]["provider"] = "region-sud"
    symcrau_data["items"][0]["recipient"] = "metropole-aix-marseille-provence"
    error = api_error(app, sysadmin, "amp_convention_create", symcrau_data)
    assert "region-sud" in error["items"][1]["provider"][0]
    assert "n’est pas partie" in error["items"][1]["provider"][0]
    assert "doivent être différents" in error["items"][0]["recipient"][0]
    assert count(tables.convention) == 0


def test_reference_is_unique(sysadmin, symcrau, symcrau_data):
    with pytest.raises(toolkit.ValidationError) as info:
        call("amp_convention_create", sysadmin, **symcrau_data)
    assert "déjà utilisée" in info.value.error_dict["reference"][0]


# -------------------------------------------------------- show: who sees what

@freeze_time("2025-06-01")
def test_parties_read_everything_others_the_public_summary(symcrau, people):
    for who in ("amp_admin", "symcrau_member"):
        shown = call("amp_convention_show", people[who], id="SYMCRAU-AMP-2025")
        assert shown["summary"] is False
        assert shown["undertaking"]["text"].startswith("Je m’engage")
        assert shown["items"]
    for who in ("region_admin", "outsider", None):
        summary = call("amp_convention_show", people.get(who) if who else None,
                       id="SYMCRAU-AMP-2025")
        assert summary["summary"] is True
        assert summary["status"]["state"] == "active"
        assert "items" not in summary and "undertaking" not in summary
        assert "events" not in summary
        assert any("acte d’engagement" in line for line in summary["usage_in_words"])
        assert [p["organization"] for p in summary["parties"]] == [
            "metropole-aix-marseille-provence", "symcrau"]


@pytest.mark.ckan_config("ckanext.amp.conventions.public_summaries", "false")
@freeze_time("2025-06-01")
def test_the_operator_can_keep_summaries_for_the_parties(symcrau, people):
    with pytest.raises(toolkit.NotAuthorized):
        call("amp_convention_show", None, id="SYMCRAU-AMP-2025")
    assert call("amp_convention_list", None) == []
    assert call("amp_convention_show", people["amp_editor"], id="SYMCRAU-AMP-2025")


def test_a_draft_is_hidden_from_non_parties(sysadmin, orgs, people, symcrau_data):
    symcrau_data.pop("date_notified")
    call("amp_convention_create", sysadmin, **symcrau_data)
    assert call("amp_convention_show", people["symcrau_member"],
                id="SYMCRAU-AMP-2025")["status"]["state"] == "draft"
    for who in ("region_admin", "outsider"):
        with pytest.raises(toolkit.NotAuthorized):
            call("amp_convention_show", people[who], id="SYMCRAU-AMP-2025")
    assert call("amp_convention_list", people["outsider"]) == []
    with pytest.raises(toolkit.ObjectNotFound):
        call("amp_convention_show", people["outsider"], id="NOPE-1")


@freeze_time("2025-06-01")
def test_list_filters(sysadmin, symcrau, orgs, people):
    call("amp_convention_create", sysadmin, reference="HERAULT-3M-2022",
         title="Hérault Data", kind="cross_referencing",
         parties=[{"organization": "montpellier-mediterranee-metropole", "role": "both"},
                  {"organization": "departement-herault", "role": "both"}])
    everything = call("amp_convention_list", sysadmin)
    assert [c["reference"] for c in everything] == ["HERAULT-3M-2022", "SYMCRAU-AMP-2025"]
    assert [c["reference"] for c in call("amp_convention_list", sysadmin, state="draft")] == [
        "HERAULT-3M-2022"]
    assert [c["reference"] for c in call("amp_convention_list", sysadmin,
                                         kind="data_exchange")] == ["SYMCRAU-AMP-2025"]
    assert [c["reference"] for c in call("amp_convention_list", sysadmin,
                                         party="departement-herault")] == ["HERAULT-3M-2022"]
    assert [c["reference"] for c in call("amp_convention_list", sysadmin, q="symcrau")] == [
        "SYMCRAU-AMP-2025"]
    # anonymous: the one in force, as a summary
    public = call("amp_convention_list", None)
    assert [(c["reference"], c["summary"]) for c in public] == [("SYMCRAU-AMP-2025", True)]
    with pytest.raises(toolkit.ValidationError):
        call("amp_convention_list", sysadmin, state="perdue")


# --------------------------------------------------------- update, patch

def test_update_by_a_party_admin_keeps_deliveries_and_siret(symcrau, people, sysadmin, orgs):
    call("amp_delivery_create", people["amp_editor"], convention="SYMCRAU-AMP-2025",
         item="volumes-captages", received="2025-09-01", file_name="volumes.csv")
    helpers.call_action("organization_patch", context={"user": sysadmin["name"]},
                        id=orgs["metropole-aix-marseille-provence"]["id"],
                        siret="21130055300016")
    data = dict(symcrau)
    data["title"] = "Convention SYMCRAU (titre corrigé)"
    data["undertaking"] = "Texte révisé de l’acte d’engagement."
    updated = call("amp_convention_update", people["amp_admin"], **data)
    assert updated["title"] == "Convention SYMCRAU (titre corrigé)"
    assert updated["parties"][0]["siret"] == "20005480700017"   # kept as signed
    assert updated["undertaking"]["version"] == 2
    assert count(tables.delivery) == 1
    assert [e["kind"] for e in updated["events"]].count("undertaking_changed") == 2
    with pytest.raises(toolkit.NotAuthorized):
        call("amp_convention_update", people["symcrau_member"], **data)
    with pytest.raises(toolkit.NotAuthorized):
        call("amp_convention_update", people["region_admin"], **data)


def test_an_item_with_deliveries_cannot_be_removed(symcrau, people):
    call("amp_delivery_create", people["amp_editor"], convention="SYMCRAU-AMP-2025",
         item="volumes-captages", received="2025-09-01")
    with pytest.raises(toolkit.ValidationError) as info:
        call("amp_convention_patch", people["amp_admin"], id="SYMCRAU-AMP-2025",
             items=[i for i in symcrau["items"] if i["key"] != "volumes-captages"])
    assert "livraisons" in info.value.error_dict["items"][0]
    assert count(tables.item) == 2


@freeze_time("2026-06-01")
def test_patch_cannot_make_the_log_contradictory(symcrau, people):
    call("amp_convention_event_create", people["amp_admin"], convention="SYMCRAU-AMP-2025",
         kind="renewed", date="2026-03-10")
    with pytest.raises(toolkit.ValidationError) as info:
        call("amp_convention_patch", people["amp_admin"], id="SYMCRAU-AMP-2025", max_renewals=0)
    assert "au-delà du maximum de 0" in info.value.error_dict["events"][0]
    shown = call("amp_convention_show", people["amp_admin"], id="SYMCRAU-AMP-2025")
    assert shown["max_renewals"] == 3
    patched = call("amp_convention_patch", people["amp_admin"], id="SYMCRAU-AMP-2025",
                   usage={"free_of_charge": False})
    assert patched["usage"]["free_of_charge"] is False
    assert patched["usage"]["internal_use_only"] is True


# ------------------------------------------------------------------ events

@freeze_time("2025-06-01")
def test_events_are_checked_against_the_log(symcrau, people):
    admin = people["symcrau_admin"]
    with pytest.raises(toolkit.ValidationError) as info:
        call("amp_convention_event_create", admin, convention="SYMCRAU-AMP-2025",
             kind="resumed", date="2025-05-01")
    assert "ne suit aucune suspension" in str(info.value.error_dict)
    with pytest.raises(toolkit.ValidationError) as info:
        call("amp_convention_event_create", admin, convention="SYMCRAU-AMP-2025",
             kind="suspended", date="2025-01-01")
    assert "antérieur à la notification de la convention (10/03/2025)" in str(
        info.value.error_dict)
    with pytest.raises(toolkit.ValidationError) as info:
        call("amp_convention_event_create", admin, convention="SYMCRAU-AMP-2025",
             kind="oublié", date="2025-05-01")
    assert "Type d’événement inconnu" in info.value.error_dict["kind"][0]
    assert [e["kind"] for e in call("amp_convention_show", admin,
                                    id="SYMCRAU-AMP-2025")["events"]] == ["undertaking_changed"]
    with pytest.raises(toolkit.NotAuthorized):
        call("amp_convention_event_create", people["symcrau_member"],
             convention="SYMCRAU-AMP-2025", kind="suspended", date="2025-05-01")


@freeze_time("2025-06-01")
def test_suspension_withdraws_rights_and_resumption_restores_them(symcrau, people, sysadmin, orgs):
    dataset(orgs["metropole-aix-marseille-provence"], sysadmin,
            name="volumes-produits-captages-crau", convention="SYMCRAU-AMP-2025")
    result = call("amp_convention_event_create", people["amp_admin"],
                  convention="SYMCRAU-AMP-2025", kind="suspended", date="2025-06-01",
                  note="Divergence sur l’interprétation (art. 8)")
    assert result["status"]["state"] == "suspended"
    assert call("amp_convention_status", None,
                references=["SYMCRAU-AMP-2025"])["SYMCRAU-AMP-2025"]["ended"] is True
    found = helpers.call_action("package_search", fq="convention_state:suspended",
                                include_private=True)
    assert [d["name"] for d in found["results"]] == ["volumes-produits-captages-crau"]
    events = call("amp_convention_show", sysadmin, id="SYMCRAU-AMP-2025")["events"]
    withdrawn = [e for e in events if e["kind"] == "rights_withdrawn"]
    assert len(withdrawn) == 1 and withdrawn[0]["data"]["datasets"] == 1
    # a summary is no longer public while suspended
    with pytest.raises(toolkit.NotAuthorized):
        call("amp_convention_show", None, id="SYMCRAU-AMP-2025")
    call("amp_convention_event_create", people["amp_admin"], convention="SYMCRAU-AMP-2025",
         kind="resumed", date="2025-06-01")
    kinds = [e["kind"] for e in call("amp_convention_show", sysadmin,
                                     id="SYMCRAU-AMP-2025")["events"]
             if e["kind"] != "undertaking_changed"]
    assert kinds == ["suspended", "rights_withdrawn", "resumed", "rights_restored"]
    assert helpers.call_action("package_search", fq="convention_state:active",
                               include_private=True)["count"] == 1


@freeze_time("2025-06-10")
def test_termination_with_notice(symcrau, people):
    result = call("amp_convention_event_create", people["amp_admin"],
                  convention="SYMCRAU-AMP-2025", kind="termination_notified",
                  date="2025-06-10", note="Lettre recommandée avec AR")
    assert result["status"]["state"] == "active"
    assert result["status"]["end_date"] == "2025-09-09"
    assert result["event"]["effective_date"] is None
    with pytest.raises(toolkit.ValidationError) as info:
        call("amp_convention_event_create", people["amp_admin"], convention="SYMCRAU-AMP-2025",
             kind="suspended", date="2025-06-10", effective_date="2025-07-01")
    assert "Seule une résiliation notifiée" in info.value.error_dict["effective_date"][0]


def test_events_are_append_only_in_the_database(symcrau):
    with pytest.raises(sa.exc.DBAPIError):
        model.Session.execute(sa.text("UPDATE amp_convention_event SET note = 'changé'"))
    model.Session.rollback()


# ------------------------------------------------------------------ status

@freeze_time("2025-06-01")
def test_status_answers_many_references_in_one_statement(symcrau, sysadmin, orgs):
    call("amp_convention_create", sysadmin, reference="HERAULT-3M-2022", title="Hérault Data",
         kind="cross_referencing", licence_id="lov2", diffusion="public",
         parties=[{"organization": "montpellier-mediterranee-metropole", "role": "both"},
                  {"organization": "departement-herault", "role": "both"}])
    statements = []
    engine = model.Session.get_bind()

    def count_statement(_conn, _cursor, statement, *_args):
        if "amp_convention" in statement:
            statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count_statement)
    try:
        answer = call("amp_convention_status", None,
                      references=["SYMCRAU-AMP-2025", "HERAULT-3M-2022", "INCONNUE"])
    finally:
        sa.event.remove(engine, "before_cursor_execute", count_statement)
    assert len(statements) == 1
    assert set(answer) == {"SYMCRAU-AMP-2025", "HERAULT-3M-2022"}
    assert answer["SYMCRAU-AMP-2025"] == {
        "state": "active", "in_force": True, "ended": False, "end_date": "2029-03-09",
        "party_org_ids": [orgs["metropole-aix-marseille-provence"]["id"], orgs["symcrau"]["id"]],
        "licence_id": "amp-parties", "diffusion": "restricted"}
    assert answer["HERAULT-3M-2022"]["state"] == "draft"
    assert answer["HERAULT-3M-2022"]["end_date"] is None
    assert call("amp_convention_status", None, references="SYMCRAU-AMP-2025,HERAULT-3M-2022")
    assert call("amp_convention_status", None, references=[]) == {}
    by_party = call("amp_convention_status", None,
                    party_org_ids=[orgs["departement-herault"]["id"]], references=["INCONNUE"])
    assert set(by_party) == {"HERAULT-3M-2022"}
    both = call("amp_convention_status", None, references=["HERAULT-3M-2022"],
                party_org_ids=[orgs["symcrau"]["id"]])
    assert set(both) == {"HERAULT-3M-2022", "SYMCRAU-AMP-2025"}


@freeze_time("2029-03-10")
def test_status_after_the_maximum_of_renewals(symcrau):
    answer = call("amp_convention_status", None, references=["SYMCRAU-AMP-2025"])
    assert answer["SYMCRAU-AMP-2025"]["state"] == "expired"
    assert answer["SYMCRAU-AMP-2025"]["ended"] is True


# ------------------------------------------------------------------ delete

def test_delete_refused_while_datasets_are_under_it(symcrau, people, sysadmin, orgs):
    pkg = dataset(orgs["metropole-aix-marseille-provence"], sysadmin,
                  name="volumes-produits-captages-crau", convention="SYMCRAU-AMP-2025")
    with pytest.raises(toolkit.NotAuthorized):
        call("amp_convention_delete", people["symcrau_member"], id="SYMCRAU-AMP-2025")
    with pytest.raises(toolkit.ValidationError) as info:
        call("amp_convention_delete", people["amp_admin"], id="SYMCRAU-AMP-2025")
    assert "1 jeux de données relèvent de la convention" in info.value.error_dict["id"][0]
    helpers.call_action("package_delete", context={"user": sysadmin["name"]}, id=pkg["id"])
    call("amp_convention_delete", people["amp_admin"], id="SYMCRAU-AMP-2025")
    assert count(tables.convention) == count(tables.event) == count(tables.item) == 0
    with pytest.raises(toolkit.ObjectNotFound):
        call("amp_convention_show", people["amp_admin"], id="SYMCRAU-AMP-2025")

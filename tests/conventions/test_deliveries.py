"""Deliveries: a new resource or a new version of one on a dataset a data
item feeds is recorded against the item; ``amp_delivery_list`` answers
"what did SYMCRAU send this year, what is late"."""
from __future__ import annotations

import datetime as dt

import pytest
from freezegun import freeze_time

from ckan.plugins import toolkit
from ckan.tests import helpers

from conventions_helpers import PLUGINS, dataset

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", PLUGINS),
    pytest.mark.usefixtures("with_plugins", "clean_index", "french"),
]


def as_user(user, action_name, **data):
    return helpers.call_action(action_name, context={"user": user["name"], "ignore_auth": False},
                               **data)


@pytest.fixture
def piezometry(symcrau, orgs, sysadmin):
    """The SYMCRAU dataset fed by the item ``piezometrie-sondes``."""
    return dataset(orgs["symcrau"], sysadmin, name="niveaux-piezometriques-nappe-crau",
                   convention="SYMCRAU-AMP-2025", title="Niveaux piézométriques de la nappe de Crau")


def deliveries(user, **filters):
    return as_user(user, "amp_delivery_list", convention="SYMCRAU-AMP-2025", **filters)


def test_a_new_resource_and_a_new_version_are_deliveries(piezometry, people, sysadmin):
    symcrau_admin = people["symcrau_admin"]
    with freeze_time("2025-09-02"):
        resource = as_user(symcrau_admin, "resource_create", package_id=piezometry["id"],
                           url="https://www.symcrau.com/donnees/piezometrie/2025-S1.csv",
                           name="Mesures horaires, 1er semestre 2025", format="CSV")
    with freeze_time("2026-03-05"):
        as_user(symcrau_admin, "resource_patch", id=resource["id"],
                url="https://www.symcrau.com/donnees/piezometrie/2025-S2.csv")
        as_user(symcrau_admin, "resource_patch", id=resource["id"], description="Sans changement")
    found = deliveries(people["amp_admin"])["deliveries"]
    assert [(d["item"], d["received"], d["file_name"], d["recorded_by"]) for d in found] == [
        ("piezometrie-sondes", "2025-09-02", "2025-S1.csv", symcrau_admin["name"]),
        ("piezometrie-sondes", "2026-03-05", "2025-S2.csv", symcrau_admin["name"]),
    ]
    assert all(d["resource_id"] == resource["id"] for d in found)


def test_a_dataset_feeding_two_items_needs_the_resource_to_name_its_item(
        symcrau, orgs, sysadmin, people):
    symcrau["items"][1]["dataset"] = "volumes-produits-captages-crau"
    as_user(sysadmin, "amp_convention_update", **symcrau)
    pkg = dataset(orgs["metropole-aix-marseille-provence"], sysadmin,
                  name="volumes-produits-captages-crau", convention="SYMCRAU-AMP-2025")
    as_user(people["amp_editor"], "resource_create", package_id=pkg["id"],
            url="https://example.org/volumes.csv", format="CSV")
    assert deliveries(people["amp_admin"])["deliveries"] == []
    as_user(people["amp_editor"], "resource_create", package_id=pkg["id"],
            url="https://example.org/volumes-2.csv", format="CSV",
            convention_item="volumes-captages")
    assert [d["item"] for d in deliveries(people["amp_admin"])["deliveries"]] == [
        "volumes-captages"]


def test_a_harvester_records_its_deliveries_idempotently(symcrau, sysadmin, people):
    for _ in range(2):
        as_user(sysadmin, "amp_delivery_create", convention="SYMCRAU-AMP-2025",
                item="volumes-captages", received="2025-09-01", resource_id="r-1",
                harvest_job_id="job-1", file_name="volumes_2025S1.csv")
    found = deliveries(people["symcrau_member"])["deliveries"]
    assert [(d["received"], d["harvest_job_id"]) for d in found] == [("2025-09-01", "job-1")]


@pytest.mark.parametrize("data, field, expected", [
    ({"item": "inconnue"}, "item", "n’a pas de donnée « inconnue »"),
    ({"item": "volumes-captages", "received": "01/09/2025"}, "received", "n’est pas une date"),
    ({"item": "volumes-captages", "status": "perdue"}, "status", "Statut de livraison inconnu"),
    ({"item": "volumes-captages", "url": "ftp://x"}, "url", "adresse web"),
])
def test_bad_deliveries_are_refused_in_french(symcrau, sysadmin, data, field, expected):
    with pytest.raises(toolkit.ValidationError) as info:
        as_user(sysadmin, "amp_delivery_create", convention="SYMCRAU-AMP-2025", **data)
    assert expected in info.value.error_dict[field][0]


def test_who_records_and_who_reads_deliveries(symcrau, people):
    with pytest.raises(toolkit.NotAuthorized):
        as_user(people["symcrau_member"], "amp_delivery_create", convention="SYMCRAU-AMP-2025",
                item="volumes-captages")
    with pytest.raises(toolkit.NotAuthorized):
        as_user(people["region_admin"], "amp_delivery_list", convention="SYMCRAU-AMP-2025")
    answer = as_user(people["region_admin"], "amp_delivery_list")
    assert answer == {"deliveries": [], "items": [], "late": [], "on": answer["on"]}
    assert dt.date.fromisoformat(answer["on"])


@freeze_time("2026-06-01")
def test_what_did_symcrau_send_this_year_and_what_is_late(symcrau, people, sysadmin):
    for item, day in (("piezometrie-sondes", "2026-01-15"), ("volumes-captages", "2026-03-01"),
                      ("volumes-captages", "2025-09-01")):
        as_user(sysadmin, "amp_delivery_create", convention="SYMCRAU-AMP-2025", item=item,
                received=day)
    answer = as_user(people["amp_admin"], "amp_delivery_list", provider="symcrau",
                     since="2026-01-01", until="2026-12-31")
    assert [(d["item"], d["received"]) for d in answer["deliveries"]] == [
        ("piezometrie-sondes", "2026-01-15")]
    assert [i["key"] for i in answer["items"]] == ["piezometrie-sondes"]
    assert answer["items"][0]["schedule"] == "unscheduled"     # no periodicity stated
    mine = as_user(people["amp_admin"], "amp_delivery_list",
                   provider="metropole-aix-marseille-provence")
    volumes = next(i for i in mine["items"] if i["key"] == "volumes-captages")
    assert volumes["expected"] == [
        {"due": "2025-09-10", "status": "received", "received": "2025-09-01"},
        {"due": "2026-03-10", "status": "received", "received": "2026-03-01"},
    ]
    assert volumes["counts"] == {"received": 2, "received_late": 0, "late": 0, "due": 0,
                                 "pending": 0, "expected": 2, "delivered": 2}
    assert volumes["next_due"] == "2026-09-10"
    assert mine["late"] == []
    with pytest.raises(toolkit.ValidationError):
        as_user(people["amp_admin"], "amp_delivery_list", since="2026-12-31", until="2026-01-01")

"""Every diffusion level × every role × every channel: zero leaks.

The portal runs with the plugins that carry data to people (amp_access,
amp_schema, amp_search, activity, dcat, amp_dcat). One organisation
produces a dataset of each level; the expected answer for every role comes
from the rules module (``common/diffusion.py``), never from the test: for
each channel the test observes whether the role saw the record and got the
data, and compares. A withheld resource's address must not appear in any
answer that role gets, whatever the channel.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any, Optional

import pytest
import sqlalchemy as sa

from ckan.tests import factories, helpers

from ckanext.amp.common import diffusion

PLUGINS = ("amp_search activity amp_access amp_conventions amp_schema scheming_datasets "
           "scheming_organizations dcat amp_dcat")

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", PLUGINS),
    pytest.mark.ckan_config("ckanext.dcat.rdf.profiles", "amp_dcat_ap_fr"),
    pytest.mark.usefixtures("with_plugins"),
]

ROLES = ("anonymous", "registered", "member", "editor", "admin", "party", "grantee",
         "grantee_expired", "grantee_revoked", "sysadmin")
CONVENTION = "CONV-TEST-2025"
#: A convention that was terminated: what came under it goes back to its producer.
ENDED = "CONV-FINIE-2023"

#: Dataset key -> fields (besides the common ones).
LEVELS = {
    "public": {"diffusion": "public", "license_id": "lov2"},
    "restricted_public": {"diffusion": "restricted", "metadata_visibility": "public",
                          "convention": CONVENTION, "license_id": "amp-parties"},
    "restricted_parties": {"diffusion": "restricted", "metadata_visibility": "parties",
                           "convention": CONVENTION, "license_id": "amp-parties"},
    "restricted_grants": {"diffusion": "restricted", "metadata_visibility": "public",
                          "diffusion_basis": "commercial_secret", "license_id": "other-closed"},
    "restricted_ended": {"diffusion": "restricted", "metadata_visibility": "public",
                         "convention": ENDED, "license_id": "amp-parties"},
    "internal": {"diffusion": "internal", "diffusion_basis": "public_security"},
    "personal": {"diffusion": "personal", "diffusion_basis": "gdpr", "private": True},
}
GRANTED = ("restricted_public", "restricted_parties", "restricted_grants", "restricted_ended")


def secret(key: str) -> str:
    return f"https://donnees-partenaire.example/{key}/extraction-confidentielle.csv"


@dataclass
class World:
    users: dict[str, Optional[dict[str, Any]]]
    datasets: dict[str, dict[str, Any]]
    producer: dict[str, Any]
    group: dict[str, Any]
    standings: dict[str, diffusion.Standing]
    sysadmin: dict[str, Any] = field(default_factory=dict)

    def headers(self, role: str) -> dict[str, str]:
        user = self.users[role]
        return {"Authorization": user["token"]} if user else {}

    def viewer(self, role: str, key: str) -> diffusion.Viewer:
        # A grant under a convention lives while the convention is in force.
        grantee = role == "grantee" and key in GRANTED and self.standing_of(key) in (
            diffusion.Standing.NONE, diffusion.Standing.IN_FORCE)
        return diffusion.Viewer(sysadmin=role == "sysadmin",
                                owner_member=role in ("member", "editor", "admin"),
                                party=role == "party", grantee=grantee)

    def facts(self, key: str) -> dict[str, Any]:
        return {**LEVELS[key], "id": self.datasets[key]["id"], "owner_org": self.producer["id"]}

    def standing_of(self, key: str) -> diffusion.Standing:
        return self.standings.get(LEVELS[key].get("convention"), diffusion.Standing.NONE)

    def record(self, role: str, key: str) -> bool:
        return diffusion.may_see_record(self.facts(key), self.viewer(role, key), self.standing_of(key))

    def data(self, role: str, key: str) -> bool:
        return diffusion.may_get_data(self.facts(key), self.viewer(role, key), self.standing_of(key))

    def listed(self, key: str) -> bool:
        return diffusion.listed_in_catalogue(self.facts(key), self.standing_of(key))


def _grant(sysadmin, dataset_id, user, starts, ends, revoke=False):
    grant = helpers.call_action("amp_grant_create", context={"user": sysadmin["name"]},
                                dataset_id=dataset_id, user_id=user["id"], signatory=user["name"],
                                purpose="Étude de la ressource en eau", starts=starts, ends=ends)
    if revoke:
        helpers.call_action("amp_grant_revoke", context={"user": sysadmin["name"]},
                            id=grant["id"], reason="Fin de l’étude")
    return grant


#: The world is built once for the module (the tests only read it, but for
#: the audit log, whose test counts its own lines).
_BUILT: dict[str, World] = {}


@pytest.fixture
def world(reset_db, migrate_db_for, reset_index) -> World:
    if "world" not in _BUILT:
        _BUILT["world"] = fresh_world(reset_db, migrate_db_for, reset_index)
    return _BUILT["world"]


def fresh_world(reset_db, migrate_db_for, reset_index) -> World:
    """Empty database and index, then :func:`build_world` (CKAN's fixtures
    given; tests/access/test_datastore_channel.py builds its own too)."""
    reset_db()
    migrate_db_for("activity")
    migrate_db_for("amp_access")
    migrate_db_for("amp_conventions")
    from ckan import model
    from ckanext.amp.conventions import model as convention_tables

    model.Session.execute(sa.text(
        "TRUNCATE amp_access_log, amp_grant, amp_access_request RESTART IDENTITY CASCADE"))
    names = ", ".join(table.name for table in convention_tables.metadata.sorted_tables)
    model.Session.execute(sa.text(f"TRUNCATE {names} CASCADE"))
    model.Session.commit()
    reset_index()
    return build_world()


def build_world() -> World:
    sysadmin = factories.SysadminWithToken()
    users: dict[str, Optional[dict[str, Any]]] = {"anonymous": None, "sysadmin": sysadmin}
    for role in ROLES[1:-1]:
        users[role] = factories.UserWithToken()
    producer = factories.Organization(name="producteur")
    partner = factories.Organization(name="partenaire")
    factories.Organization(name="autre")
    context = {"user": sysadmin["name"]}
    for role, capacity in (("member", "member"), ("editor", "editor"), ("admin", "admin")):
        helpers.call_action("organization_member_create", context=context, id=producer["id"],
                            username=users[role]["name"], role=capacity)
    helpers.call_action("organization_member_create", context=context, id=partner["id"],
                        username=users["party"]["name"], role="member")
    group = factories.Group(name="eau", user=sysadmin)
    today = dt.date.today()
    for reference, title in ((CONVENTION, "Échange de données sur la nappe de Crau"),
                             (ENDED, "Ancien échange de données")):
        helpers.call_action(
            "amp_convention_create", context=context, reference=reference, title=title,
            kind="data_exchange", licence_id="amp-parties", diffusion="restricted",
            date_notified=(today - dt.timedelta(days=60)).isoformat(), initial_term_months=12,
            tacit_renewal=True, renewal_term_months=12, max_renewals=3,
            parties=[{"organization": "producteur", "role": "both"},
                     {"organization": "partenaire", "role": "both"}])
    standings = {CONVENTION: diffusion.Standing.IN_FORCE, ENDED: diffusion.Standing.ENDED}
    datasets = {}
    for key, fields in LEVELS.items():
        datasets[key] = helpers.call_action(
            "package_create", context=context, name=f"jeu-{key.replace('_', '-')}",
            title=f"Nappe de Crau {key}", owner_org=producer["id"],
            notes="Mesures de la nappe phréatique de la Crau.", groups=[{"name": "eau"}],
            resources=[{"url": secret(key), "format": "CSV", "name": f"Mesures {key}"}],
            **fields)
    for key in GRANTED:
        dataset_id = datasets[key]["id"]
        _grant(sysadmin, dataset_id, users["grantee"], today.isoformat(),
               (today + dt.timedelta(days=30)).isoformat())
        _grant(sysadmin, dataset_id, users["grantee_expired"], "2020-01-01", "2020-12-31")
        _grant(sysadmin, dataset_id, users["grantee_revoked"], today.isoformat(),
               (today + dt.timedelta(days=30)).isoformat(), revoke=True)
    # Its grants were given while it was in force.
    helpers.call_action("amp_convention_event_create", context=context, convention=ENDED,
                        kind="terminated", date=today.isoformat(),
                        note="Résiliation après l’échec d’une tentative d’accord amiable")
    return World(users=users, datasets=datasets, producer=producer, group=group,
                 standings=standings, sysadmin=sysadmin)


def assert_no_leak(world: World, role: str, text: str, where: str) -> None:
    for key in LEVELS:
        if not world.data(role, key):
            assert secret(key) not in text, f"{where}: {role} got the address of {key}"


def _api(app, world, role, action, status=None, **params):
    response = app.get(f"/api/action/{action}", params=params, headers=world.headers(role),
                       status=status)
    assert_no_leak(world, role, response.body, f"{action} {params}")
    return response


# -- the tests check the matrix itself -------------------------------------------

def test_the_expected_matrix_is_not_trivial(world):
    seen = {(role, key): (world.record(role, key), world.data(role, key))
            for role in ROLES for key in LEVELS}
    assert seen[("anonymous", "public")] == (True, True)
    assert seen[("anonymous", "restricted_public")] == (True, False)
    assert seen[("anonymous", "internal")] == (False, False)
    assert seen[("grantee", "restricted_parties")] == (True, True)
    assert seen[("grantee_expired", "restricted_parties")] == (False, False)
    assert seen[("member", "personal")] == (True, True)
    assert seen[("party", "restricted_parties")] == (True, True)
    assert seen[("party", "restricted_ended")] == (False, False)
    assert seen[("anonymous", "restricted_ended")] == (False, False)
    assert seen[("member", "restricted_ended")] == (True, True)
    assert seen[("registered", "personal")] == (False, False)


# -- API ----------------------------------------------------------------------------

def test_package_show(app, world):
    for role in ROLES:
        for key, dataset in world.datasets.items():
            response = _api(app, world, role, "package_show", id=dataset["id"])
            if not world.record(role, key):
                assert response.status_code == 404, (role, key)
                continue
            assert response.status_code == 200, (role, key)
            resource = response.json["result"]["resources"][0]
            assert (resource["url"] == secret(key)) == world.data(role, key), (role, key)


def test_package_search_results_counts_and_facets(app, world):
    for role in ROLES:
        response = _api(app, world, role, "package_search", q="Crau", rows=50,
                        include_private=True, **{"facet.field": '["organization", "groups", "res_format"]'})
        result = response.json["result"]
        names = {item["name"]: item for item in result["results"]}
        expected = {world.datasets[key]["name"] for key in LEVELS if world.record(role, key)}
        assert set(names) == expected, role
        assert result["count"] == len(expected), role
        facets = result["facets"]
        assert facets.get("organization", {}).get("producteur", 0) == len(expected), role
        assert facets.get("groups", {}).get("eau", 0) == len(expected), role
        for key in LEVELS:
            item = names.get(world.datasets[key]["name"])
            if item is not None:
                assert (item["resources"][0]["url"] == secret(key)) == world.data(role, key)


def test_package_search_cannot_fetch_stored_dicts_or_addresses(app, world):
    for role in ("anonymous", "registered", "party"):
        for fl in ("validated_data_dict", "data_dict", "res_url", "urls", "name,res_url"):
            _api(app, world, role, "package_search", q="*:*", fl=fl, include_private=True)
        # A query on an address says nothing either: only public data's
        # addresses are indexed.
        for key in LEVELS:
            result = _api(app, world, role, "package_search", include_private=True,
                          q=f'res_url:"{secret(key)}"').json["result"]
            assert result["count"] == (1 if key == "public" else 0), (role, key)


def test_package_list_and_autocomplete(app, world):
    for role in ROLES:
        listed = set(_api(app, world, role, "package_list").json["result"])
        for key, dataset in world.datasets.items():
            # CKAN never lists private datasets here; the rules hide the rest.
            expected = world.record(role, key) and not LEVELS[key].get("private")
            assert (dataset["name"] in listed) == expected, (role, key)
        completed = {item["name"] for item in
                     _api(app, world, role, "package_autocomplete", q="nappe", limit=20).json["result"]}
        assert completed == {world.datasets[key]["name"] for key in LEVELS
                             if world.record(role, key)}, role


def test_current_package_list_with_resources(app, world):
    for role in ROLES:
        result = _api(app, world, role, "current_package_list_with_resources", limit=50).json["result"]
        by_name = {item["name"]: item for item in result}
        for key, dataset in world.datasets.items():
            item = by_name.get(dataset["name"])
            if item is None:
                assert not world.record(role, key) or LEVELS[key].get("private") or role != "sysadmin"
                continue
            assert world.record(role, key), (role, key)
            assert (item["resources"][0]["url"] == secret(key)) == world.data(role, key)


def test_resource_show_search_and_views(app, world):
    for role in ROLES:
        for key, dataset in world.datasets.items():
            resource_id = dataset["resources"][0]["id"]
            status = _api(app, world, role, "resource_show", id=resource_id).status_code
            assert (status == 200) == world.data(role, key), (role, key, status)
            views = _api(app, world, role, "resource_view_list", id=resource_id).status_code
            assert (views == 200) == world.data(role, key), (role, key, views)
        found = _api(app, world, role, "resource_search", query="url:donnees-partenaire").json["result"]
        urls = {item["url"] for item in found["results"]}
        expected = {secret(key) for key in LEVELS if world.data(role, key)
                    and not LEVELS[key].get("private")}
        assert urls == expected, role
        assert found["count"] == len(expected)


def test_api_errors_say_nothing_of_the_data(app, world):
    response = _api(app, world, "anonymous", "resource_show",
                    id=world.datasets["restricted_public"]["resources"][0]["id"])
    assert response.status_code == 403
    assert "sur demande" in response.json["error"]["message"]


# -- downloads and pages ----------------------------------------------------------

def test_downloads(app, world):
    for role in ROLES:
        for key, dataset in world.datasets.items():
            url = f"/dataset/{dataset['name']}/resource/{dataset['resources'][0]['id']}/download"
            response = app.get(url, headers=world.headers(role), follow_redirects=False)
            assert_no_leak(world, role, response.body + str(response.headers), url)
            if world.data(role, key):
                assert response.status_code == 302, (role, key)
                assert response.headers["Location"] == secret(key)
            elif world.record(role, key):
                assert response.status_code == 403, (role, key)
                assert "Accès sur demande" in response.body
            else:
                assert response.status_code in (403, 404), (role, key)


def test_downloads_of_restricted_data_are_audited(app, world):
    from ckan import model
    from ckanext.amp.access.model import AccessLog

    before = model.Session.query(sa.func.max(AccessLog.id)).scalar() or 0
    dataset = world.datasets["restricted_grants"]
    url = f"/dataset/{dataset['name']}/resource/{dataset['resources'][0]['id']}/download"
    app.get(url, headers=world.headers("grantee"), status=302, follow_redirects=False)
    app.get(url, headers=world.headers("member"), status=302, follow_redirects=False)
    public = world.datasets["public"]
    app.get(f"/dataset/{public['name']}/resource/{public['resources'][0]['id']}/download",
            headers=world.headers("grantee"), status=302, follow_redirects=False)
    lines = model.Session.query(AccessLog).filter(AccessLog.kind == "download",
                                                  AccessLog.id > before).all()
    assert sorted((line.user_id, line.basis) for line in lines) == sorted([
        (world.users["grantee"]["id"], "grant"), (world.users["member"]["id"], "owner")])
    grant_line = [line for line in lines if line.basis == "grant"][0]
    assert grant_line.grant_id and grant_line.detail == {"channel": "link"}
    assert grant_line.dataset_id == dataset["id"] and grant_line.owner_org == world.producer["id"]


def test_dataset_and_resource_pages(app, world):
    for role in ROLES:
        for key, dataset in world.datasets.items():
            page = app.get(f"/dataset/{dataset['name']}", headers=world.headers(role))
            assert_no_leak(world, role, page.body, f"page {key}")
            if not world.record(role, key):
                assert page.status_code == 404, (role, key)
                continue
            assert page.status_code == 200, (role, key)
            assert (secret(key) in page.body) == world.data(role, key), (role, key)
            if LEVELS[key]["diffusion"] == "restricted" and not world.data(role, key):
                assert "Accès sur demande" in page.body
            resource_page = app.get(
                f"/dataset/{dataset['name']}/resource/{dataset['resources'][0]['id']}",
                headers=world.headers(role))
            assert_no_leak(world, role, resource_page.body, f"resource page {key}")
            assert (resource_page.status_code == 200) == world.data(role, key), (role, key)


def test_organization_and_group_pages_count_what_each_role_sees(app, world):
    for role in ROLES:
        expected = sum(1 for key in LEVELS if world.record(role, key))
        for url in ("/organization/producteur", "/group/eau"):
            page = app.get(url, headers=world.headers(role))
            assert_no_leak(world, role, page.body, url)
            assert f"{expected} jeu" in page.body or (expected == 0 and "Aucun jeu" in page.body), \
                (role, url, expected)
        shown = _api(app, world, role, "organization_show", id="producteur", include_datasets=True)
        assert shown.json["result"]["package_count"] == expected, role


# -- activity streams -----------------------------------------------------------------

def test_activity_streams(app, world):
    for role in ROLES:
        for key, dataset in world.datasets.items():
            response = _api(app, world, role, "package_activity_list", id=dataset["id"])
            assert (response.status_code == 200) == world.record(role, key), (role, key)
        org = _api(app, world, role, "organization_activity_list", id="producteur").json["result"]
        seen = {activity["object_id"] for activity in org}
        for key, dataset in world.datasets.items():
            # CKAN leaves private datasets out of organisations' streams.
            expected = world.record(role, key) and not LEVELS[key].get("private")
            assert (dataset["id"] in seen) == expected, (role, key)
        page = app.get(f"/dataset/activity/{world.datasets['restricted_public']['name']}",
                       headers=world.headers(role))
        assert_no_leak(world, role, page.body, "activity page")


# -- catalogues ---------------------------------------------------------------------

@pytest.mark.parametrize("extension", ["ttl", "rdf", "jsonld", "xml"])
def test_dcat_catalogue_lists_what_everyone_sees_without_the_data(app, world, extension):
    for role in ("anonymous", "member", "sysadmin"):
        body = app.get(f"/catalog.{extension}", headers=world.headers(role)).body
        for key, dataset in world.datasets.items():
            assert (dataset["name"] in body or dataset["id"] in body) == world.listed(key), (role, key)
            if not world.data("anonymous", key):
                assert secret(key) not in body, (role, key)


def test_dcat_dataset_endpoints(app, world):
    for role in ROLES:
        for key, dataset in world.datasets.items():
            response = app.get(f"/dataset/{dataset['name']}.ttl", headers=world.headers(role))
            expected = world.record(role, key) and (
                world.listed(key) or role in ("member", "editor", "admin", "sysadmin"))
            assert (response.status_code == 200) == expected, (role, key, response.status_code)
            assert_no_leak(world, role, response.body, f"{key}.ttl")
            if response.status_code == 200 and not world.data("anonymous", key):
                assert secret(key) not in response.body


def test_csv_catalogue(app, world):
    body = app.get("/catalog.csv").body
    for key, dataset in world.datasets.items():
        assert (dataset["name"] in body) == world.listed(key), key
        if not world.data("anonymous", key):
            assert secret(key) not in body


def test_making_a_non_public_level_public_in_bulk_is_refused(app, world):
    response = app.post("/api/action/bulk_update_public",
                        json={"org_id": world.producer["id"],
                              "datasets": [world.datasets["personal"]["id"]]},
                        headers=world.headers("admin"), status=409)
    assert "ne peuvent pas être rendus publics" in json.dumps(response.json, ensure_ascii=False)

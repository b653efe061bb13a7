"""The datastore channel: every diffusion level × every role, zero leaks.

The same portal and world as tests/access/test_channels.py (its
:func:`fresh_world`, roles, levels and expectations, all derived from
``common/diffusion.py``), plus CKAN's DataStore, run for real: ``amp-stack
test`` gives a datastore database and a role that may only read it
(CKAN_DATASTORE_WRITE_URL / CKAN_DATASTORE_READ_URL). Each dataset's
resource gets a datastore table holding a value of its own; a role that may
not have a dataset's data must not find that value in any answer it gets
(``datastore_search``, ``datastore_search_sql`` — errors included —,
``datastore_info``, the dump), nor learn from ``datastore_active`` that the
table exists. Every read of data that is not public is in the audit log,
with the grant under which it happened.
"""
from __future__ import annotations

import os
from typing import Any, Optional

import pytest
import sqlalchemy as sa

from ckan.tests import helpers

from ckanext.amp.common import diffusion
from test_channels import LEVELS, PLUGINS, ROLES, World, fresh_world

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", PLUGINS + " datastore"),
    pytest.mark.ckan_config("ckanext.dcat.rdf.profiles", "amp_dcat_ap_fr"),
    pytest.mark.ckan_config("ckan.datastore.sqlsearch.enabled", True),
    pytest.mark.usefixtures("with_plugins"),
]

#: A dataset whose data everyone gets: joined with the others in SQL.
PUBLIC = "public"


def datum(key: str) -> str:
    """The value only the datastore table of ``key`` holds."""
    return f"releve-confidentiel-{key}-fin"


class Tables:
    """The world of test_channels with a datastore table per dataset."""

    def __init__(self, world: World):
        self.world = world
        self.ids = {key: dataset["resources"][0]["id"] for key, dataset in world.datasets.items()}
        for key, resource_id in self.ids.items():
            helpers.call_action(
                "datastore_create", context={"user": world.sysadmin["name"]},
                resource_id=resource_id, force=True,
                fields=[{"id": "station", "type": "text"}, {"id": "niveau_m", "type": "numeric"},
                        {"id": "releve", "type": "text"}],
                records=[{"station": f"Piézomètre {key}", "niveau_m": 12.5,
                          "releve": datum(key)}])

    def get(self, app, role: str, url: str, **params: Any):
        response = app.get(url, params=params, headers=self.world.headers(role))
        self.assert_no_leak(role, response.body + str(response.headers), f"{url} {params}")
        return response

    def api(self, app, role: str, action: str, **params: Any):
        return self.get(app, role, f"/api/action/{action}", **params)

    def assert_no_leak(self, role: str, text: str, where: str) -> None:
        for key in LEVELS:
            if not self.world.data(role, key):
                assert datum(key) not in text, f"{where}: {role} got the data of {key}"


_BUILT: dict[str, Tables] = {}


@pytest.fixture
def tables(reset_db, migrate_db_for, reset_index, with_plugins) -> Tables:
    if not os.environ.get("CKAN_DATASTORE_WRITE_URL"):
        pytest.fail("no datastore database: run the suite with `make test`")
    if "tables" not in _BUILT:
        _BUILT["tables"] = Tables(fresh_world(reset_db, migrate_db_for, reset_index))
    return _BUILT["tables"]


def refused(status: int) -> bool:
    return status in (403, 404)


# -- the expected matrix is not trivial ---------------------------------------------

def test_some_roles_see_the_record_without_the_data(tables):
    world = tables.world
    withheld = {(role, key) for role in ROLES for key in LEVELS
                if world.record(role, key) and not world.data(role, key)}
    assert ("anonymous", "restricted_public") in withheld
    assert ("grantee_revoked", "restricted_grants") in withheld
    assert ("registered", "restricted_grants") in withheld
    assert world.data("grantee", "restricted_grants") and world.data("party", "restricted_public")
    assert not world.record("registered", "internal")


# -- datastore_active ---------------------------------------------------------------

def test_datastore_active_only_for_those_who_get_the_data(app, tables):
    world = tables.world
    for role in ROLES:
        for key, dataset in world.datasets.items():
            response = tables.api(app, role, "package_show", id=dataset["id"])
            if not world.record(role, key):
                assert response.status_code == 404, (role, key)
                continue
            resource = response.json["result"]["resources"][0]
            assert resource["datastore_active"] is world.data(role, key), (role, key)
            shown = tables.api(app, role, "resource_show", id=tables.ids[key])
            assert (shown.status_code == 200) == world.data(role, key), (role, key)
            if shown.status_code == 200:
                assert shown.json["result"]["datastore_active"] is True
        found = tables.api(app, role, "package_search", q="Crau", rows=50,
                           include_private=True).json["result"]["results"]
        for item in found:
            key = next(k for k, d in world.datasets.items() if d["id"] == item["id"])
            assert item["resources"][0]["datastore_active"] is world.data(role, key), (role, key)


# -- datastore_search, datastore_info, dump -------------------------------------------

def test_datastore_search(app, tables):
    world = tables.world
    for role in ROLES:
        for key in LEVELS:
            response = tables.api(app, role, "datastore_search", resource_id=tables.ids[key])
            if world.data(role, key):
                assert response.status_code == 200, (role, key, response.body)
                assert [r["releve"] for r in response.json["result"]["records"]] == [datum(key)]
            else:
                assert refused(response.status_code), (role, key, response.status_code)
            # A full-text query or filters on withheld data say nothing either.
            for params in ({"q": datum(key)}, {"filters": f'{{"releve": "{datum(key)}"}}'}):
                other = tables.api(app, role, "datastore_search", resource_id=tables.ids[key],
                                   **params)
                assert (other.status_code == 200) == world.data(role, key), (role, key, params)
                if other.status_code == 200:
                    assert other.json["result"]["total"] == 1


def test_datastore_info(app, tables):
    world = tables.world
    for role in ROLES:
        for key in LEVELS:
            response = tables.api(app, role, "datastore_info", id=tables.ids[key])
            if world.data(role, key):
                assert response.status_code == 200, (role, key, response.body)
                fields = [field["id"] for field in response.json["result"]["fields"]]
                assert fields == ["station", "niveau_m", "releve"]
            else:
                assert refused(response.status_code), (role, key, response.status_code)
                assert "releve" not in response.body and "niveau_m" not in response.body


def test_dump(app, tables):
    world = tables.world
    for role in ROLES:
        for key in LEVELS:
            for fmt in ("csv", "json"):
                response = tables.get(app, role, f"/datastore/dump/{tables.ids[key]}",
                                      format=fmt)
                if world.data(role, key):
                    assert response.status_code == 200, (role, key)
                    assert datum(key) in response.body
                elif world.record(role, key):
                    assert response.status_code == 403, (role, key)
                    assert "Accès sur demande" in response.body
                else:
                    assert refused(response.status_code), (role, key, response.status_code)


def test_the_table_list_names_only_the_tables_one_may_read(app, tables):
    """``_table_metadata`` (which CKAN lets anyone search) lists the tables
    whose data the caller gets, and no other: it would tell who has a
    datastore, and the ids of resources of hidden records."""
    world = tables.world
    for role in ROLES:
        response = tables.api(app, role, "datastore_search", resource_id="_table_metadata",
                              limit=1000)
        assert response.status_code == 200, role
        names = {row["name"] for row in response.json["result"]["records"]}
        readable = {tables.ids[key] for key in LEVELS if world.data(role, key)}
        if role == "sysadmin":
            assert set(tables.ids.values()) <= names
        else:
            assert names == readable, role
            assert response.json["result"]["total"] == len(readable), role


# -- datastore_search_sql -------------------------------------------------------------

def sql(tables: Tables, app, role: str, query: str):
    return tables.api(app, role, "datastore_search_sql", sql=query)


def test_sql_reads_each_table_only_with_its_data(app, tables):
    world = tables.world
    public = tables.ids[PUBLIC]
    for role in ROLES:
        for key in LEVELS:
            table = tables.ids[key]
            for query in (f'SELECT * FROM "{table}"',
                          f'SELECT a.releve, b.station FROM "{table}" a CROSS JOIN "{public}" b'):
                response = sql(tables, app, role, query)
                if world.data(role, key):
                    assert response.status_code == 200, (role, key, response.body)
                    assert datum(key) in response.body
                else:
                    assert response.status_code == 403, (role, key, query, response.status_code)


#: Ways of reading a table, or learning of it, other than naming it in FROM.
EVASIONS = (
    'WITH x AS (SELECT * FROM "{t}") SELECT * FROM x',
    'SELECT 1 AS oui WHERE EXISTS (SELECT 1 FROM "{t}" WHERE releve LIKE \'releve%\')',
    'SELECT station FROM "{p}" UNION ALL SELECT releve FROM "{t}"',
    'SELECT (SELECT releve FROM "{t}" LIMIT 1) AS v FROM "{p}"',
    'SELECT * FROM public."{t}"',
    'SELECT CAST(releve AS integer) FROM "{t}"',  # the error would quote the value
    'SELECT releve::date FROM "{t}"',
    'SELECT colonne_inconnue FROM "{t}"',  # an error would tell the table and its columns
    'SELECT relevx FROM "{t}"',  # ... PostgreSQL's hint would name "releve"
    'SELECT * FROM "{t}" WHERE',  # a syntax error
    'SELECT * FROM U&"{u}"',  # the name written with Unicode escapes
    'SELECT * FROM U&"!{bang}" UESCAPE \'!\'',
    "SELECT '{t}'::regclass::oid AS o",
)


def _escaped(table: str, mark: str) -> str:
    return "".join(f"{mark}{ord(char):04x}" for char in table)


def test_sql_tricks_neither_read_nor_tell_anything(app, tables):
    world = tables.world
    public = tables.ids[PUBLIC]
    for role in ROLES:
        for key in LEVELS:
            if world.data(role, key):
                continue
            table = tables.ids[key]
            answers = set()
            for template in EVASIONS:
                query = template.format(t=table, p=public, u=_escaped(table, "\\"),
                                        bang=_escaped(table, "!")[1:])
                response = sql(tables, app, role, query)
                assert response.status_code == 403, (role, key, query, response.body)
                assert "releve" not in response.body and "station" not in response.body, query
                answers.add(response.json["error"]["message"])
            # One answer, whatever the query: nothing learnt of the table.
            assert len(answers) == 1, (role, key, answers)


def test_sql_refuses_system_tables_and_the_table_list(app, tables):
    for role in ("anonymous", "registered", "grantee"):
        for query in ('SELECT * FROM "_table_metadata"', "SELECT * FROM pg_class"):
            response = sql(tables, app, role, query)
            assert refused(response.status_code), (role, query, response.status_code)
            for key in LEVELS:
                assert tables.ids[key] not in response.body, (role, query)


def test_sql_errors_of_public_data_stay_helpful(app, tables):
    response = sql(tables, app, "anonymous", f'SELECT colonne_inconnue FROM "{tables.ids[PUBLIC]}"')
    assert response.status_code == 409
    assert "colonne_inconnue" in response.body


# -- the audit log --------------------------------------------------------------------

def _lines_after(before: int, kind: str) -> list[Any]:
    from ckan import model
    from ckanext.amp.access.model import AccessLog

    model.Session.expire_all()
    return model.Session.query(AccessLog).filter(AccessLog.id > before,
                                                 AccessLog.kind == kind).order_by(AccessLog.id).all()


def _last_line() -> int:
    from ckan import model
    from ckanext.amp.access.model import AccessLog

    return model.Session.query(sa.func.max(AccessLog.id)).scalar() or 0


def _grant_id(world: World, role: str, key: str) -> Optional[str]:
    from ckan import model
    from ckanext.amp.access.model import Grant

    user = world.users[role]
    rows = model.Session.query(Grant).filter(
        Grant.user_id == user["id"], Grant.dataset_id == world.datasets[key]["id"],
        Grant.revoked_at.is_(None)).all() if user else []
    return rows[0].id if rows else None


def expected_line(world: World, role: str, key: str) -> Optional[tuple]:
    """The audit line a read by ``role`` of ``key``'s data writes, from the
    rules: none when refused or when the data is everyone's."""
    if not world.data(role, key):
        return None
    facts, standing = world.facts(key), world.standing_of(key)
    audience = diffusion.data_audience(facts, standing)
    if diffusion.Audience.EVERYONE in audience:
        return None
    viewer = world.viewer(role, key)
    if viewer.sysadmin:
        basis = "sysadmin"
    elif viewer.owner_member:
        basis = "owner"
    elif viewer.party and diffusion.Audience.PARTIES in audience:
        basis = "party"
    else:
        basis = "grant"
    return (world.users[role]["id"], world.datasets[key]["id"], world.datasets[key]["resources"][0]["id"],
            basis, _grant_id(world, role, key) if basis == "grant" else None)


def _as_tuple(line) -> tuple:
    return (line.user_id, line.dataset_id, line.resource_id, line.basis, line.grant_id)


def test_every_datastore_read_of_data_not_public_is_audited(app, tables):
    world = tables.world
    expected = [line for role in ROLES for key in LEVELS
                if (line := expected_line(world, role, key))]
    assert {line[3] for line in expected} == {"sysadmin", "owner", "party", "grant"}
    for channel, read in (
            ("datastore_search", lambda role, key: tables.api(
                app, role, "datastore_search", resource_id=tables.ids[key])),
            ("datastore_search_sql", lambda role, key: sql(
                tables, app, role, f'SELECT releve FROM "{tables.ids[key]}"'))):
        before = _last_line()
        for role in ROLES:
            for key in LEVELS:
                read(role, key)
        lines = _lines_after(before, "datastore")
        assert sorted(map(_as_tuple, lines)) == sorted(expected), channel
        assert {line.detail["channel"] for line in lines} == {channel}
        assert all(line.owner_org == world.producer["id"] for line in lines)
        assert _lines_after(before, "download") == []


def test_a_sql_join_logs_each_table_not_public(app, tables):
    world = tables.world
    before = _last_line()
    query = (f'SELECT a.releve FROM "{tables.ids["restricted_grants"]}" a '
             f'JOIN "{tables.ids["restricted_public"]}" b USING (niveau_m) '
             f'JOIN "{tables.ids[PUBLIC]}" c USING (niveau_m)')
    assert sql(tables, app, "grantee", query).status_code == 200
    lines = _lines_after(before, "datastore")
    assert sorted(map(_as_tuple, lines)) == sorted(
        [expected_line(world, "grantee", "restricted_grants"),
         expected_line(world, "grantee", "restricted_public")])


def test_a_dump_is_one_download_line(app, tables):
    world = tables.world
    before = _last_line()
    for role in ROLES:
        for key in LEVELS:
            tables.get(app, role, f"/datastore/dump/{tables.ids[key]}")
    lines = _lines_after(before, "download")
    expected = [line for role in ROLES for key in LEVELS
                if (line := expected_line(world, role, key))]
    assert sorted(map(_as_tuple, lines)) == sorted(expected)
    assert {line.detail["channel"] for line in lines} == {"datastore"}
    assert _lines_after(before, "datastore") == []


def test_refused_and_metadata_reads_write_nothing(app, tables):
    world = tables.world
    before = _last_line()
    for role in ROLES:
        for key in LEVELS:
            tables.api(app, role, "datastore_info", id=tables.ids[key])
            if not world.data(role, key):
                tables.api(app, role, "datastore_search", resource_id=tables.ids[key])
                sql(tables, app, role, f'SELECT * FROM "{tables.ids[key]}"')
    assert _last_line() == before

"""Fixtures of the amp_conventions tests: real CKAN with the bundle's
schema, the plugin's tables migrated (CKAN's first database reset drops
every table, plugins' included), the seeds' organisations and people in
each role."""
from __future__ import annotations

import copy
from typing import Any

import pytest
import sqlalchemy as sa

from ckan import model
from ckan.tests import factories, helpers

from ckanext.amp.conventions import model as tables

from conventions_helpers import ORGANIZATIONS, PASSWORD, SYMCRAU_CONVENTION


@pytest.fixture
def french(app, monkeypatch):
    """Actions called outside a request speak the portal's language: each
    ``helpers.call_action`` runs in a request of its own (a request kept
    open for the whole test would share its anonymous user with the test
    client's requests)."""
    call_action = helpers.call_action

    def in_a_request(*args, **kwargs):
        with app.flask_app.test_request_context():
            return call_action(*args, **kwargs)

    monkeypatch.setattr(helpers, "call_action", in_a_request)


@pytest.fixture
def conventions_db(clean_db):
    """An empty database with the amp_conventions tables."""
    exists = model.Session.execute(
        sa.text("SELECT to_regclass('public.amp_convention')")).scalar()
    if exists is None:
        from ckan.cli.db import _run_migrations

        model.Session.remove()
        _run_migrations("amp_conventions")
    else:
        names = ", ".join(table.name for table in tables.metadata.sorted_tables)
        model.Session.execute(sa.text(f"TRUNCATE {names} CASCADE"))
        model.Session.commit()
    yield


@pytest.fixture
def sysadmin(conventions_db):
    return factories.SysadminWithToken()


@pytest.fixture
def orgs(conventions_db, sysadmin) -> dict[str, dict[str, Any]]:
    found = {}
    for name, (title, siret) in ORGANIZATIONS.items():
        fields = {"name": name, "title": title}
        if siret:
            fields["siret"] = siret
        found[name] = helpers.call_action("organization_create",
                                          context={"user": sysadmin["name"]}, **fields)
    return found


def _member(org, capacity, sysadmin, **user_fields):
    user = factories.UserWithToken(**user_fields)
    helpers.call_action("organization_member_create", context={"user": sysadmin["name"]},
                        id=org["id"], username=user["name"], role=capacity)
    return user


@pytest.fixture
def people(orgs, sysadmin) -> dict[str, dict[str, Any]]:
    """``amp_admin``, ``amp_editor``, ``symcrau_admin``, ``symcrau_member``
    (parties of SYMCRAU-AMP-2025), ``region_admin`` (not a party),
    ``outsider`` (no organisation)."""
    amp, symcrau = orgs["metropole-aix-marseille-provence"], orgs["symcrau"]
    return {
        "amp_admin": _member(amp, "admin", sysadmin, email="admin@ampmetropole.test",
                             password=PASSWORD),
        "amp_editor": _member(amp, "editor", sysadmin),
        "symcrau_admin": _member(symcrau, "admin", sysadmin, email="admin@symcrau.test"),
        "symcrau_member": _member(symcrau, "member", sysadmin),
        "region_admin": _member(orgs["region-sud"], "admin", sysadmin),
        "outsider": factories.UserWithToken(),
    }




@pytest.fixture
def symcrau_data() -> dict[str, Any]:
    return copy.deepcopy(SYMCRAU_CONVENTION)


@pytest.fixture
def symcrau(orgs, sysadmin, symcrau_data) -> dict[str, Any]:
    return helpers.call_action("amp_convention_create", context={"user": sysadmin["name"]},
                               **symcrau_data)

"""Fixtures of the harvest tests: a database with ckanext-harvest's and
amp_harvest's tables, empty queues, a partner server, an organisation."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from ckan import model

from ckan.tests import factories

import harvest_helpers
from partner_server import PartnerServer


@pytest.fixture
def clean_db(reset_db, migrate_db_for):
    """CKAN's fixture drops every table the first time: the harvest tables
    come back through their plugins' migrations (as ckanext-harvest's own
    tests do)."""
    reset_db()
    migrate_db_for("harvest")
    migrate_db_for("amp_harvest")


@pytest.fixture
def conventions_tables(clean_db, migrate_db_for):
    """amp_conventions' and amp_access' tables, empty, for the sources under
    a convention (CKAN's database reset drops them the first time only)."""
    from ckan.plugins import plugin_loaded

    from ckanext.amp.access import model as access_model
    from ckanext.amp.conventions import model as conventions_model

    names = []
    for plugin, tables in (("amp_conventions", conventions_model), ("amp_access", access_model)):
        if plugin_loaded(plugin):
            migrate_db_for(plugin)
            names += [table.name for table in tables.metadata.sorted_tables]
    # amp_access_log is append-only (a trigger refuses DELETE, not TRUNCATE).
    model.Session.execute(sa.text(f"TRUNCATE {', '.join(names)} CASCADE"))
    model.Session.commit()


@pytest.fixture
def clean_queues():
    harvest_helpers.purge_queues()
    yield
    harvest_helpers.purge_queues()


@pytest.fixture
def partner():
    with PartnerServer() as server:
        yield server


@pytest.fixture
def sysadmin():
    return factories.SysadminWithToken()


@pytest.fixture
def organization(sysadmin):
    return factories.Organization(user=sysadmin, name="partenaire-org",
                                  title="Syndicat partenaire")

"""Fixtures of the harvest tests: a database with ckanext-harvest's and
amp_harvest's tables, empty queues, a partner server, an organisation."""
from __future__ import annotations

import pytest

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

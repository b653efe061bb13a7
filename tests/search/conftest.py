"""Fixtures for engine-level tests: a real PostgreSQL database, migrated.

The server is the throw-away one ``make test`` starts (its admin URL is in
``AMP_TEST_PG_ADMIN_URL``); each test module gets its own database, created
here and dropped afterwards, with the ``amp_search`` alembic migration applied
exactly as ``ckan db upgrade -p amp_search`` would.
"""
from __future__ import annotations

import os
import uuid
from typing import Iterator

import pytest
import sqlalchemy as sa

from ckanext.amp.search import storage
from ckanext.amp.stack import services

def _admin_url() -> str:
    url = os.environ.get("AMP_TEST_PG_ADMIN_URL") or os.environ.get("CKAN_SQLALCHEMY_URL")
    if not url:
        pytest.fail("no PostgreSQL server: run the suite with `make test`")
    return url


@pytest.fixture(scope="module")
def search_database() -> Iterator[sa.engine.Engine]:
    admin_url = _admin_url()
    name = f"amp_search_test_{uuid.uuid4().hex[:10]}"
    services.ensure_database(admin_url, name)
    engine = sa.create_engine(services.with_database(admin_url, name))
    try:
        storage.upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        services.drop_database(admin_url, name)

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

def _admin_url() -> str:
    url = os.environ.get("AMP_TEST_PG_ADMIN_URL") or os.environ.get("CKAN_SQLALCHEMY_URL")
    if not url:
        pytest.fail("no PostgreSQL server: run the suite with `make test`")
    return url


@pytest.fixture(scope="module")
def search_database() -> Iterator[sa.engine.Engine]:
    admin = sa.engine.make_url(_admin_url())
    name = f"amp_search_test_{uuid.uuid4().hex[:10]}"
    server = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine = sa.create_engine(admin.set(database=name))
    storage.upgrade(engine)
    try:
        yield engine
    finally:
        engine.dispose()
        with server.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()

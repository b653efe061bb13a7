"""Fixtures for engine-level tests: a real PostgreSQL database, migrated.

The server is the throw-away one ``make test`` starts (its admin URL is in
``AMP_TEST_PG_ADMIN_URL``); each test module gets its own database, created
here and dropped afterwards, with the ``amp_search`` alembic migration applied
exactly as ``ckan db upgrade -p amp_search`` would. Migration tests get an
empty database (``empty_database``) and the alembic configuration for it.
"""
from __future__ import annotations

import contextlib
import os
import uuid
from typing import Iterator

import pytest
import sqlalchemy as sa
from alembic.config import Config

from ckanext.amp.search import storage
from ckanext.amp.stack import services

def _admin_url() -> str:
    url = os.environ.get("AMP_TEST_PG_ADMIN_URL") or os.environ.get("CKAN_SQLALCHEMY_URL")
    if not url:
        pytest.fail("no PostgreSQL server: run the suite with `make test`")
    return url


@contextlib.contextmanager
def _database(prefix: str) -> Iterator[sa.engine.Engine]:
    admin_url = _admin_url()
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    services.ensure_database(admin_url, name)
    engine = sa.create_engine(services.with_database(admin_url, name))
    try:
        yield engine
    finally:
        engine.dispose()
        services.drop_database(admin_url, name)


@pytest.fixture(scope="module")
def search_database() -> Iterator[sa.engine.Engine]:
    with _database("amp_search_test") as engine:
        storage.upgrade(engine)
        yield engine


@pytest.fixture
def empty_database() -> Iterator[sa.engine.Engine]:
    with _database("amp_search_empty") as engine:
        yield engine


@pytest.fixture
def alembic_config(empty_database: sa.engine.Engine) -> Config:
    """The amp_search migrations, pointed at ``empty_database``."""
    config = Config(str(storage.MIGRATIONS / "alembic.ini"))
    config.set_main_option("script_location", str(storage.MIGRATIONS))
    url = empty_database.url.render_as_string(hide_password=False)
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config

"""The engine's tables: created by the ``amp_search`` alembic migration.

``ckan db upgrade -p amp_search`` is the normal way. The index is derived
data, so when its table has vanished (a fresh database, or CKAN's test
fixtures dropping every table) the engine applies the same migration itself
instead of failing every search; see docs/decisions/0002-search-storage.md.
"""
from __future__ import annotations

import logging
from pathlib import Path

import sqlalchemy as sa

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent.parent / "migration" / "amp_search"
#: PostgreSQL error codes meaning "the migration has not been applied".
MISSING_SCHEMA_CODES = frozenset({"42P01", "42883"})  # undefined table, undefined function


def is_missing_schema(error: BaseException) -> bool:
    return getattr(getattr(error, "orig", None), "pgcode", None) in MISSING_SCHEMA_CODES


def upgrade(engine: sa.engine.Engine) -> None:
    """Apply the amp_search migrations to the engine's database (idempotent)."""
    from ckanext.amp.migration.alembic_env import upgrade_to_head

    log.warning("amp_search: index tables missing, applying the amp_search migrations")
    upgrade_to_head(MIGRATIONS.name, engine)

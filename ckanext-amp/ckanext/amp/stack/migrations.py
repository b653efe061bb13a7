"""Database migrations: which plugins have some, which are pending, apply.

A plugin has migrations when ``<its ckanext package>/migration/<plugin>/
alembic.ini`` exists (CKAN 2.11's own rule, ``ckan/cli/db.py``) and it is
enabled in the ini; for the bundle that is ``ckanext/amp/migration/<plugin>``.
Pending migrations are found without starting CKAN (alembic heads of the
scripts vs the version table of each plugin), so a second ``make run`` with an
up-to-date database runs no ``ckan db`` command at all.
"""
from __future__ import annotations

import importlib.util
import logging
from pathlib import Path
from typing import Callable, Iterable, Optional, Sequence

from . import ckan_ini

log = logging.getLogger(__name__)

CORE = None  # stands for CKAN core in the lists below


def core_migration_dir() -> Path:
    spec = importlib.util.find_spec("ckan")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("CKAN is not installed")
    return Path(list(spec.submodule_search_locations)[0]) / "migration"


def plugin_migration_dir(plugin: str) -> Optional[Path]:
    """``<package>/migration/<plugin>`` if it holds an ``alembic.ini``."""
    ep = ckan_ini.plugin_entry_point(plugin)
    if ep is None:
        return None
    parts = ep.module.split(".")
    if len(parts) < 2 or parts[0] != "ckanext":
        return None
    try:
        spec = importlib.util.find_spec(".".join(parts[:2]))
    except ModuleNotFoundError:
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for root in spec.submodule_search_locations:
        folder = Path(root) / "migration" / plugin
        if (folder / "alembic.ini").is_file():
            return folder
    return None


def plugins_with_migrations(plugins: Iterable[str]) -> list[str]:
    return [p for p in plugins if plugin_migration_dir(p) is not None]


def version_table(plugin: Optional[str]) -> str:
    return "alembic_version" if plugin is CORE else f"{plugin}_alembic_version"


def script_heads(folder: Path) -> set[str]:
    from alembic.script import ScriptDirectory
    return set(ScriptDirectory(str(folder)).get_heads())


def applied_versions(conn, table: str) -> Optional[set[str]]:
    """Versions recorded in ``table``; None when the table does not exist."""
    with conn.cursor() as cur:
        cur.execute("SELECT to_regclass(%s)", (f'public."{table}"',))
        if cur.fetchone()[0] is None:
            return None
        cur.execute(f'SELECT version_num FROM "{table}"')
        return {row[0] for row in cur.fetchall()}


def pending(sqlalchemy_url: str, plugins: Sequence[str]) -> list[Optional[str]]:
    """Core (``CORE``) and the ``plugins`` whose database is not at head."""
    import psycopg2

    targets: list[tuple[Optional[str], Path]] = [(CORE, core_migration_dir())]
    for plugin in plugins:
        folder = plugin_migration_dir(plugin)
        if folder is not None:
            targets.append((plugin, folder))
    conn = psycopg2.connect(sqlalchemy_url)
    try:
        conn.autocommit = True
        late = []
        for plugin, folder in targets:
            try:
                heads = script_heads(folder)
            except Exception:  # unreadable scripts: let CKAN decide
                log.warning("cannot read migrations in %s", folder, exc_info=True)
                late.append(plugin)
                continue
            if applied_versions(conn, version_table(plugin)) != heads:
                late.append(plugin)
        return late
    finally:
        conn.close()


def upgrade(ini: Path, sqlalchemy_url: str,
            run_ckan: Callable[[list[str], str], None]) -> list[str]:
    """Bring the database to head for core and every enabled plugin with
    migrations. ``run_ckan(args, label)`` runs ``ckan -c ini <args>`` and
    raises if it fails. Returns the commands run (for the log)."""
    plugins = plugins_with_migrations(ckan_ini.enabled_plugins(ini))
    done: list[str] = []
    late = pending(sqlalchemy_url, plugins)
    if CORE in late:
        # `db init` also applies the enabled plugins' pending migrations.
        run_ckan(["db", "init"], "db init")
        done.append("db init")
        late = pending(sqlalchemy_url, plugins)
        if CORE in late:
            raise RuntimeError("les migrations de CKAN ne sont pas à jour après `ckan db init`")
    for plugin in late:
        run_ckan(["db", "upgrade", "-p", plugin], f"db upgrade -p {plugin}")
        done.append(f"db upgrade -p {plugin}")
    late = pending(sqlalchemy_url, plugins)
    if late:
        raise RuntimeError("migrations toujours en attente : "
                           + ", ".join(p or "ckan" for p in late))
    return done

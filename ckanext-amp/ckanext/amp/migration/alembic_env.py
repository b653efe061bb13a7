"""The Alembic environment every plugin's migrations share.

Each ``<plugin>/env.py`` calls :func:`run` with its folder's name, which is
also the name of its version table (``<plugin>_alembic_version``), as CKAN's
own plugin migrations do (``ckan generate migration`` writes the same
environment into each folder).
"""
from __future__ import annotations

from logging.config import fileConfig
from pathlib import Path

from alembic import context
from sqlalchemy import engine_from_config, pool


def run(name: str) -> None:
    """Run the migrations of the plugin whose folder is ``name``, offline
    (SQL script, from the URL alone) or online (through an engine)."""
    config = context.config
    fileConfig(config.config_file_name)
    version_table = f"{name}_alembic_version"
    if context.is_offline_mode():
        context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=None,
                          literal_binds=True, version_table=version_table)
        with context.begin_transaction():
            context.run_migrations()
        return
    connectable = engine_from_config(config.get_section(config.config_ini_section),
                                     prefix="sqlalchemy.", poolclass=pool.NullPool)
    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=None,
                          version_table=version_table)
        with context.begin_transaction():
            context.run_migrations()


def upgrade_to_head(name: str, engine) -> None:
    """Apply the migrations of the plugin whose folder is ``name`` to the
    database of ``engine`` (a SQLAlchemy engine), as ``ckan db upgrade -p
    name`` does: for the plugins whose tables hold derived data and that
    create them when they find them missing."""
    from alembic import command
    from alembic.config import Config

    folder = Path(__file__).resolve().parent / name
    config = Config(str(folder / "alembic.ini"))
    config.set_main_option("script_location", str(folder))
    url = engine.url.render_as_string(hide_password=False)
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    command.upgrade(config, "head")

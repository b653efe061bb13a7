"""The Alembic environment every plugin's migrations share.

Each ``<plugin>/env.py`` calls :func:`run` with its folder's name, which is
also the name of its version table (``<plugin>_alembic_version``), as CKAN's
own plugin migrations do (``ckan generate migration`` writes the same
environment into each folder).
"""
from __future__ import annotations

from logging.config import fileConfig

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

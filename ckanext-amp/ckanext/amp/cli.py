"""The ``ckan amp`` command group shared by every plugin of the bundle.

Each plugin adds its sub-commands to :data:`amp` in its own ``cli`` module
and returns the group from ``IClick.get_commands``.
"""
from __future__ import annotations

import click


@click.group(short_help="Commandes de ckanext-amp (portail de la Métropole AMP).")
def amp() -> None:
    """Commandes de ckanext-amp."""

"""``ckan amp access ...`` commands (amp_access)."""
from __future__ import annotations

from typing import Any

import click

from ckanext.amp.cli import amp


@amp.group()
def access() -> None:
    """Accès aux données restreintes : journal d’audit, autorisations."""


@access.command("prune")
@click.option("--days", type=int, default=None,
              help="Durée de conservation en jours (défaut : ckanext.amp.access.log_retention_days).")
def prune(days: int | None) -> None:
    """Supprime du journal d’audit les lignes plus anciennes que la durée de conservation."""
    from ckanext.amp.access.retention import prune_log

    removed, kept_days = prune_log(days)
    click.echo(f"Journal d’audit : {removed} ligne(s) de plus de {kept_days} jours supprimée(s).")


def get_commands() -> list[Any]:
    return [amp]

"""``ckan amp harvest ...`` commands."""
from __future__ import annotations

from typing import Any

import click

from ckanext.amp.cli import amp


@amp.group()
def harvest() -> None:
    """Le moissonnage des partenaires (amp_harvest)."""


@harvest.command("prune")
@click.option("--days", type=click.IntRange(0, None), default=None,
              help="Garder les tâches plus récentes (par défaut : ckanext.amp.harvest.retention_days).")
@click.option("--keep", type=click.IntRange(0, None), default=None,
              help="Garder les N dernières tâches de chaque source (par défaut : ckanext.amp.harvest.keep_jobs).")
@click.option("--dry-run", is_flag=True, help="Compter sans rien supprimer.")
def prune(days: int | None, keep: int | None, dry_run: bool) -> None:
    """Supprime l'historique ancien des moissonnages (tâches, objets, erreurs).

    Les objets courants des jeux de données publiés sont toujours gardés.
    """
    from ckanext.amp.harvest import options, retention

    days = options.retention_days() if days is None else days
    keep = options.keep_jobs() if keep is None else keep
    pruned = retention.prune(days, keep, dry_run=dry_run)
    verb = "à supprimer" if dry_run else "supprimé(e)s"
    click.echo(f"Historique du moissonnage (plus de {days} jours, hors les {keep} dernières "
               f"tâches de chaque source) : {pruned.jobs} tâche(s) et {pruned.objects} "
               f"objet(s) {verb}.")


def get_commands() -> list[Any]:
    return [amp]

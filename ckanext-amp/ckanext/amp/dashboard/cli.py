"""``ckan amp tracking ...`` commands (amp_dashboard)."""
from __future__ import annotations

from typing import Any

import click

from ckanext.amp.cli import amp
from ckanext.amp.common.usage_records import MIN_RETENTION_DAYS


@amp.group()
def tracking() -> None:
    """Mesure d’audience (extension tracking de CKAN) : conservation des visites."""


@tracking.command("prune")
@click.option("--days", type=click.IntRange(MIN_RETENTION_DAYS, None), default=None,
              help="Durée de conservation en jours "
                   "(défaut : ckanext.amp.dashboard.tracking_raw_retention_days).")
def prune(days: int | None) -> None:
    """Supprime de tracking_raw les visites plus anciennes que la durée de conservation,
    une fois leur journée additionnée dans tracking_summary par `ckan tracking update`
    (les derniers jours sont toujours gardés). À lancer chaque jour, après la mise à jour."""
    from ckanext.amp.dashboard.tracking_retention import prune_tracking_raw

    try:
        done = prune_tracking_raw(days)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="ckanext.amp.dashboard."
                                 "tracking_raw_retention_days")
    if done.kept_from is None:
        click.echo("tracking_raw : rien d’additionné encore (tracking_summary vide), "
                   "aucune visite supprimée.")
        return
    click.echo(f"tracking_raw : {done.removed} visite(s) d’avant le {done.kept_from.isoformat()} "
               f"supprimée(s) (conservation : {done.days} jours).")


def get_commands() -> list[Any]:
    return [amp]

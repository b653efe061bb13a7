"""``ckan amp access ...`` commands (amp_access)."""
from __future__ import annotations

import contextlib
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


@access.command("remind")
@click.option("--days", type=click.IntRange(1, 365), default=None,
              help="Délai en jours (défaut : ckanext.amp.access.reminder_days).")
@click.pass_context
def remind(ctx: click.Context, days: int | None) -> None:
    """Relance par courriel les administrateurs des demandes d’accès en attente depuis plus
    que le délai (au plus une fois par délai). À lancer chaque jour."""
    import datetime as dt

    from ckanext.amp.access.logic.action import remind_pending

    flask_app = ctx.meta.get("flask_app")
    # The mails' links and words need a request context (url_for, gettext).
    with flask_app.test_request_context() if flask_app is not None else contextlib.nullcontext():
        done = remind_pending(delay=dt.timedelta(days=days) if days else None)
    click.echo(f"Demandes d’accès en attente : {done['requests']} relance(s) envoyée(s) "
               f"aux administrateurs de {done['organizations']} organisation(s).")


def get_commands() -> list[Any]:
    return [amp]

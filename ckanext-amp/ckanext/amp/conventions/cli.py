"""``ckan amp conventions ...`` commands (amp_conventions)."""
from __future__ import annotations

import contextlib
import datetime as dt
from pathlib import Path
from typing import Any, Optional

import click

from ckanext.amp.cli import amp


@amp.group()
def conventions() -> None:
    """Conventions de partage de données (amp_conventions)."""


def _in_a_request():
    """CKAN's own commands run actions in a request of the app (messages
    in the portal's language, the site user)."""
    context = click.get_current_context()
    app = context.meta.get("flask_app")
    return app.test_request_context() if app is not None else contextlib.nullcontext()


@conventions.command("load")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
def load(paths: tuple[Path, ...]) -> None:
    """Crée ou met à jour les conventions des fichiers harvesters/*.yaml.

    Sans argument : le dossier harvesters/ livré avec le paquet. Sans effet
    sur ce qui est déjà à jour ; un fichier refusé ne change rien et
    l’erreur nomme le fichier, la ligne et le champ.
    """
    from ckanext.amp.common.paths import data_path
    from ckanext.amp.conventions.loader import LoadError, load as load_files

    try:
        with _in_a_request():
            load_files(list(paths) or [data_path("harvesters")], echo=click.echo)
    except LoadError as error:
        raise click.ClickException(str(error))


@conventions.command("check")
@click.option("--date", "on", metavar="AAAA-MM-JJ", default=None,
              help="Jour de la vérification (par défaut : aujourd’hui).")
def check(on: Optional[str]) -> None:
    """Vérification quotidienne : reconductions tacites, rappels d’échéance,
    livraisons en retard, fin et retour des droits (réindexation).

    Relancée le même jour, elle ne refait rien.
    """
    from ckanext.amp.conventions.check import run

    day = None
    if on:
        try:
            day = dt.date.fromisoformat(on)
        except ValueError:
            raise click.BadParameter(f"{on} n’est pas une date AAAA-MM-JJ", param_hint="--date")
    with _in_a_request():
        report = run(day, echo=click.echo)
    click.echo(report.summary())
    if report.errors:
        raise click.ClickException("\n".join(report.errors))


def get_commands() -> list[Any]:
    return [amp]

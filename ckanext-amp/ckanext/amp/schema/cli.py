"""``ckan amp demo ...`` commands (amp_schema)."""
from __future__ import annotations

from typing import Any

import click

from ckanext.amp.cli import amp


@amp.group()
def demo() -> None:
    """Données de démonstration (organisations et jeux de données)."""


@demo.command("load")
@click.option("--only", multiple=True, metavar="NOM",
              help="Ne charger que ce jeu de données (répétable).")
def load(only: tuple[str, ...]) -> None:
    """Crée ou met à jour les organisations et jeux de données de démonstration.

    Sans effet sur ce qui est déjà à jour : la commande peut être relancée.
    """
    from ckanext.amp.schema.demo import DemoError, load as load_demo

    try:
        load_demo(echo=click.echo, only=only)
    except DemoError as error:
        raise click.ClickException(str(error))


def get_commands() -> list[Any]:
    return [amp]

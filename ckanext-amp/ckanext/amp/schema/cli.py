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
@click.option("--organizations-only", is_flag=True,
              help="Ne charger que les organisations (avant les conventions, qui les nomment).")
def load(only: tuple[str, ...], organizations_only: bool) -> None:
    """Crée ou met à jour les organisations et jeux de données de démonstration.

    Sans effet sur ce qui est déjà à jour : la commande peut être relancée.
    """
    from ckanext.amp.schema.demo import DemoError, load as load_demo

    try:
        load_demo(echo=click.echo, only=only, organizations_only=organizations_only)
    except DemoError as error:
        raise click.ClickException(str(error))


def get_commands() -> list[Any]:
    return [amp]

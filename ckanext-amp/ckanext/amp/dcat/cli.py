"""``ckan amp dcat ...`` commands (amp_dcat)."""
from __future__ import annotations

import time
from typing import Any

import click

from ckanext.amp.cli import amp


@amp.group()
def dcat() -> None:
    """Catalogue DCAT : fragments RDF stockés de chaque jeu de données."""


@dcat.command("fragments")
@click.option("--force", is_flag=True,
              help="Recalcule chaque fragment, même à jour (sinon : les manquants et périmés).")
@click.option("--chunk", type=click.IntRange(1, 5000), default=200, show_default=True,
              help="Jeux de données lus et écrits à la fois.")
def fragments_command(force: bool, chunk: int) -> None:
    """Met à jour les fragments DCAT stockés de tous les jeux de données, sans
    réindexer (après un changement de profil, de licences ou d’URL du site),
    et supprime ceux des jeux de données qui n’existent plus."""
    from ckanext.amp.dcat import fragments

    if not fragments.enabled():
        raise click.ClickException(
            "Les fragments ne servent pas quand ckanext.dcat.expose_subcatalogs est activé : "
            "le catalogue est alors calculé par ckanext-dcat.")
    started = time.monotonic()

    def progress(done: int, total: int, computed: int) -> None:
        click.echo(f"  {done} / {total} jeux de données, {computed} fragment(s) calculé(s) "
                   f"({time.monotonic() - started:.0f} s)")

    done = fragments.refresh_all(force=force, chunk=chunk, progress=progress)
    click.echo(f"Fragments DCAT : {done['computed']} calculé(s), {done['fresh']} déjà à jour, "
               f"{done['removed']} supprimé(s) (jeux de données disparus), "
               f"en {time.monotonic() - started:.1f} s.")


def get_commands() -> list[Any]:
    return [amp]

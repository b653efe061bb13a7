"""``ckan amp validation ...`` commands (amp_validation)."""
from __future__ import annotations

from typing import Any

import click

from ckanext.amp.cli import amp


@amp.group()
def validation() -> None:
    """Contrôle des fichiers selon leur schéma (SCDL)."""


@validation.command("run")
@click.option("--dataset", "datasets", multiple=True, help="Jeu de données (nom ou id) ; répétable.")
@click.option("--force", is_flag=True, help="Recontrôler même les fichiers inchangés.")
def run(datasets: tuple[str, ...], force: bool) -> None:
    """Met en file le contrôle des ressources qui déclarent un schéma (toutes, ou celles des
    jeux de données donnés) dont le fichier, le format ou le schéma a changé depuis leur
    dernier contrôle (ou jamais contrôlées). Le worker `ckan jobs worker` les contrôle."""
    from ckan import model

    from ckanext.amp.validation import jobs

    query = model.Session.query(model.Package.id).filter(model.Package.state == "active")
    if datasets:
        query = query.filter(model.Package.name.in_(datasets) | model.Package.id.in_(datasets))
    marked = 0
    for (package_id,) in query:
        marked += len(jobs.schedule(package_id, force=force))
        model.Session.commit()
    click.echo(f"Contrôles mis en file : {marked} ressource(s).")


def get_commands() -> list[Any]:
    return [amp]

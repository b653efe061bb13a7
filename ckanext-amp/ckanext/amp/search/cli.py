"""``ckan amp search ...`` commands."""
from __future__ import annotations

import json
import sys
from typing import Any

import click

from ckanext.amp.cli import amp


@amp.group()
def search() -> None:
    """Le moteur de recherche PostgreSQL (amp_search)."""


@search.command("check-schema")
@click.option("--limit", type=int, default=0, help="Stop after N datasets (0: all).")
def check_schema(limit: int) -> None:
    """Check that every dataset's index document fits CKAN's stock Solr schema.

    Run it before switching the engine to Solr: it builds each document
    exactly as CKAN indexes it, without writing anything.
    """
    from ckanext.amp.search.documents import iter_index_documents
    from ckanext.amp.common.solr_schema import load_schema

    schema = load_schema()
    failures = 0
    checked = 0
    for document in iter_index_documents(limit=limit):
        checked += 1
        problems = schema.check(document)
        if problems:
            failures += 1
            click.echo(json.dumps({"dataset": document.get("name"), "problems": problems},
                                  ensure_ascii=False))
    click.echo(f"{checked} jeu(x) de données vérifié(s), {failures} non conforme(s) au schéma Solr.")
    if failures:
        sys.exit(1)


@search.command("rebuild")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Processus d'indexation en parallèle (un par cœur, au plus).")
@click.option("--batch-size", type=click.IntRange(1, 10000), default=200, show_default=True,
              help="Jeux de données écrits dans l'index en une fois.")
@click.option("--clear", is_flag=True,
              help="Vider l'index avant de reconstruire (les recherches ne trouvent plus "
                   "rien jusqu'à la fin).")
def rebuild(workers: int, batch_size: int, clear: bool) -> None:
    """Reconstruire tout l'index de recherche, plus vite que `ckan search-index rebuild`.

    Chaque jeu de données passe par le même code que CKAN (package_show puis
    index_package, avec tous les greffons) ; les écritures sont groupées par
    lots et les jeux répartis entre plusieurs processus.
    """
    import time

    import ckan.lib.search as ckan_search

    from ckanext.amp.search import rebuild as rebuilding

    package_ids = rebuilding.package_ids_to_index()
    if clear:
        ckan_search.clear_all()
        click.echo("Index vidé.")
    click.echo(f"{len(package_ids)} jeu(x) de données à indexer avec {workers} processus "
               f"(lots de {batch_size}).")
    started = time.monotonic()
    with click.progressbar(length=len(package_ids), label="Indexation",
                           show_pos=True, show_eta=True) as bar:
        outcome = rebuilding.rebuild(package_ids, workers, batch_size,
                                     lambda done, _failures: bar.update(done))
    elapsed = time.monotonic() - started
    rate = outcome.indexed / elapsed if elapsed > 0 else 0.0
    click.echo(f"{outcome.indexed} jeu(x) de données indexé(s) en {elapsed:.1f} s "
               f"({rate:.0f} par seconde), {len(outcome.failures)} échec(s).")
    for failure in outcome.failures:
        click.echo(f"échec : {failure.package_id} : {failure.error}", err=True)
    if outcome.failures:
        sys.exit(1)


def get_commands() -> list[Any]:
    return [amp]

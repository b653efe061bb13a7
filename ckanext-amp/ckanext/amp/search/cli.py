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
    from ckanext.amp.search.solr_schema import load_schema

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


def get_commands() -> list[Any]:
    return [amp]

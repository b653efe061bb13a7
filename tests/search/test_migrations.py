"""The amp_search alembic migrations: up, down and up again keep the index."""
from __future__ import annotations

import json
import uuid
from typing import Any

import sqlalchemy as sa
from alembic import command

from ckanext.amp.search.engine import PostgresSearchEngine
from ckanext.amp.common.solr_schema import load_schema

FIRST_REVISION = "8d1f0c2a7b31"


def _document(name: str, title: str, tags: list[str], organization: str,
              labels: list[str], modified: str) -> dict[str, Any]:
    package_id = str(uuid.uuid5(uuid.NAMESPACE_URL, name))
    data = json.dumps({"id": package_id, "name": name, "title": title})
    return {
        "id": package_id, "index_id": uuid.uuid5(uuid.NAMESPACE_DNS, name).hex, "name": name,
        "title": title, "title_string": title, "site_id": "default", "entity_type": "package",
        "dataset_type": "dataset", "state": "active",
        "capacity": "public" if labels == ["public"] else "private", "tags": tags,
        "organization": organization, "res_format": ["CSV", "CSV", "JSON"],
        "res_url": [f"https://data.example.org/{name}.csv"], "metadata_modified": modified,
        "metadata_created": modified, "permission_labels": labels,
        "data_dict": data, "validated_data_dict": data,
    }


CATALOGUE = [
    _document("deliberations-2023", "Délibérations du conseil 2023", ["délibérations"],
              "metropole-amp", ["public"], "2026-10-01T00:00:00Z"),
    _document("deliberations-2024", "Délibérations du bureau 2024", ["délibérations", "budget"],
              "metropole-amp", ["public"], "2026-10-02T00:00:00Z"),
    _document("captages-crau", "Captages de la Crau : délibérations du syndicat", ["eau"],
              "symcrau", ["member-symcrau"], "2026-10-03T00:00:00Z"),
    _document("budget-primitif", "Budget primitif", ["budget"], "metropole-amp", ["public"],
              "2026-10-04T00:00:00Z"),
]


def _answers(search: PostgresSearchEngine) -> list:
    requests = [
        {"q": "délibérations", "defType": "dismax", "qf": "name^4 title^4 tags^2 text",
         "fq": "+permission_labels:(public OR member-symcrau)", "facet": "true",
         "facet.field": ["tags", "organization", "res_format"], "fl": "id score"},
        {"q": "*:*", "sort": "metadata_modified desc", "fl": "id",
         "fq": "+capacity:public +organization:metropole-amp"},
        {"q": "tags:budget OR captages", "fl": "id", "fq": "+permission_labels:member-symcrau"},
    ]
    return [search.search(request) for request in requests]


def test_upgrade_downgrade_upgrade_keeps_the_index(empty_database, alembic_config):
    config = alembic_config
    command.upgrade(config, "head")
    search = PostgresSearchEngine(empty_database, load_schema())
    search.add(CATALOGUE)
    before = _answers(search)
    assert before[0]["response"]["numFound"] > 0

    command.downgrade(config, FIRST_REVISION)
    with empty_database.connect() as connection:
        kept = connection.execute(sa.text(
            "SELECT count(*), count(search_vector), count(DISTINCT indexed_order) "
            "FROM amp_search_document")).one()
        match_table = connection.execute(sa.text("SELECT to_regclass('amp_search_match')")).scalar()
    assert tuple(kept) == (len(CATALOGUE),) * 3
    assert match_table is None

    command.upgrade(config, "head")
    assert _answers(search) == before
    # Writes after the round trip go last in Solr's tie-break order, as before.
    search.add(CATALOGUE[:1])
    with empty_database.connect() as connection:
        last = connection.execute(sa.text(
            "SELECT index_id FROM amp_search_match ORDER BY indexed_order DESC LIMIT 1")).scalar()
    assert last == CATALOGUE[0]["index_id"]


def test_engine_migrates_an_index_left_at_the_first_revision(empty_database, alembic_config):
    # A portal upgraded without `ckan db upgrade -p amp_search`: the first
    # write migrates the index instead of failing (docs/decisions/0002).
    command.upgrade(alembic_config, FIRST_REVISION)
    search = PostgresSearchEngine(empty_database, load_schema())
    search.add(CATALOGUE)
    found = search.search({"q": "budget", "fl": "id", "fq": "+capacity:public"})
    assert found["response"]["numFound"] == 2

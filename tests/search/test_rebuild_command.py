"""``ckan amp search rebuild``: the index CKAN's own rebuild makes, faster.

Run against the real database through CKAN (plugins, package_show, the
permission labels), with forked worker processes and small batches.
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

import ckan.lib.search as search
import ckan.model as model
from ckan.tests import factories, helpers

from ckanext.amp.search import cli

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", "amp_search"),
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index"),
]


@pytest.fixture
def datasets():
    organization = factories.Organization(name="metropole-amp")
    return [
        factories.Dataset(name="velos-comptages", title="Comptages vélos",
                          owner_org=organization["id"], tags=[{"name": "mobilité"}]),
        factories.Dataset(name="budget-interne", title="Budget interne", private=True,
                          owner_org=organization["id"]),
        factories.Dataset(name="qualite-air", title="Qualité de l'air",
                          notes="Mesures horaires des stations.", owner_org=organization["id"]),
    ]


def _index_contents() -> list[dict]:
    """Everything the index holds for each dataset, but its write order and time."""
    rows = model.Session.execute(sa.text(
        "SELECT m.index_id, m.site_id, m.state, m.capacity, m.entity_type, m.dataset_type, "
        "m.metadata_modified, m.permission_labels, m.short_fields, m.search_vector::text, "
        "d.id, d.name, d.title_string, d.metadata_created, d.fields, d.texts, "
        "p.data_dict, p.validated_data_dict FROM amp_search_match AS m "
        "JOIN amp_search_document AS d ON d.index_id = m.index_id "
        "JOIN amp_search_payload AS p ON p.index_id = m.index_id ORDER BY m.index_id"))
    return [dict(row._mapping) for row in rows]


def _rebuild(*arguments: str):
    result = CliRunner().invoke(cli.search, ["rebuild", *arguments])
    assert result.exit_code == 0, result.output
    return result


def test_rebuild_with_workers_writes_the_index_ckan_would(datasets):
    search.rebuild()
    expected = _index_contents()
    assert len(expected) == 3
    search.clear_all()
    assert helpers.call_action("package_search", q="vélos")["count"] == 0

    result = _rebuild("--workers", "2", "--batch-size", "2")

    assert "3 jeu(x) de données à indexer avec 2 processus" in result.output
    assert "3 jeu(x) de données indexé(s)" in result.output
    assert "0 échec(s)" in result.output
    assert _index_contents() == expected
    found = helpers.call_action("package_search", q="vélos")["results"]
    assert [dataset["id"] for dataset in found] == [datasets[0]["id"]]
    # The private dataset is indexed with its labels: outsiders do not see it.
    assert helpers.call_action("package_search", q="budget")["count"] == 0


def test_rebuild_in_one_process_and_clear(datasets):
    result = _rebuild("--clear")
    assert "Index vidé." in result.output
    assert "3 jeu(x) de données indexé(s)" in result.output
    assert helpers.call_action("package_search", q="*:*")["count"] == 2  # +1 private
    assert helpers.call_action("package_search", q="*:*", include_private=True,
                               context={"ignore_auth": True})["count"] == 3


def test_deleted_dataset_is_not_reindexed(datasets):
    helpers.call_action("package_delete", id=datasets[2]["id"])
    _rebuild("--clear", "--workers", "2")
    assert helpers.call_action("package_search", q="name:qualite-air")["count"] == 0
    assert helpers.call_action("package_search", q="name:velos-comptages")["count"] == 1

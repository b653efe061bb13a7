"""Facet counts from the in-memory facet index (search/facet_index.py) stay
exactly what the table holds: after updates, deletions, a version committed
late by a slower writer, a table emptied and refilled; with values of every
JSON kind. Real PostgreSQL (the test stack's), no CKAN."""
from __future__ import annotations

import json
from collections import Counter
from typing import Any

import numpy as np
import pytest
import sqlalchemy as sa

from ckanext.amp.search import storage
from ckanext.amp.search.engine import TABLE, PostgresSearchEngine
from ckanext.amp.search.facet_index import FacetIndex, _Column, _Groups, as_texts, _Number
from ckanext.amp.common.solr_schema import load_schema

from support.solr_documents import solr_document


def facets(search: PostgresSearchEngine, *fields: str, q: str = "*:*",
           **params: Any) -> dict[str, list[Any]]:
    response = search.search({"q": q, "facet": "true", "facet.field": list(fields),
                              "facet.limit": -1, "facet.mincount": 1, "rows": 0, **params})
    return response["facet_counts"]["facet_fields"]


def expected(search: PostgresSearchEngine, field: str) -> dict[str, int]:
    """What the table holds, counted in SQL, one count per document and value."""
    with search.engine.connect() as connection:
        rows = connection.execute(sa.text(
            "SELECT short_fields -> :field FROM amp_search_match"), {"field": field}).scalars()
        counts: Counter[str] = Counter()
        for value in rows:
            values = value if isinstance(value, list) else [value]
            counts.update({str(item) for item in values if item is not None})
    return dict(counts)


def as_dict(flat: list[Any]) -> dict[str, int]:
    return dict(zip(flat[0::2], flat[1::2]))


@pytest.fixture
def search(empty_database: sa.engine.Engine) -> PostgresSearchEngine:
    storage.upgrade(empty_database)
    return PostgresSearchEngine(empty_database, load_schema(), strict=True)


def test_counts_follow_updates_and_deletions(search):
    search.add([solr_document(f"jeu-{n}", f"Jeu {n}", tags=("bus", f"t{n % 3}"),
                              formats=("CSV", "CSV") if n % 2 else ("JSON",)) for n in range(30)])
    first = facets(search, "tags", "res_format")
    assert as_dict(first["tags"]) == expected(search, "tags")
    # Two CSV resources count once, as in Solr.
    assert as_dict(first["res_format"]) == {"CSV": 15, "JSON": 15}

    # Re-indexed with other values: the old version no longer counts.
    search.add([solr_document(f"jeu-{n}", f"Jeu {n}", tags=("tram",), formats=("XML",))
                for n in range(10)])
    search.delete(index_ids=[solr_document(f"jeu-{n}", "x")["index_id"] for n in range(25, 30)])
    after = facets(search, "tags", "res_format")
    assert as_dict(after["tags"]) == expected(search, "tags")
    assert as_dict(after["tags"])["tram"] == 10 and as_dict(after["tags"])["bus"] == 15
    assert as_dict(after["res_format"]) == {"XML": 10, "CSV": 7, "JSON": 8}
    # A filtered search counts only its matches.
    only_tram = facets(search, "res_format", q="tags:tram")
    assert only_tram["res_format"] == ["XML", 10]


def test_a_version_committed_late_is_counted(search):
    """Writer A takes its indexed_order first and commits last."""
    search.add([solr_document("premier", "Premier", tags=("eau",))])
    assert as_dict(facets(search, "tags")["tags"]) == {"eau": 1}
    slow = search.engine.connect()
    transaction = slow.begin()
    slow.execute(sa.text(
        "INSERT INTO amp_search_document (index_id, id, name, fields, texts) "
        "VALUES ('lent', 'lent', 'lent', '{}', '{}')"))
    slow.execute(sa.text(
        "INSERT INTO amp_search_match (index_id, site_id, state, capacity, entity_type, "
        "short_fields, search_vector) VALUES ('lent', 'default', 'active', 'public', 'package', "
        "'{\"tags\": [\"air\"]}', to_tsvector('simple', 'lent'))"))
    search.add([solr_document("rapide", "Rapide", tags=("bruit",))])  # a higher order, committed
    assert as_dict(facets(search, "tags")["tags"]) == {"eau": 1, "bruit": 1}
    transaction.commit()
    slow.close()
    assert as_dict(facets(search, "tags")["tags"]) == {"eau": 1, "bruit": 1, "air": 1}


def test_a_table_emptied_and_refilled_is_read_again(search):
    search.add([solr_document(f"a-{n}", "A", tags=("ancien",)) for n in range(5)])
    assert facets(search, "tags")["tags"] == ["ancien", 5]
    with search.engine.begin() as connection:
        connection.execute(sa.text(
            "TRUNCATE amp_search_document, amp_search_match, amp_search_payload, "
            "amp_search_geometry RESTART IDENTITY"))
    # The same indexed_order values come back, with other values.
    search.add([solr_document(f"b-{n}", "B", tags=("nouveau",)) for n in range(3)])
    assert facets(search, "tags")["tags"] == ["nouveau", 3]


def test_replaced_versions_do_not_pile_up(search):
    search.add([solr_document(f"j-{n}", "J", tags=("v0",)) for n in range(20)])
    facets(search, "tags")
    for round_number in range(1, 80):
        search.add([solr_document(f"j-{n}", "J", tags=(f"v{round_number}",)) for n in range(20)])
        assert facets(search, "tags")["tags"] == [f"v{round_number}", 20]
    held = search.facet_index._columns["tags"]
    # 80 x 20 versions written; the column was read afresh once they were
    # more than twice its first load plus a thousand.
    assert len(held.orders) <= 2 * held.first_scan + 1000 + 20
    assert len(held.orders) < 1600


def test_values_of_every_json_kind_read_as_postgresql_writes_them(search):
    search.add([solr_document("mixte", "Mixte", tags=("a", "a", "b"), num_tags=3,
                              extras_nombre="12")])
    counted = facets(search, "tags", "num_tags", "private", "organization")
    assert counted["tags"] == ["a", 1, "b", 1]
    assert counted["num_tags"] == ["3", 1]
    assert counted["private"] == ["false", 1]
    assert as_texts(json.loads('[1.50, true, null, "x", {"k": [1, "é"]}]',
                               parse_int=_Number, parse_float=_Number)) == \
        ["1.50", "true", None, "x", '{"k": [1, "é"]}']


def test_facet_fields_outside_the_narrow_row_and_permission_labels(search):
    search.add([solr_document("p1", "P1", labels=("public",)),
                solr_document("p2", "P2", labels=("member-x",), private=True)])
    counted = facets(search, "permission_labels", "name")
    assert as_dict(counted["permission_labels"]) == {"public": 1, "member-x": 1}
    assert as_dict(counted["name"]) == {"p1": 1, "p2": 1}


def test_limit_mincount_and_both_sorts(search):
    search.add([solr_document(f"s-{n}", "S", tags=tuple(["é", "z", "a"][: 1 + n % 3]))
                for n in range(9)])
    assert facets(search, "tags")["tags"] == ["é", 9, "z", 6, "a", 3]
    assert facets(search, "tags", **{"facet.limit": 2})["tags"] == ["é", 9, "z", 6]
    assert facets(search, "tags", **{"facet.mincount": 4})["tags"] == ["é", 9, "z", 6]
    # By value: code point order (PostgreSQL's "C" collation), é after z.
    assert facets(search, "tags", **{"facet.sort": "index"})["tags"] == ["a", 3, "z", 6, "é", 9]


def test_column_keeps_its_orders_sorted_when_versions_arrive_out_of_order():
    column = _Column()
    column.add(_Groups(np.array([5, 3, 9]), np.array([2, 1]), [["x", "x"], ["y", None]]))
    column.add(_Groups(np.array([4]), np.array([1]), [["x"]]))
    assert column.orders.tolist() == [3, 4, 5, 9]
    positions, missing = column.positions(np.array([3, 9, 7]))
    assert missing.tolist() == [7]
    counts = column.counts(positions)
    assert {column.values[code]: int(n) for code, n in enumerate(counts)} == {"x": 1, "y": 1}
    every = column.counts(column.positions(np.array([3, 4, 5, 9]))[0])
    assert {column.values[code]: int(n) for code, n in enumerate(every)} == {"x": 3, "y": 1}


def test_the_engine_of_each_ckan_process_shares_one_index():
    from ckanext.amp.search import connection

    factory = connection._factory(lambda decode_dates=True: None)
    assert isinstance(factory.__closure__, tuple)
    shared = [cell.cell_contents for cell in factory.__closure__
              if isinstance(cell.cell_contents, FacetIndex)]
    assert len(shared) == 1 and shared[0]._table == TABLE

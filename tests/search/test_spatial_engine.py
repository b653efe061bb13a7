"""The engine's spatial answers on every commune of the Bouches-du-Rhône.

Documents are what ckanext-spatial's two backends index (their own
``index_dataset``), queries what they send (their own ``search_params``);
the expected answers are computed independently: shapely intersection of
the commune for ``solr-spatial-field``, ckanext-spatial's overlap score on
the envelope for ``solr-bbox`` (kept above 0, sorted by it).
"""
from __future__ import annotations

import json
import random
import uuid
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from shapely.geometry import box, shape

from ckanext.amp.search.engine import PostgresSearchEngine
from ckanext.amp.common.solr_schema import load_schema
from ckanext.spatial.lib import normalize_bbox
from ckanext.spatial.search import SolrBBoxSearchBackend, SolrSpatialFieldSearchBackend

COMMUNES_FILE = Path(__file__).resolve().parents[1] / "fixtures" / "spatial" / \
    "communes-13-bouches-du-rhone.geojson"
FEATURES = json.loads(COMMUNES_FILE.read_text(encoding="utf-8"))["features"]
PUBLIC = "+permission_labels:public"


def _document(code: str, name: str, geometry: dict[str, Any]) -> dict[str, Any]:
    dataset = {"spatial": json.dumps(geometry)}
    indexed = SolrBBoxSearchBackend().index_dataset(dict(dataset))
    indexed = SolrSpatialFieldSearchBackend().index_dataset(indexed)
    indexed.pop("spatial")
    return {"id": str(uuid.uuid5(uuid.NAMESPACE_URL, code)), "index_id": f"commune-{code}",
            "name": f"commune-{code}", "title": name, "site_id": "default",
            "entity_type": "package", "dataset_type": "dataset", "state": "active",
            "capacity": "public", "permission_labels": ["public"],
            "metadata_modified": "2026-12-01T00:00:00Z", "metadata_created": "2026-12-01T00:00:00Z",
            **indexed}


SHAPES = {f"commune-{feature['properties']['code']}": shape(feature["geometry"])
          for feature in FEATURES}


@pytest.fixture(scope="module")
def engine(search_database: sa.engine.Engine) -> PostgresSearchEngine:
    search = PostgresSearchEngine(search_database, load_schema(), strict=True)
    search.add([_document(feature["properties"]["code"], feature["properties"]["nom"],
                          feature["geometry"]) for feature in FEATURES])
    return search


def _boxes() -> list[str]:
    """A grid over the department, and random boxes of every size in it."""
    boxes = [f"{4.2 + 0.2 * i:.2f},{43.1 + 0.2 * j:.2f},{4.4 + 0.2 * i:.2f},{43.3 + 0.2 * j:.2f}"
             for i in range(8) for j in range(5)]
    dice = random.Random(13)
    for _ in range(40):
        x, y = dice.uniform(4.2, 5.8), dice.uniform(43.1, 43.9)
        size = dice.choice((0.002, 0.02, 0.1, 0.4))
        boxes.append(f"{x:.4f},{y:.4f},{x + size:.4f},{y + size * 0.7:.4f}")
    return boxes


def _search(engine: PostgresSearchEngine, backend: Any, bbox: str) -> list[str]:
    params = backend.search_params(normalize_bbox(bbox), {})
    solr = {"q": "*:*", "fq": [PUBLIC, *params.pop("fq_list")], "fl": "name", "rows": 200,
            "sort": "score desc", **params}
    return [doc["name"] for doc in engine.search(solr)["response"]["docs"]]


def _overlap(name: str, bbox: str) -> float:
    minx, miny, maxx, maxy = SHAPES[name].bounds
    qminx, qminy, qmaxx, qmaxy = (float(value) for value in bbox.split(","))
    inter = (max(0.0, min(qmaxx, maxx) - max(qminx, minx))
             * max(0.0, min(qmaxy, maxy) - max(qminy, miny)))
    return 2 * inter / ((qmaxx - qminx) * (qmaxy - qminy) + (maxx - minx) * (maxy - miny))


def test_spatial_field_backend_answers_exact_intersection(engine):
    decided_by_geometry = 0
    for bbox in _boxes():
        query = box(*(float(value) for value in bbox.split(",")))
        expected = sorted(name for name, commune in SHAPES.items() if commune.intersects(query))
        assert sorted(_search(engine, SolrSpatialFieldSearchBackend(), bbox)) == expected, bbox
        by_envelope = {name for name, commune in SHAPES.items()
                       if box(*commune.bounds).intersects(query)}
        decided_by_geometry += len(by_envelope - set(expected))
    assert decided_by_geometry > 20  # the boxes do test more than envelopes


def test_bbox_backend_answers_the_overlap_score_in_its_order(engine):
    for bbox in _boxes():
        scores = {name: _overlap(name, bbox) for name in SHAPES}
        found = _search(engine, SolrBBoxSearchBackend(), bbox)
        assert sorted(found) == sorted(name for name, score in scores.items() if score > 0), bbox
        ranked = [scores[name] for name in found]
        assert ranked == sorted(ranked, reverse=True), bbox


def test_marseille_has_eight_polygons_and_the_sea_between_them(engine):
    marseille = "commune-13055"
    with engine.engine.connect() as connection:
        parts = connection.execute(sa.text(
            "SELECT count(*) FROM amp_search_geometry WHERE index_id = :id"),
            {"id": marseille}).scalar()
    assert parts == 8
    sea = "5.280,43.200,5.285,43.205"  # in Marseille's envelope, in no commune
    assert _search(engine, SolrSpatialFieldSearchBackend(), sea) == []
    assert marseille in _search(engine, SolrBBoxSearchBackend(), sea)


def test_reindexing_replaces_the_geometry_and_deleting_removes_it(engine):
    document = _document("99999", "Test", {"type": "Point", "coordinates": [5.0, 43.5]})
    engine.add([document])
    assert _search(engine, SolrSpatialFieldSearchBackend(), "4.99,43.49,5.01,43.51")[-1:] == [
        "commune-99999"]
    engine.add([dict(_document("99999", "Test", {"type": "Point", "coordinates": [5.7, 43.2]}))])
    assert "commune-99999" not in _search(engine, SolrSpatialFieldSearchBackend(),
                                          "4.99,43.49,5.01,43.51")
    assert "commune-99999" in _search(engine, SolrSpatialFieldSearchBackend(),
                                      "5.69,43.19,5.71,43.21")
    engine.delete(index_ids=["commune-99999"])
    with engine.engine.connect() as connection:
        left = connection.execute(sa.text(
            "SELECT count(*) FROM amp_search_geometry WHERE index_id = 'commune-99999'")).scalar()
    assert left == 0


def test_strict_engine_refuses_what_solr_refuses(engine):
    document = _document("99998", "Hors limites", {"type": "Point", "coordinates": [5.0, 43.5]})
    document["spatial_geom"] = "POINT (190 43)"
    with pytest.raises(ValueError, match="Bad X value 190.0"):
        engine.add([document])


def test_the_migration_builds_the_geometries_of_an_older_index(empty_database, alembic_config):
    config = alembic_config
    command.upgrade(config, "head")
    search = PostgresSearchEngine(empty_database, load_schema())
    cassis = next(feature for feature in FEATURES if feature["properties"]["nom"] == "Cassis")
    search.add([_document("13022", "Cassis", cassis["geometry"])])
    inside = "5.53,43.21,5.54,43.22"
    assert _search(search, SolrSpatialFieldSearchBackend(), inside) == ["commune-13022"]
    command.downgrade(config, "4b7e2d9c6a15")  # no geometry table, the WKT in short_fields
    with empty_database.connect() as connection:
        assert connection.execute(sa.text("SELECT to_regclass('amp_search_geometry')")).scalar() is None
    command.upgrade(config, "head")
    assert _search(search, SolrSpatialFieldSearchBackend(), inside) == ["commune-13022"]
    assert _search(search, SolrSpatialFieldSearchBackend(), "5.0,43.5,5.1,43.6") == []

"""Spatial search with ckanext-spatial's solr-bbox backend on amp_search.

ckanext-spatial indexes each dataset's envelope (minx, maxx, miny, maxy,
bbox_area) and, for ``ext_bbox``, sends an ``{!frange}`` filter and a boost
function: the engine evaluates both, so spatial search needs no PostGIS.
"""
from __future__ import annotations

import json

import pytest

from ckan.tests import factories, helpers

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", "amp_search spatial_metadata spatial_query"),
    pytest.mark.ckan_config("ckanext.spatial.search_backend", "solr-bbox"),
    pytest.mark.ckan_config("ckan.search.solr_allowed_query_parsers", "frange"),
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index"),
]


def _polygon(minx, miny, maxx, maxy):
    return json.dumps({"type": "Polygon", "coordinates": [[
        [minx, miny], [maxx, miny], [maxx, maxy], [minx, maxy], [minx, miny]]]})


@pytest.fixture
def places(with_plugins, clean_db, clean_index):
    organization = factories.Organization()
    datasets = {
        # Marseille, Aix-en-Provence and Montpellier (WGS 84 envelopes).
        "marseille": _polygon(5.23, 43.17, 5.53, 43.39),
        "aix-en-provence": _polygon(5.25, 43.45, 5.58, 43.63),
        "montpellier": _polygon(3.80, 43.56, 3.94, 43.66),
    }
    for name, geometry in datasets.items():
        factories.Dataset(name=name, owner_org=organization["id"],
                          extras=[{"key": "spatial", "value": geometry}])
    factories.Dataset(name="sans-emprise", owner_org=organization["id"])


def _search(bbox, **params):
    result = helpers.call_action("package_search", ext_bbox=bbox, **params)
    return [dataset["name"] for dataset in result["results"]], result["count"]


@pytest.mark.usefixtures("places")
def test_bbox_search_keeps_only_overlapping_datasets():
    names, count = _search("5.2,43.1,5.6,43.7")
    assert sorted(names) == ["aix-en-provence", "marseille"] and count == 2
    assert _search("3.7,43.5,4.0,43.7") == (["montpellier"], 1)
    assert _search("-1.0,47.0,0.0,48.0") == ([], 0)


@pytest.mark.usefixtures("places")
def test_bbox_search_ranks_the_best_overlap_first():
    names, _count = _search("5.22,43.16,5.54,43.40")
    assert names[0] == "marseille"


@pytest.mark.usefixtures("places")
def test_bbox_search_combines_with_text_and_filters():
    names, count = _search("3.0,43.0,6.0,44.0", q="name:mar*")
    assert names == ["marseille"] and count == 1


def test_wrong_bbox_is_refused_with_a_search_error(app):
    response = app.get("/api/3/action/package_search", params={"ext_bbox": "a,b,c"}, status=409)
    assert "bounding box" in response.json["error"]["message"]

"""The geometry ckanext-spatial indexes for a dataset's ``spatial_coverage``."""
from __future__ import annotations

import json

from ckanext.amp.common.spatial_coverage import search_geometry

POLYGON = {"type": "Polygon", "coordinates": [[[5.2, 43.2], [5.5, 43.2], [5.5, 43.4],
                                               [5.2, 43.4], [5.2, 43.2]]]}
POINT = {"type": "Point", "coordinates": [5.37, 43.29]}


def test_the_precise_geometry_wins_over_the_bbox_and_the_centroid():
    item = {"geom": json.dumps(POLYGON), "bbox": json.dumps({"type": "Polygon", "coordinates": [
        [[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}), "centroid": json.dumps(POINT)}
    assert search_geometry([item]) == POLYGON


def test_an_item_without_geom_falls_back_to_its_bbox_then_its_centroid():
    assert search_geometry([{"bbox": json.dumps(POLYGON)}]) == POLYGON
    assert search_geometry([{"geom": "not json", "centroid": json.dumps(POINT)}]) == POINT


def test_several_items_give_a_geometry_collection():
    geometry = search_geometry(json.dumps([{"geom": json.dumps(POLYGON)},
                                           {"uri": "http://id.insee.fr/geo/commune/13055"},
                                           {"geom": POINT}]))
    assert geometry == {"type": "GeometryCollection", "geometries": [POLYGON, POINT]}


def test_a_feature_is_read_as_its_geometry():
    assert search_geometry([{"geom": {"type": "Feature", "geometry": POINT}}]) == POINT


def test_zones_named_only_and_unreadable_values_give_nothing():
    assert search_geometry([{"uri": "http://id.insee.fr/geo/commune/13055", "text": "Marseille"}]) \
        is None
    assert search_geometry([{"geom": json.dumps({"type": "Circle", "coordinates": [1, 2]})}]) is None
    assert search_geometry([{"geom": json.dumps({"type": "Polygon", "coordinates": []})}]) is None
    assert search_geometry("[broken") is None
    assert search_geometry(None) is None
    assert search_geometry([]) is None

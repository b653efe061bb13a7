"""The geometry a dataset is found by on a map (ckanext-spatial's ``spatial``).

Our schema keeps a dataset's geometries in ``spatial_coverage`` (repeating
sub-fields ``uri``, ``text``, ``geom``, ``bbox``, ``centroid``; the three
last are GeoJSON, written by the steward or by a harvester from WKT,
GeoJSON or bounding boxes, see docs/decisions/0009-harvest-mapping.md). It
has no ``spatial`` field of ckanext-spatial's own: at index time amp_schema
hands ckanext-spatial's search (``spatial_query``) the value computed here,
so that a dataset with a geometry, harvested or not, is found by
``ext_bbox`` whatever the search backend (docs/architecture.md).

Pure: JSON only; ckanext-spatial parses and checks the geometry itself.
"""
from __future__ import annotations

import json
from typing import Any, Mapping

#: Sub-fields of a coverage item, most precise first.
PRECEDENCE = ("geom", "bbox", "centroid")

_TYPES = frozenset({"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon",
                    "MultiPolygon", "GeometryCollection"})


def _loads(value: Any) -> Any:
    if isinstance(value, str):
        text = value.strip()
        if not text.startswith(("{", "[")):
            return None
        try:
            return json.loads(text)
        except ValueError:
            return None
    return value


def _geometry(value: Any) -> dict[str, Any] | None:
    data = _loads(value)
    if isinstance(data, Mapping) and data.get("type") == "Feature":
        data = data.get("geometry")
    if not isinstance(data, Mapping) or data.get("type") not in _TYPES:
        return None
    key = "geometries" if data["type"] == "GeometryCollection" else "coordinates"
    if not isinstance(data.get(key), list) or not data[key]:
        return None
    return dict(data)


def search_geometry(coverage: Any) -> dict[str, Any] | None:
    """The GeoJSON geometry of ``spatial_coverage`` (a list of items, or its
    stored JSON text): for each item its ``geom``, else its ``bbox``, else
    its ``centroid``; one item gives its geometry, several a
    ``GeometryCollection``; ``None`` when no item has a readable geometry
    (zones named only by ``uri``/``text`` have none)."""
    items = _loads(coverage) if isinstance(coverage, str) else coverage
    if not isinstance(items, list):
        return None
    geometries = []
    for item in items:
        if not isinstance(item, Mapping):
            continue
        for key in PRECEDENCE:
            geometry = _geometry(item.get(key))
            if geometry is not None:
                geometries.append(geometry)
                break
    if not geometries:
        return None
    if len(geometries) == 1:
        return geometries[0]
    return {"type": "GeometryCollection", "geometries": geometries}

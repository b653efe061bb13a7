"""Spatial coverage of remote records: zones and geometries. Pure.

Our schema carries spatial coverage in two fields (``schemas/dataset.yaml``):

* ``spatial_zones``: COG zone ids of the zones vocabulary
  (``fr:commune:13055``...). Read from zone ids, INSEE URIs
  (``http://id.insee.fr/geo/commune/13055``), bare INSEE commune codes
  (``13055``) and zone names (``Marseille``, ``Bouches-du-Rhône``: one zone
  of that exact name). A valid code of a zone the vocabulary does not hold
  (Paris, ``75056``) is kept as a ``spatial_coverage`` URI instead.
* ``spatial_coverage``: ckanext-dcat's repeating subfields ``uri``,
  ``text``, ``geom``, ``bbox``, ``centroid``; the geometries are GeoJSON
  text (WGS 84 lon/lat), whatever they came as: WKT (and EWKT
  ``SRID=4326;...``), GeoJSON text or object (a Feature or
  FeatureCollection gives its geometry), bounding boxes
  ``minx,miny,maxx,maxy`` (text or list), ISO 19139
  ``EX_GeographicBoundingBox`` values (``west``/``east``/``south``/
  ``north``), ODS ``geographic_area``.

The readers never raise on bad input: they return what they could read and
the problems (English msgids with parameters) for the mapper to record.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from ckanext.amp.common import identifiers
from ckanext.amp.common.zones import zone_id_from_uri, zone_uri
from ckanext.amp.common.validation import InvalidValue
from ckanext.amp.common.vocabularies import load_vocabulary
from ckanext.amp.common.harvest.text import plain, shorten, unique
from ckanext.amp.common.harvest.themes import label_key

__all__ = [
    "MAX_GEOMETRY",
    "SpatialReading",
    "bbox_from_values",
    "geometry_from_value",
    "read_spatial",
    "zone_from_value",
]

#: Longest GeoJSON geometry kept as ``geom`` (characters); a bigger one is
#: kept as its bounding box.
MAX_GEOMETRY = 200_000

BAD_GEOMETRY = "{value} is not a geometry (WKT or GeoJSON): left out"
OUT_OF_RANGE = "The coordinates of {value} are not longitudes and latitudes (WGS 84): left out"
INVALID_GEOMETRY = "The geometry {value} is not valid: only its bounding box is kept"
BIG_GEOMETRY = "The geometry has {size} characters: only its bounding box is kept"
SWAPPED_BBOX = "The bounding box {value} has its limits swapped: read as {bbox}"
BAD_BBOX = "{value} is not a bounding box: left out"
UNKNOWN_ZONE = "{value} is not a zone of the portal: kept as a spatial coverage"


@dataclass
class SpatialReading:
    zones: list[str] = field(default_factory=list)
    coverage: list[dict[str, str]] = field(default_factory=list)
    #: ``(msgid, params)`` of each problem (all warnings: the field is optional).
    problems: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def merge(self, other: "SpatialReading") -> None:
        self.zones = unique(self.zones + other.zones)
        for item in other.coverage:
            if item not in self.coverage:
                self.coverage.append(item)
        self.problems.extend(other.problems)


# ---------------------------------------------------------------------------
# geometries

def _in_range(bounds: tuple[float, float, float, float]) -> bool:
    minx, miny, maxx, maxy = bounds
    return all(math.isfinite(v) for v in bounds) and -180 <= minx <= maxx <= 180 \
        and -90 <= miny <= maxy <= 90


def _dumps(mapping: Mapping[str, Any]) -> str:
    return json.dumps(mapping, separators=(",", ":"))


def _bbox_polygon(bounds: Iterable[float]) -> dict[str, Any]:
    minx, miny, maxx, maxy = (round(float(v), 7) for v in bounds)
    return {"type": "Polygon", "coordinates": [[[minx, miny], [maxx, miny], [maxx, maxy],
                                                [minx, maxy], [minx, miny]]]}


def _shape(value: Any) -> Any:
    """A shapely geometry from WKT/EWKT/GeoJSON (text or mapping), or None."""
    from shapely import wkt
    from shapely.errors import ShapelyError
    from shapely.geometry import shape

    try:
        if isinstance(value, Mapping):
            data: Any = value
        else:
            text = plain(value)
            if not text:
                return None
            if text.startswith("{"):
                data = json.loads(text)
            else:
                text = re.sub(r"^SRID=\d+;", "", text, flags=re.IGNORECASE)
                if not re.match(r"^\s*(MULTI)?(POINT|LINESTRING|POLYGON)|GEOMETRYCOLLECTION", text,
                                re.IGNORECASE):
                    return None
                return wkt.loads(text)
        if not isinstance(data, Mapping):
            return None
        if data.get("type") == "Feature":
            data = data.get("geometry") or {}
        elif data.get("type") == "FeatureCollection":
            from shapely.ops import unary_union

            shapes = [shape(feature["geometry"]) for feature in data.get("features") or []
                      if isinstance(feature, Mapping) and isinstance(feature.get("geometry"), Mapping)]
            return unary_union(shapes) if shapes else None
        return shape(data) if isinstance(data, Mapping) and data.get("type") else None
    except (ShapelyError, ValueError, TypeError, KeyError, IndexError, AttributeError,
            RecursionError, AssertionError):
        return None


def geometry_from_value(value: Any) -> SpatialReading:
    """A ``spatial_coverage`` item (``geom``, ``bbox``, ``centroid``) from a
    WKT or GeoJSON geometry."""
    reading = SpatialReading()
    geometry = _shape(value)
    label = shorten(value if isinstance(value, str) else json.dumps(value, default=str), 60)
    if geometry is None or geometry.is_empty:
        reading.problems.append((BAD_GEOMETRY, {"value": label}))
        return reading
    bounds = tuple(float(v) for v in geometry.bounds)
    if not _in_range(bounds):  # type: ignore[arg-type]
        reading.problems.append((OUT_OF_RANGE, {"value": label}))
        return reading
    from shapely.geometry import mapping

    item: dict[str, str] = {"bbox": _dumps(_bbox_polygon(bounds))}
    if not geometry.is_valid:
        reading.problems.append((INVALID_GEOMETRY, {"value": label}))
    else:
        geom = _dumps(mapping(geometry))
        if len(geom) > MAX_GEOMETRY:
            reading.problems.append((BIG_GEOMETRY, {"size": len(geom)}))
        else:
            item["geom"] = geom
        centroid = geometry.centroid
        if not centroid.is_empty:
            item["centroid"] = _dumps({"type": "Point",
                                       "coordinates": [round(centroid.x, 7), round(centroid.y, 7)]})
    reading.coverage.append(item)
    return reading


def _number(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError("a boolean is not a coordinate")
    number = float(plain(value).replace(",", ".")) if isinstance(value, str) else float(value)
    if not math.isfinite(number):
        raise ValueError("not finite")
    return number


def bbox_from_values(value: Any) -> SpatialReading:
    """A ``spatial_coverage`` bounding box from ``minx,miny,maxx,maxy`` (text
    or list), or ISO 19139 / CKAN ``west``/``south``/``east``/``north`` (also
    ``bbox-west-long``... of ckanext-spatial's extras)."""
    reading = SpatialReading()
    label = shorten(value if isinstance(value, str) else json.dumps(value, default=str), 60)
    try:
        if isinstance(value, Mapping):
            keys = {re.sub(r"^(bbox-|extend_bounding_box_)", "", str(k)).split("-")[0].split("bound")[0]: v
                    for k, v in value.items()}
            west, south = _number(keys["west"]), _number(keys["south"])
            east, north = _number(keys["east"]), _number(keys["north"])
        else:
            parts = value if isinstance(value, (list, tuple)) else \
                [p for p in re.split(r"[,;\s]+", plain(value)) if p]
            if len(parts) != 4:
                raise ValueError("four numbers expected")
            west, south, east, north = (_number(p) for p in parts)
    except (KeyError, ValueError, TypeError):
        reading.problems.append((BAD_BBOX, {"value": label}))
        return reading
    swapped = False
    if west > east and west - east < 180:
        west, east, swapped = east, west, True
    if south > north:
        south, north, swapped = north, south, True
    bounds = (west, south, east, north)
    if not _in_range(bounds):
        reading.problems.append((OUT_OF_RANGE, {"value": label}))
        return reading
    if swapped:
        reading.problems.append((SWAPPED_BBOX, {"value": label,
                                                "bbox": ",".join(_fmt(v) for v in bounds)}))
    item = {"bbox": _dumps(_bbox_polygon(bounds)),
            "centroid": _dumps({"type": "Point", "coordinates": [round((west + east) / 2, 7),
                                                                 round((south + north) / 2, 7)]})}
    reading.coverage.append(item)
    return reading


def _fmt(value: float) -> str:
    return format(value, ".6f").rstrip("0").rstrip(".")


# ---------------------------------------------------------------------------
# zones

def _zone_by_name(text: str) -> str | None:
    key = label_key(text)
    if not key:
        return None
    matches = [entry.code for entry in load_vocabulary("zones")
               if key in {label_key(label) for label in entry.labels.values()}]
    return matches[0] if len(matches) == 1 else None


def zone_from_value(value: Any) -> SpatialReading:
    """Zones from a zone id, an INSEE URI, an INSEE commune code or a zone
    name; an INSEE zone the vocabulary lacks becomes a coverage URI; text
    that names no zone becomes a coverage ``text``."""
    reading = SpatialReading()
    text = plain(value)
    if not text:
        return reading
    candidate = None
    if "://" in text:
        candidate = zone_id_from_uri(text)
        if candidate is None:
            reading.coverage.append({"uri": text} if re.match(r"^https?://\S+$", text)
                                    else {"text": text})
            return reading
    elif text.lower().startswith("fr:"):
        candidate = text
    elif re.fullmatch(r"(?:\d{5}|2[AB]\d{3})", text, re.IGNORECASE):
        candidate = f"fr:commune:{text}"
    if candidate is not None:
        try:
            reading.zones.append(identifiers.zone_id(candidate))
            return reading
        except InvalidValue:
            pass
        try:
            normalised = identifiers.zone_id(candidate, known_only=False)
        except InvalidValue:
            reading.coverage.append({"text": text})
            return reading
        uri = zone_uri(normalised)
        reading.coverage.append({"uri": uri} if uri else {"text": text})
        reading.problems.append((UNKNOWN_ZONE, {"value": shorten(text)}))
        return reading
    by_name = _zone_by_name(text)
    if by_name:
        reading.zones.append(by_name)
    else:
        reading.coverage.append({"text": text[:500]})
    return reading


def read_spatial(*, zones: Any = (), geometries: Any = (), bboxes: Any = ()) -> SpatialReading:
    """Everything at once: ``zones`` (ids, URIs, codes, names), ``geometries``
    (WKT/GeoJSON) and ``bboxes``; each may be one value or a list."""
    reading = SpatialReading()
    for value in _items(zones):
        reading.merge(zone_from_value(value))
    for value in _items(geometries):
        reading.merge(geometry_from_value(value))
    for value in _items(bboxes):
        reading.merge(bbox_from_values(value))
    return reading


def _items(value: Any) -> list[Any]:
    if value in (None, "", (), [], {}):
        return []
    if isinstance(value, (list, tuple)) and not (
            len(value) == 4 and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                    for v in value)):
        return [item for item in value if item not in (None, "", [], {})]
    return [value]

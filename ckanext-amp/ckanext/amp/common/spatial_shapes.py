"""Geometries as a Solr spatial field (``location_rpt``, JTS, geo) reads them.

ckanext-spatial's ``solr-spatial-field`` backend indexes WKT in the
multi-valued field ``spatial_geom`` and searches it with
``{!field f=spatial_geom}Intersects(ENVELOPE(minx, maxx, maxy, miny))``.
This module reads both sides as Solr (Spatial4j with JTS, ``geo=true``)
does, so that the PostgreSQL engine can answer without PostGIS:

* :func:`read_shape`: WKT (points, lines, polygons, their multi- forms,
  collections), Spatial4j's ``ENVELOPE(minX, maxX, maxY, minY)``, ``x y``
  and ``lat,lon`` points. Coordinates outside -180..180 / -90..90 are
  refused; a ring or line whose edge jumps more than 180° of longitude
  crosses the antimeridian and is cut there (Spatial4j's ``width180``
  dateline rule); an envelope with minX > maxX crosses it too; an invalid
  polygon is repaired with ``buffer(0)`` (``validationRule=repairBuffer0``).
  The result is a tuple of :class:`Part` (points, lines, polygons within
  -180..180), each with its bounding box.
* :func:`read_spatial_args`: ``Operation(shape)`` as Solr's
  ``SpatialArgsParser`` reads it.
* :func:`holds`: whether the operation holds between a document's parts
  (all its values, taken together) and the query's.

Pure Python (shapely, which ckanext-spatial installs); no CKAN import.
"""
from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from typing import Iterable, Sequence

import shapely
from shapely import affinity
from shapely.geometry import LineString, Point, Polygon, box
from shapely.geometry.base import BaseGeometry

from .messages import TranslatableError

#: Spatial4j's operation names (and their upper-case forms), as Solr's
#: ``SpatialArgsParser`` accepts them, to the operations RPT fields support.
OPERATIONS = {
    "intersects": "intersects",
    "iswithin": "within", "within": "within",
    "contains": "contains",
    "isdisjointto": "disjoint", "disjoint": "disjoint",
}
WORLD = (-180.0, -90.0, 180.0, 90.0)

_ENVELOPE = re.compile(r"^\s*ENVELOPE\s*\(([^()]*)\)\s*$", re.IGNORECASE)
_ARGS = re.compile(r"^\s*([A-Za-z]+)\s*\((.*)\)\s*((?:\s*\w+\s*=\s*[^\s=]+)*)\s*$", re.DOTALL)
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


class ShapeError(TranslatableError):
    """A shape Solr would refuse (English gettext id + parameters)."""


@dataclass(frozen=True)
class Part:
    """One point, line or polygon of a shape, within -180..180."""

    geometry: BaseGeometry
    bounds: tuple[float, float, float, float]  # minx, miny, maxx, maxy
    rectangle: bool  # the geometry is its own bounding box (a box test is exact)

    @property
    def box_literal(self) -> str:
        """The bounding box as a PostgreSQL ``box`` literal."""
        minx, miny, maxx, maxy = self.bounds
        return f"({maxx!r},{maxy!r}),({minx!r},{miny!r})"


@dataclass(frozen=True)
class SpatialArgs:
    operation: str  # a value of OPERATIONS
    parts: tuple[Part, ...]

    @property
    def geometry(self) -> BaseGeometry:
        return union(self.parts)


@functools.lru_cache(maxsize=256)
def read_shape(text: str) -> tuple[Part, ...]:
    """The parts of one indexed or queried shape; :class:`ShapeError` if Solr refuses it.

    Remembered for the last values read: indexing checks a value, then
    cuts it into parts.
    """
    text = str(text).strip()
    if not text:
        raise ShapeError("Empty shape")
    envelope = _ENVELOPE.match(text)
    if envelope:
        return _envelope(envelope.group(1))
    if "(" not in text:
        return (_part(_simple_point(text)),)
    try:
        geometry = shapely.from_wkt(text)
    except shapely.errors.ShapelyError as error:
        raise ShapeError("Unable to read the shape '{shape}': {error}",
                         shape=_short(text), error=str(error).splitlines()[0]) from None
    if geometry is None or geometry.is_empty:
        raise ShapeError("Empty shape")
    parts: list[Part] = []
    for component in _components(geometry):
        _check_bounds(component)
        parts.extend(_part(piece) for piece in _components(_into_world(_repair(component))))
    return tuple(parts)


def read_spatial_args(text: str) -> SpatialArgs:
    """``Intersects(ENVELOPE(...))`` and the like (Solr's ``SpatialArgsParser``)."""
    match = _ARGS.match(str(text))
    if not match:
        raise ShapeError("A spatial query is Operation(shape), e.g. Intersects(ENVELOPE(...)), "
                         "not '{query}'", query=_short(str(text)))
    name, shape = match.group(1), match.group(2)
    operation = OPERATIONS.get(name.lower())
    if operation is None:
        raise ShapeError("Unsupported spatial operation '{operation}'", operation=name)
    return SpatialArgs(operation, read_shape(shape))


def union(parts: Iterable[Part]) -> BaseGeometry:
    geometries = [part.geometry for part in parts]
    return geometries[0] if len(geometries) == 1 else shapely.union_all(geometries)


def holds(operation: str, indexed: Sequence[BaseGeometry], query: BaseGeometry) -> bool:
    """Whether ``operation`` holds between a document's shapes (together) and the query."""
    if not indexed:
        return False
    if operation == "intersects":
        return any(query.intersects(geometry) for geometry in indexed)
    if operation == "disjoint":
        return not any(query.intersects(geometry) for geometry in indexed)
    shape = indexed[0] if len(indexed) == 1 else shapely.union_all(list(indexed))
    if operation == "within":
        return query.covers(shape)
    if operation == "contains":
        return shape.covers(query)
    raise ShapeError("Unsupported spatial operation '{operation}'", operation=operation)


# -- reading -----------------------------------------------------------------

def _number(text: str) -> float:
    text = text.strip()
    if not _NUMBER.match(text):
        raise ShapeError("'{value}' is not a number", value=text)
    return float(text)


def _envelope(body: str) -> tuple[Part, ...]:
    values = body.split(",")
    if len(values) != 4:
        raise ShapeError("ENVELOPE takes 4 numbers (minX, maxX, maxY, minY), not '{shape}'",
                         shape=_short(body))
    minx, maxx, maxy, miny = (_number(value) for value in values)
    if miny < -90 or maxy > 90:
        raise ShapeError("Y values [{low} to {high}] not in boundary -90 to 90",
                         low=repr(miny), high=repr(maxy))
    if miny > maxy:
        raise ShapeError("maxY must be >= minY: {low} to {high}", low=repr(miny), high=repr(maxy))
    for x in (minx, maxx):
        _check_x(x)
    # Spatial4j: an edge on the antimeridian does not make the box cross it.
    if minx == 180 and minx != maxx:
        minx = -180.0
    elif maxx == -180 and minx != maxx:
        maxx = 180.0
    if minx <= maxx:
        return (_part(_box(minx, miny, maxx, maxy)),)
    return (_part(_box(minx, miny, 180.0, maxy)), _part(_box(-180.0, miny, maxx, maxy)))


def _box(minx: float, miny: float, maxx: float, maxy: float) -> BaseGeometry:
    if minx == maxx and miny == maxy:
        return Point(minx, miny)
    if minx == maxx or miny == maxy:
        return LineString([(minx, miny), (maxx, maxy)])
    return box(minx, miny, maxx, maxy)


def _simple_point(text: str) -> BaseGeometry:
    """``lat,lon`` or ``x y``, Spatial4j's non-WKT point forms."""
    if "," in text:
        values = text.split(",")
        if len(values) == 2:
            lat, lon = (_number(value) for value in values)
            point = Point(lon, lat)
            _check_bounds(point)
            return point
    else:
        values = text.split()
        if len(values) == 2:
            x, y = (_number(value) for value in values)
            point = Point(x, y)
            _check_bounds(point)
            return point
    raise ShapeError("Unable to read the shape '{shape}'", shape=_short(text))


def _check_x(x: float) -> None:
    if not -180 <= x <= 180:
        raise ShapeError("Bad X value {value} is not in boundary -180 to 180", value=repr(x))


def _check_bounds(geometry: BaseGeometry) -> None:
    for x, y in shapely.get_coordinates(geometry).tolist():
        if not (math.isfinite(x) and math.isfinite(y)):
            raise ShapeError("Bad coordinate {x} {y}", x=repr(x), y=repr(y))
        _check_x(x)
        if not -90 <= y <= 90:
            raise ShapeError("Bad Y value {value} is not in boundary -90 to 90", value=repr(y))


def _components(geometry: BaseGeometry) -> list[BaseGeometry]:
    """The points, lines and polygons of ``geometry`` (collections flattened)."""
    if geometry.is_empty:
        return []
    if hasattr(geometry, "geoms"):
        return [piece for member in geometry.geoms for piece in _components(member)]
    return [geometry]


def _repair(geometry: BaseGeometry) -> BaseGeometry:
    if isinstance(geometry, Polygon) and not geometry.is_valid:
        repaired = geometry.buffer(0)
        if repaired.is_empty:
            raise ShapeError("Invalid polygon that cannot be repaired: '{shape}'",
                             shape=_short(geometry.wkt))
        return repaired
    return geometry


# -- the antimeridian (Spatial4j's JtsGeometry.unwrapDateline and cutting) ---

def _unwrap_line(coordinates: Sequence[tuple[float, float]]) -> tuple[list[tuple[float, float]], int]:
    """Shift longitudes so that no edge jumps more than 180°; the number of crossings."""
    shift = page = low = high = 0
    result = [(coordinates[0][0], coordinates[0][1])]
    previous = coordinates[0][0]
    for x, y in coordinates[1:]:
        x = x + shift
        if previous - x > 180:
            x, shift, page = x + 360, shift + 360, page + 1
            high = max(high, page)
        elif x - previous > 180:
            x, shift, page = x - 360, shift - 360, page - 1
            low = min(low, page)
        result.append((x, y))
        previous = x
    if low:
        result = [(x - low * 360, y) for x, y in result]
    return result, high - low


def _into_world(geometry: BaseGeometry) -> BaseGeometry:
    """``geometry`` unwrapped across the antimeridian, then cut back into -180..180."""
    minx, _miny, maxx, _maxy = geometry.bounds
    if maxx - minx < 180 or isinstance(geometry, Point):
        return geometry
    if isinstance(geometry, LineString):
        coordinates, crossings = _unwrap_line(list(geometry.coords))
        if not crossings:
            return geometry
        unwrapped: BaseGeometry = LineString(coordinates)
    elif isinstance(geometry, Polygon):
        shell, crossings = _unwrap_line(list(geometry.exterior.coords))
        if not crossings:
            return geometry
        outer = Polygon(shell)
        holes = []
        for interior in geometry.interiors:
            ring, _crossings = _unwrap_line(list(interior.coords))
            for _shift in range(crossings + 2):
                if outer.contains(Polygon(ring)):
                    break
                ring = [(x + 360, y) for x, y in ring]
            holes.append(ring)
        unwrapped = _repair(Polygon(shell, holes))
    else:
        return geometry
    pieces = []
    page = 0
    _minx, _miny, unwrapped_maxx, _maxy = unwrapped.bounds
    while unwrapped_maxx > -180 + page * 360:
        left = -180 + page * 360
        piece = unwrapped.intersection(box(left, -90, left + 360, 90))
        if not piece.is_empty:
            pieces.append(affinity.translate(piece, xoff=-360 * page))
        page += 1
    return shapely.union_all(pieces) if len(pieces) > 1 else pieces[0]


# -- parts -------------------------------------------------------------------

def _part(geometry: BaseGeometry) -> Part:
    bounds = tuple(float(value) for value in geometry.bounds)
    return Part(geometry, bounds, _is_rectangle(geometry, bounds))  # type: ignore[arg-type]


def _is_rectangle(geometry: BaseGeometry, bounds: Sequence[float]) -> bool:
    if isinstance(geometry, Point):
        return True
    minx, miny, maxx, maxy = bounds
    if isinstance(geometry, LineString):
        return len(geometry.coords) == 2 and (minx == maxx or miny == maxy)
    if isinstance(geometry, Polygon):
        if geometry.interiors or len(geometry.exterior.coords) != 5:
            return False
        area = (maxx - minx) * (maxy - miny)
        return area > 0 and abs(geometry.area - area) <= 1e-12 * area
    return False


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[:limit] + "…"

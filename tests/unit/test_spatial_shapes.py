"""Shapes read as Solr's location_rpt field (Spatial4j, JTS, geo) reads them."""
from __future__ import annotations

import pytest
from shapely.geometry import box

from ckanext.amp.common.spatial_shapes import ShapeError, holds, read_shape, read_spatial_args


def _bounds(text):
    return sorted(part.bounds for part in read_shape(text))


def test_envelope_is_minx_maxx_maxy_miny():
    (part,) = read_shape("ENVELOPE(5.2, 5.6, 43.7, 43.1)")
    assert part.bounds == (5.2, 43.1, 5.6, 43.7) and part.rectangle
    assert part.box_literal == "(5.6,43.7),(5.2,43.1)"


def test_envelope_with_minx_above_maxx_crosses_the_antimeridian():
    assert _bounds("ENVELOPE(170, -170, 70, 60)") == [
        (-180.0, 60.0, -170.0, 70.0), (170.0, 60.0, 180.0, 70.0)]
    # An edge on the antimeridian does not make it cross (Spatial4j).
    assert _bounds("ENVELOPE(180, -170, 10, 0)") == [(-180.0, 0.0, -170.0, 10.0)]


@pytest.mark.parametrize("text, message", [
    ("ENVELOPE(0, 10, -80, 80)", "maxY must be >= minY"),
    ("ENVELOPE(0, 10, 95, 0)", "not in boundary"),
    ("ENVELOPE(0, 190, 10, 0)", "Bad X value 190.0"),
    ("ENVELOPE(nan, 1, 2, 0)", "'nan' is not a number"),
    ("ENVELOPE(1, 2, 3)", "ENVELOPE takes 4 numbers"),
    ("POINT (181 0)", "Bad X value 181.0"),
    ("POLYGON ((0 0, 1 0, 1 91, 0 0))", "Bad Y value 91.0"),
    ("POLYGON ((0 0, 1 0", "Unable to read the shape"),
    ("", "Empty shape"),
])
def test_shapes_solr_refuses(text, message):
    with pytest.raises(ShapeError, match=message.replace("(", r"\(")):
        read_shape(text)


def test_a_ring_jumping_more_than_180_degrees_is_cut_at_the_antimeridian():
    # ckanext-spatial writes a box across the antimeridian as 169..-168.
    parts = read_shape("POLYGON ((169 70, 169 60, -168 60, -168 70, 169 70))")
    assert sorted(part.bounds for part in parts) == [
        (-180.0, 60.0, -168.0, 70.0), (169.0, 60.0, 180.0, 70.0)]
    assert all(part.rectangle for part in parts)
    # A real polygon already split there stays as it is (no part near 0°).
    split = read_shape("MULTIPOLYGON (((175 60, 180 60, 180 65, 175 60)), "
                       "((-180 60, -175 60, -180 65, -180 60)))")
    assert sorted(part.bounds for part in split) == [
        (-180.0, 60.0, -175.0, 65.0), (175.0, 60.0, 180.0, 65.0)]


def test_a_line_across_the_antimeridian_is_cut_too():
    parts = read_shape("LINESTRING (170 0, -170 10)")
    assert sorted(part.bounds for part in parts) == [
        (-180.0, 5.0, -170.0, 10.0), (170.0, 0.0, 180.0, 5.0)]


def test_other_point_forms_and_collections():
    assert _bounds("43.3,5.4") == [(5.4, 43.3, 5.4, 43.3)]  # lat,lon
    assert _bounds("5.4 43.3") == [(5.4, 43.3, 5.4, 43.3)]  # x y
    collection = read_shape("GEOMETRYCOLLECTION (POINT (1 2), LINESTRING (0 0, 3 1), "
                            "POLYGON ((0 0, 4 0, 4 4, 0 4, 0 0)))")
    assert [part.geometry.geom_type for part in collection] == ["Point", "LineString", "Polygon"]
    assert [part.rectangle for part in collection] == [True, False, True]


def test_an_invalid_polygon_is_repaired_as_solr_does():
    parts = read_shape("POLYGON ((0 0, 2 0, 2 2, 1 -1, 0 2, 0 0))")  # self-intersecting
    assert parts and all(part.geometry.is_valid for part in parts)


def test_spatial_args():
    args = read_spatial_args("Intersects(ENVELOPE(5.2, 5.6, 43.7, 43.1)) distErrPct=0.025")
    assert args.operation == "intersects" and len(args.parts) == 1
    assert read_spatial_args("IsWithin(POINT(1 2))").operation == "within"
    assert read_spatial_args("ISDISJOINTTO(POINT(1 2))").operation == "disjoint"
    with pytest.raises(ShapeError, match="Unsupported spatial operation 'Overlaps'"):
        read_spatial_args("Overlaps(POINT(1 2))")
    with pytest.raises(ShapeError, match="Operation\\(shape\\)"):
        read_spatial_args("ENVELOPE")


def test_operations_take_a_document_s_shapes_together():
    west, east = box(0, 0, 1, 1), box(2, 0, 3, 1)
    query = box(0.5, 0, 2.5, 1)
    assert holds("intersects", [west, east], query)
    assert not holds("disjoint", [west, east], query)
    assert holds("within", [west, east], box(0, 0, 3, 1))
    assert not holds("within", [west, east], query)
    assert holds("contains", [box(0, 0, 2, 1), box(2, 0, 3, 1)], query)
    assert not holds("contains", [west, east], query)
    assert not holds("intersects", [], query)

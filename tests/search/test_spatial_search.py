"""ckanext-spatial's spatial search on amp_search, with both its backends.

Real API (``ext_bbox`` on ``package_search`` and on the dataset search page),
real plugins (``spatial_metadata``, ``spatial_query``), real geometries: the
communes of the Bouches-du-Rhône (tests/fixtures/spatial, provenance in its
README), plus a water catchment (a point), a canal (a line) and a set of
zones (a geometry collection). What Solr would answer is computed here from
what each backend sends to Solr:

* ``solr-bbox``: the envelope of the geometry and ckanext-spatial's overlap
  score ``2 * intersection / (query area + envelope area)``; a dataset is
  kept when the score is above 0 (``{!frange incl=false l=0 u=1}``) and the
  results are sorted by it (``bf`` with ``score desc``);
* ``solr-spatial-field``: the geometry itself, kept when it intersects the
  box (``{!field f=spatial_geom}Intersects(ENVELOPE(...))``).

ckanext-spatial's own tests run against amp_search too
(test_spatial_yardstick.py). See docs/decisions/0014-spatial-search.md.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from shapely.geometry import box, mapping, shape

from ckan.lib.search import SearchError
from ckan.tests import factories, helpers

COMMUNES_FILE = Path(__file__).resolve().parents[1] / "fixtures" / "spatial" / \
    "communes-13-bouches-du-rhone.geojson"
COMMUNES = {feature["properties"]["nom"]: feature["geometry"]
            for feature in json.loads(COMMUNES_FILE.read_text(encoding="utf-8"))["features"]}
#: Datasets of the tests: name -> (title, tags, GeoJSON geometry).
PLACES = {
    "marseille": ("Voirie de Marseille", ["voirie"], COMMUNES["Marseille"]),  # 8 polygons
    "aix-en-provence": ("Voirie d'Aix-en-Provence", ["voirie"], COMMUNES["Aix-en-Provence"]),
    "cassis": ("Calanques de Cassis", ["littoral"], COMMUNES["Cassis"]),
    "la-ciotat": ("Plages de La Ciotat", ["littoral"], COMMUNES["Ciotat"]),
    "aubagne": ("Voirie d'Aubagne", ["voirie"], COMMUNES["Aubagne"]),
    "martigues": ("Étang de Berre à Martigues", ["eau"], COMMUNES["Martigues"]),
    "arles": ("Camargue arlésienne", ["eau"], COMMUNES["Arles"]),
    "captage-saint-marc": ("Captage d'eau potable", ["eau"],
                           {"type": "Point", "coordinates": [5.4601, 43.5497]}),
    "canal-de-marseille": ("Canal de Marseille", ["eau"], {"type": "LineString", "coordinates": [
        [5.55, 43.62], [5.47, 43.50], [5.45, 43.40], [5.40, 43.33]]}),
    "zones-littorales": ("Zones littorales", ["littoral"], {"type": "GeometryCollection",
                         "geometries": [COMMUNES["Sausset-les-Pins"], COMMUNES["Carry-le-Rouet"]]}),
}
#: A box of sea inside Marseille's envelope that touches no commune.
SEA = "5.280,43.200,5.285,43.205"
BOXES = {
    "marseille-and-around": "5.20,43.15,5.60,43.45",
    "sea-in-marseille-envelope": SEA,
    "around-the-catchment": "5.455,43.545,5.465,43.555",
    "pays-d-aix": "5.35,43.48,5.60,43.70",
    "camargue": "4.30,43.30,4.70,43.70",
    "nowhere": "-1.0,47.0,0.0,48.0",
    "world": "-180,-90,180,90",
}
BACKENDS = [
    pytest.param("solr-bbox", marks=pytest.mark.ckan_config(
        "ckanext.spatial.search_backend", "solr-bbox"), id="solr-bbox"),
    pytest.param("solr-spatial-field", marks=pytest.mark.ckan_config(
        "ckanext.spatial.search_backend", "solr-spatial-field"), id="solr-spatial-field"),
]

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", "amp_search spatial_metadata spatial_query"),
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index"),
]


def _bbox(text):
    minx, miny, maxx, maxy = (float(value) for value in text.split(","))
    return minx, miny, maxx, maxy


def _overlap(geometry, bbox_text):
    """ckanext-spatial's bbox score, as Solr computes it from the envelope."""
    minx, miny, maxx, maxy = shape(geometry).bounds
    qminx, qminy, qmaxx, qmaxy = _bbox(bbox_text)
    while qminx < -180:
        qminx, qmaxx = qminx + 360, qmaxx + 360
    while qminx > 180:
        qminx, qmaxx = qminx - 360, qmaxx - 360
    inter = (max(0.0, min(qmaxx, maxx) - max(qminx, minx))
             * max(0.0, min(qmaxy, maxy) - max(qminy, miny)))
    total = abs(qmaxx - qminx) * abs(qmaxy - qminy) + (maxy - miny) * (maxx - minx)
    return 2 * inter / total if total else 0.0


def _expected(backend, bbox_text):
    """The names Solr returns (for solr-bbox, in its order), without ties."""
    if backend == "solr-bbox":
        scores = {name: _overlap(geometry, bbox_text)
                  for name, (_title, _tags, geometry) in PLACES.items()}
        return sorted((name for name, score in scores.items() if 0 < score <= 1),
                      key=lambda name: -scores[name])
    query = box(*_bbox(bbox_text))
    return sorted(name for name, (_t, _tags, geometry) in PLACES.items()
                  if shape(geometry).intersects(query))


@pytest.fixture
def organization(with_plugins, clean_db, clean_index):
    return factories.Organization(name="metropole-amp")


@pytest.fixture
def places(organization):
    for name, (title, tags, geometry) in PLACES.items():
        factories.Dataset(name=name, title=title, owner_org=organization["id"],
                          tags=[{"name": tag} for tag in tags],
                          extras=[{"key": "spatial", "value": json.dumps(geometry)}])
    factories.Dataset(name="sans-emprise", title="Budget sans emprise",
                      owner_org=organization["id"], tags=[{"name": "eau"}])


def _search(bbox, **params):
    result = helpers.call_action("package_search", extras={"ext_bbox": bbox}, rows=50, **params)
    return [dataset["name"] for dataset in result["results"]], result["count"]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.usefixtures("places")
def test_spatial_search_answers_as_solr(backend, app):
    """One set of datasets per backend (creating them is the slow part)."""
    _finds_what_solr_finds(backend)
    _combines_with_q_and_fq(backend)
    _facet_counts_are_those_of_the_spatial_matches(backend)
    _the_dataset_search_page_filters_by_bbox(backend, app)
    if backend == "solr-bbox":
        _the_bbox_backend_sorts_by_overlap()


def _finds_what_solr_finds(backend):
    for label, bbox in BOXES.items():
        names, count = _search(bbox)
        expected = _expected(backend, bbox)
        found = names if backend == "solr-bbox" else sorted(names)
        assert (found, count) == (expected, len(expected)), label
    if backend == "solr-spatial-field":
        # Geometries, not envelopes: the sea inside Marseille's envelope is
        # in no commune; the catchment point is found by the box around it.
        assert _search(SEA) == ([], 0)
        assert sorted(_search(BOXES["around-the-catchment"])[0]) == [
            "aix-en-provence", "captage-saint-marc"]
    else:
        # Envelopes: the sea is in Marseille's; a point has no area, so no
        # overlap score, and Solr never keeps it.
        assert "marseille" in _search(SEA)[0]
        assert "captage-saint-marc" not in _search(BOXES["world"])[0]


def _combines_with_q_and_fq(backend):
    bbox = BOXES["marseille-and-around"]
    spatial = set(_expected(backend, bbox))
    names, count = _search(bbox, q="voirie")
    assert set(names) == spatial & {"marseille", "aubagne", "aix-en-provence"}
    assert count == len(names) and "marseille" in names
    names, count = _search(bbox, fq="tags:littoral")
    assert set(names) == spatial & {"cassis", "la-ciotat", "zones-littorales"}
    names, _count = _search(bbox, q="eau", fq="tags:eau")
    assert set(names) == spatial & {"canal-de-marseille", "martigues", "arles",
                                    "captage-saint-marc"}
    assert "sans-emprise" not in names


def _facet_counts_are_those_of_the_spatial_matches(backend):
    bbox = BOXES["pays-d-aix"]
    result = helpers.call_action("package_search", extras={"ext_bbox": bbox},
                                 **{"facet.field": json.dumps(["tags"])})
    expected = {}
    for name in _expected(backend, bbox):
        for tag in PLACES[name][1]:
            expected[tag] = expected.get(tag, 0) + 1
    assert result["facets"]["tags"] == expected
    everything = helpers.call_action("package_search", **{"facet.field": json.dumps(["tags"])})
    assert everything["facets"]["tags"] == {"voirie": 3, "littoral": 3, "eau": 5}


def _the_dataset_search_page_filters_by_bbox(backend, app):
    bbox = BOXES["camargue"]
    expected = set(_expected(backend, bbox))
    assert "arles" in expected
    page = app.get("/dataset/", params={"ext_bbox": bbox}).body
    for name in PLACES:
        assert (f'href="/dataset/{name}"' in page) == (name in expected), name
    assert 'href="/dataset/sans-emprise"' not in page
    # An invalid box is a search error on the page, not a server error.
    refused = app.get("/dataset/", params={"ext_bbox": "nan,43,5,44"})
    assert refused.status_code in (200, 400) and 'href="/dataset/arles"' not in refused.body


def _the_bbox_backend_sorts_by_overlap():
    names, _count = _search(BOXES["marseille-and-around"])
    assert names == _expected("solr-bbox", BOXES["marseille-and-around"])
    assert names[0] == "marseille"
    # An explicit sort wins over the overlap score, as with Solr.
    by_name, _count = _search(BOXES["marseille-and-around"], sort="name asc")
    assert by_name == sorted(names)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.usefixtures("organization")
def test_invalid_boxes_are_refused_with_ckan_s_search_error(backend, app):
    for bbox in ("a,b,c", "5.2,43.1,5.6,a", "nan,43.1,5.6,43.7", "5.2,43.1,inf,43.7",
                 "-inf,43.1,5.6,43.7"):
        with pytest.raises(SearchError):
            helpers.call_action("package_search", extras={"ext_bbox": bbox})
    response = app.get("/api/3/action/package_search", params={"ext_bbox": "a,b,c"}, status=409)
    assert "bounding box" in response.json["error"]["message"]
    upside_down = "5.2,43.7,5.6,43.1"  # miny > maxy
    if backend == "solr-spatial-field":
        # Solr refuses ENVELOPE(5.2, 5.6, 43.1, 43.7): "maxY must be >= minY".
        with pytest.raises(SearchError):
            helpers.call_action("package_search", extras={"ext_bbox": upside_down})
        # ckanext-spatial folds latitudes beyond ±90 (100 -> -80): refused too.
        with pytest.raises(SearchError):
            helpers.call_action("package_search", extras={"ext_bbox": "5.2,43.1,5.6,100"})
    else:
        # The bbox backend's arithmetic gives no overlap: nothing, no error.
        assert helpers.call_action("package_search",
                                   extras={"ext_bbox": upside_down})["count"] == 0


@pytest.mark.ckan_config("ckanext.spatial.search_backend", "solr-spatial-field")
def test_several_geometries_and_the_antimeridian(organization):
    # Two boxes in a collection: ckanext-spatial indexes two WKT values.
    two_boxes = {"type": "GeometryCollection", "geometries": [
        mapping(box(5.0, 43.0, 5.1, 43.1)), mapping(box(5.5, 43.5, 5.6, 43.6))]}
    factories.Dataset(name="deux-zones", owner_org=organization["id"],
                      extras=[{"key": "spatial", "value": json.dumps(two_boxes)}])
    # A box across the antimeridian, written 170..190 as ckanext-spatial allows.
    pacific = {"type": "Polygon", "coordinates": [[[170, -20], [190, -20], [190, -10],
                                                   [170, -10], [170, -20]]]}
    factories.Dataset(name="pacifique", owner_org=organization["id"],
                      extras=[{"key": "spatial", "value": json.dumps(pacific)}])
    assert _search("5.05,43.05,5.06,43.06") == (["deux-zones"], 1)
    assert _search("5.55,43.55,5.56,43.56") == (["deux-zones"], 1)
    assert _search("5.2,43.2,5.4,43.4") == ([], 0)  # between the two boxes
    assert _search("175,-15,176,-14") == (["pacifique"], 1)
    assert _search("-175,-15,-174,-14") == (["pacifique"], 1)  # east of 180°
    assert _search("0,-15,1,-14") == ([], 0)  # not the other way round
    assert _search("-200,-15,-185,-14") == (["pacifique"], 1)  # a box written west of -180


@pytest.mark.ckan_config("ckanext.spatial.search_backend", "solr-spatial-field")
def test_the_field_query_parser_in_fq_and_its_other_operations(organization):
    for name, commune in (("aix", "Aix-en-Provence"), ("cassis", "Cassis")):
        factories.Dataset(name=name, owner_org=organization["id"],
                          extras=[{"key": "spatial", "value": json.dumps(COMMUNES[commune])}])

    def names(fq):
        # In fq_list, as ckanext-spatial sends it (CKAN prepends to fq).
        result = helpers.call_action("package_search", fq_list=[fq])
        return sorted(dataset["name"] for dataset in result["results"])

    department = "ENVELOPE(4.2, 5.9, 44.0, 43.1)"
    assert names(f"{{!field f=spatial_geom}}Intersects({department})") == ["aix", "cassis"]
    assert names(f"{{!field f=spatial_geom}}IsWithin({department})") == ["aix", "cassis"]
    assert names("{!field f=spatial_geom}IsWithin(ENVELOPE(5.3, 5.9, 44.0, 43.1))") == ["cassis"]
    assert names("{!field f=spatial_geom}Contains(ENVELOPE(5.40, 5.41, 43.53, 43.52))") == ["aix"]
    assert names("{!field f=spatial_geom}IsDisjointTo(ENVELOPE(5.40, 5.41, 43.53, 43.52))") == [
        "cassis"]
    with pytest.raises(SearchError):
        helpers.call_action("package_search",
                            fq_list=["{!field f=spatial_geom}Intersects(ENVELOPE(1))"])

"""The value readers of common/harvest: dates, themes, spatial coverage,
frequencies, formats, languages, agents, text; and the French catalogue of
every message they record. Pure (no CKAN)."""
from __future__ import annotations

import ast
import datetime as dt
import json
import string
from pathlib import Path

import pytest

from ckanext.amp.common.harvest import codes, spatial, text, themes
from ckanext.amp.common.harvest.agents import agent, agents
from ckanext.amp.common.harvest.dates import read_date
from ckanext.amp.common.harvest.licensing import read_licence
from ckanext.amp.common.paths import data_path
from ckanext.amp.common.validation import InvalidValue

EU = "http://publications.europa.eu/resource/authority/"
THEME, FREQ, LANG = EU + "data-theme/", EU + "frequency/", EU + "language/"
PACKAGE = Path(text.__file__).resolve().parents[2]
CATALOGUE = PACKAGE / "i18n" / "fr" / "LC_MESSAGES" / "ckanext-amp.po"


# ---------------------------------------------------------------------------
# dates

@pytest.mark.parametrize("value, expected, precision, lax", [
    ("2019-05-21", "2019-05-21", "date", False),
    ("2019-05-21T10:00:00.000Z", "2019-05-21T10:00:00+00:00", "datetime", False),
    ("2019-05-21T10:00:00", "2019-05-21T10:00:00", "datetime", False),
    ("2019-05-21T10:00:00+0200", "2019-05-21T10:00:00+02:00", "datetime", False),
    ("2019-09-30 22:00:00", "2019-09-30T22:00:00", "datetime", False),
    ("2025-11-25T10:18:24.969095123Z", "2025-11-25T10:18:24.969095+00:00", "datetime", False),
    ("2019", "2019", "year", False),
    ("2019-05", "2019-05", "month", False),
    ("20190521", "2019-05-21", "date", False),
    ("21/05/2019", "2019-05-21", "date", False),
    ("21-05-2019", "2019-05-21", "date", False),
    ("21.05.2019", "2019-05-21", "date", False),
    ("21/05/19", "2019-05-21", "date", True),
    ("01/01/85", "1985-01-01", "date", True),
    ("mar, 10/12/2019 - 09:23", "2019-12-10T09:23:00", "datetime", False),
    ("10/12/2019 09:23:05", "2019-12-10T09:23:05", "datetime", False),
    ("21 mai 2019", "2019-05-21", "date", False),
    ("1er mars 2020", "2020-03-01", "date", False),
    ("août 2021", "2021-08", "month", False),
    ("Tue, 21 May 2019 10:00:00 +0200", "2019-05-21T10:00:00+02:00", "datetime", False),
    ('"2019-05-21"^^xsd:date', "2019-05-21", "date", False),
    (1558425600, "2019-05-21T08:00:00+00:00", "datetime", True),
    (1558425600000, "2019-05-21T08:00:00+00:00", "datetime", True),
    ("1558425600", "2019-05-21T08:00:00+00:00", "datetime", True),
    (2019, "2019", "year", False),
    (dt.date(2020, 2, 29), "2020-02-29", "date", False),
    (dt.datetime(2020, 2, 29, 12, 30), "2020-02-29T12:30:00", "datetime", False),
])
def test_dates_in_every_form(value, expected, precision, lax):
    reading = read_date(value)
    assert (reading.text, reading.precision, reading.lax) == (expected, precision, lax)


@pytest.mark.parametrize("value, msgid", [
    ("2019-02-30", "{value} is not a valid date"),
    ("31/02/2020", "{value} is not a valid date"),
    ("2019-13", "{value} is not a valid date"),
    ("0001-01-01", "{value} is not a valid date"),
    ("n/a", "{value} is not a date"),
    ("Date changed  jeu, 19/12/2019 - 03:00", "{value} is not a date"),
    (True, "{value} is not a date"),
    (float("nan"), "{value} is not a date"),
    (1e300, "{value} is not a valid date"),
    ("", "Missing value"),
    (None, "Missing value"),
    ([], "Missing value"),
])
def test_what_is_not_a_date(value, msgid):
    with pytest.raises(InvalidValue) as info:
        read_date(value)
    assert info.value.msgid == msgid


# ---------------------------------------------------------------------------
# themes

def test_themes_kept_mapped_or_kept_as_keywords():
    reading = themes.read_themes([
        "ENVI", THEME + "ECON", "https://publications.europa.eu/resource/authority/data-theme/HEAL/",
        "Environnement", "Transports, Déplacements", "transports deplacements",
        "http://inspire.ec.europa.eu/theme/hy", "Usage des sols", "environment", "farming",
        "Administration, Government, Public finances, Citizenship",
        {"name": "environnement-et-climat", "title": "Environnement et climat"},
        "plu", "Tourisme", "http://eurovoc.europa.eu/100142", "N761cff7fec40440eac74867538b5f468",
    ])
    assert reading.themes == [THEME + c for c in ("ENVI", "ECON", "HEAL", "TRAN", "TECH", "AGRI", "GOVE")]
    assert reading.keywords == ["plu", "Tourisme"]
    assert reading.dropped == ["http://eurovoc.europa.eu/100142", "N761cff7fec40440eac74867538b5f468"]


def test_theme_mapping_file_names_only_eu_themes_and_its_sources():
    document = json.loads(data_path("schemas", "vocabularies", "theme-mapping.json")
                          .read_text(encoding="utf-8"))
    codes_ = {line["code"] for line in json.loads(
        data_path("schemas", "vocabularies", "data-theme.json").read_text())["entries"]}
    assert {source["scheme"] for source in document["header"]["sources"]} == set(document["schemes"])
    assert len(document["schemes"]["inspire-theme"]) == 34
    assert len(document["schemes"]["iso-topic-category"]) == 19
    for entries in document["schemes"].values():
        for entry in entries:
            assert set(entry["themes"]) <= codes_, entry


def test_inspire_two_letter_codes_are_not_read_from_plain_words():
    assert themes.read_themes(["hy", "su"]).themes == []


# ---------------------------------------------------------------------------
# frequencies, formats, languages

@pytest.mark.parametrize("value, code, guessed", [
    ("daily", "DAILY", False), ("Quotidienne", "DAILY", False), ("mensuel", "MONTHLY", False),
    ("Annuelle", "ANNUAL", False), ("asNeeded", "IRREG", False), ("notPlanned", "NEVER", False),
    ("continual", "CONT", False), ("biannually", "ANNUAL_2", False),
    ("http://purl.org/cld/freq/daily", "DAILY", False), ("R/P1D", "DAILY", False),
    ("P1M", "MONTHLY", False), (FREQ + "WEEKLY", "WEEKLY", False),
    (FREQ + "AS_NEEDED", "IRREG", False), ("Temps réel", "UPDATE_CONT", False),
    ("http://standards.iso.org/iso/19139/resources/gmxCodelists.xml#MD_MaintenanceFrequencyCode_weekly",
     "WEEKLY", False),
    ("Mise à jour quotidienne", "DAILY", True),
])
def test_frequencies(value, code, guessed):
    assert codes.read_frequency(value) == codes.CodeReading(FREQ + code, guessed)


@pytest.mark.parametrize("value", ["Parfois", "天天", "http://purl.org/cld/freq/ThisTermDoesNotExist",
                                   "", None, ["daily"], {"a": 1}, "quotidienne ou mensuelle"])
def test_unknown_frequencies(value):
    assert codes.read_frequency(value) is None or value == ["daily"]


@pytest.mark.parametrize("fmt, mimetype, url, code", [
    ("Shapefile (zip)", None, None, "SHP"), ("OGC:WMS", None, None, "WMS_SRVC"),
    ("OGC:WFS", None, None, "WFS_SRVC"), ("CSV LonLat/XY", None, None, "CSV"),
    ("ESRI Shapefile (SHP)", None, None, "SHP"), ("MapInfo TAB", None, None, "TAB"),
    (".xls", None, None, "XLS"), ("GeoJSON", None, None, "GEOJSON"), ("csv excel", None, None, "CSV"),
    (EU + "file-type/TAR", None, None, "TAR"), ("text/csv", None, None, "CSV"),
    (None, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet; charset=binary", None, "XLSX"),
    ("", "http://www.iana.org/assignments/media-types/application/geo+json", None, "GEOJSON"),
    ("", None, "https://example.org/a/b.CSV?x=1", "CSV"), ("wu", None, "https://x.org/f.json", "JSON"),
])
def test_formats(fmt, mimetype, url, code):
    assert codes.read_format(fmt, mimetype, url).value == code


def test_formats_that_say_nothing():
    assert codes.read_format("Inconnu") is None
    assert codes.read_format(None, None, "https://example.org/page") is None
    assert codes.read_format({"x": {"y": 1}}, True, 12) is None
    assert codes.read_format(["CSV"]).value == "CSV"  # a list holding one format


def test_format_mapping_names_only_eu_file_types():
    document = json.loads(data_path("schemas", "vocabularies", "format-mapping.json")
                          .read_text(encoding="utf-8"))
    from ckanext.amp.common.vocabularies import load_vocabulary

    known = set(load_vocabulary("file-type").codes())
    assert set(document["media_types"].values()) | set(document["labels"].values()) <= known


@pytest.mark.parametrize("value, code", [
    ("fr", "FRA"), ("fre", "FRA"), ("FRE", "FRA"), (LANG + "FRE", "FRA"), ("fr-FR", "FRA"),
    ("eng", "ENG"), ("ger", "DEU"), ("French", "FRA"), ("français", "FRA"), (LANG + "SPA", "SPA"),
])
def test_languages(value, code):
    assert codes.read_language(value).value == LANG + code


def test_unknown_language():
    assert codes.read_language("klingon") is None


# ---------------------------------------------------------------------------
# spatial

def test_zones_from_ids_uris_codes_and_names():
    reading = spatial.read_spatial(zones=[
        "http://id.insee.fr/geo/commune/13055", "13055", "fr:commune:13055", "FR:Commune:13001",
        "Marseille", "Bouches-du-Rhône", "https://id.insee.fr/geo/intercommunalite/200054807/",
        "75056", "http://id.insee.fr/geo/departement/24", "GB-SCT",
    ])
    assert reading.zones == ["fr:commune:13055", "fr:commune:13001", "fr:departement:13",
                             "fr:epci:200054807"]
    assert {"uri": "http://id.insee.fr/geo/commune/75056"} in reading.coverage
    assert {"text": "GB-SCT"} in reading.coverage
    assert [msgid for msgid, _ in reading.problems] == [spatial.UNKNOWN_ZONE] * 2


def test_geometries_from_wkt_and_geojson():
    reading = spatial.read_spatial(geometries=[
        "POLYGON((5 43, 6 43, 6 44, 5 44, 5 43))", "SRID=4326;POINT(5.4 43.3)",
        '{"type":"Point","coordinates":[5.1,43.1]}',
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [5.2, 43.2]}},
        {"type": "FeatureCollection", "features": [
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [5, 43]}},
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [6, 44]}}]},
    ])
    assert len(reading.coverage) == 5 and not reading.problems
    first = reading.coverage[0]
    assert json.loads(first["geom"])["type"] == "Polygon"
    assert json.loads(first["centroid"]) == {"type": "Point", "coordinates": [5.5, 43.5]}
    assert json.loads(reading.coverage[4]["bbox"])["coordinates"][0][2] == [6.0, 44.0]


@pytest.mark.parametrize("value, msgid", [
    ("POLYGON((0 0, 1 1, 1 0, 0 1, 0 0))", spatial.INVALID_GEOMETRY),
    ("POLYGON((600000 6000000, 700000 6000000, 700000 6100000, 600000 6000000))", spatial.OUT_OF_RANGE),
    ("garbage", spatial.BAD_GEOMETRY), ('{"type":"Polygon","coordinates":"x"}', spatial.BAD_GEOMETRY),
    ("POLYGON((", spatial.BAD_GEOMETRY), ({"type": "Point"}, spatial.BAD_GEOMETRY),
    ("[" * 5000, spatial.BAD_GEOMETRY), (12, spatial.BAD_GEOMETRY),
])
def test_bad_geometries_are_problems_not_crashes(value, msgid):
    reading = spatial.geometry_from_value(value)
    assert [m for m, _ in reading.problems] == [msgid]
    assert all("geom" not in item for item in reading.coverage)


def test_huge_geometry_keeps_its_bbox():
    ring = [[5 + i / 100_000, 43 + (i % 2) / 1000] for i in range(20_000)]
    line = {"type": "LineString", "coordinates": ring}
    reading = spatial.geometry_from_value(line)
    assert [m for m, _ in reading.problems] == [spatial.BIG_GEOMETRY]
    assert "bbox" in reading.coverage[0] and "geom" not in reading.coverage[0]


@pytest.mark.parametrize("value", [
    "4.2,43.1,5.8,43.9", [4.2, 43.1, 5.8, 43.9], "4.2 43.1 5.8 43.9",
    {"west": "4.2", "east": "5.8", "south": "43.1", "north": "43.9"},
    {"bbox-west-long": "4.2", "bbox-east-long": "5.8", "bbox-south-lat": "43.1", "bbox-north-lat": "43.9"},
    {"extend_bounding_box_westbound_longitude": "4.2", "extend_bounding_box_eastbound_longitude": "5.8",
     "extend_bounding_box_southbound_latitude": "43.1", "extend_bounding_box_northbound_latitude": "43.9"},
])
def test_bounding_boxes(value):
    reading = spatial.bbox_from_values(value)
    assert not reading.problems
    assert json.loads(reading.coverage[0]["bbox"])["coordinates"][0][0] == [4.2, 43.1]


def test_swapped_and_bad_bounding_boxes():
    swapped = spatial.bbox_from_values({"west": "1.448", "east": "-0.04", "north": "45.7", "south": "44.5"})
    assert swapped.problems[0][0] == spatial.SWAPPED_BBOX
    assert json.loads(swapped.coverage[0]["bbox"])["coordinates"][0][0] == [-0.04, 44.5]
    for bad in ("a,b,c,d", "1,2,3", [1, 2, 3, True], {"west": "x"}, "1,2,3,inf", "0,0,200,10"):
        assert not spatial.bbox_from_values(bad).coverage, bad


# ---------------------------------------------------------------------------
# agents, text, licences

def test_agents_of_every_shape():
    iso = {"individual-name": "", "organisation-name": "DDTM 80", "position-name": "",
           "contact-info": {"email": "ddtm@somme.gouv.fr", "online-resource": ""}, "role": "pointOfContact"}
    assert agent(iso).value == {"name": "DDTM 80", "email": "ddtm@somme.gouv.fr"}
    assert agent({"fn": "Jane", "hasEmail": "mailto:Jane@Example.ORG"}).value == \
        {"name": "Jane", "email": "Jane@example.org"}
    reading = agent({"name": "x", "email": "not-an-email", "url": "www.x.fr", "uri": "Nabc"},
                    kind="publisher")
    assert reading.value == {"name": "x"}
    assert [m for m, _ in reading.problems] == [
        "{value} is not an e-mail address: left out",
        "{value} is not a web address (http or https): left out"]
    found, _ = agents([{"name": "A"}, {"name": "A"}, "B", None, 12, {"type": "x"}])
    assert found == [{"name": "A"}, {"name": "B"}, {"name": "12"}]


def test_html_is_turned_into_text_never_kept_as_markup():
    html = ('<p>Liste des <b>antennes</b>&nbsp;!</p><script>alert("x")</script>'
            '<a href="javascript:alert(1)">clic</a> <a href="https://x.fr/a">site</a>'
            '<ul><li>un</li><li>deux</li></ul><img src=x onerror=alert(1)><style>p{}</style>'
            '<iframe src="https://evil"></iframe>&lt;script&gt;')
    result = text.html_to_markdown(html)
    assert result == "Liste des antennes !\n\nclic [site](https://x.fr/a)\n\n- un\n- deux\n\n‹script›"
    assert "<" not in result and "alert" not in result


@pytest.mark.parametrize("value, expected", [
    ("Aménagement Urbanisme/Zonages Planification", "Aménagement Urbanisme Zonages Planification"),
    ("Transports, Déplacements", "Transports Déplacements"), ("d'urbanisme", "d urbanisme"),
    ("x", None), ("", None), (None, None), ("!!!", None), ("a" * 150, "a" * 100),
])
def test_tag_names(value, expected):
    assert text.tag_name(value) == expected


def test_plain_text_of_odd_values():
    assert text.plain({"fr": "Bonjour", "en": "Hello"}) == "Bonjour"
    assert text.plain(["", " a\x00b "]) == "ab"
    assert text.plain([[{"en": "deep"}]]) == "deep"
    assert text.plain(True) == "" and text.plain({"x": {"y": 1}}) == ""
    assert text.plain(b"caf\xc3\xa9") == "café"


@pytest.mark.parametrize("candidates, licence_id", [
    (("lov2",), "lov2"), (("Licence Ouverte v2.0 (Etalab)",), "lov2"),
    (("", None, "Open Database License (ODbL)"), "odc-odbl"),
    (("https://www.etalab.gouv.fr/wp-content/uploads/2018/11/open-licence.pdf",), "lov2"),
    (("Licence inconnue du portail", "cc-by"), "cc-by"),
])
def test_licences_through_the_registry(candidates, licence_id):
    assert read_licence(*candidates).license_id == licence_id


def test_no_licence_or_an_unknown_one_is_an_error_not_a_default():
    assert read_licence(None, "", []).msgid == "The record names no licence"
    unknown = read_licence("Licence propriétaire du Département")
    assert unknown.license_id is None
    assert unknown.msgid == "The licence {value} is not in the portal's licence registry"


# ---------------------------------------------------------------------------
# every message of common/harvest is in the French catalogue

def _harvest_msgids() -> set[str]:
    ids: set[str] = set()
    for path in sorted(Path(text.__file__).parent.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = {target.id: node.value.value for node in tree.body
                     if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
                     and isinstance(node.value.value, str)
                     for target in node.targets if isinstance(target, ast.Name)}
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else \
                getattr(node.func, "id", None)
            args = node.args[1:2] if name in ("warn", "error") else \
                node.args[:1] if name in ("InvalidValue", "DeliveryIssue") else []
            for arg in args:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    ids.add(arg.value)
                elif isinstance(arg, ast.Name) and arg.id in constants:
                    ids.add(constants[arg.id])
        ids.update(value for value in constants.values() if "{" in value and " " in value)
    return ids


def test_every_harvest_message_is_translated():
    babel = pytest.importorskip("babel.messages.pofile")
    with open(CATALOGUE, "rb") as handle:
        catalogue = babel.read_po(handle)
    msgids = _harvest_msgids()
    assert len(msgids) >= 50
    fields = lambda template: {n for _t, n, _s, _c in string.Formatter().parse(template) if n}  # noqa: E731
    for msgid in msgids:
        message = catalogue.get(msgid)
        assert message is not None, f"missing from ckanext-amp.po: {msgid!r}"
        assert message.string and message.string != msgid, msgid
        assert fields(message.string) == fields(msgid), msgid
        if fields(msgid):
            assert "python-brace-format" in message.flags, msgid

"""Vocabulary data files, their loader and the builder that makes them.

Pure Python: no CKAN. The builder test reads the reference files of tests/fixtures/.
"""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from ckanext.amp.common import paths
from ckanext.amp.common.vocabularies import (
    VOCABULARIES,
    Entry,
    Vocabulary,
    load_vocabulary,
    read_vocabulary_file,
    vocabulary_path,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
VOCABULARY_DIR = REPO_ROOT / "schemas" / "vocabularies"
FIXTURES = REPO_ROOT / "tests" / "fixtures"
EU = "http://publications.europa.eu/resource/authority/"


# ---------------------------------------------------------------------------
# the data files


@pytest.mark.parametrize("name", VOCABULARIES)
def test_file_is_small_canonical_json(name):
    path = VOCABULARY_DIR / f"{name}.json"
    raw = path.read_bytes()
    assert len(raw) < 500_000
    document = json.loads(raw.decode("utf-8"))
    # written by json.dumps(indent=1, ensure_ascii=False) + newline: stable diffs
    assert raw == (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    header = document["header"]
    assert header["vocabulary"] == name
    assert header["entry_count"] == len(document["entries"])
    assert header["title"]["fr"] and header["title"]["en"]
    assert header["sources"], "every file names its sources"
    for source in header["sources"]:
        assert source["file"] and source["licence"] and len(source["sha256"]) == 64


@pytest.mark.parametrize("name", VOCABULARIES)
def test_entries_have_labels_and_unique_codes(name):
    vocabulary = load_vocabulary(name)
    assert len(vocabulary) > 0
    codes = [entry.code for entry in vocabulary]
    assert len(codes) == len(set(codes))
    assert len({code.casefold() for code in codes}) == len(codes)
    uris = [entry.uri for entry in vocabulary if entry.uri]
    assert len(uris) == len(set(uris))
    for entry in vocabulary:
        assert entry.labels.get("fr"), f"{name}:{entry.code} has no French label"
        assert entry.labels.get("en"), f"{name}:{entry.code} has no English label"
        assert entry.labels["fr"] == " ".join(entry.labels["fr"].split())
        if name != "zones":
            assert entry.uri and entry.uri.endswith("/" + entry.code)
        # every entry can be found again by its code, URI and aliases
        assert vocabulary.get(entry.code) is entry
        if entry.uri:
            assert vocabulary.get(entry.uri) is entry
        for alias in entry.aliases:
            assert vocabulary.get(alias) is entry


@pytest.mark.parametrize("name", [n for n in VOCABULARIES if n not in ("hvd-category", "zones")])
def test_entries_sorted_by_code(name):
    codes = load_vocabulary(name).codes()
    assert list(codes) == sorted(codes)


def test_data_theme():
    themes = load_vocabulary("data-theme")
    assert len(themes) == 13
    assert "OP_DATPRO" not in themes
    assert themes.label("ENVI") == "Environnement"
    assert themes.label("REGI", "en") == "Regions and cities"
    assert themes.uri("envi") == EU + "data-theme/ENVI"


def test_access_right_maps_diffusion_levels():
    rights = load_vocabulary("access-right")
    assert rights.codes() == ("NON_PUBLIC", "PUBLIC", "RESTRICTED")
    assert rights.label("RESTRICTED") == "restreint"
    assert rights.label("NON_PUBLIC", "en") == "non-public"
    by_diffusion = {level: entry.code for entry in rights for level in entry["diffusion"]}
    assert by_diffusion == {"public": "PUBLIC", "restricted": "RESTRICTED",
                            "internal": "NON_PUBLIC", "personal": "NON_PUBLIC"}


@pytest.mark.parametrize("french, code", [
    ("quotidienne", "DAILY"), ("hebdomadaire", "WEEKLY"), ("mensuelle", "MONTHLY"),
    ("trimestrielle", "QUARTERLY"), ("semestrielle", "ANNUAL_2"), ("annuelle", "ANNUAL"),
    ("ponctuelle", "NEVER"), ("temps réel", "UPDATE_CONT"), ("Irrégulière", "IRREG"),
])
def test_frequency_french_portal_labels(french, code):
    frequency = load_vocabulary("frequency")
    entry = frequency.get(french)
    assert entry is not None and entry.code == code
    assert entry["odf_label"].casefold() == french.casefold()


def test_frequency_fields():
    frequency = load_vocabulary("frequency")
    assert len(frequency) == 30
    daily = frequency["DAILY"]
    assert daily.label() == "quotidien" and daily.label("en") == "daily"
    assert daily["cld_freq"] == "http://purl.org/cld/freq/daily"
    assert daily["udata"] == "daily"
    # udata maps CONT and UPDATE_CONT to "continuous": the alias goes to CONT only
    assert frequency.get("continuous").code == "CONT"
    assert frequency["UPDATE_CONT"]["udata"] == "continuous"


def test_file_type():
    types = load_vocabulary("file-type")
    assert len(types) == 196
    assert types.get("csv").code == "CSV"
    assert types.get("geojson").uri == EU + "file-type/GEOJSON"
    # the fixture gives no media type, so none is invented
    assert not any(entry.get("media_type") for entry in types)


def test_hvd_categories_tree():
    hvd = load_vocabulary("hvd-category")
    assert len(hvd) == 96
    tops = [entry for entry in hvd if entry["level"] == 1]
    assert [entry.label("en") for entry in tops] == [
        "Geospatial", "Earth observation and environment", "Meteorological",
        "Statistics", "Companies and company ownership", "Mobility",
    ]
    assert all(entry["broader"] is None and entry["top"] == entry.code for entry in tops)
    for entry in hvd:
        if entry["level"] > 1:
            parent = hvd[entry["broader"]]
            assert parent["level"] == entry["level"] - 1
            assert entry["top"] == parent["top"]
            assert entry["order"].startswith(parent["order"])
    assert hvd.get("http://data.europa.eu/bna/c_ac64a52d").label() == "Géospatiales"
    orders = [entry["order"] for entry in hvd]
    assert orders == sorted(orders)


def test_languages():
    languages = load_vocabulary("language")
    assert {"FRA", "ENG", "DEU", "SPA", "ITA", "OCI"} <= set(languages.codes())
    assert languages.get("fr").code == "FRA"
    assert languages.label("fr") == "français"
    assert languages.label("OCI", "en") == "Occitan"
    assert languages["FRA"]["iso_639_1"] == "fr"


def test_licences():
    licences = load_vocabulary("licence")
    etalab = licences["ETALAB_2_0"]
    assert etalab.uri == EU + "licence/ETALAB_2_0" and not etalab.deprecated
    assert etalab.label() == "Licence Ouverte / Open Licence version 2.0"
    assert licences.get("lov2") is etalab
    odbl = licences.get("ODC_ODBL")
    assert odbl.code == "ODC_BL"
    assert "http://opendatacommons.org/licenses/odbl/1.0/" in odbl["exact_match"]
    assert licences.label("CC_BY_4_0") == "Creative Commons Attribution 4.0 International"
    assert licences.label("CC0") == "Creative Commons CC0 1.0 Universel"
    assert licences["CC_BY"].deprecated
    assert licences["APACHE_2_0"]["fr_label_from"] == "en"


def test_zones():
    zones = load_vocabulary("zones")
    marseille = zones["fr:commune:13055"]
    assert marseille.label() == "Marseille" and marseille.uri is None
    assert marseille.value == "fr:commune:13055"
    assert marseille["siren"] == "211300553"
    assert marseille["parents"] == ("fr:epci:200054807", "fr:departement:13", "fr:region:93")
    west, south, east, north = marseille["bbox"]
    lon, lat = marseille["centroid"]
    assert west < lon < east and south < lat < north
    assert 5.2 < lon < 5.6 and 43.1 < lat < 43.5

    arrondissements = [e for e in zones if e["kind"] == "arrondissement_municipal"]
    assert [e["insee"] for e in arrondissements] == [str(c) for c in range(13201, 13217)]
    assert all(e["parents"][0] == "fr:commune:13055" for e in arrondissements)

    amp = zones["fr:epci:200054807"]
    assert amp["siren"] == "200054807" and len(amp["members"]) == 92
    assert "fr:commune:84089" in amp["members"] and "fr:commune:83120" in amp["members"]
    assert amp["geometry_missing_members"] == ("fr:commune:83120", "fr:commune:84089")
    members = set(amp["members"])
    for entry in zones:
        if entry["kind"] == "commune":
            assert (entry.get("epci") == amp.code) == (entry.code in members)
            for parent in entry["parents"]:
                assert parent in zones
    assert zones.label("fr:departement:13") == "Bouches-du-Rhône"
    assert zones.label("fr:region:93") == "Provence-Alpes-Côte d'Azur"
    assert len([e for e in zones if e["kind"] == "commune"]) == 121
    for entry in zones:
        if "bbox" in entry.extra:
            west, south, east, north = entry["bbox"]
            assert 4.0 < west <= east < 6.0 and 43.0 < south <= north < 44.0


# ---------------------------------------------------------------------------
# the loader


def test_lookup_variants():
    frequency = load_vocabulary("frequency")
    daily = frequency["DAILY"]
    for spelling in ("DAILY", "daily", " Daily ", EU + "frequency/DAILY",
                     "https://publications.europa.eu/resource/authority/frequency/DAILY/",
                     "quotidienne"):
        assert frequency.get(spelling) is daily, spelling
        assert spelling in frequency
    for missing in ("", "   ", None, 42, "HOURLY_7", EU + "frequency/NOPE"):
        assert frequency.get(missing) is None
        assert missing not in frequency
    assert frequency.get("nope", daily) is daily
    with pytest.raises(KeyError):
        frequency["nope"]
    assert frequency.uri("daily") == EU + "frequency/DAILY"
    assert frequency.code(EU + "frequency/DAILY") == "DAILY"


def test_labels_and_fallbacks():
    frequency = load_vocabulary("frequency")
    assert frequency.label("DAILY") == "quotidien"
    assert frequency.label("DAILY", "en") == "daily"
    assert frequency.label("DAILY", "de") == "quotidien"  # falls back to French
    assert frequency.label("nope", default="?") == "?"
    with pytest.raises(KeyError):
        frequency.label("nope")
    entry = Entry(code="X", uri=None, labels={"en": "only English"})
    assert entry.label("fr") == "only English"
    assert Entry(code="Y", uri=None, labels={}).label() == "Y"


def test_choices():
    licences = load_vocabulary("licence")
    choices = licences.choices("fr")
    values = {choice["value"] for choice in choices}
    assert EU + "licence/ETALAB_2_0" in values
    assert EU + "licence/CC_BY" not in values  # deprecated
    assert len(licences.choices(include_deprecated=True)) == len(licences)
    assert {"value": "ETALAB_2_0", "label": "Licence Ouverte / Open Licence version 2.0"} \
        in licences.choices(value="code")
    labels = [choice["label"].casefold() for choice in licences.choices(sort=True)]
    assert labels == sorted(labels)
    assert load_vocabulary("access-right").choices("en")[1] == {
        "value": EU + "access-right/PUBLIC", "label": "public"}
    assert load_vocabulary("zones").choices()[0]["value"] == "fr:region:93"
    with pytest.raises(ValueError):
        licences.choices(value="label")


def test_load_is_cached_and_immutable():
    assert load_vocabulary("frequency") is load_vocabulary("frequency")
    entry = load_vocabulary("hvd-category").entries[0]
    with pytest.raises(TypeError):
        entry.labels["fr"] = "x"
    with pytest.raises(TypeError):
        entry.extra["level"] = 3
    with pytest.raises(AttributeError):
        entry.code = "x"
    assert repr(load_vocabulary("language")).startswith("<Vocabulary language")


def test_unknown_vocabulary():
    with pytest.raises(ValueError, match="unknown vocabulary"):
        load_vocabulary("colours")
    with pytest.raises(ValueError):
        vocabulary_path("../secrets")


def test_ambiguous_entries_are_refused():
    one = Entry(code="A", uri=None, labels={"fr": "a"}, aliases=("same",))
    two = Entry(code="B", uri=None, labels={"fr": "b"}, aliases=("SAME",))
    with pytest.raises(ValueError, match="names both"):
        Vocabulary("test", {}, [one, two])


def test_read_vocabulary_file(tmp_path):
    path = tmp_path / "colours.json"
    path.write_text(json.dumps({"header": {"vocabulary": "colours"}, "entries": [
        {"code": "RED", "uri": "http://example.org/RED", "labels": {"fr": "rouge", "en": "red"},
         "deprecated": True, "shade": [1, 2]},
    ]}), encoding="utf-8")
    vocabulary = read_vocabulary_file(path)
    assert vocabulary.name == "colours"
    assert vocabulary["red"].deprecated and vocabulary["red"]["shade"] == (1, 2)
    assert vocabulary.choices() == []


# ---------------------------------------------------------------------------
# paths


def test_data_path_in_checkout():
    path = paths.data_path("schemas", "vocabularies", "frequency.json")
    assert path == VOCABULARY_DIR / "frequency.json"
    assert vocabulary_path("zones") == VOCABULARY_DIR / "zones.json"
    assert paths.source_root() == REPO_ROOT


def test_data_path_prefers_installed_copy(tmp_path, monkeypatch):
    installed = tmp_path / "ckanext" / "amp" / "data"
    (installed / "schemas" / "vocabularies").mkdir(parents=True)
    (installed / "schemas" / "vocabularies" / "frequency.json").write_text("{}")
    monkeypatch.setattr(paths, "_installed_root", lambda: installed)
    assert paths.data_path("schemas", "vocabularies", "frequency.json") == \
        installed / "schemas" / "vocabularies" / "frequency.json"
    # what the installed copy lacks still comes from the checkout
    assert paths.data_path("schemas", "vocabularies", "zones.json") == VOCABULARY_DIR / "zones.json"


def test_installed_root_is_inside_the_package():
    root = paths._installed_root()
    assert root is not None and root.parts[-3:] == ("ckanext", "amp", "data")


def test_data_path_errors():
    with pytest.raises(ValueError):
        paths.data_path()
    with pytest.raises(ValueError, match="not a data folder"):
        paths.data_path("tools", "build_vocabularies.py")
    with pytest.raises(ValueError, match="invalid path part"):
        paths.data_path("schemas", "..", "setup.py")
    with pytest.raises(ValueError, match="invalid path part"):
        paths.data_path("schemas", "vocabularies/zones.json")
    with pytest.raises(FileNotFoundError, match="tried"):
        paths.data_path("schemas", "vocabularies", "nope.json")


# ---------------------------------------------------------------------------
# the builder


def _builder():
    if not FIXTURES.is_dir():
        pytest.fail(f"reference fixtures missing at {FIXTURES}")
    pytest.importorskip("rdflib", reason="the vocabulary builder needs rdflib")
    spec = importlib.util.spec_from_file_location(
        "build_vocabularies", REPO_ROOT / "tools" / "build_vocabularies.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_builder_is_deterministic_and_matches_committed_files(tmp_path):
    builder = _builder()
    first = builder.build(FIXTURES, tmp_path / "one")
    second = builder.build(FIXTURES, tmp_path / "two")
    assert sorted(first) == sorted(f"{name}.json" for name in VOCABULARIES)
    for filename in first:
        data = first[filename].read_bytes()
        assert data == second[filename].read_bytes(), f"{filename} differs between two runs"
        assert data == (VOCABULARY_DIR / filename).read_bytes(), (
            f"schemas/vocabularies/{filename} is stale: run tools/build_vocabularies.py")

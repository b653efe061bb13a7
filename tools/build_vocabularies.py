#!/usr/bin/env python3
"""Build ``schemas/vocabularies/*.json`` from the real reference files.

Reads the EU Publications Office vocabularies (SKOS RDF/XML, Turtle) and the
INSEE/IGN reference data kept in tests/fixtures/ and writes one small,
sorted, UTF-8 JSON file per vocabulary. The runtime only ever reads the JSON
files (``ckanext.amp.common.vocabularies``); this script is run by a developer
when a source file changes, and its output is committed.

The output is deterministic: the same inputs give the same bytes (no
timestamps, stable ordering, fixed float rounding).

Usage::

    python tools/build_vocabularies.py [--fixtures FOLDER]
                                       [--out schemas/vocabularies]

Every file has the shape ``{"header": {...}, "entries": [...]}``. The header
names the vocabulary, its scheme URI, the source files (path, version,
repository, commit, licence, sha256) and notes on what the project added or
left out. Entries carry at least ``code``, ``uri`` (``null`` for zones, which
have no URI), ``labels`` (``fr`` and ``en``), and where relevant
``deprecated``, ``aliases`` (other spellings accepted on input) and fields
specific to the vocabulary.
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import re
import sys
from pathlib import Path
from typing import Any, Iterable

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent
DEFAULT_FIXTURES = REPO_ROOT / "tests" / "fixtures"
DEFAULT_OUT = REPO_ROOT / "schemas" / "vocabularies"

EU = "http://publications.europa.eu/resource/authority/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DC = "http://purl.org/dc/elements/1.1/"
OWL = "http://www.w3.org/2002/07/owl#"
AT = "http://publications.europa.eu/ontology/authority/"
EUVOC = "http://publications.europa.eu/ontology/euvoc#"
DCT = "http://purl.org/dc/terms/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

#: EU placeholder concept ("Provisional data") present in most NALs; it is
#: not a value a dataset may carry, so it is left out everywhere.
EXCLUDED_EU_CODES = ("OP_DATPRO",)

FORMAT_VERSION = 1


# ---------------------------------------------------------------------------
# helpers


def _clean(text: str) -> str:
    """Collapse the whitespace of a label (the 2019 licence file wraps lines)."""
    return " ".join(str(text).split())


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _provenance_rows(fixtures: Path) -> dict[str, dict[str, str]]:
    """Parse the tables of PROVENANCE.md into ``{relative path: row}``."""
    rows: dict[str, dict[str, str]] = {}
    provenance = fixtures / "PROVENANCE.md"
    if not provenance.exists():
        return rows
    for line in provenance.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^\| `([^`]+)` \|(.*)\|\s*$", line)
        if not match:
            continue
        cells = [cell.strip() for cell in match.group(2).split(" | ")]
        if len(cells) < 6:
            continue
        _bytes, repository, path_in_repo, commit, licence = cells[:5]
        repo = re.sub(r"^\[([^\]]+)\].*$", r"\1", repository)
        rows[match.group(1)] = {
            "repository": repo,
            "path_in_repository": path_in_repo.strip("`"),
            "commit": commit.strip("`"),
            "licence": licence,
        }
    return rows


def _source(fixtures: Path, relative: str, version: str | None,
            provenance: dict[str, dict[str, str]]) -> dict[str, Any]:
    path = fixtures / relative
    row = provenance.get(relative, {})
    source: dict[str, Any] = {"file": relative}
    if version:
        source["version"] = version
    for key in ("repository", "path_in_repository", "commit", "licence"):
        if key in row:
            source[key] = row[key]
    source["sha256"] = _sha256(path)
    return source


def _graph(path: Path):
    import rdflib  # imported here: only the builder needs rdflib

    graph = rdflib.Graph()
    graph.parse(str(path))
    return graph


def _literals(graph, subject, predicate: str, lang: str | None = None) -> list[str]:
    import rdflib

    values = []
    for obj in graph.objects(subject, rdflib.URIRef(predicate)):
        if lang is not None and getattr(obj, "language", None) != lang:
            continue
        values.append(_clean(obj))
    return sorted(set(values))


def _first(graph, subject, predicate: str, lang: str | None = None) -> str | None:
    values = _literals(graph, subject, predicate, lang)
    return values[0] if values else None


def _concepts(graph, scheme: str | None = None) -> list:
    import rdflib

    concepts = set(graph.subjects(rdflib.URIRef(RDF_TYPE), rdflib.URIRef(SKOS + "Concept")))
    if scheme is not None:
        concepts |= set(graph.subjects(rdflib.URIRef(SKOS + "inScheme"), rdflib.URIRef(scheme)))
    return sorted(concepts, key=str)


def _version(graph, scheme: str) -> str | None:
    import rdflib

    value = graph.value(rdflib.URIRef(scheme), rdflib.URIRef(OWL + "versionInfo"))
    return str(value) if value is not None else None


def _code_of(uri: str) -> str:
    return uri.rstrip("/").rsplit("/", 1)[-1]


def _labels(graph, concept, langs: Iterable[str] = ("fr", "en")) -> dict[str, str]:
    labels = {}
    for lang in langs:
        label = _first(graph, concept, SKOS + "prefLabel", lang)
        if label:
            labels[lang] = label
    return labels


def _document(name: str, title: dict[str, str], scheme: str | None,
              sources: list[dict[str, Any]], notes: list[str],
              entries: list[dict[str, Any]]) -> dict[str, Any]:
    header: dict[str, Any] = {
        "vocabulary": name,
        "format_version": FORMAT_VERSION,
        "title": title,
        "scheme": scheme,
        "sources": sources,
        "generated_by": "tools/build_vocabularies.py",
        "entry_count": len(entries),
    }
    if notes:
        header["notes"] = notes
    return {"header": header, "entries": entries}


def _check_unique(name: str, entries: list[dict[str, Any]]) -> None:
    """Codes, URIs and aliases must resolve to exactly one entry."""
    seen: dict[str, str] = {}
    for entry in entries:
        keys = [entry["code"].casefold()]
        if entry.get("uri"):
            keys.append(entry["uri"].casefold())
        keys += [alias.casefold() for alias in entry.get("aliases", ())]
        for key in keys:
            if key in seen and seen[key] != entry["code"]:
                raise ValueError(f"{name}: {key!r} names both {seen[key]} and {entry['code']}")
            seen[key] = entry["code"]
        if not entry.get("labels", {}).get("fr"):
            raise ValueError(f"{name}: {entry['code']} has no French label")


# ---------------------------------------------------------------------------
# vocabularies


def build_data_theme(fixtures: Path, provenance) -> dict[str, Any]:
    relative = "vocabularies/data-theme_20241211-0_en-fr-nl-de.rdf"
    scheme = EU + "data-theme"
    graph = _graph(fixtures / relative)
    entries = []
    for concept in _concepts(graph, scheme):
        uri = str(concept)
        if uri == scheme:
            continue
        code = _first(graph, concept, DC + "identifier") or _code_of(uri)
        if code in EXCLUDED_EU_CODES:
            continue
        entries.append({"code": code, "uri": uri, "labels": _labels(graph, concept)})
    entries.sort(key=lambda e: e["code"])
    return _document(
        "data-theme", {"fr": "Thème des données", "en": "Data theme"}, scheme,
        [_source(fixtures, relative, _version(graph, scheme), provenance)],
        ["OP_DATPRO (EU placeholder 'Provisional data') left out."],
        entries,
    )


#: data.gouv.fr (udata) update-frequency ids for each EU code, after udata's
#: own EU mapping (udata/core/dataset/rdf.py, EU_RDF_REQUENCIES). Where udata
#: maps two EU codes to one id (CONT and UPDATE_CONT -> continuous, UNKNOWN
#: and OTHER -> unknown), only the first keeps the id as an input alias.
UDATA_FREQUENCY = {
    "ANNUAL": "annual", "BIENNIAL": "biennial", "TRIENNIAL": "triennial",
    "QUARTERLY": "quarterly", "MONTHLY": "monthly", "BIMONTHLY": "bimonthly",
    "WEEKLY": "weekly", "BIWEEKLY": "biweekly", "DAILY": "daily",
    "ANNUAL_2": "semiannual", "ANNUAL_3": "threeTimesAYear",
    "MONTHLY_2": "semimonthly", "MONTHLY_3": "threeTimesAMonth",
    "WEEKLY_2": "semiweekly", "WEEKLY_3": "threeTimesAWeek",
    "DAILY_2": "semidaily", "CONT": "continuous", "UPDATE_CONT": "continuous",
    "IRREG": "irregular", "UNKNOWN": "unknown", "OTHER": "unknown",
    "NEVER": "punctual", "HOURLY": "hourly", "QUINQUENNIAL": "quinquennial",
}
UDATA_ALIAS_OWNER = {"continuous": "CONT", "unknown": "UNKNOWN"}

#: French "fréquence de mise à jour" labels as French portals write them
#: (feminine, agreeing with "fréquence"), where the EU file has no feminine
#: altLabel. None of the SCDL schemas in the fixtures enumerates frequencies,
#: so these are the project's, following data.gouv.fr's wording
#: ("Ponctuelle" = udata "punctual" = EU NEVER; "Temps réel" = udata
#: "continuous", here tied to the EU "continuously updated").
PROJECT_ODF_LABELS = {
    "WEEKLY": "hebdomadaire",
    "WEEKLY_2": "bihebdomadaire",
    "NEVER": "ponctuelle",
    "UPDATE_CONT": "temps réel",
}


def build_frequency(fixtures: Path, provenance) -> dict[str, Any]:
    relative = "vocabularies/frequency_frequencies-skos_20190619-0.rdf"
    scheme = EU + "frequency"
    graph = _graph(fixtures / relative)
    entries = []
    for concept in _concepts(graph, scheme):
        uri = str(concept)
        code = _first(graph, concept, DC + "identifier") or _code_of(uri)
        if code in EXCLUDED_EU_CODES:
            continue
        entry: dict[str, Any] = {"code": code, "uri": uri, "labels": _labels(graph, concept)}
        if _first(graph, concept, AT + "deprecated") == "true":
            entry["deprecated"] = True
        alt_fr = _literals(graph, concept, SKOS + "altLabel", "fr")
        odf = PROJECT_ODF_LABELS.get(code) or (alt_fr[0] if alt_fr else None)
        if odf:
            entry["odf_label"] = odf
        matches = sorted(str(o) for o in graph.objects(concept, _uri(SKOS + "exactMatch")))
        cld = [m for m in matches if m.startswith("http://purl.org/cld/freq/")]
        if cld:
            entry["cld_freq"] = cld[0]
        if code in UDATA_FREQUENCY:
            entry["udata"] = UDATA_FREQUENCY[code]
        aliases = set(alt_fr)
        if odf:
            aliases.add(odf)
        udata = UDATA_FREQUENCY.get(code)
        if udata and UDATA_ALIAS_OWNER.get(udata, code) == code:
            aliases.add(udata)
        aliases.discard(code)
        if aliases:
            entry["aliases"] = sorted(aliases)
        entries.append(entry)
    entries.sort(key=lambda e: e["code"])
    return _document(
        "frequency", {"fr": "Fréquence de mise à jour", "en": "Frequency"}, scheme,
        [_source(fixtures, relative, _version(graph, scheme), provenance)],
        [
            "OP_DATPRO left out.",
            "odf_label: French label in the feminine, as OpenDataFrance / "
            "data.gouv.fr write the update frequency. No SCDL schema in the "
            "fixtures enumerates frequencies, so it is the EU French altLabel "
            "where the EU file has one, else the project's: "
            + ", ".join(f"{k}={v}" for k, v in sorted(PROJECT_ODF_LABELS.items())) + ".",
            "udata: data.gouv.fr frequency id, per udata's EU mapping "
            "(CONT/UPDATE_CONT -> continuous, UNKNOWN/OTHER -> unknown, NEVER -> punctual), "
            "plus HOURLY and QUINQUENNIAL, whose udata ids have the same name.",
            "cld_freq: Dublin Core Collection Description frequency (skos:exactMatch in the EU file).",
        ],
        entries,
    )


def _uri(value: str):
    import rdflib

    return rdflib.URIRef(value)


#: French labels for the access rights: the fixture (OP skos-ap-act
#: 20210317-0) has none for these three concepts; these are the French
#: labels of the EU access-right table.
ACCESS_RIGHT_FR = {"PUBLIC": "public", "RESTRICTED": "restreint", "NON_PUBLIC": "non public"}
#: docs/dataset-contract.md: access_rights is derived from diffusion, never typed.
ACCESS_RIGHT_DIFFUSION = {
    "PUBLIC": ["public"], "RESTRICTED": ["restricted"], "NON_PUBLIC": ["internal", "personal"],
}


def build_access_right(fixtures: Path, provenance) -> dict[str, Any]:
    relative = "vocabularies/access-right_skos-ap-act_20210317-0.rdf"
    scheme = EU + "access-right"
    graph = _graph(fixtures / relative)
    entries = []
    for concept in _concepts(graph, scheme):
        uri = str(concept)
        code = _first(graph, concept, DC + "identifier") or _code_of(uri)
        if code not in ACCESS_RIGHT_FR:
            continue
        labels = _labels(graph, concept)
        labels = {"fr": labels.get("fr") or ACCESS_RIGHT_FR[code], "en": labels["en"]}
        entries.append({
            "code": code, "uri": uri, "labels": labels,
            "diffusion": ACCESS_RIGHT_DIFFUSION[code],
        })
    entries.sort(key=lambda e: e["code"])
    return _document(
        "access-right", {"fr": "Droits d'accès", "en": "Access right"}, scheme,
        [_source(fixtures, relative, _version(graph, scheme), provenance)],
        [
            "Only PUBLIC, RESTRICTED and NON_PUBLIC are kept (DCAT-AP); "
            "CONFIDENTIAL, SENSITIVE and OP_DATPRO are left out.",
            "The fixture carries no French label for these three concepts: "
            "fr labels are the project's (public, restreint, non public).",
            "diffusion: the amp diffusion levels that map to this access right (docs/dataset-contract.md).",
        ],
        entries,
    )


def build_file_type(fixtures: Path, provenance) -> dict[str, Any]:
    relative = "vocabularies/file-type_20220615-0_en-fr-nl-de.rdf"
    scheme = EU + "file-type"
    graph = _graph(fixtures / relative)
    entries = []
    for concept in _concepts(graph, scheme):
        uri = str(concept)
        if uri == scheme:
            continue
        code = _first(graph, concept, DC + "identifier") or _code_of(uri)
        if code in EXCLUDED_EU_CODES:
            continue
        entry: dict[str, Any] = {"code": code, "uri": uri, "labels": _labels(graph, concept)}
        media = _first(graph, concept, "http://www.w3.org/ns/dcat#mediaType")
        if media:
            entry["media_type"] = media
        entries.append(entry)
    entries.sort(key=lambda e: e["code"])
    return _document(
        "file-type", {"fr": "Type de fichier", "en": "File type"}, scheme,
        [_source(fixtures, relative, _version(graph, scheme), provenance)],
        [
            "OP_DATPRO left out.",
            "The fixture is the language-reduced copy (prefLabels en/fr/nl/de only): "
            "it carries no media type, so no entry has media_type.",
        ],
        entries,
    )


def build_hvd_category(fixtures: Path, provenance) -> dict[str, Any]:
    relative = "vocabularies/high-value-dataset-category.rdf"
    scheme = "http://data.europa.eu/bna/asd487ae75"
    graph = _graph(fixtures / relative)
    concepts = [c for c in _concepts(graph) if str(c) != scheme]
    broader = {}
    info = {}
    for concept in concepts:
        uri = str(concept)
        parent = graph.value(concept, _uri(SKOS + "broader"))
        broader[uri] = str(parent) if parent is not None else None
        info[uri] = {
            "code": _first(graph, concept, DC + "identifier") or _code_of(uri),
            "order": _first(graph, concept, EUVOC + "order") or "",
            "labels": _labels(graph, concept),
        }

    def top_of(uri: str) -> tuple[str, int]:
        level = 1
        while broader[uri] is not None:
            uri = broader[uri]
            level += 1
        return uri, level

    entries = []
    for uri, data in info.items():
        top, level = top_of(uri)
        entries.append({
            "code": data["code"],
            "uri": uri,
            "labels": data["labels"],
            "order": data["order"],
            "level": level,
            "broader": info[broader[uri]]["code"] if broader[uri] else None,
            "top": info[top]["code"],
        })
    entries.sort(key=lambda e: (e["order"], e["code"]))
    return _document(
        "hvd-category",
        {"fr": "Catégorie de données de forte valeur", "en": "High-value dataset category"},
        scheme,
        [_source(fixtures, relative, _version(graph, scheme), provenance)],
        [
            "Entries are sorted by the EU order (euvoc:order), not by code: "
            "the six level-1 categories are followed by their sub-categories.",
            "level: 1 for the six categories of Implementing Regulation (EU) 2023/138; "
            "broader: code of the parent; top: code of the level-1 category.",
        ],
        entries,
    )


#: The languages kept (EU 3-letter codes) and their ISO 639-1 codes, which
#: CKAN and most portals use; the ISO codes are the project's (the reduced
#: fixture has no op-mapped-code).
LANGUAGES = {
    "FRA": "fr", "ENG": "en", "DEU": "de", "SPA": "es", "ITA": "it",
    "OCI": "oc", "CAT": "ca", "COS": "co", "NLD": "nl", "POR": "pt",
}


def build_language(fixtures: Path, provenance) -> dict[str, Any]:
    relative = "vocabularies/language_20180725-0_en-fr-nl-de.rdf"
    scheme = EU + "language"
    graph = _graph(fixtures / relative)
    entries = []
    for code, iso in LANGUAGES.items():
        uri = EU + "language/" + code
        labels = _labels(graph, _uri(uri))
        if not labels:
            raise ValueError(f"language {code} missing from {relative}")
        entries.append({"code": code, "uri": uri, "labels": labels,
                        "iso_639_1": iso, "aliases": [iso]})
    entries.sort(key=lambda e: e["code"])
    return _document(
        "language", {"fr": "Langue", "en": "Language"}, scheme,
        [_source(fixtures, relative, _version(graph, scheme), provenance)],
        [
            "Only the languages the portal is expected to see are kept: "
            + ", ".join(sorted(LANGUAGES)) + ".",
            "iso_639_1 (also accepted as an alias on input) is the project's.",
        ],
        entries,
    )


#: French labels the project supplies where neither licence file has one.
LICENCE_FR = {
    "ETALAB_2_0": "Licence Ouverte / Open Licence version 2.0",
}
#: Other spellings accepted on input: "ODC_ODBL" is a common misspelling of
#: the EU code ODC_BL; the lower-case ids are CKAN's / data.gouv.fr's.
LICENCE_ALIASES = {
    "ETALAB_2_0": ["lov2"],
    "ODC_BL": ["ODC_ODBL", "odc-odbl"],
    "ODC_BY": ["odc-by"],
    "ODC_PDDL": ["odc-pddl"],
    "CC0": ["cc-zero"],
}


def build_licence(fixtures: Path, provenance) -> dict[str, Any]:
    relative_new = "vocabularies/licence_sparql-construct_20241211-0.ttl"
    relative_old = "vocabularies/licence_licences-skos_20190619-0.rdf"
    scheme = EU + "licence"
    new = _graph(fixtures / relative_new)
    old = _graph(fixtures / relative_old)
    subjects = sorted(set(new.subjects(_uri(SKOS + "inScheme"), _uri(scheme))), key=str)
    entries = []
    for concept in subjects:
        uri = str(concept)
        code = _first(new, concept, DC + "identifier") or _code_of(uri)
        if code in EXCLUDED_EU_CODES:
            continue
        en = _first(new, concept, SKOS + "prefLabel", "en") or _first(old, concept, SKOS + "prefLabel", "en")
        fr = LICENCE_FR.get(code) or _first(old, concept, SKOS + "prefLabel", "fr")
        entry: dict[str, Any] = {"code": code, "uri": uri, "labels": {"fr": fr or en, "en": en}}
        if not fr:
            entry["fr_label_from"] = "en"
        if _first(new, concept, AT + "deprecated") == "true":
            entry["deprecated"] = True
        matches = sorted(str(o) for o in old.objects(concept, _uri(SKOS + "exactMatch")))
        if matches:
            entry["exact_match"] = matches
        if code in LICENCE_ALIASES:
            entry["aliases"] = sorted(LICENCE_ALIASES[code])
        entries.append(entry)
    entries.sort(key=lambda e: e["code"])
    return _document(
        "licence", {"fr": "Licence", "en": "Licence"}, scheme,
        [
            _source(fixtures, relative_new, _version(new, scheme), provenance),
            _source(fixtures, relative_old, _version(old, scheme), provenance),
        ],
        [
            "Codes, English labels and deprecation from the 20241211-0 extract; "
            "French labels and exact_match from 20190619-0 where it has them.",
            "Where neither file has a French label, fr repeats the English one "
            "and the entry says fr_label_from: en; the project supplies the French "
            "labels of " + ", ".join(sorted(LICENCE_FR)) + ".",
            "The EU code of ODbL 1.0 is ODC_BL (not ODC_ODBL, kept as an alias).",
        ],
        entries,
    )


# ---------------------------------------------------------------------------
# zones (INSEE COG)

REGION_93 = {"code": "93", "name": "Provence-Alpes-Côte d'Azur"}
#: The two départements other than 13 that hold an AMP commune (Pertuis,
#: Saint-Zacharie); the reference data gives their codes, not their names.
OTHER_DEPARTEMENTS = {"83": "Var", "84": "Vaucluse"}


def _rings(geometry: dict[str, Any]) -> list[list[list[float]]]:
    """Outer rings of a Polygon/MultiPolygon (holes ignored for the centroid)."""
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"][0]]
    if geometry["type"] == "MultiPolygon":
        return [polygon[0] for polygon in geometry["coordinates"]]
    raise ValueError(f"unsupported geometry {geometry['type']}")


def _all_points(geometry: dict[str, Any]) -> Iterable[list[float]]:
    polygons = ([geometry["coordinates"]] if geometry["type"] == "Polygon"
                else geometry["coordinates"])
    for polygon in polygons:
        for ring in polygon:
            yield from ring


def _bbox(geometries: Iterable[dict[str, Any]]) -> list[float]:
    xs, ys = [], []
    for geometry in geometries:
        for x, y, *_rest in _all_points(geometry):
            xs.append(x)
            ys.append(y)
    return [round(min(xs), 5), round(min(ys), 5), round(max(xs), 5), round(max(ys), 5)]


def _centroid(geometries: Iterable[dict[str, Any]]) -> list[float]:
    """Area-weighted centroid of the outer rings, in the lon/lat plane.

    Good enough for map pins at the scale of a commune; it is the centroid,
    not a point guaranteed to lie inside the shape.
    """
    area_sum = cx_sum = cy_sum = 0.0
    for geometry in geometries:
        for ring in _rings(geometry):
            area = cx = cy = 0.0
            for (x0, y0, *_a), (x1, y1, *_b) in zip(ring, ring[1:]):
                cross = x0 * y1 - x1 * y0
                area += cross
                cx += (x0 + x1) * cross
                cy += (y0 + y1) * cross
            area_sum += area / 2
            cx_sum += cx / 6
            cy_sum += cy / 6
    return [round(cx_sum / area_sum, 5), round(cy_sum / area_sum, 5)]


def build_zones(fixtures: Path, provenance) -> dict[str, Any]:
    ref = fixtures / "reference"
    rel_geo = "reference/communes-13-bouches-du-rhone.geojson"
    rel_dep = "reference/departement-13-bouches-du-rhone.geojson"
    rel_amp = "reference/metropole-aix-marseille-provence_communes.csv"
    rel_epci = "reference/metropole-aix-marseille-provence_epci.json"
    rel_arm = "reference/marseille_arrondissements-municipaux.csv"

    geo = json.loads((fixtures / rel_geo).read_text(encoding="utf-8"))
    geometry_of = {f["properties"]["code"]: f["geometry"] for f in geo["features"]}
    geo_name = {f["properties"]["code"]: f["properties"]["nom"] for f in geo["features"]}
    with open(ref / rel_amp.split("/", 1)[1], encoding="utf-8", newline="") as handle:
        amp_rows = list(csv.DictReader(handle))
    epci = json.loads((fixtures / rel_epci).read_text(encoding="utf-8"))
    with open(ref / rel_arm.split("/", 1)[1], encoding="utf-8", newline="") as handle:
        arm_rows = list(csv.DictReader(handle))
    dep = json.loads((fixtures / rel_dep).read_text(encoding="utf-8"))
    dep_geometry = dep["geometry"] if dep.get("type") == "Feature" else dep["features"][0]["geometry"]
    dep_name = (dep.get("properties") or dep["features"][0]["properties"])["nom"]

    epci_id = f"fr:epci:{epci['code']}"
    region_id = f"fr:region:{REGION_93['code']}"
    amp_by_code = {row["code_insee"]: row for row in amp_rows}
    entries: list[dict[str, Any]] = []

    def with_geometry(entry: dict[str, Any], geometries: list[dict[str, Any]]) -> dict[str, Any]:
        if geometries:
            entry["bbox"] = _bbox(geometries)
            entry["centroid"] = _centroid(geometries)
        return entry

    commune_codes = sorted(set(geometry_of) | set(amp_by_code))
    for code in commune_codes:
        row = amp_by_code.get(code)
        departement = row["code_departement"] if row else code[:2]
        parents = [f"fr:departement:{departement}", region_id]
        entry: dict[str, Any] = {
            "code": f"fr:commune:{code}",
            "uri": None,
            "kind": "commune",
            "insee": code,
            "labels": {"fr": row["nom"] if row else geo_name[code]},
        }
        entry["labels"]["en"] = entry["labels"]["fr"]
        if row:
            entry["siren"] = row["siren_commune"]
            entry["epci"] = epci_id
            parents.insert(0, epci_id)
        entry["parents"] = parents
        geometry = geometry_of.get(code)
        entries.append(with_geometry(entry, [geometry] if geometry else []))

    for row in arm_rows:
        parent = f"fr:commune:{row['commune_parente']}"
        entries.append({
            "code": f"fr:commune:{row['code_insee']}",
            "uri": None,
            "kind": "arrondissement_municipal",
            "insee": row["code_insee"],
            "labels": {"fr": row["nom"], "en": row["nom"]},
            "epci": epci_id,
            "parents": [parent, epci_id, f"fr:departement:{row['code_departement']}", region_id],
        })

    member_geometries = [geometry_of[m["code"]] for m in epci["membres"] if m["code"] in geometry_of]
    missing = sorted(m["code"] for m in epci["membres"] if m["code"] not in geometry_of)
    epci_entry: dict[str, Any] = {
        "code": epci_id,
        "uri": None,
        "kind": "epci",
        "siren": epci["code"],
        "labels": {"fr": epci["nom"], "en": epci["nom"]},
        "epci_type": epci["type"],
        "members": sorted(f"fr:commune:{m['code']}" for m in epci["membres"]),
        "parents": [region_id],
    }
    if missing:
        epci_entry["geometry_missing_members"] = [f"fr:commune:{c}" for c in missing]
    entries.append(with_geometry(epci_entry, member_geometries))

    entries.append(with_geometry({
        "code": "fr:departement:13", "uri": None, "kind": "departement", "insee": "13",
        "labels": {"fr": dep_name, "en": dep_name}, "parents": [region_id],
    }, [dep_geometry]))
    for code, name in sorted(OTHER_DEPARTEMENTS.items()):
        entries.append({
            "code": f"fr:departement:{code}", "uri": None, "kind": "departement", "insee": code,
            "labels": {"fr": name, "en": name}, "parents": [region_id],
        })
    entries.append({
        "code": region_id, "uri": None, "kind": "region", "insee": REGION_93["code"],
        "labels": {"fr": REGION_93["name"], "en": REGION_93["name"]}, "parents": [],
    })

    kind_order = {"region": 0, "departement": 1, "epci": 2, "commune": 3, "arrondissement_municipal": 4}
    entries.sort(key=lambda e: (kind_order[e["kind"]], e["code"]))
    sources = [
        _source(fixtures, rel_geo, None, provenance),
        _source(fixtures, rel_dep, None, provenance),
        _source(fixtures, rel_amp, "COG 2025 / BANATIC epcicom 2025", provenance),
        _source(fixtures, rel_epci, "COG 2025 / BANATIC epcicom 2025", provenance),
        _source(fixtures, rel_arm, "COG 2025", provenance),
    ]
    return _document(
        "zones", {"fr": "Zones administratives (COG INSEE)", "en": "Administrative zones (INSEE COG)"},
        None, sources,
        [
            "Ids: fr:commune:<INSEE>, fr:epci:<SIREN>, fr:departement:<code>, fr:region:<code>. "
            "Marseille's municipal arrondissements have INSEE codes 13201-13216 and use "
            "fr:commune:<code> with kind arrondissement_municipal (in the COG an 'arrondissement' "
            "is a subdivision of a département, so fr:arrondissement is not used for them).",
            "Communes: the 119 of the Bouches-du-Rhône geojson (2018 geography) plus the AMP "
            "members outside it (Pertuis 84089, Saint-Zacharie 83120); names of AMP members "
            "from COG 2025, others from the geojson.",
            "bbox [min lon, min lat, max lon, max lat] and centroid [lon, lat] (WGS84, 5 decimals) "
            "from the simplified IGN-derived geometries; the EPCI's are computed from its members "
            "in the geojson (geometry_missing_members lists those without a geometry).",
            "Names of the départements 83 and 84 and of the région 93 are the project's.",
        ],
        entries,
    )


BUILDERS = {
    "access-right": build_access_right,
    "data-theme": build_data_theme,
    "file-type": build_file_type,
    "frequency": build_frequency,
    "hvd-category": build_hvd_category,
    "language": build_language,
    "licence": build_licence,
    "zones": build_zones,
}


def render(fixtures: Path) -> dict[str, bytes]:
    """Build every vocabulary and return ``{file name: JSON bytes}``."""
    fixtures = Path(fixtures)
    provenance = _provenance_rows(fixtures)
    output = {}
    for name, builder in sorted(BUILDERS.items()):
        document = builder(fixtures, provenance)
        _check_unique(name, document["entries"])
        text = json.dumps(document, ensure_ascii=False, indent=1) + "\n"
        output[f"{name}.json"] = text.encode("utf-8")
    return output


def build(fixtures: Path = DEFAULT_FIXTURES, out_dir: Path = DEFAULT_OUT) -> dict[str, Path]:
    """Write every vocabulary file into ``out_dir``; return their paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = {}
    for filename, data in render(Path(fixtures)).items():
        path = out_dir / filename
        tmp = path.with_suffix(".json.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
        written[filename] = path
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fixtures", type=Path, default=DEFAULT_FIXTURES)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    if not args.fixtures.is_dir():
        print(f"fixtures not found: {args.fixtures}", file=sys.stderr)
        return 2
    for filename, path in sorted(build(args.fixtures, args.out).items()):
        data = json.loads(path.read_text(encoding="utf-8"))
        print(f"{filename:20} {data['header']['entry_count']:5d} entries {path.stat().st_size:8d} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())

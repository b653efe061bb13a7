"""Interoperability: a stock CKAN 2.11 harvests our ``/catalog.ttl``.

The regional portal of the seeds (DataSud) is a CKAN with ckanext-dcat and
ckanext-harvest and their stock profiles: this test is its view of us. Two
portals run as child processes (``ckan run`` on free local ports), each on
a database of its own on the suite's throw-away PostgreSQL server:

* ours (tests/dcat/our-portal.ini): the amp schema and the
  ``amp_dcat_ap_fr`` catalogue; datasets are created over its API with a
  sysadmin token, public ones with rich metadata and non-public ones
  (restricted to the parties, internal, personal, private);
* a stock CKAN (tests/dcat/stock-ckan.ini): ``harvest dcat
  dcat_rdf_harvester`` with ckanext-dcat's default profile
  (``euro_dcat_ap_3``), no scheming, and of ours only ``amp_search``, its
  search engine since no Solr runs here. A ``dcat_rdf`` harvest source points
  at our ``/catalog.ttl``; ``ckan harvester run-test`` gathers, fetches and
  imports synchronously (no queue consumers).

Then the stock portal's API must show every public dataset with its title,
description, licence, themes, spatial coverage (what the stock profile keeps
of ``dct:spatial``: one URI, its label, a bbox), frequency, dates, temporal
coverage and resources (count, URLs, formats, licence) intact, and nothing
non-public. A restricted record whose metadata are public (docs/dataset-contract.md) is
listed by our catalogue: it arrives as a record without any resource URL.

What a stock CKAN keeps, hence what is compared: themes, frequency, access
rights as the EU URIs (extras); ``dct:spatial`` as one ``spatial_uri`` (one
of our INSEE zones, with its label) and one ``spatial_bbox`` (a zone's box
or the union); the licence as each resource's ``license`` (EU licence URI)
and, for a licence its stock register holds (ODbL, CC…), as the dataset's
``license_id``, found by the English title we give the licence document
(that register knows no EU URI and no Licence Ouverte, so a Licence
Ouverte dataset arrives there with its resources' licence only); formats as the EU file-type URI (compared
by code); dataset names are re-minted from the titles (DCAT has no name), so
records are matched on ``dct:identifier``.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Optional

import pytest

from ckan.model.license import DefaultLicense

from ckanext.amp.common import dcat_mapping as m
from ckanext.amp.common.zones import zone_bbox, zone_uri

from support.portal import Portal, admin_url

HERE = Path(__file__).resolve().parent
OUR_INI = HERE / "our-portal.ini"
STOCK_INI = HERE / "stock-ckan.ini"

EU = "http://publications.europa.eu/resource/authority/"
ETALAB = EU + "licence/ETALAB_2_0"
SIRET = "20005480700017"
#: Ids of the licences in CKAN's stock register (what the stock portal has).
STOCK_LICENCE_IDS = {cls.id for cls in DefaultLicense.__subclasses__()}
LEMAIRE = "https://www.legifrance.gouv.fr/eli/loi/2016/10/7/ECFI1524250L/jo/texte"


# -- our datasets ------------------------------------------------------------------

def _public(org_id: str, name: str, **fields: Any) -> dict:
    base = {
        "name": name,
        "owner_org": org_id,
        "license_id": "lov2",
        "diffusion": "public",
        "identifier": f"amp-{name}",
        "spatial_granularity": "communale",
        "tag_string": "interop,amp",
        "language": ["FRA"],
        # Loi pour une République numérique (2016). Given explicitly: when
        # this test was written amp_schema refused a dataset without any
        # applicable_legislation (amp_hvd_legislation on a missing value).
        "applicable_legislation": [LEMAIRE],
    }
    base.update(fields)
    return base


def our_datasets(org_id: str) -> tuple[list[dict], list[dict], dict]:
    public = [
        _public(org_id, "points-apport-verre",
                title="Points d’apport volontaire du verre",
                notes="Localisation des points d’apport volontaire du verre sur le territoire "
                      "de la Métropole, mise à jour chaque mois.",
                theme=["ENVI", "REGI"], frequency="mensuelle",
                spatial_zones=["fr:epci:200054807", "fr:commune:13055"],
                temporal_coverage=[{"start": "2020-01-01", "end": "2024-12-31"}],
                issued="2020-02-01", modified="2024-06-15",
                resources=[
                    {"url": "https://files.example.org/pav.csv", "format": "csv",
                     "name": "Points (CSV)", "description": "Une ligne par point."},
                    {"url": "https://files.example.org/pav.geojson", "format": "geojson",
                     "name": "Points (GeoJSON)", "description": "Géométries."},
                ]),
        _public(org_id, "budget-primitif-2024",
                title="Budget primitif 2024",
                notes="Budget primitif de la Métropole, par nature et par fonction.",
                theme=["GOVE", "ECON"], frequency="annuelle",
                spatial_zones=["fr:epci:200054807"],
                temporal_coverage=[{"start": "2024-01-01", "end": "2024-12-31"}],
                issued="2024-01-15", modified="2024-03-01",
                resources=[{"url": "https://files.example.org/budget-2024.csv", "format": "csv",
                            "name": "Budget", "description": "Le budget."}]),
        _public(org_id, "qualite-air-aix",
                title="Qualité de l’air à Aix-en-Provence",
                notes="Mesures quotidiennes des stations d’Aix-en-Provence.",
                theme=["ENVI"], frequency="quotidienne",
                spatial_zones=["fr:commune:13001"],
                temporal_coverage=[{"start": "2023-01-01", "end": "2023-12-31"}],
                issued="2023-02-01", modified="2024-01-10",
                license_id="odc-odbl",
                resources=[{"url": "https://files.example.org/air.json", "format": "json",
                            "name": "Mesures", "description": "Les mesures."}]),
    ]
    secret = {"url": "https://secret.example.org/data.csv", "format": "csv", "name": "Fichier"}
    hidden = [
        dict(_public(org_id, "voirie-parties", title="Voirie réservée aux parties",
                     notes="Réservé aux parties de la convention.", theme=["TRAN"]),
             diffusion="restricted", metadata_visibility="parties", license_id="other-closed",
             convention="CONV-2024-07", resources=[secret]),
        dict(_public(org_id, "notes-internes", title="Notes internes",
                     notes="Données internes à la Métropole.", theme=["GOVE"]),
             diffusion="internal", diffusion_basis="public_security", license_id="",
             resources=[secret]),
        dict(_public(org_id, "fichier-usagers", title="Fichier des usagers",
                     notes="Données personnelles des usagers.", theme=["SOCI"]),
             diffusion="personal", diffusion_basis="gdpr", license_id="", private=True,
             resources=[secret]),
        _public(org_id, "brouillon-prive", title="Brouillon privé",
                notes="Jeu public mais encore privé.", theme=["GOVE"], private=True,
                resources=[secret]),
    ]
    listed_restricted = dict(
        _public(org_id, "reseau-eau-restreint", title="Réseau d’eau (restreint)",
                notes="Fiche publique, données réservées aux parties.", theme=["ENVI"],
                frequency="annuelle", spatial_zones=["fr:commune:13055"],
                issued="2022-05-01"),
        diffusion="restricted", metadata_visibility="public", license_id="other-closed",
        convention="CONV-2023-014",
        resources=[{"url": "https://secret.example.org/reseau.csv", "format": "csv",
                    "name": "Réseau"}])
    return public, hidden, listed_restricted


# -- comparison -----------------------------------------------------------------------

def extras(dataset: dict) -> dict:
    return {e["key"]: e["value"] for e in dataset.get("extras") or []}


def _json_list(value: Any) -> list:
    if isinstance(value, list):
        return value
    try:
        loaded = json.loads(value or "[]")
    except ValueError:
        return [value]
    return loaded if isinstance(loaded, list) else [loaded]


def _format_code(value: str) -> str:
    text = (value or "").strip()
    return text.rsplit("/", 1)[-1].upper() if text.startswith("http") else text.upper()


def _bbox_numbers(geojson: Optional[str]) -> Optional[list[float]]:
    """[minx, miny, maxx, maxy] of a GeoJSON Polygon (what the stock parser keeps)."""
    if not geojson:
        return None
    coords = json.loads(geojson)["coordinates"][0]
    xs, ys = [c[0] for c in coords], [c[1] for c in coords]
    return [round(min(xs), 5), round(min(ys), 5), round(max(xs), 5), round(max(ys), 5)]


def expected_view(ours: dict) -> dict:
    """What a stock euro_dcat_ap_3 CKAN should hold of one of our datasets."""
    zones = ours.get("spatial_zones") or []
    zone_uris = {zone_uri(z) for z in zones}
    boxes = [zone_bbox([z]) for z in zones] + [zone_bbox(zones)]
    coverage = ours.get("temporal_coverage") or [{}]
    return {
        "title": ours["title"],
        "notes": ours["notes"],
        "licence": m.licence_uri(ours.get("license_id"), ours.get("license_url")),
        "license_id": ours.get("license_id") if ours.get("license_id") in STOCK_LICENCE_IDS else "",
        "theme": sorted(ours.get("theme") or []),
        "frequency": ours.get("frequency"),
        "issued": (ours.get("issued") or "")[:10],
        "modified": (ours.get("modified") or "")[:10],
        "temporal": [(coverage[0].get("start") or "")[:10], (coverage[0].get("end") or "")[:10]],
        "identifier": ours.get("identifier"),
        "access_rights": ours.get("access_rights"),
        "spatial_uri in": sorted(zone_uris),
        "spatial_bbox in": [[round(v, 5) for v in b] for b in boxes if b],
        "resources": sorted((r["url"], _format_code(r.get("format", ""))) for r in ours["resources"]),
    }


def stock_view(theirs: dict, expected: dict) -> dict:
    """The same keys read from the stock portal's dataset (extras, resources)."""
    ex = extras(theirs)
    licences = {r.get("license") for r in theirs.get("resources", [])}
    licence = licences.pop() if len(licences) == 1 else sorted(map(str, licences))
    bbox = _bbox_numbers(ex.get("spatial_bbox"))
    return {
        "title": theirs.get("title"),
        "notes": theirs.get("notes"),
        "licence": licence,
        "license_id": theirs.get("license_id") or "",
        "theme": sorted(_json_list(ex.get("theme"))),
        "frequency": ex.get("frequency"),
        "issued": (ex.get("issued") or "")[:10],
        "modified": (ex.get("modified") or "")[:10],
        "temporal": [(ex.get("temporal_start") or "")[:10], (ex.get("temporal_end") or "")[:10]],
        "identifier": ex.get("identifier"),
        "access_rights": ex.get("access_rights"),
        "spatial_uri in": expected["spatial_uri in"] if ex.get("spatial_uri") in
        expected["spatial_uri in"] else ex.get("spatial_uri"),
        "spatial_bbox in": expected["spatial_bbox in"] if bbox in expected["spatial_bbox in"]
        else bbox,
        "resources": sorted((r.get("url"), _format_code(r.get("format", "")))
                            for r in theirs.get("resources", [])),
    }


def diff(expected: dict, got: dict) -> list[str]:
    return [f"    {key}: expected {expected[key]!r}\n    {' ' * len(key)}  got      {got.get(key)!r}"
            for key in expected if got.get(key) != expected[key]]


# -- the test ---------------------------------------------------------------------------

@pytest.mark.slow
def test_stock_ckan_harvests_our_catalogue(tmp_path):
    server = admin_url()
    ours = Portal("ours", OUR_INI, server, tmp_path)
    stock = Portal("stock", STOCK_INI, server, tmp_path)
    try:
        # Our portal, its organisation and datasets.
        ours.create_database()
        ours.migrate()
        ours.create_sysadmin()
        ours.start()
        org = ours.action("organization_create", {
            "name": "metropole-amp", "title": "Métropole d’Aix-Marseille-Provence",
            "kind": "epci", "siret": SIRET, "contact_email": "opendata@ampmetropole.fr",
            "contact_name": "Direction de la donnée"})
        public, hidden, listed_restricted = our_datasets(org["id"])
        created = {d["name"]: ours.action("package_create", d)
                   for d in public + hidden + [listed_restricted]}
        status, catalogue = ours.get("/catalog.ttl")
        assert status == 200, catalogue[:2000]
        (tmp_path / "catalog.ttl").write_text(catalogue)

        # The stock portal harvests it.
        stock.create_database()
        stock.migrate()                      # core and harvest
        stock.create_sysadmin()
        stock.start()
        stock_org = stock.action("organization_create", {"name": "amp", "title": "AMP"})
        source = stock.action("harvest_source_create", {
            "name": "mdata-amp", "title": "MData (Métropole AMP)",
            "url": f"{ours.url}/catalog.ttl", "source_type": "dcat_rdf",
            "owner_org": stock_org["id"], "frequency": "MANUAL"})
        stock.ckan("harvester", "run-test", source["name"], timeout=600)
        jobs = stock.action("harvest_job_list", {"source_id": source["id"]})
        report = stock.action("harvest_job_report", {"id": jobs[0]["id"]}) if jobs else {}
        problems = json.dumps({"gather_errors": report.get("gather_errors"),
                               "object_errors": report.get("object_errors")},
                              ensure_ascii=False, indent=1)[:6000]
        found = stock.action("package_search", {
            "q": "*:*", "fq": "-dataset_type:harvest", "rows": 1000,
            "include_private": True, "include_drafts": True})["results"]
        found = [d for d in found if d.get("type") == "dataset"]
        by_identifier = {extras(d).get("identifier"): d for d in found}

        # Nothing non-public arrived (by identifier, title or resource URL).
        arrived_text = json.dumps(found, ensure_ascii=False)
        leaks = [d["name"] for d in hidden
                 if f"amp-{d['name']}" in by_identifier or d["title"] in arrived_text]
        assert not leaks, f"non-public datasets reached the stock portal: {leaks}"
        assert "secret.example.org" not in arrived_text, "a non-public resource URL leaked"

        # Every public dataset arrived, field by field.
        failures = []
        for spec in public:
            mine = created[spec["name"]]
            theirs = by_identifier.get(mine["identifier"])
            if theirs is None:
                failures.append(f"  {spec['name']}: missing")
                continue
            expected = expected_view(mine)
            lines = diff(expected, stock_view(theirs, expected))
            if lines:
                failures.append(f"  {spec['name']}:\n" + "\n".join(lines))
        assert not failures, ("public datasets not intact on the stock portal:\n"
                              + "\n".join(failures) + f"\nharvest report: {problems}")

        # The listed restricted record: its metadata, never its data.
        mine = created[listed_restricted["name"]]
        theirs = by_identifier.get(mine["identifier"])
        assert theirs is not None, f"listed restricted record missing; {problems}"
        assert theirs["title"] == mine["title"]
        assert extras(theirs).get("access_rights") == EU + "access-right/RESTRICTED"
        assert all(r.get("url") == f"{ours.url}/dataset/{mine['name']}"
                   for r in theirs["resources"]), theirs["resources"]
        assert len(found) == len(public) + 1, sorted(d["title"] for d in found)
    except BaseException:
        for portal in (ours, stock):
            sys.stderr.write(f"\n----- {portal.label} log (end) -----\n{portal.log_tail()}\n")
        raise
    finally:
        stock.stop()
        ours.stop()

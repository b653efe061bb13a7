"""OpenDataFrance SCDL "catalogue" export (CSV), pure Python.

Column set: the 20 fields of OpenDataFrance's "Catalogue simplifié"
specification (COLL_NOM ... URL). The SCDL catalogue schema is not among the
project's fixtures: ``schemas/scdl/catalogue.json`` is the project's Table
Schema written from that specification (docs/decisions/0004-dcat-ap-fr-profile.md).
"""
from __future__ import annotations

import csv
import io
import json
from typing import Any, Iterable, Mapping

from ckanext.amp.common.paths import data_path
from ckanext.amp.common.vocabularies import load_vocabulary

COLUMNS = (
    "COLL_NOM", "COLL_SIRET", "ID", "TITRE", "DESCRIPTION", "THEME",
    "PRODUCTEUR_NOM", "PRODUCTEUR_SIRET", "COUV_SPAT_MAILLE", "COUV_SPAT_NOM",
    "COUV_TEMP_DEBUT", "COUV_TEMP_FIN", "DATE_PUBL", "FREQ_MAJ", "DATE_MAJ",
    "MOTS_CLES", "LICENCE", "NB_RESSOURCES", "FORMAT_RESSOURCES", "URL",
)

#: COUV_SPAT_MAILLE values of the specification.
MAILLES = ("Infracommunale", "Communale", "Intercommunale", "Cantonale",
           "Départementale", "Régionale", "Autre")
_MAILLE_BY_KEY = {m.casefold(): m for m in MAILLES}
_MAILLE_BY_ZONE = {"commune": "Communale", "epci": "Intercommunale",
                   "departement": "Départementale", "region": "Régionale"}

#: EU frequency code -> FREQ_MAJ value of the specification.
_FREQ = {
    "UNKNOWN": "Inconnue", "NEVER": "Ponctuelle", "OTHER": "Sans régularité",
    "IRREG": "Sans régularité", "CONT": "Temps réel", "UPDATE_CONT": "Temps réel",
    "HOURLY": "Toutes les heures", "DAILY": "Quotidienne ou plusieurs fois par jour",
    "DAILY_2": "Quotidienne ou plusieurs fois par jour",
    "WEEKLY": "Hebdomadaire ou plusieurs fois par semaine",
    "WEEKLY_2": "Hebdomadaire ou plusieurs fois par semaine",
    "WEEKLY_3": "Hebdomadaire ou plusieurs fois par semaine",
    "BIWEEKLY": "Mensuelle ou plusieurs fois par mois",
    "MONTHLY": "Mensuelle ou plusieurs fois par mois",
    "MONTHLY_2": "Mensuelle ou plusieurs fois par mois",
    "MONTHLY_3": "Mensuelle ou plusieurs fois par mois",
    "BIMONTHLY": "Bimestrielle", "QUARTERLY": "Trimestrielle",
    "ANNUAL_2": "Semestrielle", "ANNUAL_3": "Semestrielle", "ANNUAL": "Annuelle",
    "BIENNIAL": "Biennale", "TRIENNIAL": "Triennale", "QUINQUENNIAL": "Quinquennale",
}


def schema_path():
    return data_path("schemas", "scdl", "catalogue.json")


def _list(value: Any) -> list[str]:
    if value in (None, "", []):
        return []
    if isinstance(value, str):
        if value.startswith("["):
            try:
                return [str(v) for v in json.loads(value)]
            except ValueError:
                pass
        return [value]
    return [str(v) for v in value]


def _date(value: Any) -> str:
    text = str(value or "")
    return text[:10] if len(text) >= 10 and text[4] == "-" else ""


def licence_label(license_id: Any) -> str:
    entry = load_vocabulary("licence").get(license_id)
    code = entry.code if entry is not None else str(license_id or "").upper()
    if not code:
        return ""
    if code.startswith(("ETALAB", "LO")) or code == "LOV2":
        return "LO - Licence Ouverte"
    if code in ("ODC_BL", "ODC_ODBL", "ODC-ODBL"):
        return "ODbL - Open Database License"
    if code.startswith("CC"):
        return "CC - Creative Commons"
    return "Spécifique ou autre"


def maille(dataset: Mapping[str, Any]) -> str:
    granularity = str(dataset.get("spatial_granularity") or "").strip()
    if granularity.casefold() in _MAILLE_BY_KEY:
        return _MAILLE_BY_KEY[granularity.casefold()]
    zones = _list(dataset.get("spatial_zones"))
    if zones:
        kinds = {z.split(":")[1] for z in zones if z.count(":") == 2}
        if len(kinds) == 1:
            return _MAILLE_BY_ZONE.get(kinds.pop(), "Autre")
        return "Autre"
    return "Autre" if granularity else ""


def row(dataset: Mapping[str, Any], *, collectivity_name: str, collectivity_siret: str,
        site_url: str) -> dict[str, Any]:
    zones_vocabulary = load_vocabulary("zones")
    themes_vocabulary = load_vocabulary("data-theme")
    frequency = load_vocabulary("frequency").get(dataset.get("frequency"))
    organization = dataset.get("organization") or {}
    publisher = (dataset.get("publisher") or [{}])
    publisher = publisher[0] if isinstance(publisher, list) and publisher else {}
    temporal = dataset.get("temporal_coverage") or [{}]
    temporal = temporal[0] if isinstance(temporal, list) and temporal else {}
    resources = dataset.get("resources") or []
    formats = sorted({str(r.get("format") or "").strip().lower()
                      for r in resources if r.get("format")})
    tags = [t.get("name", "") for t in dataset.get("tags") or [] if isinstance(t, dict)]
    siret = str(dataset.get("producer_siret") or "").replace(" ", "")
    name = dataset.get("name") or dataset.get("id") or ""
    return {
        "COLL_NOM": collectivity_name[:140],
        "COLL_SIRET": collectivity_siret,
        "ID": str(dataset.get("identifier") or name)[:256],
        "TITRE": str(dataset.get("title") or name)[:256],
        "DESCRIPTION": str(dataset.get("notes") or "")[:356],
        "THEME": "; ".join(themes_vocabulary.label(t, "fr", default=t)
                           for t in _list(dataset.get("theme")))[:140],
        "PRODUCTEUR_NOM": str(publisher.get("name") or organization.get("title") or "")[:140],
        "PRODUCTEUR_SIRET": siret if len(siret) == 14 and siret.isdigit() else "",
        "COUV_SPAT_MAILLE": maille(dataset),
        "COUV_SPAT_NOM": ", ".join(zones_vocabulary.label(z, "fr", default=z)
                                   for z in _list(dataset.get("spatial_zones")))[:140],
        "COUV_TEMP_DEBUT": _date(temporal.get("start")),
        "COUV_TEMP_FIN": _date(temporal.get("end")),
        "DATE_PUBL": _date(dataset.get("issued") or dataset.get("metadata_created")),
        "FREQ_MAJ": _FREQ.get(frequency.code, "") if frequency is not None else "",
        "DATE_MAJ": _date(dataset.get("modified") or dataset.get("metadata_modified")),
        "MOTS_CLES": ";".join(tags)[:140],
        "LICENCE": licence_label(dataset.get("license_id")),
        "NB_RESSOURCES": len(resources),
        "FORMAT_RESSOURCES": ";".join(formats)[:140],
        "URL": f"{site_url.rstrip('/')}/dataset/{name}" if site_url else str(dataset.get("url") or ""),
    }


def to_csv(datasets: Iterable[Mapping[str, Any]], *, collectivity_name: str,
           collectivity_siret: str, site_url: str) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for dataset in datasets:
        writer.writerow(row(dataset, collectivity_name=collectivity_name,
                            collectivity_siret=collectivity_siret, site_url=site_url))
    return out.getvalue()

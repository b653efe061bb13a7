"""The zones of the zones vocabulary and their INSEE geography (pure).

A zone id (``fr:commune:13055``) names an INSEE geography
(``http://id.insee.fr/geo/commune/13055``); its bounding box and centroid
come from the zones vocabulary (schemas/vocabularies/). Read by the DCAT
mapping (:mod:`ckanext.amp.common.dcat_mapping`) and by harvesting
(:mod:`ckanext.amp.common.harvest.spatial`). No CKAN, no rdflib.
"""
from __future__ import annotations

import re
from typing import Any, Iterable

from ckanext.amp.common.values import stripped as _text
from ckanext.amp.common.vocabularies import load_vocabulary

__all__ = ["INSEE_GEO", "bbox_wkt", "point_wkt", "zone_bbox", "zone_id_from_uri", "zone_uri"]

INSEE_GEO = "http://id.insee.fr/geo/"

#: INSEE geography classes of the zone kinds (http://id.insee.fr/geo/<class>/<code>).
_ZONE_CLASS = {
    "commune": "commune",
    "arrondissement_municipal": "arrondissementMunicipal",
    "epci": "intercommunalite",
    "departement": "departement",
    "region": "region",
}
_CLASS_ZONE = {
    "commune": "commune",
    "arrondissementmunicipal": "commune",
    "intercommunalite": "epci",
    "departement": "departement",
    "region": "region",
}
_ZONE_URI = re.compile(r"^https?://id\.insee\.fr/geo/([A-Za-z]+)/([0-9AB]{2,9})/?$")


def zone_uri(zone: str) -> str | None:
    """``fr:commune:13055`` -> ``http://id.insee.fr/geo/commune/13055``.

    Municipal arrondissements (kind ``arrondissement_municipal`` in the zones
    vocabulary) use INSEE's ``arrondissementMunicipal`` class, EPCIs its
    ``intercommunalite`` class (keyed by SIREN).
    """
    parts = _text(zone).split(":")
    if len(parts) != 3 or parts[0] != "fr" or parts[1] not in _ZONE_CLASS:
        return None
    kind, code = parts[1], parts[2]
    entry = load_vocabulary("zones").get(zone)
    if entry is not None and entry.get("kind") == "arrondissement_municipal":
        kind = "arrondissement_municipal"
    return f"{INSEE_GEO}{_ZONE_CLASS[kind]}/{code}"


def zone_id_from_uri(uri: Any) -> str | None:
    """Inverse of :func:`zone_uri` (``https`` and a trailing slash accepted)."""
    match = _ZONE_URI.match(str(uri or "").strip())
    if not match:
        return None
    kind = _CLASS_ZONE.get(match.group(1).lower())
    return f"fr:{kind}:{match.group(2)}" if kind else None


def zone_bbox(zones: Iterable[str]) -> list[float] | None:
    """Union of the bounding boxes of known zones ([minx, miny, maxx, maxy])."""
    vocabulary = load_vocabulary("zones")
    boxes = []
    for zone in zones:
        entry = vocabulary.get(zone)
        bbox = entry.get("bbox") if entry is not None else None
        if bbox:
            boxes.append([float(v) for v in bbox])
    if not boxes:
        return None
    return [
        min(b[0] for b in boxes), min(b[1] for b in boxes),
        max(b[2] for b in boxes), max(b[3] for b in boxes),
    ]


def _num(value: float) -> str:
    return format(float(value), ".6f").rstrip("0").rstrip(".")


def bbox_wkt(bbox: list[float]) -> str:
    """WKT polygon of a [minx, miny, maxx, maxy] box (WGS84 lon/lat)."""
    x1, y1, x2, y2 = (_num(v) for v in bbox)
    return f"POLYGON(({x1} {y1}, {x2} {y1}, {x2} {y2}, {x1} {y2}, {x1} {y1}))"


def point_wkt(x: float, y: float) -> str:
    """WKT point (WGS84 lon/lat), with the precision of :func:`bbox_wkt`."""
    return f"POINT({_num(x)} {_num(y)})"

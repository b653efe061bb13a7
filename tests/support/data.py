"""Valid amp-schema records for tests (what a steward would enter)."""
from __future__ import annotations

from typing import Any, Mapping, Union


def organization_id(organization: Union[str, Mapping[str, Any]]) -> str:
    return organization if isinstance(organization, str) else organization["id"]


def dataset_fields(organization: Union[str, Mapping[str, Any]], **fields: Any) -> dict:
    """A public dataset that amp_schema accepts, owned by ``organization``
    (its dict or id); ``fields`` replace or add keys."""
    base = {
        "name": "points-apport-verre",
        "title": "Points d’apport volontaire du verre",
        "notes": "Localisation des points d’apport volontaire du verre sur le territoire "
                 "de la Métropole, mise à jour chaque mois par la direction de la collecte.",
        "owner_org": organization_id(organization),
        "license_id": "lov2",
        "diffusion": "public",
        "theme": ["ENVI"],
        "spatial_granularity": "infracommunale",
        "spatial_zones": ["fr:epci:200054807", "fr:commune:13055"],
        "temporal_coverage": [{"start": "2020-01-01", "end": "2024-12-31"}],
        "frequency": "mensuelle",
        "tag_string": "verre,déchets",
        "issued": "2020-02-01",
        "resources": [{"url": "https://example.org/pav.csv", "format": "csv",
                       "name": "Points", "description": "Une ligne par point."}],
    }
    base.update(fields)
    return base


def organization_fields(**fields: Any) -> dict:
    """An organisation with the amp fields (SIRET, kind, contact)."""
    base = {
        "name": "metropole-amp",
        "title": "Métropole d’Aix-Marseille-Provence",
        "kind": "epci",
        "siret": "20005480700017",
        "website": "https://ampmetropole.fr",
        "contact_name": "Direction de la donnée",
        "contact_email": "opendata@ampmetropole.fr",
    }
    base.update(fields)
    return base

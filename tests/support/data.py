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


#: The organisations of the seeds' conventions: name -> (title, SIRET).
PARTNER_ORGANIZATIONS = {
    "metropole-aix-marseille-provence": ("Métropole d’Aix-Marseille-Provence", "20005480700017"),
    "symcrau": ("SYMCRAU — Syndicat mixte de gestion de la nappe phréatique de la Crau",
                "25130059600011"),
    "region-sud": ("Région Sud Provence-Alpes-Côte d’Azur", "23130002100012"),
    "departement-herault": ("Département de l’Hérault", "22340001100019"),
    "montpellier-mediterranee-metropole": ("Montpellier Méditerranée Métropole",
                                           "24340001700014"),
}


def symcrau_convention(*, notified: str, deliberation: str, piezometry_dataset: str | None = None,
                       **fields: Any) -> dict:
    """The Métropole–SYMCRAU data-exchange convention (harvesters/symcrau.yaml,
    in short): notified on ``notified``, approved by the SYMCRAU's committee on
    ``deliberation`` (ISO dates); ``fields`` replace or add keys."""
    piezometry: dict[str, Any] = {
        "key": "piezometrie-sondes", "title": "Niveau piézométrique de 14 sondes",
        "provider": "symcrau", "recipient": "metropole-aix-marseille-provence",
        "granularity": "PT1H", "site_count": 14}
    if piezometry_dataset:
        piezometry["dataset"] = piezometry_dataset
    convention = {
        "reference": "SYMCRAU-AMP-2025",
        "title": "Convention d’objectifs et d’échange de données Métropole AMP – SYMCRAU",
        "kind": "data_exchange",
        "parties": [
            {"organization": "metropole-aix-marseille-provence", "role": "both",
             "represented_by": "Martine VASSAL, Présidente"},
            {"organization": "symcrau", "role": "both",
             "represented_by": "Céline TRAMONTIN, Présidente"},
        ],
        "deliberations": [{"organization": "symcrau", "body": "Comité syndical du SYMCRAU",
                           "reference": "07/25", "date": deliberation}],
        "date_notified": notified,
        "initial_term_months": 12, "tacit_renewal": True, "renewal_term_months": 12,
        "max_renewals": 3, "notice_months": 3,
        "usage": {"internal_use_only": True, "third_party_diffusion_needs_approval": True,
                  "third_party_access_needs_undertaking": True, "free_of_charge": True,
                  "charter": {"title": "Charte métropolitaine de la donnée",
                              "date": "2022-06-30"}},
        "licence_id": "amp-parties",
        "diffusion": "restricted",
        "items": [
            {"key": "volumes-captages", "title": "Volumes produits par les captages de Crau",
             "provider": "metropole-aix-marseille-provence", "recipient": "symcrau",
             "periodicity": "ANNUAL_2", "granularity": "P1D",
             "dataset": "volumes-produits-captages-crau",
             "sites": [{"name": "ZAC Crau", "commune": "Salon-de-Provence"}]},
            piezometry,
        ],
        "undertaking": "Je m’engage à n’utiliser les données que pour les usages autorisés.",
    }
    convention.update(fields)
    return convention

"""Data shared by the amp_conventions tests (fixtures are in conftest.py)."""
from __future__ import annotations

from typing import Any

from ckan.tests import helpers

#: Password of ``amp_admin`` (logged in through the login form) (a module of its own name:
#: ``conftest`` is not a unique module name across test folders).
PASSWORD = "Crau-nappe-2025"

PLUGINS = "amp_search amp_schema amp_conventions scheming_datasets scheming_organizations"

ORGANIZATIONS = {
    "metropole-aix-marseille-provence": ("Métropole d’Aix-Marseille-Provence", "20005480700017"),
    "symcrau": ("SYMCRAU — Syndicat mixte de gestion de la nappe phréatique de la Crau", None),
    "region-sud": ("Région Sud Provence-Alpes-Côte d’Azur", "23130002100012"),
    "departement-herault": ("Département de l’Hérault", "22340001100019"),
    "montpellier-mediterranee-metropole": ("Montpellier Méditerranée Métropole", "24340001700014"),
}


SYMCRAU_CONVENTION: dict[str, Any] = {
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
                       "reference": "07/25", "date": "2025-01-28"}],
    "date_notified": "2025-03-10",
    "initial_term_months": 12,
    "tacit_renewal": True,
    "renewal_term_months": 12,
    "max_renewals": 3,
    "notice_months": 3,
    "usage": {"internal_use_only": True, "third_party_diffusion_needs_approval": True,
              "third_party_access_needs_undertaking": True, "free_of_charge": True,
              "charter": {"title": "Charte métropolitaine de la donnée", "date": "2022-06-30"}},
    "licence_id": "amp-parties",
    "diffusion": "restricted",
    "items": [
        {"key": "volumes-captages", "title": "Volumes produits par les captages de Crau",
         "provider": "metropole-aix-marseille-provence", "recipient": "symcrau",
         "periodicity": "ANNUAL_2", "granularity": "P1D",
         "dataset": "volumes-produits-captages-crau",
         "sites": [{"name": "ZAC Crau", "commune": "Salon-de-Provence"}]},
        {"key": "piezometrie-sondes", "title": "Niveau piézométrique de 14 sondes",
         "provider": "symcrau", "recipient": "metropole-aix-marseille-provence",
         "granularity": "PT1H", "site_count": 14,
         "dataset": "niveaux-piezometriques-nappe-crau"},
    ],
    "undertaking": "Je m’engage à n’utiliser les données que pour les usages autorisés.",
}


def dataset(org, sysadmin, **fields) -> dict[str, Any]:
    base = {
        "owner_org": org["id"], "license_id": "amp-parties", "diffusion": "restricted",
        "title": "Volumes d’eau potable produits par les captages de la nappe de Crau",
        "notes": "Volumes journaliers produits par les neuf captages de la Métropole en Crau, "
                 "transmis au SYMCRAU chaque semestre.",
        "theme": ["ENVI"], "spatial_zones": ["fr:epci:200054807"],
        "spatial_granularity": "infracommunale",
    }
    base.update(fields)
    return helpers.call_action("package_create", context={"user": sysadmin["name"]}, **base)

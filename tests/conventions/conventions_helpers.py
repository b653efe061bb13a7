"""Data shared by the amp_conventions tests (fixtures are in conftest.py)."""
from __future__ import annotations

from typing import Any

from ckan.tests import helpers

from support.data import PARTNER_ORGANIZATIONS, symcrau_convention

#: Password of ``amp_admin`` (logged in through the login form).
PASSWORD = "Crau-nappe-2025"

PLUGINS = "amp_search amp_schema amp_conventions scheming_datasets scheming_organizations"

#: The seeds' organisations; the SYMCRAU without its SIRET (a party whose
#: SIRET is unknown, tests/conventions/test_actions.py).
ORGANIZATIONS = {**PARTNER_ORGANIZATIONS,
                 "symcrau": (PARTNER_ORGANIZATIONS["symcrau"][0], None)}

SYMCRAU_CONVENTION: dict[str, Any] = symcrau_convention(
    notified="2025-03-10", deliberation="2025-01-28",
    piezometry_dataset="niveaux-piezometriques-nappe-crau")


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

"""The people and datasets of the access-request tests.

A producer (« Syndicat des nappes de la Crau ») with an admin, an editor and
a member; a requester from a consultancy; another registered user; a
sysadmin. The producer has a restricted dataset with an uploaded-like link
resource, a second restricted one (a grant may cover both), a public, an
internal and a personal one. Every dataset goes through the real amp schema.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import pytest

from ckan.tests import factories, helpers

from ckanext.amp.access.undertaking import operator_undertaking

#: What the test modules load (amp_access with the portal's schema).
PLUGINS = "amp_search activity amp_access amp_schema scheming_datasets scheming_organizations"

NOTES = ("Volumes d’eau potable produits par captage sur la nappe de Crau, en moyennes "
         "journalières, livrés chaque semestre par les exploitants.")


@dataclass
class World:
    sysadmin: dict[str, Any]
    admin: dict[str, Any]
    editor: dict[str, Any]
    member: dict[str, Any]
    requester: dict[str, Any]
    outsider: dict[str, Any]
    org: dict[str, Any]
    restricted: dict[str, Any]
    restricted_too: dict[str, Any]
    public: dict[str, Any]
    internal: dict[str, Any]
    personal: dict[str, Any]


def dataset(sysadmin: dict[str, Any], org: dict[str, Any], name: str, level: str,
            **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name": name, "title": name.replace("-", " ").capitalize(), "notes": NOTES,
        "owner_org": org["id"], "diffusion": level,
        "resources": [{"url": f"https://partenaire.example/{name}.csv", "format": "CSV",
                       "name": f"Fichier {name}"}],
    }
    if level == "public":
        base["license_id"] = "lov2"
    elif level == "restricted":
        base.update(diffusion_basis="commercial_secret", license_id="amp-parties")
    else:
        base.update(diffusion_basis="gdpr" if level == "personal" else "other",
                    diffusion_basis_note="Usage interne du service")
    base.update(fields)
    return helpers.call_action("package_create", context={"user": sysadmin["name"]}, **base)


def build_world() -> World:
    sysadmin = factories.SysadminWithToken(email="admin-site@mdata.example")
    admin = factories.UserWithToken(fullname="Paul Durand", email="paul.durand@symcrau.example")
    editor = factories.UserWithToken(email="editeur@symcrau.example")
    member = factories.UserWithToken(email="membre@symcrau.example")
    requester = factories.UserWithToken(fullname="Jeanne Martin",
                                        email="jeanne.martin@bureau-hydro.example")
    outsider = factories.UserWithToken(email="autre@ailleurs.example")
    org = factories.Organization(
        name="symcrau", title="Syndicat des nappes de la Crau",
        users=[{"name": admin["name"], "capacity": "admin"},
               {"name": editor["name"], "capacity": "editor"},
               {"name": member["name"], "capacity": "member"}])
    return World(
        sysadmin=sysadmin, admin=admin, editor=editor, member=member, requester=requester,
        outsider=outsider, org=org,
        restricted=dataset(sysadmin, org, "volumes-captages", "restricted"),
        restricted_too=dataset(sysadmin, org, "niveaux-piezometriques", "restricted"),
        public=dataset(sysadmin, org, "qualite-eau-publique", "public"),
        internal=dataset(sysadmin, org, "budget-interne", "internal"),
        personal=dataset(sysadmin, org, "abonnes-eau", "personal"),
    )


@pytest.fixture
def world(access_db) -> World:
    return build_world()


def headers(user: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": user["token"]}


def in_days(days: int) -> str:
    return (dt.date.today() + dt.timedelta(days=days)).isoformat()


def request_fields(dataset_id: str, **fields: Any) -> dict[str, Any]:
    """A complete, acceptable request for ``dataset_id`` (the operator's
    current undertaking accepted)."""
    current = operator_undertaking()
    base = {
        "dataset_id": dataset_id, "organization": "Bureau d’études Hydro-Crau",
        "purpose": "Modélisation de la recharge de la nappe pour l’étude de volume prélevable.",
        "intended_diffusion": "internal", "period_start": in_days(0), "period_end": in_days(90),
        "signatory": "Jeanne Martin, cheffe de projet", "undertaking_accepted": True,
        "undertaking_version": current.version, "undertaking_sha256": current.sha256,
    }
    base.update(fields)
    return base


def api(app, action: str, user: dict[str, Any] | None, expect: int = 200, **data: Any):
    """POST an action through the API as ``user`` (None: anonymous), expecting
    the HTTP status ``expect``; the JSON answer."""
    response = app.post(f"/api/action/{action}", json=data, status=expect,
                        headers=headers(user) if user else {})
    return response.json


def csrf_token(html: str) -> str:
    found = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    assert found, "the form has no CSRF token"
    return found.group(1)

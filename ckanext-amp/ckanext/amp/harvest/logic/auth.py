"""Auth functions of amp_harvest."""
from __future__ import annotations

from typing import Any

from ckan.plugins import toolkit


def amp_harvest_source_preview(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    """Those who may edit the source (the preview makes the portal read the
    partner's catalogue)."""
    try:
        toolkit.check_access("harvest_source_update", context, {"id": data_dict.get("id")})
    except toolkit.NotAuthorized:
        return {"success": False,
                "msg": toolkit._("Only the editors of the source can preview its harvest")}
    return {"success": True}


def amp_harvest_source_sync(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    """Sysadmins only (``ckan amp conventions load``)."""
    return {"success": False, "msg": toolkit._("Only sysadmins can load harvest sources")}


@toolkit.auth_allow_anonymous_access
def amp_harvest_source_list(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    """As ckanext-harvest's ``harvest_source_list`` (no configuration is returned)."""
    try:
        toolkit.check_access("harvest_source_list", context, data_dict)
    except toolkit.NotAuthorized:
        return {"success": False}
    return {"success": True}


def get_auth_functions() -> dict[str, Any]:
    return {
        "amp_harvest_source_preview": amp_harvest_source_preview,
        "amp_harvest_source_sync": amp_harvest_source_sync,
        "amp_harvest_source_list": amp_harvest_source_list,
    }

"""Who records and reads the reuses of a dataset (amp_dashboard): its
editors and admins record and delete them; whoever may see the dataset
reads them. The usage dashboard itself: ``amp_dashboard_view`` (auth.py)."""
from __future__ import annotations

from typing import Any, Mapping

from ckan import authz
from ckan.plugins import toolkit


def _dataset_allows(action: str, context: Mapping[str, Any], package_id: Any) -> dict[str, Any]:
    try:
        toolkit.check_access(action, dict(context), {"id": package_id})
    except (toolkit.NotAuthorized, toolkit.ObjectNotFound):
        return {"success": False,
                "msg": toolkit._("You may not record the reuses of this dataset")}
    return {"success": True}


@toolkit.auth_disallow_anonymous_access
def amp_dashboard_reuse_create(context: Mapping[str, Any],
                               data_dict: Mapping[str, Any]) -> dict[str, Any]:
    """The dataset's editors and admins (``package_update``), a sysadmin."""
    if authz.is_sysadmin(context.get("user")):
        return {"success": True}
    return _dataset_allows("package_update", context, data_dict.get("package_id"))


@toolkit.auth_disallow_anonymous_access
def amp_dashboard_reuse_delete(context: Mapping[str, Any],
                               data_dict: Mapping[str, Any]) -> dict[str, Any]:
    """As for recording one."""
    return amp_dashboard_reuse_create(context, data_dict)


@toolkit.auth_allow_anonymous_access
def amp_dashboard_reuse_list(context: Mapping[str, Any],
                             data_dict: Mapping[str, Any]) -> dict[str, Any]:
    """Whoever may see the dataset (``package_show``)."""
    try:
        toolkit.check_access("package_show", dict(context), {"id": data_dict.get("package_id")})
    except (toolkit.NotAuthorized, toolkit.ObjectNotFound):
        return {"success": False, "msg": toolkit._("You may not see this dataset")}
    return {"success": True}


def get_auth_functions() -> dict[str, Any]:
    return {"amp_dashboard_reuse_create": amp_dashboard_reuse_create,
            "amp_dashboard_reuse_delete": amp_dashboard_reuse_delete,
            "amp_dashboard_reuse_list": amp_dashboard_reuse_list}

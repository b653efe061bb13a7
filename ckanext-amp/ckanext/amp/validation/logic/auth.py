"""Who sees and starts the checks of amp_validation."""
from __future__ import annotations

from typing import Any, Mapping

from ckan import authz, model
from ckan.plugins import toolkit


@toolkit.auth_allow_anonymous_access
def amp_validation_show(context: Mapping[str, Any], data_dict: Mapping[str, Any]) -> dict[str, Any]:
    """A resource's report: whoever may see the resource (its cells are
    quoted: amp_access's ``resource_show`` decides who gets the data)."""
    try:
        toolkit.check_access("resource_show", {"user": context.get("user")},
                             {"id": data_dict.get("id")})
    except toolkit.NotAuthorized:
        return {"success": False, "msg": toolkit._("You may not see this resource")}
    return {"success": True}


def amp_validation_run(context: Mapping[str, Any], data_dict: Mapping[str, Any]) -> dict[str, Any]:
    """A new check: whoever may edit the dataset."""
    resource = model.Resource.get(str(data_dict.get("id") or ""))
    if resource is None:
        raise toolkit.ObjectNotFound(toolkit._("Resource not found"))
    try:
        toolkit.check_access("package_update", {"user": context.get("user")},
                             {"id": resource.package_id})
    except toolkit.NotAuthorized:
        return {"success": False, "msg": toolkit._("You may not edit this dataset")}
    return {"success": True}


@toolkit.auth_disallow_anonymous_access
def amp_validation_summary(context: Mapping[str, Any],
                           data_dict: Mapping[str, Any]) -> dict[str, Any]:
    """The figures of some organisations: a sysadmin (every organisation),
    else an editor or admin of each one asked."""
    user = str(context.get("user") or "")
    if authz.is_sysadmin(user):
        return {"success": True}
    asked = data_dict.get("organization_ids") or []
    if asked and all(authz.has_user_permission_for_group_or_org(org, user, "create_dataset")
                     for org in asked):
        return {"success": True}
    return {"success": False,
            "msg": toolkit._("The dashboards are for the editors and admins of an organisation")}


def get_auth_functions() -> dict[str, Any]:
    return {"amp_validation_show": amp_validation_show, "amp_validation_run": amp_validation_run,
            "amp_validation_summary": amp_validation_summary}

"""Who sees the dashboards of amp_dashboard: sysadmins (every organisation)
and the admins and editors of an organisation (theirs)."""
from __future__ import annotations

from typing import Any, Mapping

from ckan import authz, model
from ckan.plugins import toolkit


def _user(context: Mapping[str, Any]) -> str:
    return str(context.get("user") or "")


def may_see_dashboards(context: Mapping[str, Any]) -> bool:
    user = _user(context)
    if not user:
        return False
    return bool(authz.is_sysadmin(user)
                or authz.has_user_permission_for_some_org(user, "create_dataset"))


@toolkit.auth_disallow_anonymous_access
def amp_dashboard_view(context: Mapping[str, Any], data_dict: Mapping[str, Any]) -> dict[str, Any]:
    """Freshness and quality dashboards: sysadmin, or admin/editor of an organisation."""
    if may_see_dashboards(context):
        return {"success": True}
    return {"success": False,
            "msg": toolkit._("The dashboards are for the editors and admins of an organisation")}


def _edits(context: Mapping[str, Any], data_dict: Mapping[str, Any]) -> bool:
    """Sysadmin, or admin/editor of the organisation of ``data_dict``."""
    user = _user(context)
    if not user:
        return False
    if authz.is_sysadmin(user):
        return True
    org = model.Group.get(str(data_dict.get("organization") or ""))
    return bool(org is not None and org.is_organization
                and authz.has_user_permission_for_group_or_org(org.id, user, "create_dataset"))


def _maturity(context: Mapping[str, Any], data_dict: Mapping[str, Any]) -> dict[str, Any]:
    if _edits(context, data_dict):
        return {"success": True}
    return {"success": False, "msg": toolkit._(
        "The maturity self-assessment is for the editors and admins of the organisation")}


@toolkit.auth_disallow_anonymous_access
def amp_dashboard_maturity_show(context: Mapping[str, Any], data_dict: Mapping[str, Any]
                                ) -> dict[str, Any]:
    """An organisation's maturity self-assessments: its admins and editors, sysadmins."""
    return _maturity(context, data_dict)


@toolkit.auth_disallow_anonymous_access
def amp_dashboard_maturity_submit(context: Mapping[str, Any], data_dict: Mapping[str, Any]
                                  ) -> dict[str, Any]:
    """Submitting one: the same people."""
    return _maturity(context, data_dict)


def get_auth_functions() -> dict[str, Any]:
    return {"amp_dashboard_view": amp_dashboard_view,
            "amp_dashboard_maturity_show": amp_dashboard_maturity_show,
            "amp_dashboard_maturity_submit": amp_dashboard_maturity_submit}

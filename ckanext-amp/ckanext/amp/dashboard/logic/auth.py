"""Who sees the dashboards of amp_dashboard: sysadmins (every organisation)
and the admins and editors of an organisation (theirs)."""
from __future__ import annotations

from typing import Any, Mapping

from ckan import authz
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


def get_auth_functions() -> dict[str, Any]:
    return {"amp_dashboard_view": amp_dashboard_view}

"""Template helpers of amp_access (``toolkit.blanket.helpers``, ``amp_`` prefix)."""
from __future__ import annotations

from typing import Any, Mapping, Optional

from ckan.common import current_user
from ckan.plugins import toolkit

from ckanext.amp.access import permissions as perms
from ckanext.amp.common import access_requests, diffusion

__all__ = ["amp_access_for", "amp_access_request_url", "amp_data_withheld", "amp_restricted",
           "amp_access_label", "amp_access_intended_diffusions", "amp_access_is_producer_admin",
           "amp_access_to_decide_count"]

#: The endpoint of the request form (views.py), when it is registered.
REQUEST_ENDPOINT = "amp_access.request_new"


def amp_access_for(pkg: Mapping[str, Any]) -> dict[str, Any]:
    """What the current user may have of a dataset (dict of package_show)."""
    return perms.access(perms.facts_for(current_user), pkg).as_dict()


def amp_data_withheld(pkg: Mapping[str, Any]) -> bool:
    """The record is shown, its data is not (for the current user)."""
    found = perms.access(perms.facts_for(current_user), pkg)
    return found.record and not found.data


def amp_restricted(pkg: Mapping[str, Any]) -> bool:
    """A restricted dataset: its data is given on request (« Accès sur demande »)."""
    return diffusion.level_of(pkg).code == "restricted"


def amp_access_request_url(pkg: Mapping[str, Any]) -> Optional[str]:
    """Where to ask for access to a dataset's data (None when the portal
    offers no request form)."""
    try:
        return toolkit.url_for(REQUEST_ENDPOINT, id=pkg.get("name") or pkg.get("id"))
    except Exception:  # werkzeug BuildError: no such page on this portal
        return None


_LABELS = {
    "status": access_requests.STATUSES,
    "intended_diffusion": access_requests.INTENDED_DIFFUSIONS,
    "grant_state": access_requests.GRANT_STATES,
    "log_kind": access_requests.LOG_KINDS,
}


def _lang() -> str:
    return "en" if str(toolkit.h.lang() or "").startswith("en") else "fr"


def amp_access_label(table: str, code: Any) -> str:
    """The label of a code of the access-request workflow in the page's
    language: ``table`` is ``status``, ``intended_diffusion``,
    ``grant_state`` or ``log_kind``. An unknown code is shown as it is."""
    labels = _LABELS.get(table, {}).get(str(code or ""))
    return (labels.get(_lang()) or labels["fr"]) if labels else str(code or "")


def amp_access_intended_diffusions() -> list[dict[str, str]]:
    """The choices of the request form (``value``, ``text``)."""
    return [{"value": code, "text": labels.get(_lang()) or labels["fr"]}
            for code, labels in access_requests.INTENDED_DIFFUSIONS.items()]


def amp_access_is_producer_admin(organization_id: Optional[str]) -> bool:
    """The current user is an admin of this organisation (or a sysadmin)."""
    if not organization_id or not current_user.is_authenticated:
        return False
    return perms.organization_admin(current_user, organization_id)


def amp_access_to_decide_count() -> int:
    """Requests waiting for a decision of the current user (0 when they
    decide on none)."""
    if not current_user.is_authenticated:
        return 0
    try:
        found = toolkit.get_action("amp_access_request_list")(
            {"user": current_user.name}, {"to_decide": True, "status": "pending", "limit": 1})
    except toolkit.NotAuthorized:
        return 0
    return int(found["count"])

"""Template helpers of amp_access (``toolkit.blanket.helpers``, ``amp_`` prefix)."""
from __future__ import annotations

from typing import Any, Mapping, Optional

from ckan.common import current_user
from ckan.plugins import toolkit

from ckanext.amp.access import permissions as perms
from ckanext.amp.common import diffusion

__all__ = ["amp_access_for", "amp_access_request_url", "amp_data_withheld", "amp_restricted"]

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

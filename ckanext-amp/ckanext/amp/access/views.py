"""amp_access pages and the guard of every download.

Downloads go through CKAN's resource views (``/dataset/<id>/resource/<rid>/
download``, uploads and link redirects alike) and the datastore dump. Before
them, :func:`guard` answers 403 with a page that offers to ask for access to
whoever may see the record but not get the data; after a successful one,
:func:`audit` writes the download to the audit log when the data is not
public (CKAN signals only uploads).
"""
from __future__ import annotations

import logging
from typing import Any, Optional

from flask import Blueprint, request
from ckan import model
from ckan.common import current_user
from ckan.plugins import toolkit

from ckanext.amp.access import permissions as perms

log = logging.getLogger(__name__)

amp_access = Blueprint("amp_access", __name__)

#: Endpoints that hand over a resource's data.
DOWNLOAD_ENDPOINTS = frozenset({"resource.download", "dataset_resource.download", "datastore.dump"})
#: Endpoints of a resource's page and its views (the data shown).
RESOURCE_PAGES = frozenset({"resource.read", "dataset_resource.read", "resource.view",
                            "dataset_resource.view", "resource.views", "dataset_resource.views"})


def _resource_and_package() -> tuple[Optional[model.Resource], Optional[model.Package]]:
    args = request.view_args or {}
    resource = model.Resource.get(str(args.get("resource_id") or ""))
    if resource is None:
        return None, None
    return resource, model.Package.get(resource.package_id)


def guard() -> Any:
    """Before a download or a resource page: 403 with the request-access
    page when the caller sees the record but may not have the data."""
    if request.endpoint not in DOWNLOAD_ENDPOINTS | RESOURCE_PAGES:
        return None
    resource, package = _resource_and_package()
    if package is None:
        return None
    facts = perms.facts_for(current_user)
    found = perms.access(facts, perms.dataset_facts(package))
    if found.data or not found.record:
        return None  # CKAN's own views answer (the record's 404 included)
    return toolkit.render("amp/access/withheld.html", {
        "pkg": package, "resource": resource,
    }), 403


def audit(response: Any) -> Any:
    """After a download: one line of the audit log for data that is not
    public (who, what, when, under which right)."""
    if request.endpoint not in DOWNLOAD_ENDPOINTS or response.status_code not in (200, 302, 303):
        return response
    resource, package = _resource_and_package()
    if package is None:
        return response
    dataset = perms.dataset_facts(package)
    if perms.data_is_public(dataset):
        return response
    found = perms.access(perms.facts_for(current_user), dataset)
    from ckanext.amp.access.logic.action import record

    channel = "datastore" if request.endpoint == "datastore.dump" else (
        "upload" if resource.url_type == "upload" else "link")
    try:
        record({"user": current_user.name if current_user.is_authenticated else ""},
               "download", dataset_id=package.id, resource_id=resource.id,
               grant_id=found.grant_id, basis=found.basis, detail={"channel": channel})
        model.Session.commit()
    except Exception:  # the download itself must not fail; the operator must know
        log.exception("amp_access: download of resource %s not written to the audit log",
                      resource.id)
        model.Session.rollback()
    return response


amp_access.before_app_request(guard)
amp_access.after_app_request(audit)


def get_blueprints() -> list[Blueprint]:
    return [amp_access]

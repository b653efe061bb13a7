"""Deliveries recorded from the portal itself: a new resource, or a new
version of one, on a dataset that a data item feeds (upload, API, form).

Harvesters that record their deliveries themselves (``amp_delivery_create``)
set ``context["amp_delivery"] = False`` on the resource actions they call.
"""
from __future__ import annotations

import logging
import os
import urllib.parse
from typing import Any, Mapping, MutableMapping, Optional

from ckan import model

from ckanext.amp.conventions import records
from ckanext.amp.conventions.logic import auth

log = logging.getLogger(__name__)

#: Context key of the resources whose file changed in this request.
CHANGED = "amp_conventions_new_versions"


def _file_name(resource: Mapping[str, Any]) -> Optional[str]:
    url = str(resource.get("url") or "")
    if not url:
        return None
    path = urllib.parse.urlsplit(url).path if "://" in url else url
    return os.path.basename(path.rstrip("/")) or None


def _item_for(package: model.Package, resource: Mapping[str, Any]) -> Optional[dict]:
    items = records.items_for_dataset([package.id, package.name])
    reference = (package.extras or {}).get("convention")
    if reference:
        items = [item for item in items if item["reference"] == reference]
    wanted = resource.get("convention_item")
    if wanted:
        items = [item for item in items if wanted in (item["key"], item["id"])]
    if len(items) == 1:
        return items[0]
    if items:
        log.info("resource %s of %s: several data items are fed by this dataset (%s); "
                 "give the resource a 'convention_item' to record its delivery",
                 resource.get("id"), package.name, ", ".join(item["key"] for item in items))
    return None


def record(context: Mapping[str, Any], resource: Mapping[str, Any]) -> Optional[dict]:
    """Record ``resource`` as a delivery of its dataset's data item, if it
    has one. Never makes the resource action fail."""
    if context.get("amp_delivery") is False or not records.tables_exist():
        return None
    try:
        package = model.Package.get(resource.get("package_id"))
        if package is None:
            return None
        item = _item_for(package, resource)
        if item is None:
            return None
        today = auth.today()
        if records.find_delivery(item["id"], resource.get("id"), today) is not None:
            return None
        upload = resource.get("url_type") == "upload"
        delivery = records.add_delivery(
            item["convention_id"], item["id"], today, resource_id=resource.get("id"),
            file_name=_file_name(resource), url=None if upload else resource.get("url"),
            recorded_by=context.get("user"), status="received",
            note="upload" if upload else None)
        model.Session.commit()
        log.info("delivery of %s (%s) recorded from resource %s", item["key"],
                 item["reference"], resource.get("id"))
        return delivery
    except Exception:  # a delivery not recorded must not lose the resource
        model.Session.rollback()
        log.exception("could not record the delivery of resource %s", resource.get("id"))
        return None


def note_new_version(context: MutableMapping[str, Any], current: Mapping[str, Any],
                     resource: Mapping[str, Any]) -> None:
    """Before an update: remember the resource if its file changes."""
    changed = (resource.get("upload") not in (None, "")
               or (resource.get("url") and resource.get("url") != current.get("url")))
    if changed:
        context.setdefault(CHANGED, set()).add(current.get("id"))


def record_new_version(context: Mapping[str, Any], resource: Mapping[str, Any]) -> Optional[dict]:
    if resource.get("id") in (context.get(CHANGED) or ()):
        return record(context, resource)
    return None

"""The reuses of a dataset on its page (French): the tab
``/dataset/<id>/reutilisations`` lists them for whoever may see the
dataset, and offers its editors a form to declare one and a button to
delete each (POST, CSRF-checked). The records and the rules are the
actions of logic/usage.py (``amp_dashboard_reuse_*``). Registered by
views.py."""
from __future__ import annotations

from typing import Any, Optional

from flask import Blueprint, request

from ckan.plugins import toolkit

from ckanext.amp.web import action_context, protect_form

reuses = Blueprint("amp_dashboard_reuses", __name__)

#: The form's fields (what the action reads).
FIELDS = ("title", "url", "description")


def _dataset_or_404(dataset_id: str) -> dict[str, Any]:
    try:
        return toolkit.get_action("package_show")(action_context(), {"id": dataset_id})
    except (toolkit.ObjectNotFound, toolkit.NotAuthorized):
        return toolkit.abort(404, toolkit._("Dataset not found"))


def _may_edit(pkg_dict: dict[str, Any]) -> bool:
    try:
        toolkit.check_access("amp_dashboard_reuse_create", action_context(),
                             {"package_id": pkg_dict["id"]})
    except toolkit.NotAuthorized:
        return False
    return True


def _page(pkg_dict: dict[str, Any], errors: Optional[dict[str, list[str]]] = None,
          data: Optional[dict[str, str]] = None) -> Any:
    listed = toolkit.get_action("amp_dashboard_reuse_list")(
        action_context(), {"package_id": pkg_dict["id"]})
    page = toolkit.render("amp/dashboard/reuses.html", {
        "pkg": pkg_dict, "pkg_dict": pkg_dict, "reuses": listed, "can_edit": _may_edit(pkg_dict),
        "errors": errors or {}, "data": data or {}})
    return page, 400 if errors else 200


def read(id: str) -> Any:
    return _page(_dataset_or_404(id))


def create(id: str) -> Any:
    pkg_dict = _dataset_or_404(id)
    if not _may_edit(pkg_dict):
        return toolkit.abort(403, toolkit._("You may not record the reuses of this dataset"))
    protect_form()
    data = {name: request.form.get(name, "") for name in FIELDS}
    try:
        toolkit.get_action("amp_dashboard_reuse_create")(
            action_context(), dict(data, package_id=pkg_dict["id"]))
    except toolkit.NotAuthorized as error:
        return toolkit.abort(403, str(error))
    except toolkit.ValidationError as error:
        return _page(pkg_dict, error.error_dict, data)
    toolkit.h.flash_success(toolkit._("Reuse recorded."))
    return toolkit.redirect_to("amp_dashboard_reuses.read", id=pkg_dict["name"])


def delete(id: str, reuse_id: str) -> Any:
    pkg_dict = _dataset_or_404(id)
    if not _may_edit(pkg_dict):
        return toolkit.abort(403, toolkit._("You may not record the reuses of this dataset"))
    protect_form()
    listed = toolkit.get_action("amp_dashboard_reuse_list")(
        action_context(), {"package_id": pkg_dict["id"]})
    if reuse_id not in {reuse["id"] for reuse in listed}:
        return toolkit.abort(404, toolkit._("Reuse not found"))
    try:
        toolkit.get_action("amp_dashboard_reuse_delete")(action_context(), {"id": reuse_id})
    except toolkit.NotAuthorized as error:
        return toolkit.abort(403, str(error))
    toolkit.h.flash_success(toolkit._("Reuse deleted."))
    return toolkit.redirect_to("amp_dashboard_reuses.read", id=pkg_dict["name"])


reuses.add_url_rule("/dataset/<id>/reutilisations", view_func=read, endpoint="read")
reuses.add_url_rule("/dataset/<id>/reutilisations", view_func=create, endpoint="create",
                    methods=["POST"])
reuses.add_url_rule("/dataset/<id>/reutilisations/<reuse_id>/suppression", view_func=delete,
                    endpoint="delete", methods=["POST"])

"""Pages of amp_validation: ``POST /dataset/<id>/resource/<resource_id>/validation``
checks a resource again (its editors; CSRF-protected by CKAN)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint

from ckan.plugins import toolkit

from ckanext.amp.web import action_context, protect_form

validation = Blueprint("amp_validation", __name__)


def run(id: str, resource_id: str) -> Any:
    protect_form()
    try:
        toolkit.get_action("amp_validation_run")(action_context(), {"id": resource_id})
    except toolkit.NotAuthorized:
        return toolkit.abort(403, toolkit._("You may not edit this dataset"))
    except toolkit.ObjectNotFound:
        return toolkit.abort(404, toolkit._("Resource not found"))
    toolkit.h.flash_success(toolkit._("The file will be checked again in a moment."))
    return toolkit.redirect_to("resource.read", id=id, resource_id=resource_id)


validation.add_url_rule("/dataset/<id>/resource/<resource_id>/validation", view_func=run,
                        endpoint="run", methods=["POST"])


def get_blueprints() -> list[Blueprint]:
    return [validation]

"""The preview page of a harvest source (``/harvest/<id>/preview``)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint

from ckan import model
from ckan.plugins import toolkit

blueprint = Blueprint("amp_harvest", __name__)


def preview(id: str) -> Any:
    context = {"model": model, "user": toolkit.g.user}
    try:
        source = toolkit.get_action("harvest_source_show")(context, {"id": id})
        result = toolkit.get_action("amp_harvest_source_preview")(context, {"id": source["id"]})
    except toolkit.ObjectNotFound:
        return toolkit.abort(404, toolkit._("Harvest source not found"))
    except toolkit.NotAuthorized:
        return toolkit.abort(403, toolkit._("Only the editors of the source can preview its "
                                            "harvest"))
    except toolkit.ValidationError as error:
        return toolkit.abort(400, " ".join(str(v) for v in error.error_dict.values()))
    toolkit.g.dataset_type = "harvest"
    return toolkit.render("amp/harvest/preview.html",
                          extra_vars={"harvest_source": source, "preview": result})


blueprint.add_url_rule("/harvest/<id>/preview", view_func=preview, methods=["GET"])


def get_blueprints() -> list[Blueprint]:
    return [blueprint]

"""The preview page of a harvest source (``/harvest/<id>/preview``), and
ckanext-harvest's state-changing views made POST-only.

ckanext-harvest 1.6.3 also starts, clears, stops and deletes sources on a
GET (``/harvest/refresh/<id>``, ``/harvest/clear/<id>``,
``/harvest/<source>/job/<id>/abort``, ``/harvest/delete/<id>``), which
CSRF protection does not cover: a link on another site, opened by a
harvest admin, would act. Those GETs are refused (405); the same views are
served on POST (CSRF-checked), which is what the buttons of the source's
admin page send (``source/admin_base.html`` makes « Stop » post too).
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, request

from ckan import model
from ckan.plugins import toolkit

from ckanext.harvest import views as harvest_views

blueprint = Blueprint("amp_harvest", __name__)

#: ckanext-harvest endpoints that change something.
UNSAFE_ENDPOINTS = frozenset({"harvester.refresh", "harvester.clear", "harvester.job_abort",
                              "harvester.delete"})


@blueprint.before_app_request
def refuse_unsafe_get() -> Any:
    if request.method in ("GET", "HEAD") and request.endpoint in UNSAFE_ENDPOINTS:
        return toolkit.abort(405, toolkit._("This action needs the form's button (POST)"))
    return None


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
# POST twins of the GET-only routes of ckanext-harvest.
blueprint.add_url_rule("/harvest/<source>/job/<id>/abort", endpoint="job_abort",
                       view_func=harvest_views.job_abort, methods=["POST"])
blueprint.add_url_rule("/harvest/delete/<id>", endpoint="delete",
                       view_func=harvest_views.delete, methods=["POST"])


def get_blueprints() -> list[Blueprint]:
    return [blueprint]

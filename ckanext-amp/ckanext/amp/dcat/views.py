"""``/catalog.csv``: the OpenDataFrance (SCDL "catalogue") export."""
from __future__ import annotations

from flask import Blueprint, make_response
from ckan.plugins import toolkit

amp_dcat = Blueprint("amp_dcat", __name__)


def catalogue_csv():
    try:
        body = toolkit.get_action("amp_catalogue_csv")({}, {})
    except toolkit.NotAuthorized:
        return toolkit.abort(403)
    response = make_response(body)
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = 'inline; filename="catalogue.csv"'
    return response


amp_dcat.add_url_rule("/catalog.csv", view_func=catalogue_csv, endpoint="catalogue_csv")


def get_blueprints():
    return [amp_dcat]

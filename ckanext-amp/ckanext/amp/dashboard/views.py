"""Pages of amp_dashboard (French): ``/dashboards/freshness`` and
``/dashboards/quality`` (the organisations the user edits; every one for a
sysadmin), each with the CSV of the numbers behind its plot. The pages
have one form, a GET filter by organisation that changes nothing (CKAN's
CSRF check covers POST forms; there is none here)."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

from flask import Blueprint, Response, request

from ckan.plugins import toolkit

from ckanext.amp.common import quality_bands
from ckanext.amp.dashboard import helpers
from ckanext.amp.dashboard.logic import action
from ckanext.amp.web import action_context

dashboards = Blueprint("amp_dashboard", __name__, url_prefix="/dashboards")


def _call(name: str, **extra: Any) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
    """The action's figures (``extra``: more parameters), the request's
    filter and the organisations offered."""
    context = action_context()
    if not context["user"]:
        return toolkit.abort(403, toolkit._("Log in to see the dashboards"))
    wanted = {"organization": request.args.get("organization") or None}
    try:
        figures = toolkit.get_action(name)(context, dict(wanted, **extra))
        organizations = action.organizations_in_scope(context)
    except toolkit.NotAuthorized as error:
        return toolkit.abort(403, str(error) or toolkit._(
            "The dashboards are for the editors and admins of an organisation"))
    return figures, wanted, organizations


def _csv(rows: list[list[Any]], filename: str) -> Response:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return Response(buffer.getvalue().encode("utf-8-sig"), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def index() -> Any:
    return toolkit.redirect_to("amp_dashboard.freshness")


def freshness() -> str:
    figures, wanted, organizations = _call("amp_dashboard_freshness")
    return toolkit.render("amp/dashboard/freshness.html", {
        "figures": figures, "wanted": wanted, "organizations": organizations,
        "buckets": [dict(b, count=figures["distribution"][b["code"]])
                    for b in helpers.amp_freshness_buckets()]})


def freshness_csv() -> Response:
    figures, _wanted, _orgs = _call("amp_dashboard_freshness")
    rows: list[list[Any]] = [["bucket", toolkit._("Freshness"), toolkit._("Datasets")]]
    rows += [[b["code"], b["label"], figures["distribution"][b["code"]]]
             for b in helpers.amp_freshness_buckets()]
    return _csv(rows, "fraicheur.csv")


def quality() -> str:
    figures, wanted, organizations = _call("amp_dashboard_quality")
    bands = [{"code": band.code, "label": toolkit._(band.label),
              "count": figures["bands"][band.code]} for band in quality_bands.BANDS]
    histogram = [{"code": label, "label": label, "count": count}
                 for label, count in zip(figures["histogram_labels"], figures["histogram"])]
    return toolkit.render("amp/dashboard/quality.html", {
        "figures": figures, "wanted": wanted, "organizations": organizations, "bands": bands,
        "histogram": histogram})


def quality_csv() -> Response:
    figures, _wanted, _orgs = _call("amp_dashboard_quality")
    rows: list[list[Any]] = [[toolkit._("Quality score"), toolkit._("Datasets")]]
    rows += [[label, count] for label, count in
             zip(figures["histogram_labels"], figures["histogram"])]
    return _csv(rows, "qualite.csv")


def _month_label(month: str) -> str:
    """``2026-03`` -> « mars 2026 » in the page's language."""
    from flask_babel import format_date

    return format_date(dt.date(int(month[:4]), int(month[5:7]), 1), "MMM yyyy")


def conventions() -> str:
    figures, wanted, organizations = _call("amp_dashboard_conventions")
    labels = [_month_label(m["month"]) for m in figures["months"]]
    chart = json.dumps({
        "kind": "series", "labels": labels, "title": toolkit._("Deliveries per month"),
        "axis": toolkit._("Deliveries"),
        "series": [{"label": toolkit._("Expected"),
                    "values": [m["expected"] for m in figures["months"]]},
                   {"label": toolkit._("Received"),
                    "values": [m["received"] for m in figures["months"]]}],
    }, ensure_ascii=False)
    return toolkit.render("amp/dashboard/conventions.html", {
        "figures": figures, "wanted": wanted, "organizations": organizations,
        "chart": chart, "month_rows": [dict(m, label=label)
                                       for m, label in zip(figures["months"], labels)]})


def conventions_csv() -> Response:
    figures, _wanted, _orgs = _call("amp_dashboard_conventions")
    rows: list[list[Any]] = [[toolkit._("Month"), toolkit._("Expected"), toolkit._("Received")]]
    rows += [[m["month"], m["expected"], m["received"]] for m in figures["months"]]
    return _csv(rows, "livraisons.csv")


dashboards.add_url_rule("/", view_func=index, endpoint="index")
dashboards.add_url_rule("/freshness", view_func=freshness, endpoint="freshness")
dashboards.add_url_rule("/freshness.csv", view_func=freshness_csv, endpoint="freshness_csv")
dashboards.add_url_rule("/quality", view_func=quality, endpoint="quality")
dashboards.add_url_rule("/quality.csv", view_func=quality_csv, endpoint="quality_csv")
dashboards.add_url_rule("/conventions", view_func=conventions, endpoint="conventions")
dashboards.add_url_rule("/conventions.csv", view_func=conventions_csv,
                        endpoint="conventions_csv")

from ckanext.amp.dashboard import validation_views  # noqa: E402  (the validation tab)

dashboards.add_url_rule("/validation", view_func=validation_views.validation,
                        endpoint="validation")
dashboards.add_url_rule("/validation.csv", view_func=validation_views.validation_csv,
                        endpoint="validation_csv")

from ckanext.amp.dashboard import usage_views  # noqa: E402  (the usage tab)

dashboards.add_url_rule("/usage", view_func=usage_views.usage, endpoint="usage")
dashboards.add_url_rule("/usage.csv", view_func=usage_views.usage_csv, endpoint="usage_csv")

# The obligations and maturity pages (obligation_views.py), on this blueprint.
from ckanext.amp.dashboard import obligation_views  # noqa: E402

obligation_views.register(dashboards)


from ckanext.amp.dashboard import reuse_views  # noqa: E402  (a dataset's reuses)


def get_blueprints() -> list[Blueprint]:
    return [dashboards, reuse_views.reuses] + usage_views.tracking_blueprints()

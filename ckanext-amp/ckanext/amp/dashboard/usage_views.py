"""The usage tab of the dashboards (French): ``/dashboards/usage`` and
``/dashboards/usage.csv?table=months|datasets|resources|reuses``, figures
from the action ``amp_dashboard_usage`` (logic/usage.py). Registered on
views.py's blueprint."""
from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, request

from ckan import plugins
from ckan.plugins import toolkit

#: CSV tables offered (``table=``) -> file name.
CSV_TABLES = {"months": "usage-mois.csv", "datasets": "usage-jeux.csv",
              "resources": "usage-ressources.csv", "reuses": "reutilisations.csv"}

#: Trend directions -> English label (msgid) and a sign readable without colour.
TREND_LABELS = {"up": ("Rising", "↗"), "down": ("Falling", "↘"), "steady": ("Steady", "→"),
                "new": ("Newly used", "★"), "none": ("No use", "–")}


def trend_label(trend: dict[str, Any]) -> dict[str, str]:
    label, sign = TREND_LABELS.get(trend.get("direction") or "none", TREND_LABELS["none"])
    text = toolkit._(label)
    if trend.get("change") is not None:
        text += f" ({trend['change'] * 100:+.0f} %)"
    return {"direction": trend.get("direction") or "none", "sign": sign, "text": text}


def _chart(figures: dict[str, Any], labels: list[str]) -> str:
    """The time series drawn by dashboard.js (kind ``line``): one line per
    series, each with its own dash pattern and point style."""
    return json.dumps({
        "kind": "line", "title": toolkit._("Views and downloads by month"),
        "axis": toolkit._("Visitors a day, added up"), "labels": labels,
        "series": [{"label": toolkit._("Page views"), "values": figures["views"]},
                   {"label": toolkit._("Downloads"), "values": figures["downloads"]}],
    }, ensure_ascii=False)


def usage() -> str:
    from ckanext.amp.dashboard.views import _call, _month_label

    figures, wanted, organizations = _call("amp_dashboard_usage")
    labels = [_month_label(month) for month in figures["months"]]
    return toolkit.render("amp/dashboard/usage.html", {
        "figures": figures, "wanted": wanted, "organizations": organizations,
        "month_labels": labels, "chart": _chart(figures, labels),
        "months": [{"code": month, "label": label, "views": views, "downloads": downloads}
                   for month, label, views, downloads in zip(
                       figures["months"], labels, figures["views"], figures["downloads"])],
        "trends": {kind: trend_label(figures["trend"][kind]) for kind in ("views", "downloads")},
        "dataset_trends": {item["id"]: trend_label(item["trend"]) for item in figures["datasets"]},
    })


def _table(name: str) -> list[list[Any]]:
    from ckanext.amp.dashboard.views import _call

    if name not in CSV_TABLES:
        toolkit.abort(404, toolkit._("No such table"))
    figures, _wanted, _orgs = _call("amp_dashboard_usage", all=name != "months")
    _ = toolkit._
    months = figures["months"]
    if name == "months":
        return [[_("Month"), _("Page views"), _("Downloads")]] + [
            [month, views, downloads] for month, views, downloads in
            zip(months, figures["views"], figures["downloads"])]
    if name == "reuses":
        return [[_("Dataset"), _("Dataset title"), _("Organisation"), _("Reuses")]] + [
            [item["name"], item["title"], item["organization_title"], item["reuses"]]
            for item in figures["most_reused"]]
    if name == "datasets":
        rows = [[_("Dataset"), _("Dataset title"), _("Organisation"), _("Month"), _("Page views"),
                 _("Downloads")]]
        for item in figures["datasets"]:
            rows += [[item["name"], item["title"], item["organization_title"], month, v, d]
                     for month, v, d in zip(months, item["monthly_views"],
                                            item["monthly_downloads"])]
        return rows
    rows = [[_("Resource"), _("Resource name"), _("Dataset"), _("Month"), _("Page views"), _("Downloads")]]
    for item in figures["resources"]:
        rows += [[item["id"], item["name"], item["dataset_name"], month, v, d]
                 for month, v, d in zip(months, item["monthly_views"], item["monthly_downloads"])]
    return rows


def usage_csv() -> Response:
    from ckanext.amp.dashboard.views import _csv

    name = request.args.get("table") or "months"
    return _csv(_table(name), CSV_TABLES.get(name, "usage.csv"))


# ------------------------------------------------------- the tracking endpoint

tracking_endpoint = Blueprint("amp_tracking", __name__)


def track() -> Response:
    """``POST /_tracking`` (tracking.js, on every page): an empty answer.
    CKAN's tracking plugin records the visit in its ``after_request`` hook
    and has no route of its own, so each visit rendered CKAN's 404 page,
    later than tracking.js's 300 ms (the browser gave up, the page logged
    an error). The body is left unread: the hook reads it."""
    return Response(status=204)


tracking_endpoint.add_url_rule("/_tracking", view_func=track, endpoint="track",
                               methods=["POST"])


def tracking_blueprints() -> list[Blueprint]:
    """The endpoint above when CKAN's tracking plugin is loaded."""
    return [tracking_endpoint] if plugins.plugin_loaded("tracking") else []


def exempt_tracking_from_csrf(app: Any) -> None:
    """tracking.js posts without CKAN's CSRF token (it records a visit and
    changes nothing else), as it did when the address had no view."""
    csrf = app.extensions.get("csrf") if hasattr(app, "extensions") else None
    if csrf is not None and plugins.plugin_loaded("tracking"):
        csrf.exempt(track)

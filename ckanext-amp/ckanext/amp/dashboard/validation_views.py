"""The validation tab of the dashboards (French): ``/dashboards/validation``
and ``/dashboards/validation.csv`` (every invalid resource, or
``?table=organizations``: the counts per organisation), figures from
``amp_dashboard_validation`` (logic/validation.py). Registered on views.py's
blueprint."""
from __future__ import annotations

from typing import Any

from flask import Response, request

from ckan.plugins import toolkit

from ckanext.amp.dashboard.logic.validation import BUCKET_LABELS


def _buckets(totals: dict[str, int]) -> list[dict[str, Any]]:
    return [{"code": code, "label": toolkit._(label), "count": totals.get(code, 0)}
            for code, label in BUCKET_LABELS.items()]


def validation() -> str:
    from ckanext.amp.dashboard.views import _call

    figures, wanted, organizations = _call("amp_dashboard_validation")
    return toolkit.render("amp/dashboard/validation.html", {
        "figures": figures, "wanted": wanted, "organizations": organizations,
        "buckets": _buckets(figures["totals"])})


def validation_csv() -> Response:
    from ckanext.amp.dashboard.views import _call, _csv

    if request.args.get("table") == "organizations":
        figures, _wanted, _orgs = _call("amp_dashboard_validation")
        rows: list[list[Any]] = [[toolkit._("Organisation")]
                                 + [toolkit._(label) for label in BUCKET_LABELS.values()]
                                 + [toolkit._("Claiming a schema"), toolkit._("No schema")]]
        rows += [[org["title"]] + [org[code] for code in BUCKET_LABELS]
                 + [org["total"], org["no_schema"]] for org in figures["organizations"]]
        return _csv(rows, "validation-organisations.csv")
    figures, _wanted, _orgs = _call("amp_dashboard_validation", limit=0)
    site = toolkit.config.get("ckan.site_url", "").rstrip("/")
    rows = [[toolkit._("Organisation"), toolkit._("Dataset"), toolkit._("Resource"),
             toolkit._("Schema"), toolkit._("Version"), toolkit._("Errors"),
             toolkit._("Checked on"), toolkit._("Address")]]
    rows += [[item["organization_title"], item["dataset_title"], item["resource_name"],
              item["schema_title"], item["schema_version"], item["error_count"],
              (item["checked_at"] or "")[:19],
              f"{site}/dataset/{item['dataset_name']}/resource/{item['resource_id']}"]
             for item in figures["invalid"]]
    return _csv(rows, "validation-invalides.csv")

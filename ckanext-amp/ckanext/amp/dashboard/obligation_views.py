"""Pages of amp_dashboard for the stewards' obligations (French):
``/dashboards/obligations`` (priority datasets present, missing, fresh, per
organisation, with its CSV) and ``/dashboards/maturity`` (the open-data
maturity self-assessment: the latest, its history, the form). Registered on
the blueprint of ``views.py``. The maturity form is a POST whose CSRF
token (``csrf_input()`` in the template) is checked (ckanext/amp/web.py)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from ckan.plugins import toolkit

from ckanext.amp.common import maturity, obligations
from ckanext.amp.dashboard import views
from ckanext.amp.dashboard.logic import action
from ckanext.amp.web import action_context, protect_form

#: Status of an obligation -> English label (msgid).
STATUS_LABELS = {
    "fresh": "Published and up to date",
    "not_judged": "Published, freshness not judged",
    "late": "Published but late",
    "missing": "Missing",
}
assert tuple(STATUS_LABELS) == obligations.STATUSES

#: Datasets listed per obligation and organisation (the freshest first; the CSV has them all).
SHOWN_DATASETS = 5


def status_rows(counts: dict[str, int]) -> list[dict[str, Any]]:
    return [{"code": code, "label": toolkit._(label), "count": counts[code]}
            for code, label in STATUS_LABELS.items()]


def obligations_page() -> str:
    figures, wanted, organizations = views._call("amp_dashboard_obligations")
    return toolkit.render("amp/dashboard/obligations.html", {
        "figures": figures, "wanted": wanted, "organizations": organizations,
        "statuses": status_rows(figures["totals"]),
        "status_labels": {code: toolkit._(label) for code, label in STATUS_LABELS.items()},
        "shown_datasets": SHOWN_DATASETS})


def obligations_csv() -> Response:
    figures, _wanted, _orgs = views._call("amp_dashboard_obligations")
    rows: list[list[Any]] = [[
        toolkit._("Organisation"), "obligation", toolkit._("Obligation"), toolkit._("Tier"),
        "status", toolkit._("Status"), toolkit._("Datasets"), toolkit._("Dataset names")]]
    for org in figures["organizations"]:
        for item in org["obligations"]:
            rows.append([org["title"], item["code"], item["label"], item["tier_label"],
                         item["status"], toolkit._(STATUS_LABELS[item["status"]]),
                         len(item["datasets"]), " ".join(d["name"] for d in item["datasets"])])
    return views._csv(rows, "obligations.csv")


def _maturity_organization(organizations: list[dict[str, Any]]) -> str:
    wanted = request.values.get("organization") or ""
    if not wanted and organizations:
        wanted = organizations[0]["name"]
    return wanted


def maturity_page() -> Any:
    context = action_context()
    if not context["user"]:
        return toolkit.abort(403, toolkit._("Log in to see the dashboards"))
    try:
        toolkit.check_access("amp_dashboard_view", context, {})
        organizations = action.organizations_in_scope(context)
    except toolkit.NotAuthorized as error:
        return toolkit.abort(403, str(error) or toolkit._(
            "The dashboards are for the editors and admins of an organisation"))
    chosen = _maturity_organization(organizations)
    errors: dict[str, list[str]] = {}
    form: dict[str, Any] = {}
    if request.method == "POST":
        protect_form()
        form = {"answers": {item.code: request.form.get(f"answer-{item.code}", "")
                            for item in maturity.ITEMS},
                "comments": {item.code: request.form.get(f"comment-{item.code}", "")
                             for item in maturity.ITEMS}}
        try:
            toolkit.get_action("amp_dashboard_maturity_submit")(
                dict(context), {"organization": chosen, **form})
        except toolkit.NotAuthorized as error:
            return toolkit.abort(403, str(error))
        except toolkit.ValidationError as error:
            errors = error.error_dict
        else:
            toolkit.h.flash_success(toolkit._("Self-assessment saved."))
            return toolkit.redirect_to("amp_dashboard.maturity", organization=chosen)
    try:
        figures = toolkit.get_action("amp_dashboard_maturity_show")(
            dict(context), {"organization": chosen})
    except toolkit.NotAuthorized as error:
        return toolkit.abort(403, str(error))
    except toolkit.ValidationError:
        return toolkit.abort(404, toolkit._("Organisation not found"))
    latest = figures["latest"] or {}
    if not form:
        form = {"answers": latest.get("answers", {}), "comments": latest.get("comments", {})}
    evolution = [{"code": item["id"],
                  "label": toolkit.h.render_datetime(item["submitted"], "%d/%m/%Y %H:%M"),
                  "count": item["score"]} for item in reversed(figures["history"])]
    theme_labels = {theme["code"]: theme["label"] for theme in figures["checklist"]["themes"]}
    return toolkit.render("amp/dashboard/maturity.html", {
        "figures": figures, "wanted": {"organization": chosen}, "organizations": organizations,
        "form": form, "errors": errors, "evolution": evolution, "theme_labels": theme_labels,
        "comment_max": maturity.COMMENT_MAX})


def maturity_csv() -> Response:
    context = action_context()
    if not context["user"]:
        return toolkit.abort(403, toolkit._("Log in to see the dashboards"))
    try:
        figures = toolkit.get_action("amp_dashboard_maturity_show")(
            dict(context), {"organization": request.args.get("organization") or "",
                            "limit": 500})
    except toolkit.NotAuthorized as error:
        return toolkit.abort(403, str(error))
    except toolkit.ValidationError:
        return toolkit.abort(404, toolkit._("Organisation not found"))
    themes = figures["checklist"]["themes"]
    rows: list[list[Any]] = [[toolkit._("Submitted on"), toolkit._("By"), toolkit._("Score")]
                             + [theme["label"] for theme in themes]]
    for item in reversed(figures["history"]):
        rows.append([item["submitted"], item["author"], item["score"]]
                    + [item["theme_scores"][theme["code"]] for theme in themes])
    return views._csv(rows, "maturite.csv")


def register(blueprint: Blueprint) -> None:
    blueprint.add_url_rule("/obligations", view_func=obligations_page, endpoint="obligations")
    blueprint.add_url_rule("/obligations.csv", view_func=obligations_csv,
                           endpoint="obligations_csv")
    blueprint.add_url_rule("/maturity", view_func=maturity_page, endpoint="maturity",
                           methods=["GET", "POST"])
    blueprint.add_url_rule("/maturity.csv", view_func=maturity_csv, endpoint="maturity_csv")

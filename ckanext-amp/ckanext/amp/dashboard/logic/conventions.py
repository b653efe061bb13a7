"""The conventions dashboard of amp_dashboard: deliveries expected and
received under the conventions of the caller's organisations, the late
ones, the conventions ending soon and the access requests waiting for a
decision.

amp_dashboard imports neither amp_conventions nor amp_access: it reads
their figures through their actions (``amp_convention_list``,
``amp_delivery_list``, ``amp_access_request_list``); the schedule rule
stays in ``common/schedules.py`` (applied by ``amp_delivery_list``), the
end of a convention in ``common/conventions.py``, the counting per month in
``common/delivery_figures.py``. See docs/decisions/0016-dashboards.md.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Mapping, Optional

from ckan import authz, plugins
from ckan.plugins import toolkit

from ckanext.amp.common import conventions as lifecycle
from ckanext.amp.common import delivery_figures as figures
from ckanext.amp.dashboard.logic.action import organizations_in_scope

#: The plugins whose actions the tab reads.
CONVENTIONS_PLUGIN = "amp_conventions"
ACCESS_PLUGIN = "amp_access"


def _date(value: Any) -> Optional[dt.date]:
    return dt.date.fromisoformat(str(value)[:10]) if value else None


def _call(name: str, user: str, data_dict: dict[str, Any]) -> Any:
    """Another plugin's action, as the caller (a fresh context each time)."""
    return toolkit.get_action(name)({"user": user}, data_dict)


def ending_horizon() -> int:
    """Days ahead a convention's end is shown: the dashboard's option,
    else the conventions' reminder horizon, else 90."""
    for option in ("ckanext.amp.dashboard.ending_soon_days",
                   "ckanext.amp.conventions.reminder_days"):
        value = toolkit.config.get(option)
        if value not in (None, ""):
            return int(value)
    return 90


def _in_scope(conventions: list[dict[str, Any]], scope: set[str],
              everything: bool) -> list[dict[str, Any]]:
    """Conventions read in full of which an organisation in scope is a party."""
    return [c for c in conventions if not c.get("summary") and (
        everything or scope & {p["organization_id"] for p in c["parties"]})]


def _conventions(user: str, requested: Optional[str], scope: set[str], everything: bool,
                 count: int, limit: int) -> dict[str, Any]:
    listed = _call("amp_convention_list", user, {"party": requested} if requested else {})
    kept = _in_scope(listed, scope, everything)
    by_reference = {c["reference"]: c for c in kept}
    titles = {p["organization"]: p["organization_title"] or p["organization"]
              for c in kept for p in c["parties"]}
    deliveries = _call("amp_delivery_list", user, {}) if kept else {
        "items": [], "deliveries": [], "late": [], "on": None}
    # The conventions' today (their time zone) ends the plot.
    on = _date(deliveries.get("on")) or dt.date.today()
    months = figures.last_months(on, count)

    items = []
    dues: list[Optional[dt.date]] = []
    for item in deliveries["items"]:
        convention = by_reference.get(item["convention"])
        if convention is None:
            continue
        dues += [_date(e["due"]) for e in item["expected"] if e["status"] != "pending"]
        items.append({
            "convention": item["convention"], "convention_title": convention["title"],
            "convention_url": convention["url"], "key": item["key"], "title": item["title"],
            "provider": item["provider"], "provider_title": titles.get(item["provider"]),
            "recipient": item["recipient"], "recipient_title": titles.get(item["recipient"]),
            "periodicity": item["periodicity"], "schedule": item["schedule"],
            "counts": item["counts"], "next_due": item["next_due"],
        })
    received = [_date(d["received"]) for d in deliveries["deliveries"]
                if d["convention"] in by_reference and d["status"] != "rejected"]

    late = []
    for entry in deliveries["late"]:
        convention = by_reference.get(entry["convention"])
        if convention is None or not entry.get("due"):
            continue
        late.append({**entry, "convention_title": convention["title"],
                     "convention_url": convention["url"],
                     "provider_title": titles.get(entry["provider"]),
                     "days_late": figures.days_late(_date(entry["due"]), on)})
    late.sort(key=lambda e: figures.lateness_key(e["days_late"], e["convention"], e["item"]))

    horizon = ending_horizon()
    ending = []
    for convention in kept:
        status = convention["status"]
        days = lifecycle.days_to_end(status["state"], _date(status.get("end_date")), on, horizon)
        if days is not None:
            ending.append({"reference": convention["reference"], "title": convention["title"],
                           "url": convention["url"], "state": status["state"],
                           "end_date": status["end_date"], "days_left": days,
                           "parties": [p["organization_title"] or p["organization"]
                                       for p in convention["parties"]]})
    ending.sort(key=lambda c: (c["days_left"], c["reference"]))

    totals = dict.fromkeys(("expected", "delivered", "received_late", "late", "due"), 0)
    for item in items:
        for key in totals:
            totals[key] += item["counts"][key]
    return {
        "on": on.isoformat(),
        "conventions": [{"reference": c["reference"], "title": c["title"], "url": c["url"],
                         "state": c["status"]["state"], "end_date": c["status"]["end_date"]}
                        for c in kept],
        "items": items,
        "totals": totals,
        "late_count": len(late),
        "late": late[:limit],
        "ending_soon": ending,
        "ending_within_days": horizon,
        "months": [{"month": m.month, "expected": m.expected, "received": m.received}
                   for m in figures.by_month(dues, received, months)],
    }


def _requests(user: str, requested: Optional[str], organizations: list[dict[str, Any]],
              sysadmin: bool, on: dt.date, limit: int) -> dict[str, Any]:
    """Pending access requests addressed to the organisations in scope that
    the caller decides on (their admins; every one for a sysadmin)."""
    deciding = [o for o in organizations if sysadmin or o.get("capacity") == "admin"]
    if not deciding:
        return {"visible": False, "count": 0, "results": []}
    asked: dict[str, Any] = {"status": "pending", "limit": limit}
    if requested:
        asked["organization_id"] = deciding[0]["id"]
    else:
        asked["to_decide"] = True
    try:
        answer = _call("amp_access_request_list", user, asked)
    except toolkit.NotAuthorized:
        return {"visible": False, "count": 0, "results": []}
    results = []
    for request in sorted(answer["results"], key=lambda r: (r["created"], r["id"])):
        created = _date(request["created"])
        results.append({key: request.get(key) for key in (
            "id", "created", "dataset_name", "dataset_title", "user_display_name",
            "user_name", "organization", "owner_org_name", "owner_org_title", "period_start",
            "period_end", "intended_diffusion")}
            | {"days_waiting": (on - created).days if created else None})
    return {"visible": True, "count": answer["count"], "results": results,
            "partial": len(deciding) < len(organizations)}


@toolkit.side_effect_free
def amp_dashboard_conventions(context: dict[str, Any],
                              data_dict: dict[str, Any]) -> dict[str, Any]:
    """Deliveries under the conventions of the caller's organisations (every
    convention for a sysadmin), with what is late and what ends soon, and
    the access requests they have to decide.

    :param organization: only this organisation (name or id; one the
        caller edits) (optional)
    :type organization: string
    :param months: months of the plot, up to the current one (optional,
        default ``ckanext.amp.dashboard.delivery_months``)
    :type months: int
    :param limit: at most this many late deliveries and access requests
        listed (optional, default ``ckanext.amp.dashboard.late_list_size``)
    :type limit: int
    :returns: ``{on, conventions_available, access_available, conventions:
        [{reference, title, url, state, end_date}], items: [{convention,
        convention_title, convention_url, key, title, provider,
        provider_title, recipient, recipient_title, periodicity, schedule,
        counts: {expected, delivered, received, received_late, late, due,
        pending}, next_due}], totals: {expected, delivered, received_late,
        late, due}, late: [{convention, convention_title, convention_url,
        item, title, provider, provider_title, due, days_late}] (the most
        overdue first), late_count, ending_soon: [{reference, title, url,
        state, end_date, days_left, parties}], ending_within_days, months:
        [{month: YYYY-MM, expected, received}], requests: {visible, count,
        results: [{id, created, dataset_name, dataset_title,
        user_display_name, organization, owner_org_title, period_start,
        period_end, days_waiting}], partial}}``; without amp_conventions
        (or amp_access) loaded, ``conventions_available`` (or
        ``access_available``) is false and its lists are empty
    :rtype: dict
    """
    toolkit.check_access("amp_dashboard_view", context, data_dict)
    user = str(context.get("user") or "")
    requested = data_dict.get("organization") or None
    organizations = organizations_in_scope(context, requested)
    sysadmin = authz.is_sysadmin(user)
    everything = not requested and sysadmin
    scope = {org["id"] for org in organizations}
    count = int(data_dict.get("months") or toolkit.config.get(
        "ckanext.amp.dashboard.delivery_months") or 12)
    limit = int(data_dict.get("limit") or toolkit.config.get(
        "ckanext.amp.dashboard.late_list_size") or 100)
    if count < 1 or limit < 1:
        raise toolkit.ValidationError({"months" if count < 1 else "limit": [
            toolkit._("Must be a natural number")]})

    result: dict[str, Any] = {
        "conventions_available": plugins.plugin_loaded(CONVENTIONS_PLUGIN),
        "access_available": plugins.plugin_loaded(ACCESS_PLUGIN),
    }
    today = dt.date.today()
    if result["conventions_available"]:
        result.update(_conventions(user, requested, scope, everything, count, limit))
    else:
        result.update(on=today.isoformat(), conventions=[], items=[], late=[], late_count=0,
                      ending_soon=[], ending_within_days=ending_horizon(),
                      totals=dict.fromkeys(("expected", "delivered", "received_late", "late",
                                            "due"), 0),
                      months=[{"month": m, "expected": 0, "received": 0}
                              for m in figures.last_months(today, count)])
    result["requests"] = (_requests(user, requested, organizations, sysadmin,
                                    _date(result["on"]) or today, limit)
                          if result["access_available"] else
                          {"visible": False, "count": 0, "results": []})
    return result


def get_actions() -> dict[str, Any]:
    return {"amp_dashboard_conventions": amp_dashboard_conventions}

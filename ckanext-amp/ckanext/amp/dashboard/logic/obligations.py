"""Action ``amp_dashboard_obligations``: for each organisation the caller
edits (every one for a sysadmin), which priority and recommended datasets it
publishes, which are missing and which are fresh. The rules are in
``common/obligations.py`` (the list, the matching) and
``common/freshness.py`` (fresh or late).

The datasets are those of the organisations the caller edits (every one
for a sysadmin), read from the database as the freshness dashboard reads
them: an editor or admin of an organisation sees all its datasets, private
and restricted ones included; the other organisations' are never read.
"""
from __future__ import annotations

from typing import Any, Optional

import json

import sqlalchemy as sa
from ckan import authz, model
from ckan.plugins import toolkit

from ckanext.amp.common import freshness, obligations
from ckanext.amp.dashboard.logic.action import now, organizations_in_scope, package_rows
from ckanext.amp.translation import page_language

#: The extras an obligation's dataset is judged on.
_KEYS = ("conforms_to", "obligation", "frequency", "modified")


def _candidates(organization_ids: list[str], everything: bool) -> list[dict[str, Any]]:
    """Datasets of these organisations (of every one when ``everything``)
    with a ``conforms_to`` (theirs or a resource's) or a flag, read from the
    database as the freshness dashboard reads them (action.package_rows):
    the caller edits these organisations, so sees all their datasets; no
    ``package_search`` of whole dataset dicts (2.3 s for a sysadmin at
    10,000 datasets, docs/decisions/0018)."""
    if not organization_ids:
        return []
    package, extra, resource = model.package_table, model.package_extra_table, model.resource_table
    claims = sa.and_(resource.c.state == "active",
                     sa.cast(resource.c.extras, sa.UnicodeText).like('%"conforms_to"%'))
    candidate = sa.or_(
        package.c.id.in_(sa.select(extra.c.package_id).where(
            extra.c.key.in_(("conforms_to", "obligation")), extra.c.state == "active",
            extra.c.value.notin_(("", "[]")))),
        package.c.id.in_(sa.select(resource.c.package_id).where(claims)))
    datasets = {row["id"]: row for row in package_rows(
        None if everything else organization_ids, _KEYS, only=candidate)}
    query = sa.select(resource.c.package_id, resource.c.extras).where(
        claims, resource.c.package_id.in_(list(datasets)) if not everything else sa.true())
    for package_id, extras in model.Session.execute(query):
        dataset = datasets.get(package_id)
        if dataset is None:
            continue
        try:  # a dict (CKAN's JSON column type), or its text
            value = (extras if isinstance(extras, dict) else json.loads(extras or "{}")
                     ).get("conforms_to")
        except (ValueError, TypeError, AttributeError):
            continue
        if value:
            dataset.setdefault("resources", []).append({"conforms_to": value})
    return [dataset for dataset in datasets.values()
            if dataset.get("conforms_to") or dataset.get("obligation")
            or dataset.get("resources")]


#: Order of a found obligation's datasets: the fresh first, the late last.
_RANK = {"on_time": 0, "unscheduled": 0, "no_frequency": 1, "no_date": 1, "late": 2}


def _tier_label(tier: str, lang: str) -> str:
    labels = obligations.TIERS[tier]
    return labels.get(lang) or labels["fr"]


def _iso(value: Optional[Any]) -> Optional[str]:
    return value.isoformat() if value else None


@toolkit.side_effect_free
def amp_dashboard_obligations(context: dict[str, Any], data_dict: dict[str, Any]
                              ) -> dict[str, Any]:
    """Publication obligations met, missing and fresh, per organisation.

    :param organization: name or id of one organisation the caller edits
        (optional; default: every organisation in the caller's scope)
    :type organization: string
    :param lang: ``fr`` (default) or ``en``, the language of the labels
    :type lang: string
    :returns: ``{on, totals: {status: n}, obligations: [{code, label, tier,
        tier_label, counts}], organizations: [{id, name, title, counts,
        obligations: [{code, label, tier, tier_label, basis, status,
        datasets: [{id, name, title, private, state, frequency, last_update,
        days_late}], new_dataset: {query of /dataset/new}}]}]}``; statuses
        are ``fresh``, ``not_judged``, ``late`` and ``missing``
    :rtype: dictionary
    """
    toolkit.check_access("amp_dashboard_view", context, data_dict)
    organizations = organizations_in_scope(context, data_dict.get("organization"))
    lang = str(data_dict.get("lang") or page_language())
    lang = "en" if lang.startswith("en") else "fr"
    moment = now()
    by_org: dict[str, dict[str, list[tuple[dict[str, Any], freshness.Freshness]]]] = {
        org["id"]: {item.code: [] for item in obligations.OBLIGATIONS} for org in organizations}
    # A sysadmin's whole catalogue: no list of every organisation in the filter.
    everything = not data_dict.get("organization") and authz.is_sysadmin(context.get("user"))
    for dataset in _candidates(list(by_org), everything):
        codes = obligations.matching(dataset)
        owner = by_org.get(dataset.get("owner_org") or "")
        if not codes or owner is None:
            continue
        report = freshness.assess(dataset, moment)
        for code in codes:
            owner[code].append((dataset, report))

    per_obligation = {item.code: [] for item in obligations.OBLIGATIONS}
    summaries = []
    for org in organizations:
        rows = []
        for item in obligations.OBLIGATIONS:
            found = by_org[org["id"]][item.code]
            status = obligations.obligation_status(report for _d, report in found)
            per_obligation[item.code].append(status)
            found.sort(key=lambda pair: (_RANK[pair[1].state],
                                         pair[0].get("title") or pair[0]["name"]))
            rows.append({
                "code": item.code, "label": item.label(lang), "tier": item.tier,
                "tier_label": _tier_label(item.tier, lang),
                "basis": item.basis, "status": status,
                "datasets": [{
                    "id": dataset["id"], "name": dataset["name"],
                    "title": dataset.get("title") or dataset["name"],
                    "private": bool(dataset.get("private")), "state": report.state,
                    "frequency": report.frequency, "last_update": _iso(report.last_update),
                    "days_late": int(report.days_late),
                } for dataset, report in found],
                "new_dataset": obligations.prefill(item.code, org["id"]),
            })
        summaries.append({
            "id": org["id"], "name": org["name"],
            "title": org.get("title") or org.get("display_name") or org["name"],
            "counts": obligations.status_counts(row["status"] for row in rows),
            "obligations": rows,
        })
    summaries.sort(key=lambda org: (-org["counts"]["missing"], org["title"]))
    totals = obligations.status_counts(
        status for statuses in per_obligation.values() for status in statuses)
    return {
        "on": moment.isoformat(),
        "totals": totals,
        "obligations": [{
            "code": item.code, "label": item.label(lang), "tier": item.tier,
            "tier_label": _tier_label(item.tier, lang),
            "counts": obligations.status_counts(per_obligation[item.code]),
        } for item in obligations.OBLIGATIONS],
        "organizations": summaries,
    }

"""Actions of amp_dashboard: the figures of the freshness and quality
dashboards, for the organisations the caller edits (every organisation for
a sysadmin). Side-effect free. The rules are in ``common/freshness.py``,
``common/quality.py`` and ``common/quality_bands.py``.

``amp_dashboard_freshness`` ``{organization?}`` ->
``{on, total, distribution: {bucket: n}, organizations: [...], late: [...], late_count}``

``amp_dashboard_quality`` ``{organization?}`` ->
``{total, average, histogram: [n x 10], histogram_labels, bands: {code: n}, lowest: [...]}``
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any, Mapping, Optional

import sqlalchemy as sa

from ckan import authz, model
from ckan.plugins import toolkit

from ckanext.amp.common import freshness, quality, quality_bands

#: Keys of ``package_extra`` the freshness rule reads (scheming fields are extras).
_EXTRA_KEYS = ("frequency", "modified")


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def organizations_in_scope(context: Mapping[str, Any],
                           requested: Optional[str] = None) -> list[dict[str, Any]]:
    """The organisations the caller may see in the dashboards (editor or
    admin; every one for a sysadmin), or just ``requested`` (a name or id)
    when it is one of them. ``NotAuthorized`` for another organisation."""
    organizations = toolkit.get_action("organization_list_for_user")(
        {"user": context.get("user"), "ignore_auth": False},
        {"permission": "create_dataset", "include_dataset_count": False})
    if not requested:
        return organizations
    chosen = [org for org in organizations if requested in (org["id"], org["name"])]
    if not chosen:
        raise toolkit.NotAuthorized(toolkit._("You are not an editor of this organisation"))
    return chosen


def package_rows(organization_ids: Optional[list[str]],
                 keys: tuple[str, ...] = _EXTRA_KEYS,
                 only: Optional[Any] = None) -> list[dict[str, Any]]:
    """Active datasets of these organisations (of every one for ``None``),
    each ``{id, name, title, owner_org, private, metadata_modified, <key>…}``
    with the extras ``keys``, from one query on ``package`` and
    ``package_extra``; ``only``: an SQL condition on ``package`` the rows
    must meet too. The dashboards' callers edit these organisations (or
    are sysadmins): they may see every dataset of them."""
    if organization_ids is not None and not organization_ids:
        return []
    package = model.package_table
    extra = model.package_extra_table
    values = [sa.func.max(sa.case((extra.c.key == key, extra.c.value))).label(key)
              for key in keys]
    query = (sa.select(package.c.id, package.c.name, package.c.title, package.c.owner_org,
                       package.c.private, package.c.metadata_modified, *values)
             .select_from(package.outerjoin(extra, sa.and_(
                 extra.c.package_id == package.c.id, extra.c.key.in_(keys),
                 extra.c.state == "active")))
             .where(package.c.state == "active", package.c.type == "dataset")
             .group_by(package.c.id))
    if organization_ids is not None:
        query = query.where(package.c.owner_org.in_(organization_ids))
    if only is not None:
        query = query.where(only)
    return [dict(row._mapping) for row in model.Session.execute(query)]


def _iso(value: Optional[dt.datetime]) -> Optional[str]:
    return value.isoformat() if value else None


@toolkit.side_effect_free
def amp_dashboard_freshness(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    """Declared frequency against last update, per dataset and organisation;
    the late datasets, the latest first (``limit``, default
    ``ckanext.amp.dashboard.late_list_size``)."""
    toolkit.check_access("amp_dashboard_view", context, data_dict)
    organizations = organizations_in_scope(context, data_dict.get("organization"))
    by_id = {org["id"]: org for org in organizations}
    moment = now()
    limit = int(data_dict.get("limit") or toolkit.config.get(
        "ckanext.amp.dashboard.late_list_size"))
    per_org: dict[str, Counter] = {org_id: Counter() for org_id in by_id}
    total = 0
    late = []
    for dataset in package_rows(list(by_id)):
        row = tuple(dataset[key] for key in ("id", "name", "title", "owner_org",
                                             "metadata_modified", *_EXTRA_KEYS))
        _id, _name, _title, owner, metadata_modified, frequency, modified = row
        report = freshness.assess_frequency(
            frequency, freshness.first_date(modified, metadata_modified), moment)
        per_org[owner][freshness.bucket(report)] += 1
        total += 1
        if report.late:
            late.append((row, report))
    late.sort(key=lambda pair: freshness.lateness_key(pair[1]))
    distribution = dict.fromkeys(freshness.BUCKETS, 0)
    for counts in per_org.values():
        for bucket, count in counts.items():
            distribution[bucket] += count
    summaries = []
    for org_id, counts in per_org.items():
        in_org = sum(counts.values())
        late_count = sum(counts[b] for b in ("late_1", "late_3", "late_more"))
        summaries.append({
            "id": org_id, "name": by_id[org_id]["name"],
            "title": by_id[org_id].get("title") or by_id[org_id]["name"],
            "total": in_org, "late": late_count,
            "late_share": round(late_count / in_org, 3) if in_org else 0.0,
            "counts": {bucket: counts[bucket] for bucket in freshness.BUCKETS},
        })
    summaries.sort(key=lambda item: (-item["late_share"], -item["late"], item["title"]))
    return {
        "on": moment.isoformat(),
        "total": total,
        "distribution": distribution,
        "organizations": summaries,
        "late_count": len(late),
        "late": [{
            "id": row[0], "name": row[1], "title": row[2] or row[1],
            "organization": by_id[row[3]]["name"],
            "organization_title": by_id[row[3]].get("title") or "",
            "frequency": report.frequency,
            "last_update": _iso(report.last_update), "due": _iso(report.due),
            "days_late": int(report.days_late),
            "intervals_late": round(report.intervals_late, 1),
        } for row, report in late[:limit]],
    }


def _owner_filter(organizations: list[dict[str, Any]], everything: bool) -> str:
    if everything:
        return ""
    if not organizations:
        return "id:__none__"
    return "owner_org:(" + " OR ".join(f'"{org["id"]}"' for org in organizations) + ")"


@toolkit.side_effect_free
def amp_dashboard_quality(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    """The quality score's distribution (from the index) and the datasets
    with the lowest score, each with the criteria it fails (``limit``,
    default ``ckanext.amp.dashboard.lowest_list_size``)."""
    toolkit.check_access("amp_dashboard_view", context, data_dict)
    requested = data_dict.get("organization")
    organizations = organizations_in_scope(context, requested)
    everything = not requested and authz.is_sysadmin(context.get("user"))
    limit = int(data_dict.get("limit") or toolkit.config.get(
        "ckanext.amp.dashboard.lowest_list_size"))
    result = toolkit.get_action("package_search")(
        {"user": context.get("user")},
        {"q": "*:*", "fq": _owner_filter(organizations, everything), "rows": limit,
         "sort": "quality_score asc, metadata_modified desc", "include_private": True,
         "facet": "true", "facet.field": ["quality_score"], "facet.limit": -1,
         "facet.mincount": 1})
    counts = result.get("facets", {}).get("quality_score", {})
    total = sum(counts.values())
    scored = sum(int(score) * n for score, n in counts.items() if str(score).isdigit())
    titles = {org["id"]: org.get("title") or org["name"] for org in organizations}
    lowest = []
    for dataset in result["results"]:
        report = quality.score(dataset)
        lowest.append({
            "id": dataset["id"], "name": dataset["name"],
            "title": dataset.get("title") or dataset["name"],
            "organization_title": titles.get(dataset.get("owner_org") or "")
            or (dataset.get("organization") or {}).get("title", ""),
            "score": report.score,
            "missing": [{"code": c.code, "weight": c.weight, "label": c.label, "hint": c.hint}
                        for c in report.missing],
        })
    return {
        "total": total,
        "average": round(scored / total, 1) if total else None,
        "histogram": quality_bands.histogram(counts),
        "histogram_labels": quality_bands.histogram_labels(),
        "bands": quality_bands.counts_by_band(counts),
        "lowest": lowest,
    }


def get_actions() -> dict[str, Any]:
    from ckanext.amp.dashboard.logic import maturity, obligations

    return {"amp_dashboard_freshness": amp_dashboard_freshness,
            "amp_dashboard_quality": amp_dashboard_quality,
            "amp_dashboard_obligations": obligations.amp_dashboard_obligations,
            **maturity.get_actions()}

"""Actions of the usage dashboard: views and downloads counted by CKAN's
``tracking`` plugin (``tracking_summary``, filled by the daily
``ckan tracking update``), by month over the last twelve months, and the
reuses of the datasets (``amp_dashboard_reuse``).

Only the datasets the caller may see are counted: their ids come from
``package_search`` (the permission labels decide, whoever provides them),
restricted to the organisations in scope (those the caller edits; every one
for a sysadmin), then the figures are summed in SQL for those ids.

``amp_dashboard_usage`` ``{organization?, limit?, all?}`` ->
``{months, views, downloads, total_views, total_downloads, trend, datasets,
resources, most_reused, total_reuses, in_scope, updated, tracking}``

``amp_dashboard_reuse_create`` ``{package_id, title, url, description?}``,
``amp_dashboard_reuse_delete`` ``{id}``, ``amp_dashboard_reuse_list``
``{package_id}``: the reuses of a dataset (its editors record them).
"""
from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Iterable, Mapping, Optional

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY

from ckan import authz, model, plugins
from ckan.plugins import toolkit

from ckanext.amp.common import usage, usage_records
from ckanext.amp.dashboard.logic.action import _owner_filter, organizations_in_scope
from ckanext.amp.dashboard.model import reuse_table

#: ``tracking_summary.package_id`` of a page that is not a dataset's (CKAN's mark).
NOT_FOUND = "~~not~found~~"

#: The resource id in the address of a resource's page (``/dataset/x/resource/<id>``).
RESOURCE_PAGE = r"/dataset/[^/]+/resource/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$"

_IDS = sa.bindparam("ids", type_=ARRAY(sa.UnicodeText))

#: The datasets in scope, as a relation (a hash join, where ``= ANY(:ids)``
#: compared each row with every id).
_SCOPE = "scope AS (SELECT unnest(CAST(:ids AS text[])) AS id)"

# Summed by dataset and month first, joined to the scope after: the month's
# label is written once a group, not once a day.
_VIEWS_SQL = sa.text(f"""
    WITH {_SCOPE},
    v AS (SELECT package_id, date_trunc('month', tracking_date) AS month, sum(count) AS n
          FROM tracking_summary
          WHERE tracking_type = 'page' AND tracking_date >= :start
          GROUP BY 1, 2)
    SELECT v.package_id, to_char(v.month, 'YYYY-MM'), v.n
    FROM v JOIN scope ON scope.id = v.package_id
""").bindparams(_IDS)

# Downloads (``resource`` rows: an upload's download address, else a link's
# own url) and resource page views (``page`` rows CKAN found no dataset for).
_RESOURCES_SQL = sa.text(f"""
    WITH {_SCOPE},
    r AS (SELECT resource.id, resource.package_id, resource.url
          FROM resource JOIN scope ON scope.id = resource.package_id
          WHERE resource.state = 'active'),
    g AS (
        SELECT tracking_type AS kind, url, date_trunc('month', tracking_date) AS month,
               sum(count) AS n
        FROM tracking_summary
        WHERE tracking_date >= :start
          AND (tracking_type = 'resource'
               OR (tracking_type = 'page' AND package_id = :not_found
                   AND url LIKE '%/resource/%'))
        GROUP BY 1, 2, 3),
    -- The patterns once an address and month (a regular expression a day
    -- and address cost 30 µs each).
    d AS (
        SELECT kind, url,
               CASE WHEN kind = 'resource' THEN
                         CASE WHEN strpos(url, '/download') > 0
                              THEN substring(url from :download) END
                    ELSE substring(url from :page) END AS rid,
               to_char(month, 'YYYY-MM') AS month, n
        FROM g)
    SELECT r.id, r.package_id, d.kind, d.month, sum(d.n) AS n
    FROM d JOIN r ON r.id = d.rid
    GROUP BY 1, 2, 3, 4
    UNION ALL
    SELECT r.id, r.package_id, d.kind, d.month, sum(d.n) AS n
    FROM d JOIN r ON r.url = d.url
    WHERE d.rid IS NULL AND d.kind = 'resource'
    GROUP BY 1, 2, 3, 4
""").bindparams(_IDS)

_REUSES_SQL = sa.text(f"""
    WITH {_SCOPE}
    SELECT u.package_id, count(*) FROM amp_dashboard_reuse u JOIN scope ON scope.id = u.package_id
    GROUP BY 1
""").bindparams(_IDS)

_DATASETS_SQL = sa.text("""
    SELECT p.id, p.name, p.title, coalesce(g.title, g.name, '') AS organization_title
    FROM package p LEFT JOIN "group" g ON g.id = p.owner_org
    WHERE p.id = ANY(:ids)
""").bindparams(_IDS)

_RESOURCE_NAMES_SQL = sa.text("""
    SELECT r.id, r.name, r.url, r.url_type, r.format FROM resource r WHERE r.id = ANY(:ids)
""").bindparams(_IDS)


def today() -> dt.date:
    return dt.date.today()


def visible_dataset_ids(user: str, fq: str) -> list[str]:
    """Ids of the datasets ``user`` may see among ``fq``'s, from the
    index (one facet on ``id``: no dataset dict is built)."""
    result = toolkit.get_action("package_search")(
        {"user": user},
        {"q": "*:*", "fq": fq, "rows": 0, "include_private": True,
         "facet": "true", "facet.field": ["id"], "facet.limit": -1, "facet.mincount": 1})
    return list((result.get("facets") or {}).get("id", {}))


class _Counts:
    """Monthly series per key (a dataset or a resource id)."""

    def __init__(self, months: list[str]) -> None:
        self.months = months
        self._index = {month: i for i, month in enumerate(months)}
        self.by_key: dict[str, list[int]] = {}

    def add(self, key: str, month: str, count: int) -> None:
        index = self._index.get(month)
        if index is None:
            return
        values = self.by_key.get(key)
        if values is None:
            values = self.by_key[key] = [0] * len(self.months)
        values[index] += int(count)

    def get(self, key: str) -> list[int]:
        return self.by_key.get(key) or [0] * len(self.months)


def _trend(values: list[int]) -> dict[str, Any]:
    found = usage.trend(values)
    return {"direction": found.direction, "recent": found.recent, "before": found.before,
            "change": found.change}


def _rows(query: Any, **params: Any) -> list[tuple]:
    return [tuple(row) for row in model.Session.execute(query, params)]


def _by_id(query: Any, ids: Iterable[str]) -> dict[str, tuple]:
    ids = list(ids)
    return {row[0]: row for row in _rows(query, ids=ids)} if ids else {}


def _last_update() -> Optional[str]:
    value = model.Session.execute(sa.text("SELECT max(tracking_date) FROM tracking_summary")).scalar()
    return value.isoformat() if value else None


@toolkit.side_effect_free
def amp_dashboard_usage(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    """Views, downloads and reuses of the datasets in scope, by month over
    the last twelve months (the current one included, partial).

    :param organization: name or id of one of the organisations the caller
        edits (default: all of them; every organisation for a sysadmin)
    :type organization: string
    :param limit: how many datasets and resources to list, the most used
        first (default ``ckanext.amp.dashboard.usage_list_size``)
    :type limit: int
    :param all: list every dataset and resource used in the period (the CSV)
    :type all: bool
    :returns: ``months`` (``YYYY-MM``, oldest first), ``views`` and
        ``downloads`` (one total a month), ``total_views``,
        ``total_downloads``, ``trend`` (``views``/``downloads``:
        ``{direction, recent, before, change}``, the last three complete
        months against the three before), ``datasets`` (``{id, name, title,
        organization_title, views, downloads, reuses, monthly_views,
        monthly_downloads, trend}``), ``resources`` (``{id, name,
        dataset_name, dataset_title, views, downloads, monthly_views,
        monthly_downloads}``), ``most_reused``, ``total_reuses``,
        ``in_scope`` (datasets counted), ``updated`` (last day tracked, ISO)
        and ``tracking`` (whether CKAN's tracking plugin is loaded)
    :rtype: dictionary
    """
    toolkit.check_access("amp_dashboard_view", context, data_dict)
    user = str(context.get("user") or "")
    requested = data_dict.get("organization")
    organizations = organizations_in_scope(context, requested)
    everything = not requested and authz.is_sysadmin(user)
    listing_all = toolkit.asbool(data_dict.get("all", False))
    limit = int(data_dict.get("limit") or toolkit.config.get(
        "ckanext.amp.dashboard.usage_list_size"))

    ids = visible_dataset_ids(user, _owner_filter(organizations, everything))
    starts = usage.month_starts(today())
    months = [usage.month_key(start) for start in starts]
    views, downloads = _Counts(months), _Counts(months)
    resource_views, resource_downloads = _Counts(months), _Counts(months)
    resource_dataset: dict[str, str] = {}
    reuses: dict[str, int] = {}
    if ids:
        for package_id, month, count in _rows(_VIEWS_SQL, ids=ids, start=starts[0]):
            views.add(package_id, month, count)
        for resource_id, package_id, kind, month, count in _rows(
                _RESOURCES_SQL, ids=ids, start=starts[0], download=usage.DOWNLOAD_PATH,
                page=RESOURCE_PAGE, not_found=NOT_FOUND):
            resource_dataset[resource_id] = package_id
            if kind == "resource":
                resource_downloads.add(resource_id, month, count)
                downloads.add(package_id, month, count)
            else:
                resource_views.add(resource_id, month, count)
        reuses = {package_id: int(n) for package_id, n in _rows(_REUSES_SQL, ids=ids)}

    total_views = [0] * len(months)
    total_downloads = [0] * len(months)
    for values in views.by_key.values():
        usage.add_series(total_views, values)
    for values in downloads.by_key.values():
        usage.add_series(total_downloads, values)

    used = set(views.by_key) | set(downloads.by_key)
    ranked = sorted(used, key=lambda i: (-sum(views.get(i)), -sum(downloads.get(i)), i))
    listed = ranked if listing_all else ranked[:limit]
    most_reused = sorted(reuses, key=lambda i: (-reuses[i], i))
    most_reused = most_reused if listing_all else most_reused[:limit]
    resources_used = sorted(resource_dataset, key=lambda r: (
        -sum(resource_downloads.get(r)), -sum(resource_views.get(r)), r))
    resources_listed = resources_used if listing_all else resources_used[:limit]
    names = _by_id(_DATASETS_SQL, set(listed) | set(most_reused)
                   | {resource_dataset[r] for r in resources_listed})
    resource_names = _by_id(_RESOURCE_NAMES_SQL, resources_listed)

    def dataset(package_id: str) -> dict[str, Any]:
        _id, name, title, organization_title = names[package_id]
        monthly_views, monthly_downloads = views.get(package_id), downloads.get(package_id)
        return {"id": package_id, "name": name, "title": title or name,
                "organization_title": organization_title,
                "views": sum(monthly_views), "downloads": sum(monthly_downloads),
                "reuses": reuses.get(package_id, 0),
                "monthly_views": monthly_views, "monthly_downloads": monthly_downloads,
                "trend": _trend([a + b for a, b in zip(monthly_views, monthly_downloads)])}

    def resource(resource_id: str) -> dict[str, Any]:
        _id, name, url, _url_type, format_ = resource_names[resource_id]
        owner = names[resource_dataset[resource_id]]
        monthly_views = resource_views.get(resource_id)
        monthly_downloads = resource_downloads.get(resource_id)
        return {"id": resource_id, "name": name or url or resource_id, "format": format_ or "",
                "dataset_name": owner[1], "dataset_title": owner[2] or owner[1],
                "views": sum(monthly_views), "downloads": sum(monthly_downloads),
                "monthly_views": monthly_views, "monthly_downloads": monthly_downloads}

    return {
        "months": months,
        "views": total_views,
        "downloads": total_downloads,
        "total_views": sum(total_views),
        "total_downloads": sum(total_downloads),
        "trend": {"views": _trend(total_views), "downloads": _trend(total_downloads)},
        "datasets": [dataset(i) for i in listed],
        "used_count": len(used),
        "resources": [resource(r) for r in resources_listed],
        "most_reused": [dataset(i) for i in most_reused],
        "total_reuses": sum(reuses.values()),
        "in_scope": len(ids),
        "updated": _last_update(),
        "tracking": plugins.plugin_loaded("tracking"),
    }


# ------------------------------------------------------------------ reuses

def _reuse_dict(row: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "package_id": row["package_id"], "title": row["title"],
            "url": row["url"], "description": row["description"],
            "created": row["created"].isoformat() if row["created"] else None}


def _dataset_id(reference: Any) -> str:
    dataset = model.Package.get(str(reference or ""))
    if dataset is None or dataset.state != "active":
        raise toolkit.ObjectNotFound(toolkit._("Dataset not found"))
    return dataset.id


def amp_dashboard_reuse_create(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    """Record a reuse of a dataset (its editors and admins, a sysadmin).

    :param package_id: the dataset's id or name
    :type package_id: string
    :param title: what the reuse is called
    :type title: string
    :param url: where it is (http or https)
    :type url: string
    :param description: a sentence about it (optional)
    :type description: string
    :returns: the reuse ``{id, package_id, title, url, description, created}``
    :rtype: dictionary
    """
    toolkit.check_access("amp_dashboard_reuse_create", context, data_dict)
    package_id = _dataset_id(data_dict.get("package_id"))
    title = str(data_dict.get("title") or "").strip()
    url = str(data_dict.get("url") or "").strip()
    errors: dict[str, list[str]] = {}
    if not title:
        errors["title"] = [toolkit._("Give the reuse a title")]
    if not usage_records.valid_reuse_url(url):
        errors["url"] = [toolkit._(
            "Give the full address of the reuse, starting with http:// or https://")]
    if errors:
        raise toolkit.ValidationError(errors)
    exists = model.Session.execute(sa.select(reuse_table.c.id).where(
        reuse_table.c.package_id == package_id, reuse_table.c.url == url)).first()
    if exists:
        raise toolkit.ValidationError({"url": [toolkit._("This reuse is already recorded")]})
    user = model.User.get(str(context.get("user") or ""))
    values = {"id": str(uuid.uuid4()), "package_id": package_id, "title": title, "url": url,
              "description": str(data_dict.get("description") or "").strip(),
              "creator_user_id": user.id if user else "",
              "created": dt.datetime.now(dt.timezone.utc)}
    model.Session.execute(reuse_table.insert().values(**values))
    if not context.get("defer_commit"):
        model.Session.commit()
    return _reuse_dict(values)


def amp_dashboard_reuse_delete(context: dict[str, Any], data_dict: dict[str, Any]) -> None:
    """Delete a reuse (the dataset's editors and admins, a sysadmin).

    :param id: the reuse's id
    :type id: string
    """
    row = model.Session.execute(sa.select(reuse_table).where(
        reuse_table.c.id == str(data_dict.get("id") or ""))).mappings().first()
    if row is None:
        raise toolkit.ObjectNotFound(toolkit._("Reuse not found"))
    toolkit.check_access("amp_dashboard_reuse_delete", context,
                         {"id": row["id"], "package_id": row["package_id"]})
    model.Session.execute(reuse_table.delete().where(reuse_table.c.id == row["id"]))
    if not context.get("defer_commit"):
        model.Session.commit()


@toolkit.side_effect_free
def amp_dashboard_reuse_list(context: dict[str, Any], data_dict: dict[str, Any]) -> list[dict[str, Any]]:
    """The reuses of a dataset the caller may see, the latest first.

    :param package_id: the dataset's id or name
    :type package_id: string
    :rtype: list of dictionaries
    """
    toolkit.check_access("amp_dashboard_reuse_list", context, data_dict)
    package_id = _dataset_id(data_dict.get("package_id"))
    rows = model.Session.execute(sa.select(reuse_table).where(
        reuse_table.c.package_id == package_id).order_by(reuse_table.c.created.desc()))
    return [_reuse_dict(row) for row in rows.mappings()]


def get_actions() -> dict[str, Any]:
    return {"amp_dashboard_usage": amp_dashboard_usage,
            "amp_dashboard_reuse_create": amp_dashboard_reuse_create,
            "amp_dashboard_reuse_delete": amp_dashboard_reuse_delete,
            "amp_dashboard_reuse_list": amp_dashboard_reuse_list}

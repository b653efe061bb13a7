"""Actions of amp_validation: a resource's report, a new check, and the
figures of the validation dashboard (by organisation).

``amp_validation_show`` ``{id}`` -> ``{resource_id, status, schema_url,
schema_name, schema_title, schema_version, error_count, rows, truncated,
problem, notes, errors, queued_at, checked_at}`` (``status`` ``none`` when
the resource claims no Table Schema, ``not_checked`` when it claims one
but was never checked).

``amp_validation_summary`` ``{organization_ids?, limit?}`` ->
``{organizations: [{id, name, title, total, valid, invalid, pending,
not_checked, no_schema}], totals: {...}, invalid: [...], invalid_count}``.
"""
from __future__ import annotations

from typing import Any, Optional

import sqlalchemy as sa

from ckan import authz, model
from ckan.plugins import toolkit

from ckanext.amp.common import table_validation as tv
from ckanext.amp.validation import jobs
from ckanext.amp.validation.model import ValidationReport

#: Buckets of the dashboard, in its order.
BUCKETS = ("valid", "invalid", "pending", "not_checked")


def _iso(value: Any) -> Optional[str]:
    return value.isoformat() if value else None


def _titles() -> dict[str, str]:
    return {e.name: e.title for e in tv.registry()}


def report_dict(line: Optional[ValidationReport], resource_id: str,
                claimed: bool) -> dict[str, Any]:
    if line is None:
        return {"resource_id": resource_id, "status": "not_checked" if claimed else "none",
                "error_count": 0, "errors": [], "notes": [], "problem": None}
    report = line.report or {}
    return {"resource_id": line.resource_id, "package_id": line.package_id,
            "status": line.status, "schema_url": line.schema_url,
            "schema_name": line.schema_name, "schema_version": line.schema_version,
            "schema_title": _titles().get(line.schema_name or "", line.schema_name),
            "error_count": line.error_count, "rows": line.rows, "truncated": line.truncated,
            "problem": report.get("problem"), "notes": report.get("notes", []),
            "errors": report.get("errors", []), "queued_at": _iso(line.queued_at),
            "checked_at": _iso(line.checked_at)}


@toolkit.side_effect_free
def amp_validation_show(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    """The latest check of a resource against the Table Schema it claims.

    :param id: the resource's id
    :type id: string
    :returns: the report (messages as English msgids with parameters)
    :rtype: dictionary
    """
    resource_id = toolkit.get_or_bust(data_dict, "id")
    toolkit.check_access("amp_validation_show", context, data_dict)
    resource = model.Resource.get(resource_id)
    if resource is None:
        raise toolkit.ObjectNotFound(toolkit._("Resource not found"))
    line = model.Session.get(ValidationReport, resource.id)
    claimed = jobs.claim_of(resource, resource.package) is not None
    return report_dict(line, resource.id, claimed)


def amp_validation_run(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    """Check a resource again (its file may have changed behind its link).

    :param id: the resource's id
    :type id: string
    :returns: ``{resource_id, status}`` (``pending``, or ``none`` when it claims no schema)
    :rtype: dictionary
    """
    resource_id = toolkit.get_or_bust(data_dict, "id")
    toolkit.check_access("amp_validation_run", context, data_dict)
    resource = model.Resource.get(resource_id)
    marked = jobs.schedule(resource.package_id, force=True, resource_ids=[resource.id])
    model.repo.commit()
    return {"resource_id": resource.id, "status": tv.PENDING if marked else "none"}


def _scope(context: dict[str, Any], organization_ids: Optional[list[str]]) -> list[model.Group]:
    query = model.Session.query(model.Group).filter(
        model.Group.is_organization.is_(True), model.Group.state == "active")
    if organization_ids:
        query = query.filter(sa.or_(model.Group.id.in_(organization_ids),
                                    model.Group.name.in_(organization_ids)))
    elif not authz.is_sysadmin(context.get("user")):
        return []
    return query.order_by(model.Group.title).all()


@toolkit.side_effect_free
def amp_validation_summary(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    """How many resources of each organisation are valid, invalid, pending
    or not checked against the schema they claim; the invalid ones, the
    most errors first.

    :param organization_ids: ids (or names) of the organisations (default:
        every one, for a sysadmin)
    :type organization_ids: list of strings
    :param limit: invalid resources listed (default
        ``ckanext.amp.validation.invalid_list_size``; 0: all)
    :type limit: int
    :rtype: dictionary
    """
    ids = data_dict.get("organization_ids") or None
    if isinstance(ids, str):
        ids = [ids]
    toolkit.check_access("amp_validation_summary", context, {"organization_ids": ids})
    limit = data_dict.get("limit")
    limit = int(toolkit.config.get("ckanext.amp.validation.invalid_list_size")
                if limit in (None, "") else limit)
    organizations = _scope(context, ids)
    by_id = {org.id: org for org in organizations}
    counts = {org_id: dict.fromkeys(BUCKETS + ("total", "no_schema"), 0) for org_id in by_id}
    invalid = []
    if by_id:
        reports = {line.resource_id: line for line in model.Session.query(ValidationReport).join(
            model.Package, model.Package.id == ValidationReport.package_id).filter(
            model.Package.owner_org.in_(list(by_id)), model.Package.state == "active")}
        packages = model.Session.query(model.Package).filter(
            model.Package.owner_org.in_(list(by_id)), model.Package.state == "active",
            model.Package.type == "dataset")
        titles = _titles()
        for package in packages:
            tally = counts[package.owner_org]
            for resource in package.resources:
                if jobs.claim_of(resource, package) is None:
                    tally["no_schema"] += 1
                    continue
                tally["total"] += 1
                line = reports.get(resource.id)
                status = line.status if line is not None else "not_checked"
                bucket = "not_checked" if status == tv.ERROR else status
                tally[bucket] += 1
                if status == tv.INVALID:
                    invalid.append({
                        "resource_id": resource.id, "resource_name": resource.name or "",
                        "dataset_name": package.name, "dataset_title": package.title or package.name,
                        "organization": by_id[package.owner_org].name,
                        "organization_title": by_id[package.owner_org].title,
                        "schema_title": titles.get(line.schema_name or "", line.schema_name),
                        "schema_version": line.schema_version, "error_count": line.error_count,
                        "truncated": line.truncated, "checked_at": _iso(line.checked_at)})
    invalid.sort(key=lambda item: (-item["error_count"], item["dataset_title"]))
    totals = dict.fromkeys(BUCKETS + ("total", "no_schema"), 0)
    for tally in counts.values():
        for key, value in tally.items():
            totals[key] += value
    return {
        "organizations": [dict(counts[org.id], id=org.id, name=org.name,
                               title=org.title or org.name) for org in organizations],
        "totals": totals, "invalid_count": len(invalid),
        "invalid": invalid[:limit] if limit else invalid,
    }


def get_actions() -> dict[str, Any]:
    return {"amp_validation_show": amp_validation_show, "amp_validation_run": amp_validation_run,
            "amp_validation_summary": amp_validation_summary}

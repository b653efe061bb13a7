"""amp_access actions: the data of restricted records withheld on every
channel (chained CKAN actions), the access check, and grants.

The rules are :mod:`ckanext.amp.common.diffusion`'s; who the caller is comes
from :mod:`ckanext.amp.access.permissions`.
"""
from __future__ import annotations

import datetime as dt
import logging
from typing import Any, Callable, Optional

from ckan import model
from ckan.plugins import toolkit

from ckanext.amp.access import permissions as perms
from ckanext.amp.access.model import AccessLog, Grant, as_dict
from ckanext.amp.access.logic import schema as access_schema
from ckanext.amp.common import diffusion

log = logging.getLogger(__name__)

Action = Callable[..., Any]

#: Index fields a caller may not ask for with ``fl``: the stored dataset
#: dicts and the data addresses (a search would return them whole).
HIDDEN_FIELDS = frozenset({"data_dict", "validated_data_dict", *diffusion.INDEX_DATA_FIELDS})


def _facts(context: dict[str, Any]) -> perms.UserFacts:
    return perms.facts_for(perms.context_user(context))


def _may_edit(context: dict[str, Any], dataset_id: str) -> bool:
    """Whoever may edit a dataset sees its data (an editor's package_show is
    read back and saved by CKAN's resource actions: it must stay whole)."""
    user = context.get("user")
    if not user:
        return False
    ask: dict[str, Any] = {"user": user}
    user_obj = context.get("auth_user_obj")
    if isinstance(user_obj, model.User) and user in (user_obj.name, user_obj.id):
        ask["auth_user_obj"] = user_obj  # else check_access reads the user again
        facts = _facts(context)
        if facts.user_id == user_obj.id and not perms.could_edit(
                facts, model.Package.get(dataset_id)):
            return False  # what CKAN would answer, without its 3 queries
    try:
        return bool(toolkit.check_access("package_update", ask, {"id": dataset_id}))
    except (toolkit.NotAuthorized, toolkit.ObjectNotFound):
        return False


def redact_for(context: dict[str, Any], dataset: dict[str, Any],
               facts: Optional[perms.UserFacts] = None) -> dict[str, Any]:
    """Withhold the data of ``dataset`` unless the caller may have it."""
    if perms.is_internal_call(context):
        return dataset
    facts = facts or _facts(context)
    if facts.sysadmin:
        return dataset
    if not perms.access(facts, dataset).data and not _may_edit(context, str(dataset.get("id"))):
        diffusion.withhold_data(dataset)
    return dataset


def _visible_dicts(context: dict[str, Any], datasets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Datasets the caller may see, their data withheld where needed."""
    if perms.is_internal_call(context):
        return datasets
    facts = _facts(context)
    if facts.sysadmin:
        return datasets
    perms.prefetch_conventions(d.get("convention") for d in datasets)
    kept = []
    for dataset in datasets:
        found = perms.access(facts, dataset)
        if not found.record:
            continue
        if not found.data and not _may_edit(context, str(dataset.get("id"))):
            diffusion.withhold_data(dataset)
        kept.append(dataset)
    return kept


# -- chained CKAN actions ---------------------------------------------------------

@toolkit.chained_action
@toolkit.side_effect_free
def package_search(up_func: Action, context: dict[str, Any], data_dict: dict[str, Any]):
    """CKAN's search, with the data of restricted records withheld from who
    may not have it, and the stored dataset dicts and data addresses never
    returned through ``fl`` (except to sysadmins)."""
    facts = None if perms.is_internal_call(context) else _facts(context)
    if facts is not None and not facts.sysadmin and data_dict.get("fl"):
        wanted = data_dict["fl"]
        fields = wanted.split() if isinstance(wanted, str) else list(wanted)
        kept = [name for name in (f.strip(",") for f in fields)
                if name and name not in HIDDEN_FIELDS and not name.startswith("res_extras_")]
        data_dict = dict(data_dict, fl=" ".join(kept) or "id")
    result = up_func(context, data_dict)
    if facts is None or facts.sysadmin:
        return result
    results = [item for item in result.get("results") or [] if isinstance(item, dict)]
    perms.prefetch_conventions(item.get("convention") for item in results)
    withheld = [item for item in results
                if "resources" in item and not perms.access(facts, item).data]
    # Who may edit them is asked of each: their datasets read in one query
    # (and kept referenced, so the session's identity map serves them).
    loaded = perms.packages(item.get("id") for item in withheld) if context.get("user") else []
    for item in withheld:
        if not _may_edit(context, str(item.get("id"))):
            diffusion.withhold_data(item)
    del loaded
    return result


@toolkit.chained_action
@toolkit.side_effect_free
def package_show(up_func: Action, context: dict[str, Any], data_dict: dict[str, Any]):
    """CKAN's, but a record the caller may not see is "not found" (404), as
    if it did not exist, rather than "not authorised" (403), which would say
    that it does. (The data of a record one may see is withheld by
    ``after_dataset_show``.)"""
    try:
        return up_func(context, data_dict)
    except toolkit.NotAuthorized:
        raise toolkit.ObjectNotFound(toolkit._("Dataset not found")) from None


@toolkit.chained_action
@toolkit.side_effect_free
def current_package_list_with_resources(up_func: Action, context: dict[str, Any],
                                        data_dict: dict[str, Any]):
    """CKAN's list (it calls the search function directly, not the action):
    records the caller may not see dropped, data withheld."""
    return _visible_dicts(context, list(up_func(context, data_dict)))


@toolkit.chained_action
@toolkit.side_effect_free
def package_list(up_func: Action, context: dict[str, Any], data_dict: dict[str, Any]):
    """CKAN lists every non-private dataset: without those whose record the
    caller may not see (internal datasets not marked private, conventions
    that ended...)."""
    names = up_func(context, data_dict)
    if perms.is_internal_call(context):
        return names
    facts = _facts(context)
    if facts.sysadmin or not names:
        return names
    hidden = perms.hidden_names(facts, names)
    return [name for name in names if name not in hidden]


@toolkit.chained_action
@toolkit.side_effect_free
def resource_search(up_func: Action, context: dict[str, Any], data_dict: dict[str, Any]):
    """CKAN's resource search covers every non-private dataset: only the
    resources whose data the caller may have (counted after filtering, so
    that a query on an address says nothing of withheld resources)."""
    if perms.is_internal_call(context) or _facts(context).sysadmin:
        return up_func(context, data_dict)
    offset = int(data_dict.get("offset") or 0)
    limit = data_dict.get("limit")
    everything = up_func(context, {**data_dict, "offset": 0, "limit": None})
    facts = _facts(context)
    datasets = perms.datasets_by_id(r.get("package_id") for r in everything["results"])
    perms.prefetch_conventions(d.get("convention") for d in datasets.values())
    allowed = {dataset_id for dataset_id, dataset in datasets.items()
               if perms.access(facts, dataset).data}
    results = [r for r in everything["results"] if r.get("package_id") in allowed]
    end = None if limit in (None, "") else offset + int(limit)
    return {"count": len(results), "results": results[offset:end]}


@toolkit.chained_action
@toolkit.side_effect_free
def resource_view_list(up_func: Action, context: dict[str, Any], data_dict: dict[str, Any]):
    """CKAN's dataset page asks each resource's views (``for_view``) without
    catching a refusal: a resource whose data is withheld has none there
    (the API still answers 403)."""
    try:
        return up_func(context, data_dict)
    except toolkit.NotAuthorized:
        if context.get("for_view"):
            return []
        raise


@toolkit.chained_action
def bulk_update_public(up_func: Action, context: dict[str, Any], data_dict: dict[str, Any]):
    """An organisation's "make public" bulk action bypasses validation:
    refused for datasets whose level does not let everyone see them."""
    ids = data_dict.get("datasets") or []
    datasets = perms.datasets_by_id(ids)
    refused = sorted(
        model.Package.get(dataset_id).name for dataset_id, dataset in datasets.items()
        if not diffusion.listed_in_catalogue({**dataset, "private": False},
                                             perms.standing(dataset.get("convention"))))
    if refused:
        raise toolkit.ValidationError({"datasets": [toolkit._(
            "These datasets cannot be made public, their diffusion level does not allow "
            "it: {names}").format(names=", ".join(refused))]})
    return up_func(context, data_dict)


def _activity_dataset_id(activity: dict[str, Any]) -> Optional[str]:
    package = (activity.get("data") or {}).get("package")
    if isinstance(package, dict) and package.get("id"):
        return str(package["id"])
    if str(activity.get("activity_type") or "").endswith("package"):
        return activity.get("object_id")
    return None


def _filter_activities(context: dict[str, Any], activities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Activities hold whole dataset snapshots: those of datasets whose
    record the caller may not see (now) are dropped, the data of the others
    withheld where the caller may not have it."""
    if perms.is_internal_call(context):
        return activities
    facts = _facts(context)
    if facts.sysadmin:
        return activities
    datasets = perms.datasets_by_id(filter(None, map(_activity_dataset_id, activities)))
    perms.prefetch_conventions(d.get("convention") for d in datasets.values())
    kept = []
    for activity in activities:
        dataset_id = _activity_dataset_id(activity)
        if dataset_id is None:
            kept.append(activity)
            continue
        dataset = datasets.get(dataset_id)
        found = perms.access(facts, dataset) if dataset else perms.Access(False, False)
        if not found.record:
            continue
        package = (activity.get("data") or {}).get("package")
        if not found.data and isinstance(package, dict) and not _may_edit(context, dataset_id):
            diffusion.withhold_data(package)
        kept.append(activity)
    return kept


def _activity_list(name: str) -> Action:
    @toolkit.chained_action
    @toolkit.side_effect_free
    def action(up_func: Action, context: dict[str, Any], data_dict: dict[str, Any]):
        return _filter_activities(context, list(up_func(context, data_dict)))
    action.__name__ = name
    action.__doc__ = f"CKAN's ``{name}``, through the diffusion rules (datasets' snapshots)."
    return action


def _activity_one(name: str) -> Action:
    @toolkit.chained_action
    @toolkit.side_effect_free
    def action(up_func: Action, context: dict[str, Any], data_dict: dict[str, Any]):
        result = up_func(context, data_dict)
        if name == "activity_diff":
            activities = result.get("activities") or []
            if len(_filter_activities(context, [dict(a) for a in activities])) < len(activities):
                raise toolkit.NotAuthorized(toolkit._("Not authorised to see this activity"))
            for activity in activities:
                _filter_activities(context, [activity])
            return result
        wrapped = result if name == "activity_show" else {"data": result,
                                                           "activity_type": "changed package"}
        if name == "activity_data_show" and isinstance(result, dict) and "package" not in result:
            wrapped = {"data": {"package": result}, "activity_type": "changed package"}
        if not _filter_activities(context, [wrapped]):
            raise toolkit.NotAuthorized(toolkit._("Not authorised to see this activity"))
        return result
    action.__name__ = name
    action.__doc__ = f"CKAN's ``{name}``, through the diffusion rules (datasets' snapshots)."
    return action


ACTIVITY_LISTS = ("package_activity_list", "group_activity_list", "organization_activity_list",
                  "recently_changed_packages_activity_list", "dashboard_activity_list",
                  "user_activity_list")
ACTIVITY_ONES = ("activity_show", "activity_data_show", "activity_diff")


# -- our actions ------------------------------------------------------------------

@toolkit.side_effect_free
def amp_access_check(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    """What the caller may have of a dataset.

    :param id: the id or name of the dataset
    :type id: string
    :returns: ``{"record": bool, "data": bool, "basis": str | None,
        "grant_id": str | None}`` — ``basis`` says what gives the data:
        ``everyone``, ``owner``, ``party``, ``grant`` or ``sysadmin``.
    :rtype: dictionary
    """
    toolkit.check_access("amp_access_check", context, data_dict)
    package = model.Package.get(str(toolkit.get_or_bust(data_dict, "id")))
    if package is None:
        raise toolkit.ObjectNotFound(toolkit._("Dataset not found"))
    found = perms.access(_facts(context), perms.dataset_facts(package))
    if not found.record:
        raise toolkit.ObjectNotFound(toolkit._("Dataset not found"))
    return found.as_dict()


def amp_grant_create(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    """Give a user the data of a restricted dataset for a period.

    Only an admin of the dataset's organisation (or a sysadmin) grants. A
    grant under a convention never ends after the convention's end.

    :param dataset_id: the id or name of the restricted dataset
    :type dataset_id: string
    :param user_id: the id or name of the user who gets the data
    :type user_id: string
    :param signatory: who signed the undertaking (name, capacity)
    :type signatory: string
    :param purpose: what the data is for
    :type purpose: string
    :param starts: first day (ISO 8601 date; default today)
    :type starts: string
    :param ends: last day (ISO 8601 date)
    :type ends: string
    :param request_id: the access request it answers (optional)
    :type request_id: string
    :param undertaking_version: version of the signed undertaking (optional)
    :type undertaking_version: string
    :param undertaking_sha256: hash of its text (optional)
    :type undertaking_sha256: string
    :returns: the grant
    :rtype: dictionary
    """
    toolkit.check_access("amp_grant_create", context, data_dict)
    data, errors = toolkit.navl_validate(data_dict, access_schema.grant_create_schema(), context)
    if errors:
        raise toolkit.ValidationError(errors)
    grant = Grant(
        dataset_id=data["dataset_id"], user_id=data["user_id"], convention=data.get("convention"),
        request_id=data.get("request_id"), signatory=data["signatory"], purpose=data["purpose"],
        undertaking_version=data.get("undertaking_version"),
        undertaking_sha256=data.get("undertaking_sha256"),
        starts=data["starts"], ends=data["ends"], created_by=_user_id(context))
    model.Session.add(grant)
    model.Session.flush()
    record(context, "grant", dataset_id=grant.dataset_id, grant_id=grant.id,
           detail={"user_id": grant.user_id, "starts": grant.starts.isoformat(),
                   "ends": grant.ends.isoformat()})
    if not context.get("defer_commit"):
        model.repo.commit()
    perms.forget()
    return as_dict(grant)


@toolkit.side_effect_free
def amp_grant_list(context: dict[str, Any], data_dict: dict[str, Any]) -> list[dict[str, Any]]:
    """Grants, newest first: of a dataset (its organisation's admins), of a
    user (that user), or under a convention (sysadmins, and the amp_conventions
    daily check).

    :param dataset_id: the id or name of a dataset (optional)
    :type dataset_id: string
    :param user_id: the id or name of a user (optional)
    :type user_id: string
    :param convention: a convention's reference (optional)
    :type convention: string
    :param live: only grants live today (optional, default false)
    :type live: bool
    :rtype: list of dictionaries (each with ``live``)
    """
    toolkit.check_access("amp_grant_list", context, data_dict)
    query = model.Session.query(Grant)
    if data_dict.get("dataset_id"):
        package = model.Package.get(str(data_dict["dataset_id"]))
        query = query.filter(Grant.dataset_id == (package.id if package else ""))
    if data_dict.get("user_id"):
        user = model.User.get(str(data_dict["user_id"]))
        query = query.filter(Grant.user_id == (user.id if user else ""))
    if data_dict.get("convention"):
        query = query.filter(Grant.convention == str(data_dict["convention"]).strip())
    rows = query.order_by(Grant.created.desc()).all()
    statuses = perms.convention_statuses({row.convention for row in rows if row.convention})
    today = perms.today()
    result = []
    for row in rows:
        live = row.live_on(today)
        if live and row.convention:
            status = statuses.get(row.convention) or {}
            live = diffusion.Standing.of(status.get("state")) is diffusion.Standing.IN_FORCE
        if toolkit.asbool(data_dict.get("live")) and not live:
            continue
        result.append({**as_dict(row), "live": live})
    return result


def amp_grant_revoke(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    """End a grant now (access stops at once).

    :param id: the grant's id
    :type id: string
    :param reason: why (kept with the grant and in the audit log)
    :type reason: string
    :returns: the grant
    :rtype: dictionary
    """
    toolkit.check_access("amp_grant_revoke", context, data_dict)
    grant = model.Session.query(Grant).get(str(toolkit.get_or_bust(data_dict, "id")))
    if grant is None:
        raise toolkit.ObjectNotFound(toolkit._("Grant not found"))
    reason = str(data_dict.get("reason") or "").strip()
    if not reason:
        raise toolkit.ValidationError({"reason": [toolkit._("Say why the grant is revoked")]})
    if grant.revoked_at is not None:
        raise toolkit.ValidationError({"id": [toolkit._("This grant is already revoked")]})
    grant.revoked_at = dt.datetime.now(dt.timezone.utc)
    grant.revoked_by = _user_id(context)
    grant.revoke_reason = reason
    record(context, "revocation", dataset_id=grant.dataset_id, grant_id=grant.id,
           detail={"reason": reason})
    model.repo.commit()
    perms.forget()
    return as_dict(grant)


# -- audit log ----------------------------------------------------------------------

def _user_id(context: dict[str, Any]) -> Optional[str]:
    user = perms.context_user(context)
    user_obj = perms._user_object(user)
    return user_obj.id if user_obj is not None else None


def record(context: dict[str, Any], kind: str, *, dataset_id: Optional[str] = None,
           resource_id: Optional[str] = None, grant_id: Optional[str] = None,
           basis: Optional[str] = None, detail: Optional[dict[str, Any]] = None,
           user_id: Optional[str] = None) -> AccessLog:
    """Append one line to the audit log (in the caller's transaction)."""
    package = model.Package.get(dataset_id) if dataset_id else None
    line = AccessLog(kind=kind, user_id=user_id or _user_id(context),
                     dataset_id=package.id if package else dataset_id,
                     owner_org=package.owner_org if package else None,
                     resource_id=resource_id, grant_id=grant_id, basis=basis,
                     detail=detail or {})
    model.Session.add(line)
    return line


def get_actions() -> dict[str, Action]:
    actions: dict[str, Action] = {
        "package_search": package_search,
        "package_show": package_show,
        "current_package_list_with_resources": current_package_list_with_resources,
        "package_list": package_list,
        "resource_search": resource_search,
        "resource_view_list": resource_view_list,
        "bulk_update_public": bulk_update_public,
        "amp_access_check": amp_access_check,
        "amp_grant_create": amp_grant_create,
        "amp_grant_list": amp_grant_list,
        "amp_grant_revoke": amp_grant_revoke,
    }
    from ckan.plugins import plugin_loaded

    if plugin_loaded("activity"):
        actions.update({name: _activity_list(name) for name in ACTIVITY_LISTS})
        actions.update({name: _activity_one(name) for name in ACTIVITY_ONES})
    return actions

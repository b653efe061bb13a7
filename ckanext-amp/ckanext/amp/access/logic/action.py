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

import sqlalchemy as sa

from ckanext.amp.access import notify, permissions as perms
from ckanext.amp.access.model import AccessLog, AccessRequest, Grant, UndertakingText, as_dict
from ckanext.amp.access.logic import auth as auth_functions, schema as access_schema
from ckanext.amp.access.undertaking import keep_text, undertaking_for
from ckanext.amp.common import access_requests as rules, diffusion, sql_names
from ckanext.amp.common.validation import InvalidValue

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
def resource_view_list(up_func: Action, context: dict[str, Any], data_dict: dict[str, Any]):
    """The API says 403 for views of withheld data; a dataset's page (which
    asks for every resource's views while it is drawn) gets no view."""
    try:
        return up_func(context, data_dict)
    except toolkit.NotAuthorized:
        if context.get("for_view"):
            return []
        raise


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
        if live and row.convention and perms.conventions_recorded():
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


# -- access requests and decisions ----------------------------------------------------

def _lang() -> str:
    return "en" if str(toolkit.h.lang() or "").startswith("en") else "fr"


def _translated(error: InvalidValue) -> str:
    return error.translate(toolkit._)


def _field_errors(errors: list[rules.FieldError]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for error in errors:
        found.setdefault(error.field, []).append(_translated(error))
    return found


def _caller(context: dict[str, Any]) -> Optional[model.User]:
    return perms._user_object(perms.context_user(context))


def _visible_package(facts: perms.UserFacts, dataset_id: Any) -> model.Package:
    """The dataset, if the caller may see its record (else "not found", as
    if it did not exist)."""
    package = model.Package.get(str(dataset_id or "").strip()) if dataset_id else None
    if package is None or package.state == "deleted" or not perms.access(
            facts, perms.dataset_facts(package)).record:
        raise toolkit.ObjectNotFound(toolkit._("Dataset not found"))
    return package


def _convention_end(reference: Optional[str]) -> Optional[dt.date]:
    """The computed end of a convention (None: no convention, no end known)."""
    if not reference:
        return None
    end = (perms.convention_statuses([reference]).get(reference) or {}).get("end_date")
    return dt.date.fromisoformat(end) if end else None


def request_or_404(request_id: Any) -> AccessRequest:
    row = model.Session.get(AccessRequest, str(request_id or "").strip()) if request_id else None
    if row is None:
        raise toolkit.ObjectNotFound(toolkit._("Access request not found"))
    return row


def _names(rows: list[AccessRequest]) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """Users, datasets and organisations of requests, in three queries."""
    user_ids = {r.user_id for r in rows} | {r.decided_by for r in rows if r.decided_by}
    dataset_ids = {r.dataset_id for r in rows} | {i for r in rows for i in (r.dataset_ids or [])}
    users = {u.id: u for u in model.Session.query(model.User).filter(
        model.User.id.in_(user_ids))} if user_ids else {}
    packages = {p.id: p for p in model.Session.query(model.Package).filter(
        model.Package.id.in_(dataset_ids))} if dataset_ids else {}
    org_ids = {r.owner_org for r in rows}
    groups = {g.id: g for g in model.Session.query(model.Group).filter(
        model.Group.id.in_(org_ids))} if org_ids else {}
    return users, packages, groups


def _request_dicts(rows: list[AccessRequest], *, with_grants: bool = False) -> list[dict[str, Any]]:
    users, packages, groups = _names(rows)
    grants: dict[str, list[dict[str, Any]]] = {}
    if with_grants and rows:
        found = model.Session.query(Grant).filter(
            Grant.request_id.in_([r.id for r in rows])).order_by(Grant.created).all()
        for grant in _grant_dicts(found):
            grants.setdefault(grant["request_id"], []).append(grant)
    result = []
    for row in rows:
        user, package, group = users.get(row.user_id), packages.get(row.dataset_id), \
            groups.get(row.owner_org)
        decider = users.get(row.decided_by) if row.decided_by else None
        item = {
            **as_dict(row),
            "user_name": user.name if user else None,
            "user_display_name": user.display_name if user else None,
            "dataset_name": package.name if package else None,
            "dataset_title": (package.title or package.name) if package else None,
            "owner_org_name": group.name if group else None,
            "owner_org_title": (group.title or group.name) if group else None,
            "decided_by_name": decider.display_name if decider else None,
        }
        if with_grants:
            item["grants"] = grants.get(row.id, [])
            for grant in item["grants"]:
                granted = packages.get(grant["dataset_id"])
                grant["dataset_name"] = granted.name if granted else None
                grant["dataset_title"] = (granted.title or granted.name) if granted else None
        result.append(item)
    return result


def _grant_dicts(rows: list[Grant]) -> list[dict[str, Any]]:
    """Grants with their state (``live``, ``future``, ``expired``,
    ``revoked``, ``suspended``) and ``live``."""
    # Without conventions recorded on the portal, the dates decide (as for
    # the user's labels, permissions.live_grants).
    recorded = perms.conventions_recorded()
    statuses = perms.convention_statuses(
        {row.convention for row in rows if row.convention}) if recorded else {}
    today = perms.today()
    result = []
    for row in rows:
        in_force = None
        if row.convention and recorded:
            state = (statuses.get(row.convention) or {}).get("state")
            in_force = diffusion.Standing.of(state) is diffusion.Standing.IN_FORCE
        grant = as_dict(row)
        grant["state"] = rules.grant_state(grant, today, in_force)
        grant["live"] = grant["state"] == "live"
        result.append(grant)
    return result


def requestable(context: dict[str, Any], dataset_id: Any) -> model.Package:
    """The dataset, if the caller may ask for its data: they see its record
    (else "not found"), it is restricted, they do not have its data yet and
    have no request for it waiting for a decision (else a French 409)."""
    facts = _facts(context)
    package = _visible_package(facts, dataset_id)
    dataset = perms.dataset_facts(package)
    level = diffusion.level_of(dataset)
    if level.code == "public":
        raise toolkit.ValidationError({"dataset_id": [toolkit._(
            "This dataset is public: its data is open to everyone, no request is needed")]})
    if level.code != "restricted":
        raise toolkit.ValidationError({"dataset_id": [toolkit._(
            "The data of a dataset of level {diffusion} is never given outside its "
            "organisation: no access request is possible").format(diffusion=level.name(_lang()))]})
    if perms.access(facts, dataset).data:
        raise toolkit.ValidationError({"dataset_id": [toolkit._(
            "You already have access to the data of this dataset")]})
    pending = model.Session.query(AccessRequest).filter(
        AccessRequest.user_id == facts.user_id, AccessRequest.dataset_id == package.id,
        AccessRequest.status == "pending").first()
    if pending is not None:
        raise toolkit.ValidationError({"dataset_id": [toolkit._(
            "You already asked for access to this dataset on {date}: your request is waiting "
            "for a decision").format(date=pending.created.date().isoformat())]})
    return package


def amp_access_request_create(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    """Ask for the data of a restricted dataset (registered users only).

    The request keeps the version of the undertaking the requester accepted,
    the SHA-256 of its text and the time of acceptance; the producer's
    admins are told by e-mail.

    :param dataset_id: the id or name of the restricted dataset
    :type dataset_id: string
    :param organization: the requester's organisation
    :type organization: string
    :param purpose: what the data is for (a sentence at least)
    :type purpose: string
    :param intended_diffusion: ``internal``, ``results`` or ``third_parties``
        (see ``common/access_requests.INTENDED_DIFFUSIONS``)
    :type intended_diffusion: string
    :param period_start: first day asked for (ISO 8601 date; default today)
    :type period_start: string
    :param period_end: last day asked for (ISO 8601 date), never after the
        end of the dataset's convention
    :type period_end: string
    :param signatory: who signs the undertaking, name and capacity
        (optional; default the requester's name)
    :type signatory: string
    :param undertaking_accepted: the undertaking is accepted
    :type undertaking_accepted: bool
    :param undertaking_version: the version of the undertaking accepted
        (the current one, see the request form)
    :type undertaking_version: string
    :param undertaking_sha256: the SHA-256 of its text (optional)
    :type undertaking_sha256: string
    :returns: the request, with ``notified`` (names of the admins the
        e-mail reached)
    :rtype: dictionary
    """
    toolkit.check_access("amp_access_request_create", context, data_dict)
    user = _caller(context)
    assert user is not None  # the auth function refuses anonymous callers
    package = requestable(context, data_dict.get("dataset_id") or data_dict.get("id"))
    dataset = perms.dataset_facts(package)
    data, errors = toolkit.navl_validate(
        {**data_dict, "dataset_id": package.id}, access_schema.request_create_schema(), context)
    if errors:
        raise toolkit.ValidationError(errors)
    current = undertaking_for(package)
    reference = str(dataset.get("convention") or "").strip() or None
    problems = []
    try:
        rules.check_period(data["period_start"], data["period_end"], today=perms.today(),
                           convention_end=_convention_end(reference), reference=reference)
    except rules.FieldError as error:
        problems.append(error)
    try:
        rules.check_undertaking(current, data["undertaking_accepted"],
                                data.get("undertaking_version"), data.get("undertaking_sha256"))
    except rules.FieldError as error:
        problems.append(error)
    if problems:
        raise toolkit.ValidationError(_field_errors(problems))
    row = AccessRequest(
        user_id=user.id, dataset_id=package.id, dataset_ids=[package.id],
        owner_org=package.owner_org, convention=reference, organization=data["organization"],
        purpose=data["purpose"], intended_diffusion=data["intended_diffusion"],
        period_start=data["period_start"], period_end=data["period_end"],
        signatory=data.get("signatory") or user.display_name,
        undertaking_version=current.version, undertaking_sha256=current.sha256,
        undertaking_source=current.source,
        undertaking_accepted_at=dt.datetime.now(dt.timezone.utc))
    keep_text(current)
    model.Session.add(row)
    model.Session.flush()
    record(context, "request", dataset_id=package.id, detail={"request_id": row.id})
    model.repo.commit()
    notified = notify.tell_admins_of_request(row)
    return {**_request_dicts([row])[0], "notified": notified}


@toolkit.side_effect_free
def amp_access_request_show(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    """One access request: for its requester, the admins of the producer
    and sysadmins.

    :param id: the request's id
    :type id: string
    :returns: the request, with its ``grants`` and ``undertaking``
        (``{version, sha256, source, reference, text}``: the text accepted)
    :rtype: dictionary
    """
    row = request_or_404(data_dict.get("id"))
    toolkit.check_access("amp_access_request_show", context, {"id": row.id})
    shown = _request_dicts([row], with_grants=True)[0]
    text = model.Session.get(UndertakingText, row.undertaking_sha256)
    shown["undertaking"] = {
        "version": row.undertaking_version, "sha256": row.undertaking_sha256,
        "source": row.undertaking_source, "accepted_at": shown["undertaking_accepted_at"],
        "reference": text.reference if text else None, "text": text.text if text else None}
    return shown


@toolkit.side_effect_free
def amp_access_request_list(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    """Access requests, newest first (with ``to_decide``: oldest first).

    Without ``user_id``, ``organization_id`` nor ``to_decide``: the caller's
    own requests.

    :param user_id: a requester's id or name: that user's (the user, sysadmins)
    :type user_id: string
    :param organization_id: a producer's id or name: requests for its
        datasets (its admins, sysadmins)
    :type organization_id: string
    :param to_decide: the requests of every organisation the caller is an
        admin of (all of them for sysadmins)
    :type to_decide: bool
    :param dataset_id: only those for this dataset (optional)
    :type dataset_id: string
    :param status: ``pending``, ``granted``, ``refused`` or ``withdrawn`` (optional)
    :type status: string
    :param limit: at most this many (default 100, at most 1000)
    :type limit: int
    :param offset: skip this many (default 0)
    :type offset: int
    :returns: ``{"count": int, "results": [request, ...]}``
    :rtype: dictionary
    """
    data, errors = toolkit.navl_validate(data_dict, access_schema.request_list_schema(), context)
    if errors:
        raise toolkit.ValidationError(errors)
    toolkit.check_access("amp_access_request_list", context, data)
    caller = _caller(context)
    query = model.Session.query(AccessRequest)
    if data.get("user_id"):
        asked = model.User.get(data["user_id"])
        query = query.filter(AccessRequest.user_id == (asked.id if asked else ""))
    if data.get("organization_id"):
        group = model.Group.get(data["organization_id"])
        if group is None:
            raise toolkit.ObjectNotFound(toolkit._("Organisation not found"))
        query = query.filter(AccessRequest.owner_org == group.id)
    if data.get("to_decide") and not (caller is not None and caller.sysadmin):
        query = query.filter(AccessRequest.owner_org.in_(admin_org_ids(caller)))
    if not (data.get("user_id") or data.get("organization_id") or data.get("to_decide")):
        query = query.filter(AccessRequest.user_id == (caller.id if caller else ""))
    if data.get("dataset_id"):
        package = model.Package.get(data["dataset_id"])
        query = query.filter(AccessRequest.dataset_id == (package.id if package else ""))
    if data.get("status"):
        query = query.filter(AccessRequest.status == data["status"])
    count = query.count()
    order = AccessRequest.created.asc() if data.get("to_decide") else AccessRequest.created.desc()
    rows = query.order_by(order, AccessRequest.id).offset(data["offset"]).limit(data["limit"]).all()
    return {"count": count, "results": _request_dicts(rows, with_grants=True)}


def admin_org_ids(user: Optional[model.User]) -> list[str]:
    """Organisations of which ``user`` is an admin."""
    if user is None:
        return []
    return [row[0] for row in model.Session.query(model.Member.group_id)
            .join(model.Group, model.Group.id == model.Member.group_id)
            .filter(model.Member.table_name == "user", model.Member.table_id == user.id,
                    model.Member.capacity == "admin", model.Member.state == "active",
                    model.Group.state == "active", model.Group.is_organization.is_(True))]


def amp_access_request_decide(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    """Grant or refuse an access request (an admin of the producer, or a
    sysadmin). A grant creates one grant per dataset through
    ``amp_grant_create``, all or nothing: when one fails, nothing is written
    and the request stays pending. The requester is told by e-mail.

    :param id: the request's id
    :type id: string
    :param decision: ``grant`` or ``refuse``
    :type decision: string
    :param reason: why (required for a refusal; a note for a grant)
    :type reason: string
    :param dataset_ids: the datasets the grant covers, all of the request's
        producer (optional; default the dataset asked for)
    :type dataset_ids: list of strings
    :param starts: first day of the grant (optional; default the request's)
    :type starts: string
    :param ends: last day (optional; default the request's), never after
        the end of the dataset's convention
    :type ends: string
    :param signatory: who signed the undertaking (optional; default the request's)
    :type signatory: string
    :param purpose: what the data is for (optional; default the request's)
    :type purpose: string
    :returns: the request, with its ``grants`` and ``notified`` (who the
        e-mail reached)
    :rtype: dictionary
    """
    row = request_or_404(data_dict.get("id"))
    toolkit.check_access("amp_access_request_decide", context, {"id": row.id})
    try:
        decision, reason = rules.check_decision(data_dict.get("decision"), data_dict.get("reason"))
    except rules.FieldError as error:
        raise toolkit.ValidationError(_field_errors([error])) from None
    data, errors = toolkit.navl_validate({**data_dict, "id": row.id},
                                         access_schema.request_decide_schema(), context)
    if errors:
        raise toolkit.ValidationError(errors)
    # One decision per request, even when two admins answer at once.
    row = model.Session.query(AccessRequest).filter(
        AccessRequest.id == row.id).populate_existing().with_for_update().one()
    if row.status != "pending":
        model.Session.rollback()
        raise toolkit.ValidationError({"id": [toolkit._(
            "This request was already decided on {date}: {status}").format(
                date=row.decided_at.date().isoformat() if row.decided_at else "?",
                status=rules.STATUSES[row.status][_lang()].lower())]})
    grants: list[dict[str, Any]] = []
    if decision == "grant":
        grants = _grant_request(context, row, data)
        row.dataset_ids = [grant["dataset_id"] for grant in grants]
    decider = _caller(context)
    row.status = rules.DECISIONS[decision]
    row.decided_at = dt.datetime.now(dt.timezone.utc)
    row.decided_by = decider.id if decider else None
    row.decision_reason = reason or None
    record(context, "decision", dataset_id=row.dataset_id,
           detail={"request_id": row.id, "decision": decision,
                   "grant_ids": [grant["id"] for grant in grants]})
    model.repo.commit()
    perms.forget()
    notified = notify.tell_requester(row, grants)
    return {**_request_dicts([row], with_grants=True)[0], "notified": notified}


def _grant_request(context: dict[str, Any], row: AccessRequest,
                   data: dict[str, Any]) -> list[dict[str, Any]]:
    """The grants of a favourable decision, in the caller's transaction
    (rolled back, and the errors raised, when one cannot be created)."""
    ids = data.get("dataset_ids") or list(row.dataset_ids or []) or [row.dataset_id]
    errors: dict[str, list[str]] = {}
    packages = []
    for dataset_id in ids:
        package = model.Package.get(dataset_id)
        if package is None or package.owner_org != row.owner_org:
            errors.setdefault("dataset_ids", []).append(toolkit._(
                "The dataset {name} is not one of the producer's: a grant covers datasets of "
                "the organisation asked only").format(name=package.name if package else dataset_id))
        else:
            packages.append(package)
    if errors:
        model.Session.rollback()
        raise toolkit.ValidationError(errors)
    create = toolkit.get_action("amp_grant_create")
    grants = []
    for package in packages:
        try:
            grants.append(create(
                {"user": context.get("user"), "auth_user_obj": context.get("auth_user_obj"),
                 "defer_commit": True},
                {"dataset_id": package.id, "user_id": row.user_id,
                 "signatory": data.get("signatory") or row.signatory or row.organization,
                 "purpose": data.get("purpose") or row.purpose,
                 "starts": (data.get("starts") or row.period_start).isoformat(),
                 "ends": (data.get("ends") or row.period_end).isoformat(),
                 "request_id": row.id, "undertaking_version": row.undertaking_version,
                 "undertaking_sha256": row.undertaking_sha256}))
        except (toolkit.ValidationError, toolkit.NotAuthorized) as error:
            model.Session.rollback()
            if isinstance(error, toolkit.NotAuthorized) or len(packages) == 1:
                raise
            raise toolkit.ValidationError({
                key: [f"{package.title or package.name} : {message}" for message in messages]
                for key, messages in error.error_dict.items()}) from None
    return grants


# -- reminders ------------------------------------------------------------------------

REMINDER_OPTION = "ckanext.amp.access.reminder_days"


def reminder_delay() -> dt.timedelta:
    return dt.timedelta(days=max(1, int(toolkit.config.get(REMINDER_OPTION) or 7)))


def remind_pending(now: Optional[dt.datetime] = None,
                   delay: Optional[dt.timedelta] = None) -> dict[str, int]:
    """E-mail the admins of each producer the requests left pending longer
    than the delay (``ckanext.amp.access.reminder_days``), at most once per
    delay (``reminded_at``, set only when a mail reached someone).
    Returns ``{"requests": reminded, "organizations": producers}``."""
    now = now or dt.datetime.now(dt.timezone.utc)
    delay = delay or reminder_delay()
    rows = model.Session.query(AccessRequest).filter(
        AccessRequest.status == "pending", AccessRequest.created <= now - delay,
        sa.or_(AccessRequest.reminded_at.is_(None), AccessRequest.reminded_at <= now - delay),
    ).order_by(AccessRequest.owner_org, AccessRequest.created).with_for_update(
        skip_locked=True).all()
    by_org: dict[str, list[AccessRequest]] = {}
    for row in rows:
        if rules.due_for_reminder(row.created, row.reminded_at, now, delay):
            by_org.setdefault(row.owner_org, []).append(row)
    reminded = organizations = 0
    for organization_id, pending in by_org.items():
        if notify.remind_admins(organization_id, pending):
            for row in pending:
                row.reminded_at = now
            reminded += len(pending)
            organizations += 1
    model.repo.commit()
    return {"requests": reminded, "organizations": organizations}


# -- audit log --------------------------------------------------------------------------

def _local_zone() -> dt.tzinfo:
    from zoneinfo import ZoneInfo

    name = str(toolkit.config.get("ckan.display_timezone") or "Europe/Paris")
    try:
        return ZoneInfo("Europe/Paris" if name == "server" else name)
    except Exception:  # an unknown zone name: the portal's
        return ZoneInfo("Europe/Paris")


@toolkit.side_effect_free
def amp_access_log_list(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    """Lines of the audit log of a producer's datasets, newest first (its
    admins and sysadmins): who, what, when, under which grant.

    :param organization_id: the producer's id or name (required but for
        sysadmins)
    :type organization_id: string
    :param dataset_id: only this dataset's lines (optional)
    :type dataset_id: string
    :param kind: only this kind: ``download``, ``datastore``, ``request``,
        ``decision``, ``grant``, ``revocation``, ``attestation`` (optional)
    :type kind: string
    :param since: from this day (ISO 8601 date, the portal's time zone; optional)
    :type since: string
    :param until: to this day included (optional)
    :type until: string
    :param limit: at most this many lines (default 50, at most 1000)
    :type limit: int
    :param offset: skip this many (default 0)
    :type offset: int
    :returns: ``{"count": int, "limit": int, "offset": int, "results":
        [line, ...]}``; each line has the user's and the dataset's names
    :rtype: dictionary
    """
    data, errors = toolkit.navl_validate(data_dict, access_schema.log_list_schema(), context)
    if errors:
        raise toolkit.ValidationError(errors)
    package = None
    if data.get("dataset_id"):
        package = model.Package.get(data["dataset_id"])
        if package is None:
            raise toolkit.ObjectNotFound(toolkit._("Dataset not found"))
    group = None
    if data.get("organization_id"):
        group = model.Group.get(data["organization_id"])
        if group is None or not group.is_organization:
            raise toolkit.ObjectNotFound(toolkit._("Organisation not found"))
    toolkit.check_access("amp_access_log_list", context, {
        "organization_id": group.id if group else (package.owner_org if package else None)})
    query = model.Session.query(AccessLog)
    if group is not None:
        query = query.filter(AccessLog.owner_org == group.id)
    if package is not None:
        query = query.filter(AccessLog.dataset_id == package.id)
    if data.get("kind"):
        query = query.filter(AccessLog.kind == data["kind"])
    zone = _local_zone()
    if data.get("since"):
        query = query.filter(AccessLog.at >= dt.datetime.combine(data["since"], dt.time(), zone))
    if data.get("until"):
        query = query.filter(AccessLog.at < dt.datetime.combine(
            data["until"] + dt.timedelta(days=1), dt.time(), zone))
    count = query.count()
    rows = query.order_by(AccessLog.at.desc(), AccessLog.id.desc()).offset(
        data["offset"]).limit(data["limit"]).all()
    return {"count": count, "limit": data["limit"], "offset": data["offset"],
            "results": _log_dicts(rows)}


def _log_dicts(rows: list[AccessLog]) -> list[dict[str, Any]]:
    user_ids = {r.user_id for r in rows if r.user_id}
    dataset_ids = {r.dataset_id for r in rows if r.dataset_id}
    resource_ids = {r.resource_id for r in rows if r.resource_id}
    users = {u.id: u for u in model.Session.query(model.User).filter(
        model.User.id.in_(user_ids))} if user_ids else {}
    packages = {p.id: p for p in model.Session.query(model.Package).filter(
        model.Package.id.in_(dataset_ids))} if dataset_ids else {}
    resources = {r.id: r for r in model.Session.query(model.Resource).filter(
        model.Resource.id.in_(resource_ids))} if resource_ids else {}
    result = []
    for row in rows:
        user, package = users.get(row.user_id or ""), packages.get(row.dataset_id or "")
        resource = resources.get(row.resource_id or "")
        result.append({
            **as_dict(row),
            "user_name": user.name if user else None,
            "user_display_name": user.display_name if user else None,
            "dataset_name": package.name if package else None,
            "dataset_title": (package.title or package.name) if package else None,
            "resource_name": (resource.name or resource.id) if resource else None,
        })
    return result


# -- datastore reads and attestations --------------------------------------------------

#: The view of the datastore's tables that CKAN lets anyone search.
TABLE_LIST = "_table_metadata"
#: The answer to a query that names a table the caller may not read
#: (CKAN's own words when its plan names one): the same whatever the table.
SQL_REFUSED = "Not authorized to read resource."


def _datastore_aliases(names: list[str]) -> dict[str, str]:
    """Alias (a view of the datastore) -> the resource id it shows, for
    those of ``names`` that are aliases."""
    if not names:
        return {}
    from ckanext.datastore.backend.postgres import get_read_engine

    with get_read_engine().connect() as connection:
        rows = connection.execute(sa.text(
            f'SELECT name, alias_of FROM "{TABLE_LIST}" '
            "WHERE alias_of IS NOT NULL AND name = ANY(:names)"), {"names": names}).fetchall()
    return {row.name: row.alias_of for row in rows}


def _readable_resources(facts: perms.UserFacts, resource_ids: set[str]) -> set[str]:
    """Those of ``resource_ids`` that are resources whose data the caller
    may have (two queries, whatever their number)."""
    if not resource_ids:
        return set()
    rows = model.Session.query(model.Resource.id, model.Resource.package_id).filter(
        model.Resource.id.in_(resource_ids), model.Resource.state == "active").all()
    datasets = perms.datasets_by_id(row.package_id for row in rows)
    perms.prefetch_conventions(d.get("convention") for d in datasets.values())
    return {row.id for row in rows if row.package_id in datasets
            and perms.access(facts, datasets[row.package_id]).data}


def refuse_unreadable_tables(context: dict[str, Any], sql: str) -> None:
    """Before CKAN plans a query: NotAuthorized when its text names the
    datastore table (or an alias of it) of a resource whose data the caller
    may not have, or looks a name up in the catalogue (``::regclass``). A
    query PostgreSQL cannot plan fails before CKAN's access check, and its
    error would tell of that table (its columns, a value, its existence);
    this check comes first, and answers the same whatever the table."""
    facts = _facts(context)
    if facts.sysadmin or perms.is_internal_call(context):
        return
    if sql_names.mentions_oid_alias_type(sql):
        raise toolkit.NotAuthorized(SQL_REFUSED)
    names = sql_names.mentioned_names(sql)
    ids = {name for name in names if sql_names.UUID.fullmatch(name)}
    aliases = _datastore_aliases(sorted(names - ids))
    named = ids | set(aliases.values())
    readable = _readable_resources(facts, named)
    known = {row.id for row in model.Session.query(model.Resource.id).filter(
        model.Resource.id.in_(named))} if named else set()
    if known - readable or set(aliases.values()) - readable:
        raise toolkit.NotAuthorized(SQL_REFUSED)


def _readable_table_list(up_func: Action, context: dict[str, Any],
                         data_dict: dict[str, Any]) -> dict[str, Any]:
    """``datastore_search`` of the table list, narrowed to the tables (and
    their aliases) whose data the caller may have: the list would tell who
    has a datastore table, and the resource ids of hidden records."""
    import json

    everything = up_func({"ignore_auth": True, "model": model, "session": model.Session},
                         {"resource_id": TABLE_LIST, "fields": ["name", "alias_of"],
                          "limit": toolkit.config.get("ckan.datastore.search.rows_max")})
    rows = everything.get("records") or []
    readable = _readable_resources(_facts(context), {
        str(row.get("alias_of") or row.get("name")) for row in rows})
    allowed = {str(row["name"]) for row in rows
               if str(row.get("alias_of") or row.get("name")) in readable}
    filters = data_dict.get("filters") or {}
    if isinstance(filters, str):
        try:
            filters = json.loads(filters)
        except ValueError:
            return up_func(context, data_dict)  # CKAN says what is wrong
    if isinstance(filters, dict) and "name" in filters:
        asked = filters["name"] if isinstance(filters["name"], list) else [filters["name"]]
        allowed &= {str(name) for name in asked}
    narrowed = dict(data_dict, filters={**(filters if isinstance(filters, dict) else {}),
                                        "name": sorted(allowed) or [""]})
    return up_func(context, narrowed)


def _log_datastore_read(context: dict[str, Any], resource_ids: list[str], channel: str) -> None:
    """One line per resource whose data is not public read by a web request
    (the API, a view's own endpoint). The dump view reads through
    datastore_search too, while its answer streams (after the request):
    its download line is written by ``views.audit``; reads from the command
    line are the operator's, not a person's. An alias counts as the
    resource it shows."""
    from flask import has_request_context, request

    if perms.is_internal_call(context) or not has_request_context() \
            or request.endpoint == "datastore.dump":
        return
    facts = _facts(context)
    ids = list(dict.fromkeys(resource_ids))
    unknown = [name for name in ids if model.Resource.get(name) is None]
    aliases = _datastore_aliases(unknown)
    written = False
    for resource_id in dict.fromkeys(aliases.get(name, name) for name in ids):
        resource = model.Resource.get(resource_id)
        package = model.Package.get(resource.package_id) if resource is not None else None
        if package is None:
            continue
        dataset = perms.dataset_facts(package)
        if perms.data_is_public(dataset):
            continue
        found = perms.access(facts, dataset)
        record(context, "datastore", dataset_id=package.id, resource_id=resource.id,
               grant_id=found.grant_id, basis=found.basis, detail={"channel": channel})
        written = True
    if written:
        model.repo.commit()


@toolkit.chained_action
@toolkit.side_effect_free
def datastore_search(up_func: Action, context: dict[str, Any], data_dict: dict[str, Any]):
    """CKAN's, and the read written to the audit log when the data is not
    public; the table list narrowed to what the caller may read."""
    if data_dict.get("resource_id") == TABLE_LIST:
        if _facts(context).sysadmin or perms.is_internal_call(context):
            return up_func(context, data_dict)
        return _readable_table_list(up_func, context, data_dict)
    result = up_func(context, data_dict)
    _log_datastore_read(context, [str(result.get("resource_id") or data_dict.get("resource_id"))],
                        "datastore_search")
    return result


@toolkit.chained_action
@toolkit.side_effect_free
def datastore_search_sql(up_func: Action, context: dict[str, Any], data_dict: dict[str, Any]):
    """CKAN's, after :func:`refuse_unreadable_tables`; the resources the
    query read are written to the audit log when their data is not public
    (their ids are gathered by the chained auth function, which sees the
    tables of the query's plan)."""
    refuse_unreadable_tables(context, str(data_dict.get("sql") or ""))
    tables: list[str] = []
    context[auth_functions.TABLES_READ] = tables
    result = up_func(context, data_dict)
    _log_datastore_read(context, tables, "datastore_search_sql")
    return result


# CKAN exempts plugins' actions from its check that an action called its
# auth function; a chained action keeps only its own attributes. The table
# list is searched without one (CKAN's own rule, narrowed above).
datastore_search.auth_audit_exempt = True  # type: ignore[attr-defined]
datastore_search_sql.auth_audit_exempt = True  # type: ignore[attr-defined]


@toolkit.chained_action
def package_update(up_func: Action, context: dict[str, Any], data_dict: dict[str, Any]):
    """CKAN's; the level the dataset had is kept in the context for
    ``after_dataset_update`` (the attestation of anonymisation)."""
    package = model.Package.get(str(data_dict.get("id") or data_dict.get("name") or ""))
    if package is not None:
        context.setdefault(PREVIOUS_LEVELS, {})[package.id] = (package.extras or {}).get("diffusion")
    return up_func(context, data_dict)


#: Context key: dataset id -> the level it had before package_update.
PREVIOUS_LEVELS = "amp_access_previous_diffusion"


def record_attestation(context: dict[str, Any], data: dict[str, Any]) -> None:
    """After a dataset's update: leaving ``personal`` writes the attestation
    of anonymisation (who, when, how) to the audit log, in the update's
    transaction (the schema's validators required it)."""
    dataset_id = str(data.get("id") or "")
    previous = (context.get(PREVIOUS_LEVELS) or {}).get(dataset_id)
    if not previous or not diffusion.level_of({"diffusion": previous}).leaving_needs_attestation:
        return
    now = diffusion.level_of(data)
    if now.code == diffusion.level_of({"diffusion": previous}).code:
        return
    record(context, "attestation", dataset_id=dataset_id, detail={
        "from": str(previous), "to": now.code,
        **{name: str(data.get(name) or "") for name in diffusion.ATTESTATION_FIELDS}})


def get_actions() -> dict[str, Action]:
    actions: dict[str, Action] = {
        "package_search": package_search,
        "package_show": package_show,
        "resource_view_list": resource_view_list,
        "current_package_list_with_resources": current_package_list_with_resources,
        "package_list": package_list,
        "resource_search": resource_search,
        "bulk_update_public": bulk_update_public,
        "amp_access_check": amp_access_check,
        "amp_grant_create": amp_grant_create,
        "amp_grant_list": amp_grant_list,
        "amp_grant_revoke": amp_grant_revoke,
        "amp_access_request_create": amp_access_request_create,
        "amp_access_request_show": amp_access_request_show,
        "amp_access_request_list": amp_access_request_list,
        "amp_access_request_decide": amp_access_request_decide,
        "amp_access_log_list": amp_access_log_list,
        "package_update": package_update,
    }
    from ckan.plugins import plugin_loaded

    if plugin_loaded("datastore"):
        actions.update({"datastore_search": datastore_search,
                        "datastore_search_sql": datastore_search_sql})

    if plugin_loaded("activity"):
        actions.update({name: _activity_list(name) for name in ACTIVITY_LISTS})
        actions.update({name: _activity_one(name) for name in ACTIVITY_ONES})
    return actions

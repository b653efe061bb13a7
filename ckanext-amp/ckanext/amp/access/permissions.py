"""Who a user is towards datasets: the facts the diffusion rules read.

The rules themselves are in :mod:`ckanext.amp.common.diffusion`; this
module gathers what they need from CKAN (memberships), from amp_conventions
(which conventions are in force, through the ``amp_convention_status``
action) and from the grants table, once per request and user.
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Optional

import sqlalchemy as sa
from flask import g, has_request_context

from ckan import authz, model, plugins
from ckan.plugins import toolkit

from ckanext.amp.access.model import Grant
from ckanext.amp.common import diffusion

log = logging.getLogger(__name__)

#: Where the per-request caches live on ``flask.g``.
_CACHE = "_amp_access_cache"


def _request_cache() -> Optional[dict[str, Any]]:
    if not has_request_context():
        return None
    cache = getattr(g, _CACHE, None)
    if cache is None:
        cache = {}
        setattr(g, _CACHE, cache)
    return cache


def forget() -> None:
    """Drop what this request learnt (after a grant or membership changed)."""
    if has_request_context() and hasattr(g, _CACHE):
        delattr(g, _CACHE)


def today() -> dt.date:
    return dt.date.today()


# -- conventions -----------------------------------------------------------------

def _status_action():
    try:
        return toolkit.get_action("amp_convention_status")
    except KeyError:  # amp_conventions not loaded: no convention is in force
        return None


def conventions_recorded() -> bool:
    """Whether conventions are recorded on this portal (amp_conventions)."""
    return _status_action() is not None


def convention_statuses(references: Iterable[Any] = (),
                        party_org_ids: Iterable[str] = ()) -> dict[str, dict[str, Any]]:
    """``amp_convention_status`` for these references and the conventions
    these organisations are parties of ({} without amp_conventions); an
    unknown reference is absent. Remembered per request."""
    action = _status_action()
    if action is None:
        return {}
    wanted = {str(r).strip() for r in references if str(r or "").strip()}
    orgs = tuple(sorted(set(party_org_ids)))
    cache = _request_cache()
    known: dict[str, Optional[dict[str, Any]]] = cache.setdefault("status", {}) \
        if cache is not None else {}
    by_org: dict[tuple[str, ...], list[str]] = cache.setdefault("status_by_org", {}) \
        if cache is not None else {}
    missing = sorted(wanted - set(known))
    ask: dict[str, Any] = {}
    if missing:
        ask["references"] = missing
    if orgs and orgs not in by_org:
        ask["party_org_ids"] = list(orgs)
    if ask:
        answer = action({"ignore_auth": True}, ask)
        for reference in missing:
            known[reference] = answer.get(reference)
        for reference, status in answer.items():
            known[reference] = status
        if "party_org_ids" in ask:
            by_org[orgs] = [reference for reference, status in answer.items()
                            if set(status.get("party_org_ids") or ()) & set(orgs)]
    chosen = wanted | set(by_org.get(orgs, ())) if orgs else wanted
    return {reference: known[reference] for reference in chosen if known.get(reference)}


def prefetch_conventions(references: Iterable[Any]) -> None:
    """Ask once for the conventions of many datasets (a search page)."""
    convention_statuses(references)


def standing(reference: Any) -> diffusion.Standing:
    """Where a dataset's convention stands."""
    text = str(reference or "").strip()
    if not text:
        return diffusion.Standing.NONE
    status = convention_statuses([text]).get(text)
    return diffusion.Standing.of(status.get("state") if status else None)


# -- users -----------------------------------------------------------------------

@dataclass(frozen=True)
class UserFacts:
    """A user, as the diffusion rules see them (anonymous: all empty)."""

    user_id: Optional[str] = None
    sysadmin: bool = False
    #: Organisations the user is a member of (any capacity).
    org_ids: frozenset[str] = frozenset()
    #: References of the conventions in force of which one of those
    #: organisations is a party.
    conventions: frozenset[str] = frozenset()
    #: Live grants: dataset id -> grant id.
    grants: Mapping[str, str] = field(default_factory=dict)
    #: Capacities of the user's active memberships (any group), for
    #: :func:`could_edit`.
    roles: frozenset[str] = frozenset()

    def viewer(self, dataset: Mapping[str, Any]) -> diffusion.Viewer:
        owner = str(dataset.get("owner_org") or "")
        reference = str(dataset.get("convention") or "").strip()
        return diffusion.Viewer(
            sysadmin=self.sysadmin,
            owner_member=bool(owner) and owner in self.org_ids,
            party=bool(reference) and reference in self.conventions,
            grantee=str(dataset.get("id") or "") in self.grants,
        )


ANONYMOUS = UserFacts()


def _user_object(user: Any) -> Optional[model.User]:
    if user is None or user == "":
        return None
    if isinstance(user, model.User):
        return user
    if getattr(user, "is_anonymous", False):
        return None
    if hasattr(user, "id") and hasattr(user, "name"):
        return model.User.get(user.id)
    return model.User.get(str(user))


def live_grants(user_id: str, on: Optional[dt.date] = None) -> dict[str, Grant]:
    """The user's grants live on ``on`` (today): within their dates, not
    revoked, and under a convention in force when they come under one.
    Dataset id -> grant (the latest ending one when there are several)."""
    day = on or today()
    rows = model.Session.query(Grant).filter(
        Grant.user_id == user_id, Grant.revoked_at.is_(None),
        Grant.starts <= day, Grant.ends >= day).order_by(Grant.ends).all()
    if not rows:
        return {}
    # Conventions recorded on the portal (amp_conventions): a grant under one
    # lives only while it is in force. Without them, the dates decide.
    checked = _status_action() is not None
    under = [row.convention for row in rows if row.convention]
    statuses = convention_statuses(under) if under and checked else {}
    live = {}
    for row in rows:
        if row.convention and checked:
            status = statuses.get(row.convention)
            if diffusion.Standing.of(status.get("state") if status else None) \
                    is not diffusion.Standing.IN_FORCE:
                continue
        live[row.dataset_id] = row
    return live


def facts_for(user: Any) -> UserFacts:
    """What the rules need to know of ``user`` (a name, an id, a User or
    CKAN's current user), computed once per request."""
    user_obj = _user_object(user)
    if user_obj is None or user_obj.state != "active":
        return ANONYMOUS
    cache = _request_cache()
    key = ("facts", user_obj.id)
    if cache is not None and key in cache:
        return cache[key]
    if user_obj.sysadmin:
        facts = UserFacts(user_id=user_obj.id, sysadmin=True)
    else:
        memberships = model.Session.query(
            model.Member.group_id, model.Member.capacity, model.Group.state,
            model.Group.is_organization,
        ).join(model.Group, model.Group.id == model.Member.group_id).filter(
            model.Member.table_name == "user", model.Member.table_id == user_obj.id,
            model.Member.state == "active").all()
        org_ids = frozenset(row.group_id for row in memberships
                            if row.state == "active" and row.is_organization)
        conventions = frozenset(
            reference for reference, status in convention_statuses(party_org_ids=org_ids).items()
            if status.get("in_force") and set(status.get("party_org_ids") or ()) & org_ids)
        grants = {dataset_id: grant.id for dataset_id, grant in live_grants(user_obj.id).items()}
        facts = UserFacts(user_id=user_obj.id, sysadmin=False, org_ids=org_ids,
                          conventions=conventions, grants=grants,
                          roles=frozenset(row.capacity for row in memberships))
    if cache is not None:
        cache[key] = facts
    return facts


def _package_update_auth_replaced() -> bool:
    """A plugin gives its own ``package_update`` auth function (remembered
    per request)."""
    cache = _request_cache()
    if cache is not None and "package_update_auth" in cache:
        return cache["package_update_auth"]
    replaced = any("package_update" in (plugin.get_auth_functions() or {})
                   for plugin in plugins.PluginImplementations(plugins.IAuthFunctions))
    if cache is not None:
        cache["package_update_auth"] = replaced
    return replaced


def could_edit(facts: UserFacts, package: Optional[model.Package]) -> bool:
    """False when CKAN's ``package_update`` auth function surely refuses the
    user this dataset, known without a query: the dataset belongs to an
    organisation, and the user holds no role that may update datasets in
    any group (CKAN's rule needs one in that organisation or a parent), no
    dataset collaborators, no plugin's own ``package_update`` auth. True:
    ask CKAN (``check_access``)."""
    if facts.sysadmin or package is None or not package.owner_org:
        return True
    if facts.roles & set(authz.get_roles_with_permission("update_dataset")):
        return True
    if authz.check_config_permission("allow_dataset_collaborators"):
        return True
    return _package_update_auth_replaced()


def context_user(context: Mapping[str, Any]) -> Any:
    """The user an action runs for: ``auth_user_obj``, else ``user``."""
    return context.get("auth_user_obj") or context.get("user")


def is_internal_call(context: Mapping[str, Any]) -> bool:
    """An action called by CKAN or a plugin for itself (indexing, jobs,
    command line): ``ignore_auth`` and no user. Its answers are never shown
    to a person, and editing code reads them back: they are not redacted."""
    return bool(context.get("ignore_auth")) and not context.get("user")


# -- datasets --------------------------------------------------------------------

def dataset_facts(package: model.Package) -> dict[str, Any]:
    """The fields the rules read, from a dataset's database object (scheming
    keeps our fields in its extras). Not active (draft, deleted): treated as
    private, as CKAN does."""
    extras = package.extras or {}
    return {
        "id": package.id,
        "owner_org": package.owner_org,
        "creator_user_id": package.creator_user_id,
        "private": bool(package.private) or package.state != "active",
        "diffusion": extras.get("diffusion"),
        "metadata_visibility": extras.get("metadata_visibility"),
        "convention": extras.get("convention"),
    }


@dataclass(frozen=True)
class Access:
    """What a user may have of one dataset."""

    record: bool
    data: bool
    #: What gives the data: sysadmin, owner, party, grant, everyone (or None).
    basis: Optional[str] = None
    grant_id: Optional[str] = None

    def as_dict(self) -> dict[str, Any]:
        return {"record": self.record, "data": self.data, "basis": self.basis,
                "grant_id": self.grant_id}


def access(facts: UserFacts, dataset: Mapping[str, Any]) -> Access:
    """The rules applied to one user and one dataset (a package dict or
    :func:`dataset_facts`)."""
    where = standing(dataset.get("convention"))
    viewer = facts.viewer(dataset)
    record = diffusion.may_see_record(dataset, viewer, where)
    data = diffusion.may_get_data(dataset, viewer, where)
    basis = grant_id = None
    if data:
        audience = diffusion.data_audience(dataset, where)
        if facts.sysadmin:
            basis = "sysadmin"
        elif diffusion.Audience.EVERYONE in audience:
            basis = "everyone"
        elif viewer.owner_member:
            basis = "owner"
        elif viewer.party and diffusion.Audience.PARTIES in audience:
            basis = "party"
        else:
            basis, grant_id = "grant", facts.grants.get(str(dataset.get("id")))
    return Access(record=record, data=data, basis=basis, grant_id=grant_id)


def user_labels(facts: UserFacts) -> list[str]:
    """Labels for the user's conventions and grants (CKAN adds its own)."""
    labels = [diffusion.convention_label(reference) for reference in sorted(facts.conventions)]
    labels += [diffusion.grant_label(dataset_id) for dataset_id in sorted(facts.grants)]
    return labels


def data_is_public(dataset: Mapping[str, Any]) -> bool:
    """Everyone gets the data (no redaction, no audit)."""
    return diffusion.Audience.EVERYONE in diffusion.data_audience(
        dataset, standing(dataset.get("convention")))


def datasets_by_id(ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """:func:`dataset_facts` of several datasets in one query."""
    ids = list(set(ids))
    if not ids:
        return {}
    packages = model.Session.query(model.Package).filter(model.Package.id.in_(ids)).all()
    return {package.id: dataset_facts(package) for package in packages}


def packages(ids: Iterable[Any]) -> list[model.Package]:
    """The database objects of several datasets, in one query."""
    wanted = {str(i) for i in ids if i}
    if not wanted:
        return []
    return model.Session.query(model.Package).filter(model.Package.id.in_(wanted)).all()


def hidden_names(facts: UserFacts, names: Iterable[str]) -> set[str]:
    """Names among ``names`` of datasets whose record the user may not see,
    read in one query (package and the extras the rules need)."""
    names = list(names)
    rows = model.Session.query(
        model.Package.id, model.Package.name, model.Package.owner_org,
        model.Package.private, model.Package.state, model.PackageExtra.key,
        model.PackageExtra.value,
    ).outerjoin(model.PackageExtra, sa.and_(
        model.PackageExtra.package_id == model.Package.id,
        model.PackageExtra.state == "active",
        model.PackageExtra.key.in_(("diffusion", "metadata_visibility", "convention")),
    )).filter(model.Package.name.in_(names)).all()
    datasets: dict[str, dict[str, Any]] = {}
    for row in rows:
        dataset = datasets.setdefault(row.name, {
            "id": row.id, "owner_org": row.owner_org,
            "private": bool(row.private) or row.state != "active"})
        if row.key:
            dataset[row.key] = row.value
    prefetch_conventions(d.get("convention") for d in datasets.values())
    return {name for name, dataset in datasets.items() if not access(facts, dataset).record}


def organization_admin(user: Any, organization_id: str) -> bool:
    """An admin of the organisation (or a sysadmin)."""
    user_obj = _user_object(user)
    if user_obj is None:
        return False
    return authz.is_sysadmin(user_obj.name) or authz.has_user_permission_for_group_or_org(
        organization_id, user_obj.name, "admin")

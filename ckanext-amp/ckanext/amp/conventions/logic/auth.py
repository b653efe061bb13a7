"""Who may do what with conventions.

* Sysadmins, and admins of an organisation that is a party, write
  (create, update, patch, delete, record events).
* Members of a party organisation (any capacity) read everything: terms,
  items, deliveries, timeline, undertaking.
* Everyone else, anonymous included, sees only the conventions in force
  and only their public summary (reference, title, kind, parties, dates,
  state, usage terms in words), when the operator publishes them
  (``ckanext.amp.conventions.public_summaries``, default true).
* ``amp_convention_status`` is open to all: it answers public facts and
  is called by the other plugins on every search.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Iterable, Mapping, Optional

from ckan import authz, model
from ckan.plugins import toolkit

from ckanext.amp.common import conventions as lifecycle
from ckanext.amp.conventions import records

EDITOR_CAPACITIES = ("admin", "editor")


def today() -> dt.date:
    """Today in the portal's time zone (``ckan.display_timezone``)."""
    name = toolkit.config.get("ckan.display_timezone") or "Europe/Paris"
    try:
        from zoneinfo import ZoneInfo

        zone = ZoneInfo("Europe/Paris" if name == "server" else name)
    except Exception:
        zone = None
    return dt.datetime.now(zone).date()


def public_summaries() -> bool:
    return toolkit.asbool(toolkit.config.get("ckanext.amp.conventions.public_summaries", True))


def user_of(context: Mapping[str, Any]) -> Optional[model.User]:
    obj = context.get("auth_user_obj")
    if isinstance(obj, model.User):
        return obj
    name = context.get("user")
    return model.User.get(name) if name else None


def is_sysadmin(context: Mapping[str, Any]) -> bool:
    user = user_of(context)
    return bool(user is not None and (user.sysadmin or authz.is_sysadmin(user.name)))


def party_ids(convention_id: str) -> list[str]:
    return [row["organization_id"] for row in records.parties([convention_id])[convention_id]]


def capacities(context: Mapping[str, Any], organization_ids: Iterable[str]) -> dict[str, str]:
    user = user_of(context)
    return records.member_capacities(user.id, organization_ids) if user is not None else {}


def can_write(context: Mapping[str, Any], convention_id: str) -> bool:
    if is_sysadmin(context):
        return True
    found = capacities(context, party_ids(convention_id))
    return any(capacity == "admin" for capacity in found.values())


def can_read(context: Mapping[str, Any], convention_id: str) -> bool:
    """Everything of the convention (not only its public summary)."""
    return is_sysadmin(context) or bool(capacities(context, party_ids(convention_id)))


def in_force(row: Mapping[str, Any]) -> bool:
    events = records.events([row["id"]])[row["id"]]
    state = lifecycle.evaluate(records.terms_of(row), records.lifecycle_events(events), today())
    return state.in_force


def _row(data_dict: Mapping[str, Any]) -> Optional[Mapping[str, Any]]:
    key = data_dict.get("id") or data_dict.get("reference") or data_dict.get("convention")
    return records.find(str(key)) if key else None


def _denied(msgid: str) -> dict[str, Any]:
    return {"success": False, "msg": toolkit._(msgid)}


# ------------------------------------------------------------ functions


def amp_convention_create(context, data_dict):
    if is_sysadmin(context):
        return {"success": True}
    keys = [str(p.get("organization") or p.get("organization_id") or "")
            for p in (data_dict or {}).get("parties") or [] if isinstance(p, Mapping)]
    organizations = {group.id for group in records.organizations(keys).values()}
    if "admin" in capacities(context, organizations).values():
        return {"success": True}
    return _denied("Only the administrators of a party organisation may create a convention")


def amp_convention_update(context, data_dict):
    row = _row(data_dict or {})
    if row is None:
        # the action says which reference does not exist
        return {"success": is_sysadmin(context) or user_of(context) is not None}
    if can_write(context, row["id"]):
        return {"success": True}
    return _denied("Only the administrators of a party organisation may change this convention")


def amp_convention_patch(context, data_dict):
    return amp_convention_update(context, data_dict)


def amp_convention_delete(context, data_dict):
    return amp_convention_update(context, data_dict)


def amp_convention_event_create(context, data_dict):
    return amp_convention_update(context, data_dict)


@toolkit.auth_allow_anonymous_access
def amp_convention_show(context, data_dict):
    row = _row(data_dict or {})
    if row is None:
        return {"success": True}  # the action answers "not found"
    if can_read(context, row["id"]):
        return {"success": True}
    if public_summaries() and in_force(row):
        return {"success": True}
    return _denied("This convention is visible to its parties only")


@toolkit.auth_allow_anonymous_access
def amp_convention_list(context, data_dict):
    return {"success": True}


@toolkit.auth_allow_anonymous_access
def amp_convention_status(context, data_dict):
    return {"success": True}


def amp_delivery_create(context, data_dict):
    row = _row(data_dict or {})
    if row is None:
        return {"success": is_sysadmin(context) or user_of(context) is not None}
    if is_sysadmin(context):
        return {"success": True}
    if any(capacity in EDITOR_CAPACITIES
           for capacity in capacities(context, party_ids(row["id"])).values()):
        return {"success": True}
    return _denied("Only the editors of a party organisation may record a delivery")


def amp_delivery_list(context, data_dict):
    row = _row(data_dict or {})
    if row is None:
        return {"success": user_of(context) is not None}
    if can_read(context, row["id"]):
        return {"success": True}
    return _denied("The deliveries of a convention are visible to its parties only")


def get_auth_functions() -> dict[str, Any]:
    return {name: function for name, function in globals().items()
            if name.startswith("amp_") and callable(function)}

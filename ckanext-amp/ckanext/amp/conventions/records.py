"""Reading and writing conventions in their tables (``model.py``).

Every statement runs in CKAN's ``model.Session``; the actions commit or
roll back. Reads are batched: one statement per table for any number of
conventions, and :func:`status_rows` answers ``amp_convention_status`` in
one statement.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from typing import Any, Iterable, Mapping, Optional, Sequence

import sqlalchemy as sa
from ckan import model
from sqlalchemy.dialects.postgresql import aggregate_order_by

from ckanext.amp.common import conventions as lifecycle
from ckanext.amp.conventions import model as tables

#: Kinds of event the daily check and the actions write besides the
#: lifecycle's (never read by :func:`ckanext.amp.common.conventions.evaluate`).
SYSTEM_EVENTS = ("rights_withdrawn", "rights_restored", "end_reminder", "late_deliveries",
                 "undertaking_changed")

CONVENTION_FIELDS = (
    "reference", "title", "kind", "description", "deliberations", "date_signed",
    "date_notified", "initial_term_months", "tacit_renewal", "renewal_term_months",
    "max_renewals", "notice_months", "usage", "licence_id", "diffusion", "notes", "source",
)
ITEM_FIELDS = (
    "key", "provider_id", "recipient_id", "title", "description", "periodicity",
    "granularity", "history_depth", "expected_columns", "dataset", "due_date", "sites",
    "site_count", "conforms_to",
)


def new_id() -> str:
    return str(uuid.uuid4())


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _session():
    return model.Session


def _iso(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


# ----------------------------------------------------------------- reading


def tables_exist() -> bool:
    """The plugin's tables are there (``ckan db upgrade -p amp_conventions``
    has run; CKAN's test resets drop them)."""
    return _session().execute(sa.text("SELECT to_regclass('public.amp_convention')")).scalar() \
        is not None


def find(key: str) -> Optional[Mapping[str, Any]]:
    """The convention row whose id or reference is ``key``."""
    if not key:
        return None
    c = tables.convention
    return _session().execute(
        sa.select(c).where(sa.or_(c.c.id == key, c.c.reference == key))
    ).mappings().first()


def rows(*, references: Optional[Sequence[str]] = None,
         ids: Optional[Sequence[str]] = None) -> list[Mapping[str, Any]]:
    c = tables.convention
    query = sa.select(c).order_by(c.c.reference)
    if references is not None:
        query = query.where(c.c.reference.in_(list(references)))
    if ids is not None:
        query = query.where(c.c.id.in_(list(ids)))
    return list(_session().execute(query).mappings())


def _children(table: sa.Table, convention_ids: Sequence[str], *order: Any) -> dict[str, list]:
    found: dict[str, list] = {cid: [] for cid in convention_ids}
    if not convention_ids:
        return found
    query = sa.select(table).where(table.c.convention_id.in_(list(convention_ids)))
    if order:
        query = query.order_by(*order)
    for row in _session().execute(query).mappings():
        found[row["convention_id"]].append(dict(row))
    return found


def parties(convention_ids: Sequence[str]) -> dict[str, list[dict]]:
    return _children(tables.party, convention_ids, tables.party.c.position)


def items(convention_ids: Sequence[str]) -> dict[str, list[dict]]:
    return _children(tables.item, convention_ids, tables.item.c.position)


def events(convention_ids: Sequence[str]) -> dict[str, list[dict]]:
    e = tables.event
    return _children(e, convention_ids, e.c.date, e.c.seq)


def undertakings(convention_ids: Sequence[str]) -> dict[str, Optional[dict]]:
    """The latest version of each convention's undertaking (or None)."""
    latest: dict[str, Optional[dict]] = {cid: None for cid in convention_ids}
    for cid, versions in _children(tables.undertaking, convention_ids,
                                   tables.undertaking.c.version).items():
        latest[cid] = versions[-1] if versions else None
    return latest


def organizations(keys: Iterable[str]) -> dict[str, model.Group]:
    """Active organisations by id and by name, for the given ids or names."""
    wanted = {key for key in keys if key}
    if not wanted:
        return {}
    groups = (_session().query(model.Group)
              .filter(model.Group.is_organization.is_(True))
              .filter(model.Group.state == "active")
              .filter(sa.or_(model.Group.id.in_(wanted), model.Group.name.in_(wanted)))
              .all())
    found = {}
    for group in groups:
        found[group.id] = group
        found[group.name] = group
    return found


def organization_siret(group: model.Group) -> Optional[str]:
    extra = (_session().query(model.GroupExtra)
             .filter(model.GroupExtra.group_id == group.id)
             .filter(model.GroupExtra.key == "siret")
             .filter(model.GroupExtra.state == "active")
             .first())
    value = "".join(str(extra.value).split()) if extra is not None and extra.value else ""
    return value or None


def member_capacities(user_id: str, organization_ids: Iterable[str]) -> dict[str, str]:
    """``{organization id: capacity}`` of the user's active memberships."""
    wanted = list({oid for oid in organization_ids if oid})
    if not user_id or not wanted:
        return {}
    members = (_session().query(model.Member.group_id, model.Member.capacity)
               .filter(model.Member.table_name == "user")
               .filter(model.Member.table_id == user_id)
               .filter(model.Member.state == "active")
               .filter(model.Member.group_id.in_(wanted))
               .all())
    return {group_id: capacity for group_id, capacity in members}


def user_organization_ids(user_id: str) -> set[str]:
    if not user_id:
        return set()
    members = (_session().query(model.Member.group_id)
               .join(model.Group, model.Group.id == model.Member.group_id)
               .filter(model.Member.table_name == "user")
               .filter(model.Member.table_id == user_id)
               .filter(model.Member.state == "active")
               .filter(model.Group.is_organization.is_(True))
               .filter(model.Group.state == "active")
               .all())
    return {group_id for (group_id,) in members}


def admins(organization_ids: Iterable[str]) -> list[model.User]:
    """Active admins of the organisations (for the reminders)."""
    wanted = list({oid for oid in organization_ids if oid})
    if not wanted:
        return []
    return (_session().query(model.User)
            .join(model.Member, model.Member.table_id == model.User.id)
            .filter(model.Member.table_name == "user")
            .filter(model.Member.state == "active")
            .filter(model.Member.capacity == "admin")
            .filter(model.Member.group_id.in_(wanted))
            .filter(model.User.state == "active")
            .distinct()
            .order_by(model.User.name)
            .all())


# ------------------------------------------------------- lifecycle inputs


def terms_of(row: Mapping[str, Any]) -> lifecycle.Terms:
    return lifecycle.Terms(
        notified=row.get("date_notified"),
        initial_term_months=row.get("initial_term_months"),
        tacit_renewal=row.get("tacit_renewal"),
        renewal_term_months=row.get("renewal_term_months"),
        max_renewals=row.get("max_renewals"),
        notice_months=row.get("notice_months"),
    )


def _as_date(value: Any) -> Optional[dt.date]:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def lifecycle_events(event_rows: Iterable[Mapping[str, Any]]) -> list[lifecycle.Event]:
    return [lifecycle.Event(kind=row["kind"], date=_as_date(row["date"]),
                            note=row.get("note") or "",
                            effective=_as_date(row.get("effective_date")))
            for row in event_rows if row["kind"] in lifecycle.LIFECYCLE_EVENTS]


def status_rows(references: Sequence[str],
                party_org_ids: Sequence[str] = ()) -> list[Mapping[str, Any]]:
    """The terms, party ids and lifecycle events of the conventions with
    these references or of which one of these organisations is a party,
    in one statement."""
    if not references and not party_org_ids:
        return []
    c, p, e = tables.convention, tables.party, tables.event
    empty = sa.text("'[]'::json")
    party_ids = (sa.select(sa.func.coalesce(sa.func.json_agg(p.c.organization_id), empty))
                 .where(p.c.convention_id == c.c.id).scalar_subquery())
    entry = sa.func.json_build_object("kind", e.c.kind, "date", e.c.date,
                                      "effective_date", e.c.effective_date)
    log = (sa.select(sa.func.coalesce(sa.func.json_agg(
        aggregate_order_by(entry, e.c.date, e.c.seq)), empty))
        .where(e.c.convention_id == c.c.id)
        .where(e.c.kind.in_(lifecycle.LIFECYCLE_EVENTS))
        .scalar_subquery())
    query = (sa.select(c.c.reference, c.c.date_notified, c.c.initial_term_months,
                       c.c.tacit_renewal, c.c.renewal_term_months, c.c.max_renewals,
                       c.c.notice_months, c.c.licence_id, c.c.diffusion,
                       party_ids.label("party_org_ids"), log.label("events"))
             .where(sa.or_(
                 c.c.reference.in_(list(references)),
                 sa.exists().where(p.c.convention_id == c.c.id)
                 .where(p.c.organization_id.in_(list(party_org_ids))))))
    return list(_session().execute(query).mappings())


# ----------------------------------------------------------------- writing


def _convention_values(data: Mapping[str, Any]) -> dict[str, Any]:
    values = {name: data.get(name) for name in CONVENTION_FIELDS}
    values["deliberations"] = [{k: _iso(v) for k, v in d.items()}
                               for d in values.get("deliberations") or []]
    values["usage"] = {k: _iso(v) if not isinstance(v, dict) else {kk: _iso(vv) for kk, vv in v.items()}
                       for k, v in (values.get("usage") or {}).items()}
    return values


def insert(data: Mapping[str, Any], user: Optional[str]) -> str:
    """Write a validated convention (with its parties, items and
    undertaking); returns its id."""
    convention_id = new_id()
    stamp = now()
    _session().execute(tables.convention.insert().values(
        id=convention_id, created=stamp, modified=stamp, created_by=user, modified_by=user,
        **_convention_values(data)))
    _write_parties(convention_id, data.get("parties") or [], {})
    _write_items(convention_id, data.get("items") or [], {})
    if data.get("undertaking"):
        add_undertaking(convention_id, data["undertaking"], user)
    return convention_id


def update(convention_id: str, data: Mapping[str, Any], user: Optional[str]) -> None:
    """Replace a convention's fields, parties and items by validated data.
    Items are kept by key (their deliveries stay linked); parties keep the
    SIRET copied when they joined."""
    _session().execute(tables.convention.update()
                       .where(tables.convention.c.id == convention_id)
                       .values(modified=now(), modified_by=user, **_convention_values(data)))
    old_parties = {row["organization_id"]: row for row in parties([convention_id])[convention_id]}
    _session().execute(tables.party.delete().where(tables.party.c.convention_id == convention_id))
    _write_parties(convention_id, data.get("parties") or [], old_parties)
    old_items = {row["key"]: row for row in items([convention_id])[convention_id]}
    kept = {entry["key"] for entry in data.get("items") or []}
    gone = [row["id"] for key, row in old_items.items() if key not in kept]
    if gone:
        _session().execute(tables.item.delete().where(tables.item.c.id.in_(gone)))
    _write_items(convention_id, data.get("items") or [], old_items)
    text = data.get("undertaking")
    if text:
        latest = undertakings([convention_id])[convention_id]
        if latest is None or latest["text"] != text:
            add_undertaking(convention_id, text, user)


def _write_parties(convention_id: str, entries: Sequence[Mapping[str, Any]],
                   old: Mapping[str, Mapping[str, Any]]) -> None:
    for position, entry in enumerate(entries):
        previous = old.get(entry["organization_id"])
        _session().execute(tables.party.insert().values(
            id=previous["id"] if previous else new_id(),
            convention_id=convention_id,
            organization_id=entry["organization_id"],
            role=entry["role"],
            siret=previous["siret"] if previous and previous.get("siret") else entry.get("siret"),
            represented_by=entry.get("represented_by"),
            position=position))


def _write_items(convention_id: str, entries: Sequence[Mapping[str, Any]],
                 old: Mapping[str, Mapping[str, Any]]) -> None:
    for position, entry in enumerate(entries):
        values = {name: _iso(entry.get(name)) if name != "due_date" else entry.get(name)
                  for name in ITEM_FIELDS}
        values["position"] = position
        previous = old.get(entry["key"])
        if previous is not None:
            _session().execute(tables.item.update().where(tables.item.c.id == previous["id"])
                               .values(**values))
        else:
            _session().execute(tables.item.insert().values(
                id=new_id(), convention_id=convention_id, **values))


def add_undertaking(convention_id: str, text: str, user: Optional[str]) -> dict[str, Any]:
    u = tables.undertaking
    latest = _session().execute(sa.select(sa.func.max(u.c.version))
                                .where(u.c.convention_id == convention_id)).scalar()
    row = {"id": new_id(), "convention_id": convention_id, "version": (latest or 0) + 1,
           "text": text, "sha256": sha256(text), "created": now(), "created_by": user}
    _session().execute(u.insert().values(**row))
    return row


def delete(convention_id: str) -> None:
    for table in tables.CHILDREN:
        _session().execute(table.delete().where(table.c.convention_id == convention_id))
    _session().execute(tables.convention.delete().where(tables.convention.c.id == convention_id))


def add_event(convention_id: str, kind: str, date: dt.date, *, note: str = "",
              effective_date: Optional[dt.date] = None, data: Optional[Mapping] = None,
              user: Optional[str] = None) -> dict[str, Any]:
    row = {"id": new_id(), "convention_id": convention_id, "kind": kind, "date": date,
           "effective_date": effective_date, "note": note or None, "data": dict(data or {}),
           "recorded_by": user, "recorded_at": now()}
    row["seq"] = _session().execute(tables.event.insert().values(**row)
                                    .returning(tables.event.c.seq)).scalar()
    return row


def touch(convention_id: str) -> None:
    _session().execute(tables.convention.update().where(tables.convention.c.id == convention_id)
                       .values(modified=now()))


# -------------------------------------------------------------- deliveries


def add_delivery(convention_id: str, item_id: str, received: dt.date, **values: Any) -> dict:
    row = {"id": new_id(), "convention_id": convention_id, "item_id": item_id,
           "received": received, "created": now(), "status": values.pop("status", "received"),
           **values}
    _session().execute(tables.delivery.insert().values(**row))
    return row


def find_delivery(item_id: str, resource_id: Optional[str], received: dt.date) -> Optional[dict]:
    if not resource_id:
        return None
    d = tables.delivery
    found = _session().execute(sa.select(d).where(d.c.item_id == item_id)
                               .where(d.c.resource_id == resource_id)
                               .where(d.c.received == received)).mappings().first()
    return dict(found) if found else None


def deliveries(convention_ids: Sequence[str], *, item_ids: Optional[Sequence[str]] = None,
               since: Optional[dt.date] = None, until: Optional[dt.date] = None) -> list[dict]:
    if not convention_ids:
        return []
    d = tables.delivery
    query = (sa.select(d).where(d.c.convention_id.in_(list(convention_ids)))
             .order_by(d.c.received, d.c.created))
    if item_ids is not None:
        query = query.where(d.c.item_id.in_(list(item_ids)))
    if since is not None:
        query = query.where(d.c.received >= since)
    if until is not None:
        query = query.where(d.c.received <= until)
    return [dict(row) for row in _session().execute(query).mappings()]


def items_for_dataset(dataset_keys: Iterable[str]) -> list[dict]:
    """Data items fed by a dataset (given by id and/or name), with their
    convention's reference."""
    keys = [key for key in dataset_keys if key]
    if not keys:
        return []
    i, c = tables.item, tables.convention
    query = (sa.select(i, c.c.reference).join(c, c.c.id == i.c.convention_id)
             .where(i.c.dataset.in_(keys)).order_by(i.c.position))
    return [dict(row) for row in _session().execute(query).mappings()]

"""Actions of amp_conventions: conventions, their events and deliveries,
and the status answer the other plugins read (docs/architecture.md).

Every action checks access first; writes are one transaction (validated
whole before anything is written, rolled back on any error). A
convention's state and end are never stored: they are computed by
:mod:`ckanext.amp.common.conventions` from its terms and its log.
"""
from __future__ import annotations

import datetime as dt
import logging
from typing import Any, Mapping, Optional, Sequence

from ckan import model
from ckan.plugins import toolkit

from ckanext.amp.common import conventions as lifecycle
from ckanext.amp.common import schedules, unit_of_work
from ckanext.amp.common.values import as_list
from ckanext.amp.conventions import records, rights, words
from ckanext.amp.conventions.logic import auth, schema, validators

log = logging.getLogger(__name__)


# ---------------------------------------------------------------- helpers


def _user(context: Mapping[str, Any]) -> Optional[str]:
    return context.get("user") or None


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else value


def _find_or_404(data_dict: Mapping[str, Any], *names: str) -> Mapping[str, Any]:
    key = next((data_dict.get(name) for name in names + ("id", "reference")
                if data_dict.get(name)), None)
    if not key:
        raise toolkit.ValidationError({names[0] if names else "id": [toolkit._("Missing value")]})
    row = records.find(str(key))
    if row is None:
        raise toolkit.ObjectNotFound(toolkit._("Convention not found: {reference}").format(
            reference=key))
    return row


def _date_param(data_dict: Mapping[str, Any], name: str) -> Optional[dt.date]:
    value = data_dict.get(name)
    if value in (None, ""):
        return None
    try:
        return validators._date(value)
    except validators.InvalidValue as error:
        raise toolkit.ValidationError({name: [validators.translate(error)]})


def _transaction(function):
    """Commit what ``function`` wrote, or roll all of it back."""
    def run(*args, **kwargs):
        try:
            result = function(*args, **kwargs)
            model.Session.commit()
            return result
        except Exception:
            model.Session.rollback()
            raise
    return run


def lifecycle_of(row: Mapping[str, Any], event_rows: Sequence[Mapping[str, Any]],
                 on: Optional[dt.date] = None) -> lifecycle.Lifecycle:
    return lifecycle.evaluate(records.terms_of(row), records.lifecycle_events(event_rows),
                              on or auth.today())


def status_dict(state: lifecycle.Lifecycle) -> dict[str, Any]:
    """The computed state of a convention as shown by ``amp_convention_show``."""
    return {
        "state": state.state,
        "in_force": state.in_force,
        "ended": state.ended,
        "on": _iso(state.on),
        "notified": _iso(state.notified),
        "end_date": _iso(state.end_date),
        "ended_by": state.ended_by,
        "term_start": _iso(state.term_start),
        "term_end": _iso(state.term_end),
        "next_renewal": _iso(state.next_renewal),
        "renewals_done": state.renewals_done,
        "renewals_left": state.renewals_left,
        "renewal_dates": [_iso(day) for day in state.renewal_dates],
        "suspensions": [[_iso(start), _iso(stop)] for start, stop in state.suspensions],
        "termination_effective": _iso(state.termination_effective),
        "non_renewal_at": _iso(state.non_renewal_at),
        "errors": [validators.translate(error) for error in state.errors],
    }


def _organization_dict(group: Optional[model.Group], fallback: Optional[str]) -> dict[str, Any]:
    if group is None:
        return {"organization": fallback, "organization_id": fallback, "organization_title": None}
    return {"organization": group.name, "organization_id": group.id,
            "organization_title": group.title or group.name}


def page_url(reference: str) -> str:
    """The stable address of a convention's page (and public summary)."""
    site = (toolkit.config.get("ckan.site_url") or "").rstrip("/")
    return f"{site}/conventions/{reference}"


def convention_dicts(rows: Sequence[Mapping[str, Any]], on: Optional[dt.date] = None,
                     ) -> list[dict[str, Any]]:
    """Whole conventions (parties, items, undertaking, log, computed state)
    for ``rows``: one statement per table whatever their number."""
    ids = [row["id"] for row in rows]
    all_parties, all_items = records.parties(ids), records.items(ids)
    all_events, latest = records.events(ids), records.undertakings(ids)
    org_ids = {p["organization_id"] for ps in all_parties.values() for p in ps}
    org_ids |= {d.get("organization_id") for row in rows for d in row["deliberations"] or []}
    org_ids |= {i[name] for items in all_items.values() for i in items
                for name in ("provider_id", "recipient_id")}
    organizations = records.organizations(org_ids - {None})
    results = []
    for row in rows:
        state = lifecycle_of(row, all_events[row["id"]], on)
        parties = []
        for party in all_parties[row["id"]]:
            entry = _organization_dict(organizations.get(party["organization_id"]),
                                       party["organization_id"])
            entry.update(role=party["role"], siret=party["siret"],
                         represented_by=party["represented_by"])
            parties.append(entry)
        deliberations = []
        for deliberation in row["deliberations"] or []:
            entry = dict(deliberation)
            org_id = entry.pop("organization_id", None)
            entry.update(_organization_dict(organizations.get(org_id), org_id) if org_id else
                         {"organization": None, "organization_id": None,
                          "organization_title": None})
            deliberations.append(entry)
        items = []
        for item in all_items[row["id"]]:
            entry = {name: _iso(item.get(name)) for name in records.ITEM_FIELDS}
            entry["id"] = item["id"]
            for name in ("provider", "recipient"):
                group = organizations.get(item[f"{name}_id"])
                entry[name] = group.name if group else item[f"{name}_id"]
                entry[f"{name}_title"] = (group.title or group.name) if group else None
            items.append(entry)
        undertaking = latest[row["id"]]
        results.append({
            "id": row["id"],
            **{name: _iso(row[name]) for name in records.CONVENTION_FIELDS
               if name not in ("deliberations",)},
            "deliberations": deliberations,
            "parties": parties,
            "items": items,
            "undertaking": {"version": undertaking["version"], "text": undertaking["text"],
                            "sha256": undertaking["sha256"],
                            "created": _iso(undertaking["created"])} if undertaking else None,
            "events": [{"id": e["id"], "kind": e["kind"], "date": _iso(e["date"]),
                        "seq": e["seq"],
                        "effective_date": _iso(e["effective_date"]), "note": e["note"],
                        "data": e["data"] or {}, "recorded_by": e["recorded_by"],
                        "recorded_at": _iso(e["recorded_at"])} for e in all_events[row["id"]]],
            "status": status_dict(state),
            "url": page_url(row["reference"]),
            "created": _iso(row["created"]),
            "modified": _iso(row["modified"]),
            "summary": False,
        })
    return results


#: What the public summary of a convention holds.
SUMMARY_KEYS = ("id", "reference", "title", "kind", "date_signed", "date_notified",
                "deliberations", "initial_term_months", "tacit_renewal", "renewal_term_months",
                "max_renewals", "notice_months", "licence_id", "diffusion", "url")


def public_summary(convention: Mapping[str, Any]) -> dict[str, Any]:
    """Reference, title, kind, parties, dates, state and usage terms in
    words: what anyone may read of a convention in force."""
    status = convention["status"]
    return {
        **{key: convention.get(key) for key in SUMMARY_KEYS},
        "parties": [{key: party[key] for key in
                     ("organization", "organization_id", "organization_title", "role")}
                    for party in convention["parties"]],
        "status": {key: status[key] for key in
                   ("state", "in_force", "ended", "end_date", "term_end", "next_renewal")},
        "usage_in_words": words.usage_in_words(convention),
        "duration_in_words": words.duration_in_words(convention),
        "rights_statement": words.rights_statement(convention),
        # the standards a dataset under it conforms to (its data item's)
        "standards": _standards(convention),
        "summary": True,
    }


def _standards(convention: Mapping[str, Any]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for item in convention["items"]:
        if item.get("dataset") and item.get("conforms_to"):
            found.setdefault(item["dataset"], []).append(item["conforms_to"])
    return found


def _readable(context: Mapping[str, Any], convention: Mapping[str, Any]) -> Optional[dict]:
    """The convention as the caller may read it: whole, its public summary,
    or None."""
    if auth.can_read(context, convention["id"]):
        whole = dict(convention)
        whole["usage_in_words"] = words.usage_in_words(convention)
        whole["duration_in_words"] = words.duration_in_words(convention)
        whole["rights_statement"] = words.rights_statement(convention)
        return whole
    if auth.public_summaries() and convention["status"]["in_force"]:
        return public_summary(convention)
    return None


# ------------------------------------------------------------ conventions


def amp_convention_create(context, data_dict):
    """Create a convention with its parties, deliberations, usage terms,
    data items and undertaking.

    :param reference: the convention's reference, unique (letters, digits,
        ``.``, ``-``, ``_``), e.g. ``SYMCRAU-AMP-2025``
    :type reference: string
    :param title: its title
    :type title: string
    :param kind: ``open_data_partnership``, ``data_exchange``,
        ``smart_territory`` or ``cross_referencing``
    :type kind: string
    :param description: what it is about (optional)
    :type description: string
    :param parties: at least one: ``{organization: name or id, role:
        provider|recipient|both|signatory, represented_by?}``; the
        organisation's SIRET is copied when it joins
    :type parties: list of dicts
    :param deliberations: ``{organization?: a party, body?, reference?,
        date?: YYYY-MM-DD, url?}`` (optional)
    :type deliberations: list of dicts
    :param date_signed: date of signature, ``YYYY-MM-DD`` (optional)
    :type date_signed: string
    :param date_notified: date of notification, its first day in force
        (optional: a convention never notified is a draft)
    :type date_notified: string
    :param initial_term_months: length of the first term (optional)
    :type initial_term_months: int
    :param tacit_renewal: renewed tacitly on each anniversary (optional:
        not stated)
    :type tacit_renewal: bool
    :param renewal_term_months: length of a renewed term (optional:
        the initial term's)
    :type renewal_term_months: int
    :param max_renewals: maximum number of renewals, 0 or more (optional:
        no limit)
    :type max_renewals: int
    :param notice_months: notice of non-renewal or termination (optional)
    :type notice_months: int
    :param usage: ``{internal_use_only, third_party_diffusion_needs_approval,
        third_party_access_needs_undertaking, free_of_charge: bool or null,
        charter: {title, date, url}, text}`` (optional)
    :type usage: dict
    :param licence_id: a licence of the portal's register (optional)
    :type licence_id: string
    :param diffusion: ``public``, ``restricted``, ``internal`` or
        ``personal`` (optional)
    :type diffusion: string
    :param items: data items: ``{key, title, provider, recipient (parties),
        description?, periodicity? (EU frequency code), granularity?,
        history_depth?, expected_columns?: [{name, type?, unit?}],
        dataset?, due_date?, sites?: [{name, commune?}], site_count?,
        conforms_to?}`` (optional)
    :type items: list of dicts
    :param undertaking: text of the undertaking third parties sign
        (optional; versioned)
    :type undertaking: string
    :param notes: facts of the source documents kept as written (optional)
    :type notes: string
    :param source: the ``harvesters/*.yaml`` file it comes from (optional)
    :type source: string
    :returns: the convention, as ``amp_convention_show`` gives it
    :rtype: dict
    """
    toolkit.check_access("amp_convention_create", context, data_dict)
    return _create(context, data_dict)


@_transaction
def _create(context, data_dict):
    clean = validators.validate_convention(data_dict)
    convention_id = records.insert(clean, _user(context))
    if clean.get("undertaking"):
        records.add_event(convention_id, "undertaking_changed", auth.today(),
                          data={"version": 1}, user=_user(context))
    row = records.find(convention_id)
    rights.sync(row, auth.today(), _user(context))
    return convention_dicts([records.find(convention_id)])[0]


@toolkit.side_effect_free
def amp_convention_show(context, data_dict):
    """A convention: whole for its parties' members and sysadmins
    (parties, terms, items, undertaking ``{version, text, sha256}``,
    events, computed ``status``), its public summary for others while it
    is in force.

    :param id: the convention's id or reference
    :type id: string
    :param summary: give the public summary even to a party (optional)
    :type summary: bool
    :returns: the convention; ``summary`` is true for a public summary
    :rtype: dict
    """
    toolkit.check_access("amp_convention_show", context, data_dict)
    row = _find_or_404(data_dict, "id", "reference")
    convention = convention_dicts([row])[0]
    if toolkit.asbool(data_dict.get("summary")):
        if auth.can_read(context, row["id"]) or convention["status"]["in_force"]:
            return public_summary(convention)
        raise toolkit.NotAuthorized(toolkit._("This convention is visible to its parties only"))
    shown = _readable(context, convention)
    if shown is None:
        raise toolkit.NotAuthorized(toolkit._("This convention is visible to its parties only"))
    return shown


@toolkit.side_effect_free
def amp_convention_list(context, data_dict):
    """Conventions the caller may see (those of which one of their
    organisations is a party; all for sysadmins; the ones in force for
    everyone, as public summaries), by reference.

    :param state: keep only this state (``draft``, ``active``,
        ``suspended``, ``terminated``, ``expired``) (optional)
    :type state: string
    :param kind: keep only this kind (optional)
    :type kind: string
    :param party: keep only those of this organisation (name or id) (optional)
    :type party: string
    :param q: words of the reference or the title (optional)
    :type q: string
    :returns: ``[{id, reference, title, kind, parties, date_notified,
        status: {state, in_force, ended, end_date, next_renewal}, url,
        summary}]``
    :rtype: list of dicts
    """
    toolkit.check_access("amp_convention_list", context, data_dict)
    state = data_dict.get("state") or None
    kind = data_dict.get("kind") or None
    if state and state not in lifecycle.STATES:
        raise toolkit.ValidationError({"state": [validators.message(
            "Unknown state: {value} (expected one of: {choices})",
            value=state, choices=", ".join(lifecycle.STATES))]})
    if kind and kind not in lifecycle.KINDS:
        raise toolkit.ValidationError({"kind": [validators.message(
            "Unknown kind of convention: {value} (expected one of: {choices})",
            value=kind, choices=", ".join(lifecycle.KINDS))]})
    party = None
    if data_dict.get("party"):
        found = records.organizations([str(data_dict["party"])])
        if not found:
            raise toolkit.ValidationError({"party": [validators.message(
                "The organisation {value} does not exist", value=data_dict["party"])]})
        party = next(iter(found.values())).id
    words_q = [w.casefold() for w in str(data_dict.get("q") or "").split()]

    results = []
    for convention in convention_dicts(records.rows()):
        shown = _readable(context, convention)
        if shown is None:
            continue
        if state and convention["status"]["state"] != state:
            continue
        if kind and convention["kind"] != kind:
            continue
        if party and party not in {p["organization_id"] for p in convention["parties"]}:
            continue
        text = f"{convention['reference']} {convention['title']}".casefold()
        if words_q and not all(word in text for word in words_q):
            continue
        results.append({
            **{key: shown.get(key) for key in ("id", "reference", "title", "kind",
                                               "date_notified", "url", "summary")},
            "parties": [{key: p[key] for key in ("organization", "organization_id",
                                                 "organization_title", "role")}
                        for p in convention["parties"]],
            "status": {key: convention["status"][key] for key in
                       ("state", "in_force", "ended", "end_date", "next_renewal")},
        })
    return results


def amp_convention_update(context, data_dict):
    """Replace a convention's fields, parties, items (kept by ``key``, with
    their deliveries) and, if the text changed, add a version of its
    undertaking. Same parameters as ``amp_convention_create``, plus:

    :param id: the convention's id or reference
    :type id: string
    :returns: the convention
    :rtype: dict
    """
    toolkit.check_access("amp_convention_update", context, data_dict)
    row = _find_or_404(data_dict, "id")
    return _update(context, row, data_dict)


def amp_convention_patch(context, data_dict):
    """Change some fields of a convention; the others stay. A list given
    (``parties``, ``items``, ``deliberations``) replaces the whole list;
    ``usage`` is merged key by key.

    :param id: the convention's id or reference
    :type id: string
    :returns: the convention
    :rtype: dict
    """
    toolkit.check_access("amp_convention_patch", context, data_dict)
    row = _find_or_404(data_dict, "id")
    current = convention_dicts([row])[0]
    merged = {key: current.get(key) for key in schema.CONVENTION_FIELDS}
    merged.update(deliberations=current["deliberations"], usage=current["usage"],
                  parties=current["parties"], items=current["items"],
                  undertaking=(current["undertaking"] or {}).get("text"))
    for key, value in data_dict.items():
        if key == "id":
            continue
        if key == "usage" and isinstance(value, Mapping) and isinstance(merged["usage"], Mapping):
            merged["usage"] = {**merged["usage"], **value}
        else:
            merged[key] = value
    return _update(context, row, merged)


@_transaction
def _update(context, row, data_dict):
    event_rows = records.events([row["id"]])[row["id"]]
    existing = {item["key"]: item["id"] for item in records.items([row["id"]])[row["id"]]}
    counts: dict[str, int] = {key: 0 for key in existing}
    by_id = {item_id: key for key, item_id in existing.items()}
    for delivery in records.deliveries([row["id"]]):
        counts[by_id[delivery["item_id"]]] += 1
    clean = validators.validate_convention(data_dict, current=row,
                                           event_rows=event_rows, item_deliveries=counts)
    before = records.undertakings([row["id"]])[row["id"]]
    records.update(row["id"], clean, _user(context))
    after = records.undertakings([row["id"]])[row["id"]]
    if after is not None and (before is None or after["version"] != before["version"]):
        records.add_event(row["id"], "undertaking_changed", auth.today(),
                          data={"version": after["version"]}, user=_user(context))
    fresh = records.find(row["id"])
    rights.sync(fresh, auth.today(), _user(context))
    return convention_dicts([records.find(row["id"])])[0]


def amp_convention_delete(context, data_dict):
    """Delete a convention with its parties, items, deliveries, events and
    undertakings. Refused while datasets still carry its reference.

    :param id: the convention's id or reference
    :type id: string
    :returns: None
    """
    toolkit.check_access("amp_convention_delete", context, data_dict)
    row = _find_or_404(data_dict, "id")
    return _delete(context, row)


@_transaction
def _delete(context, row):
    under = rights.dataset_ids(row["reference"])
    if under:
        raise toolkit.ValidationError({"id": [validators.message(
            "{count} datasets are under the convention {reference}: change their convention "
            "first", count=len(under), reference=row["reference"])]})
    records.delete(row["id"])
    log.info("convention %s deleted by %s", row["reference"], _user(context))
    return None


def amp_convention_event_create(context, data_dict):
    """Record an event on a convention's timeline (append-only). It must
    agree with the log: after the notification, a resumption after a
    suspension, no renewal past the maximum... When the convention's rights
    end or come back because of it, the datasets under the convention are
    reindexed and the change is written on the timeline too.

    :param convention: the convention's id or reference
    :type convention: string
    :param kind: ``notified``, ``renewed``, ``not_renewed``, ``suspended``,
        ``resumed``, ``termination_notified`` or ``terminated``
    :type kind: string
    :param date: the day it takes effect, ``YYYY-MM-DD``
    :type date: string
    :param effective_date: for ``termination_notified``: the day the
        termination takes effect (optional: the date plus the notice period)
    :type effective_date: string
    :param note: what happened (a registered letter, a decision...) (optional)
    :type note: string
    :returns: ``{event, status}``: the event written and the convention's
        status after it
    :rtype: dict
    """
    toolkit.check_access("amp_convention_event_create", context, data_dict)
    row = _find_or_404(data_dict, "convention", "id")
    return _event_create(context, row, data_dict)


@_transaction
def _event_create(context, row, data_dict):
    clean = validators.validate_event(data_dict)
    event_rows = records.events([row["id"]])[row["id"]]
    terms = records.terms_of(row)
    known = records.lifecycle_events(event_rows)
    new = lifecycle.Event(kind=clean["kind"], date=clean["date"], note=clean.get("note") or "",
                          effective=clean.get("effective_date"))
    today = auth.today()
    before = {str(error) for error in lifecycle.evaluate(terms, known, today).errors}
    after = lifecycle.evaluate(terms, known + [new], today)
    fresh = [error for error in after.errors if str(error) not in before]
    if fresh:
        raise toolkit.ValidationError({"date" if "date" in fresh[0].params else "kind":
                                       [validators.translate(error) for error in fresh]})
    event = records.add_event(row["id"], clean["kind"], clean["date"],
                              note=clean.get("note") or "",
                              effective_date=clean.get("effective_date"), user=_user(context))
    records.touch(row["id"])
    model.Session.commit()
    rights.sync(records.find(row["id"]), today, _user(context))
    return {"event": {key: _iso(value) for key, value in event.items()},
            "status": status_dict(after)}


@toolkit.side_effect_free
def amp_convention_status(context, data_dict):
    """The state of conventions, for the other plugins (amp_access computes
    permission labels with it on every search): one statement for all the
    references asked, no other action called.

    :param references: the references (a list, or one string with commas)
        (optional)
    :type references: list of strings
    :param party_org_ids: ids of organisations: the conventions of which one
        of them is a party are answered too (optional)
    :type party_org_ids: list of strings
    :returns: ``{reference: {state, in_force, ended, end_date, party_org_ids,
        licence_id, diffusion}}``; ``ended`` is true while the rights are
        withheld (suspended, terminated, expired); an unknown reference is
        absent
    :rtype: dict
    """
    toolkit.check_access("amp_convention_status", context, data_dict)
    references = sorted({str(ref) for ref in as_list(data_dict.get("references")
                                                     or data_dict.get("reference"))})
    today = auth.today()
    organizations = sorted({str(org) for org in as_list(data_dict.get("party_org_ids"))})
    # Within a reindex batch the same few conventions are asked about for
    # each dataset: read once (common/unit_of_work.py).
    return unit_of_work.remembered(
        ("amp_convention_status", tuple(references), tuple(organizations), today),
        lambda: _statuses(references, organizations, today))


def _statuses(references: list[str], organizations: list[str],
              today: dt.date) -> dict[str, Any]:
    answer = {}
    for row in records.status_rows(references, organizations):
        events = records.lifecycle_events(row["events"] or [])
        state = lifecycle.evaluate(records.terms_of(row), events, today)
        answer[row["reference"]] = {
            "state": state.state,
            "in_force": state.in_force,
            "ended": state.ended,
            "end_date": _iso(state.end_date),
            "party_org_ids": list(row["party_org_ids"] or []),
            "licence_id": row["licence_id"],
            "diffusion": row["diffusion"],
        }
    return answer


# -------------------------------------------------------------- deliveries


def amp_delivery_create(context, data_dict):
    """Record a delivery of a data item (a file, a new resource or version,
    a harvest job). Recording the same resource for the same item on the
    same day again changes nothing.

    :param convention: the convention's id or reference
    :type convention: string
    :param item: the data item's key or id
    :type item: string
    :param received: the day it was received, ``YYYY-MM-DD`` (optional: today)
    :type received: string
    :param resource_id: the resource it became (optional)
    :type resource_id: string
    :param file_name: the file's name (optional)
    :type file_name: string
    :param url: where it was fetched from (optional; never with credentials)
    :type url: string
    :param harvest_job_id: the harvest job that brought it (optional)
    :type harvest_job_id: string
    :param status: ``received`` (default), ``accepted`` or ``rejected``
        (a rejected delivery settles no due date)
    :type status: string
    :param note: (optional)
    :type note: string
    :returns: the delivery
    :rtype: dict
    """
    toolkit.check_access("amp_delivery_create", context, data_dict)
    row = _find_or_404(data_dict, "convention", "id")
    return _delivery_create(context, row, data_dict)


def _item_of(row, key) -> dict:
    for item in records.items([row["id"]])[row["id"]]:
        if key in (item["key"], item["id"]):
            return item
    raise toolkit.ValidationError({"item": [validators.message(
        "The convention {reference} has no data item {value}",
        reference=row["reference"], value=key or "")]})


@_transaction
def _delivery_create(context, row, data_dict):
    item = _item_of(row, data_dict.get("item"))
    received = _date_param(data_dict, "received") or auth.today()
    status = data_dict.get("status") or "received"
    if status not in schema.DELIVERY_STATUSES:
        raise toolkit.ValidationError({"status": [validators.message(
            "Unknown status of a delivery: {value} (expected one of: {choices})",
            value=status, choices=", ".join(schema.DELIVERY_STATUSES))]})
    url = data_dict.get("url") or None
    if url:
        try:
            url = validators._url(url)
        except validators.InvalidValue as error:
            raise toolkit.ValidationError({"url": [validators.translate(error)]})
    existing = records.find_delivery(item["id"], data_dict.get("resource_id"), received)
    if existing is not None:
        return delivery_dict(existing, row["reference"], item)
    delivery = records.add_delivery(
        row["id"], item["id"], received, resource_id=data_dict.get("resource_id") or None,
        file_name=data_dict.get("file_name") or None, url=url,
        harvest_job_id=data_dict.get("harvest_job_id") or None,
        recorded_by=_user(context), status=status, note=data_dict.get("note") or None)
    return delivery_dict(delivery, row["reference"], item)


def delivery_dict(delivery: Mapping[str, Any], reference: str,
                  item: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": delivery["id"], "convention": reference, "item": item["key"],
            "item_title": item["title"],
            **{key: _iso(delivery.get(key)) for key in
               ("received", "resource_id", "file_name", "url", "recorded_by", "harvest_job_id",
                "status", "note", "created")}}


def tolerance_days() -> int:
    return toolkit.asint(toolkit.config.get("ckanext.amp.conventions.delivery_tolerance_days", 30))


def item_reports(convention: Mapping[str, Any], delivery_rows: Sequence[Mapping[str, Any]],
                 on: dt.date) -> dict[str, schedules.Report]:
    """The schedule of each data item of ``convention`` (a dict of
    :func:`convention_dicts`) matched against its deliveries."""
    status = convention["status"]
    start = dt.date.fromisoformat(status["notified"]) if status.get("notified") else None
    end = dt.date.fromisoformat(status["end_date"]) if status.get("end_date") else None
    skip = [(dt.date.fromisoformat(a), dt.date.fromisoformat(b) if b else None)
            for a, b in status.get("suspensions") or []]
    received: dict[str, list[dt.date]] = {}
    for delivery in delivery_rows:
        if delivery["status"] != "rejected":
            received.setdefault(delivery["item_id"], []).append(delivery["received"])
    reports = {}
    for item in convention["items"]:
        due = dt.date.fromisoformat(item["due_date"]) if item.get("due_date") else None
        reports[item["key"]] = schedules.report(
            item.get("periodicity"), start, on, received.get(item["id"], []),
            tolerance_days=tolerance_days(), end=end, skip=skip, due=due)
    return reports


def _expectation(expectation: schedules.Expectation) -> dict[str, Any]:
    return {"due": _iso(expectation.due), "status": expectation.status,
            "received": _iso(expectation.received)}


@toolkit.side_effect_free
def amp_delivery_list(context, data_dict):
    """What was delivered under conventions, and what is late: "what did
    SYMCRAU send this year, what is late".

    :param convention: a convention's id or reference (optional: all those
        the caller may read in full)
    :type convention: string
    :param item: a data item's key (optional, with ``convention``)
    :type item: string
    :param provider: keep the items this organisation provides (name or id)
        (optional)
    :type provider: string
    :param since: deliveries received from this day, ``YYYY-MM-DD`` (optional)
    :type since: string
    :param until: deliveries received up to this day (optional)
    :type until: string
    :returns: ``{deliveries: [{id, convention, item, item_title, received,
        resource_id, file_name, url, recorded_by, harvest_job_id, status,
        note}], items: [{convention, key, title, provider, recipient,
        periodicity, schedule: periodic|one_off|unscheduled, expected:
        [{due, status, received}], counts, next_due, late: [due dates]}],
        late: [{convention, item, title, provider, due}], on}``; expected
        deliveries are those due between ``since`` and ``until`` (or
        ``on``, today); ``counts`` is :func:`schedules.tally` of their
        statuses (``received``, ``received_late``, ``late``, ``due``,
        ``pending``, ``expected``, ``delivered``); ``on`` is the day the
        schedules were computed for (``until`` or today, ``YYYY-MM-DD``)
    :rtype: dict
    """
    toolkit.check_access("amp_delivery_list", context, data_dict)
    since, until = _date_param(data_dict, "since"), _date_param(data_dict, "until")
    if since and until and until < since:
        raise toolkit.ValidationError({"until": [validators.message(
            "The end of the period ({end}) is before its start ({start})",
            start=since, end=until)]})
    if data_dict.get("convention"):
        rows = [_find_or_404(data_dict, "convention")]
    else:
        rows = records.rows()
    provider = None
    if data_dict.get("provider"):
        found = records.organizations([str(data_dict["provider"])])
        if not found:
            raise toolkit.ValidationError({"provider": [validators.message(
                "The organisation {value} does not exist", value=data_dict["provider"])]})
        provider = next(iter(found.values())).id
    on = auth.today()
    rows = [row for row in rows if auth.can_read(context, row["id"])]
    conventions = convention_dicts(rows, on)
    all_deliveries = records.deliveries([row["id"] for row in rows])
    result: dict[str, Any] = {"deliveries": [], "items": [], "late": [],
                              "on": _iso(until or on)}
    for convention in conventions:
        items = [item for item in convention["items"]
                 if (not data_dict.get("item") or data_dict["item"] in (item["key"], item["id"]))
                 and (provider is None or item["provider_id"] == provider)]
        if data_dict.get("convention") and data_dict.get("item") and not items:
            raise toolkit.ValidationError({"item": [validators.message(
                "The convention {reference} has no data item {value}",
                reference=convention["reference"], value=data_dict["item"])]})
        ids = {item["id"] for item in items}
        own = [d for d in all_deliveries if d["convention_id"] == convention["id"]]
        reports = item_reports(convention, own, until or on)
        by_id = {item["id"]: item for item in items}
        for delivery in own:
            if delivery["item_id"] not in ids:
                continue
            if (since and delivery["received"] < since) or (until and delivery["received"] > until):
                continue
            result["deliveries"].append(delivery_dict(delivery, convention["reference"],
                                                      by_id[delivery["item_id"]]))
        for item in items:
            report = reports[item["key"]]
            expected = [e for e in report.expected
                        if e.due is None or ((not since or e.due >= since)
                                             and (not until or e.due <= until))]
            late = [e for e in expected if e.late]
            result["items"].append({
                "convention": convention["reference"], "key": item["key"],
                "title": item["title"], "provider": item["provider"],
                "recipient": item["recipient"], "periodicity": item["periodicity"],
                "schedule": report.kind, "expected": [_expectation(e) for e in expected],
                "counts": schedules.tally(e.status for e in expected),
                "next_due": _iso(report.next_due), "late": [_iso(e.due) for e in late]})
            for expectation in late:
                result["late"].append({"convention": convention["reference"],
                                       "item": item["key"], "title": item["title"],
                                       "provider": item["provider"],
                                       "due": _iso(expectation.due)})
    return result


def get_actions() -> dict[str, Any]:
    return {name: function for name, function in globals().items()
            if name.startswith("amp_") and callable(function)}

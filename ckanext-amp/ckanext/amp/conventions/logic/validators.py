"""Validation of a convention as the actions receive it (API, forms,
``harvesters/*.yaml``): French messages, every error at once, nothing
written unless all is valid.

A convention is a nested structure (parties, deliberations, usage terms,
data items with their columns), which CKAN's flat navigator schemas do not
describe well; :func:`validate_convention` walks it with the field tables of
:mod:`ckanext.amp.conventions.logic.schema` and raises
``toolkit.ValidationError`` with CKAN's nested error dict
(``{"items": [{}, {"provider": ["…"]}]}``). The rules of the lifecycle come
from :mod:`ckanext.amp.common.conventions`.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any, Callable, Iterable, Mapping, Optional, Sequence

from ckan import model
from ckan.plugins import toolkit

from ckanext.amp.common import conventions as lifecycle
from ckanext.amp.common.messages import TranslatableError
from ckanext.amp.common.validation import InvalidValue, http_uri, iso_date, vocabulary_value
from ckanext.amp.common.values import is_empty
from ckanext.amp.conventions import records
from ckanext.amp.conventions.logic import schema

Path = tuple  # ("items", 1, "provider")

REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,99}$")
KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,79}$")


# ------------------------------------------------------------- messages


def format_param(name: str, value: Any) -> str:
    """A parameter of a message as a French reader expects it."""
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if name == "kind" and value in schema.EVENT_LABELS:
        return toolkit._(schema.EVENT_LABELS[value])
    return str(value)


def translate(error: TranslatableError) -> str:
    """``error`` in the portal's language (dates written dd/mm/yyyy)."""
    params = {name: format_param(name, value) for name, value in error.params.items()}
    return toolkit._(error.msgid).format(**params)


def message(msgid: str, **params: Any) -> str:
    return translate(TranslatableError(msgid, **params))


class Errors:
    """Errors keyed by their path in the convention."""

    def __init__(self) -> None:
        self.found: list[tuple[Path, str]] = []

    def add(self, path: Path, text: str) -> None:
        self.found.append((tuple(path), text))

    def __bool__(self) -> bool:
        return bool(self.found)

    def as_dict(self) -> dict[str, Any]:
        """CKAN's nested error dict: a list field with errors in its entries
        holds one dict per entry (``{}`` for those without), then the
        messages about the list itself; an entry's own messages are under
        ``__entry``."""
        result: dict[str, Any] = {}
        # deepest first, so that lists of entries exist before messages
        # about the whole list are appended after them
        for path, text in sorted(self.found, key=lambda found: -len(found[0])):
            node: Any = result
            for index, step in enumerate(path):
                last = index == len(path) - 1
                if isinstance(step, int):
                    while len(node) <= step:
                        node.append({})
                    if last:
                        node[step].setdefault("__entry", []).append(text)
                    else:
                        node = node[step]
                elif last:
                    target = node.setdefault(step, [])
                    if isinstance(target, dict):
                        target.setdefault("__entry", []).append(text)
                    else:
                        target.append(text)
                else:
                    following = path[index + 1]
                    node = node.setdefault(step, [] if isinstance(following, int) else {})
        return result

    def raise_if_any(self) -> None:
        if self.found:
            raise toolkit.ValidationError(self.as_dict())


def flatten(error_dict: Any, prefix: str = "") -> list[tuple[str, str]]:
    """``[(path, message)]`` from a nested error dict: ``items[1].provider``."""
    found: list[tuple[str, str]] = []
    if isinstance(error_dict, Mapping):
        for key, value in error_dict.items():
            name = prefix if key == "__entry" else (f"{prefix}.{key}" if prefix else str(key))
            found.extend(flatten(value, name))
    elif isinstance(error_dict, (list, tuple)):
        for index, entry in enumerate(error_dict):
            if isinstance(entry, str):
                found.append((prefix, entry))
            elif entry:
                found.extend(flatten(entry, f"{prefix}[{index}]"))
    elif error_dict:
        found.append((prefix, str(error_dict)))
    return found


# --------------------------------------------------------------- values


def _text(value: Any) -> Optional[str]:
    if is_empty(value):
        return None
    return str(value).strip()


def _date(value: Any) -> Optional[dt.date]:
    if is_empty(value):
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    return dt.date.fromisoformat(iso_date(value))


def _int(value: Any) -> Optional[int]:
    if is_empty(value):
        return None
    if isinstance(value, bool):
        raise InvalidValue("{value} is not a whole number", value=value)
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if not re.fullmatch(r"[+-]?\d+", text):
        raise InvalidValue("{value} is not a whole number", value=text)
    return int(text)


_TRUE = {"true", "1", "yes", "oui", "vrai", "on"}
_FALSE = {"false", "0", "no", "non", "faux", "off"}


def _bool(value: Any) -> Optional[bool]:
    if is_empty(value):
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise InvalidValue("{value} is not yes or no", value=value)


def _url(value: Any) -> Optional[str]:
    return None if is_empty(value) else http_uri(value)


PARSERS: dict[str, Callable[[Any], Any]] = {
    "text": _text, "date": _date, "int": _int, "bool": _bool, "url": _url,
}


def _fields(source: Mapping[str, Any], fields: Mapping[str, str], path: Path,
            errors: Errors, ignored: Iterable[str] = ()) -> dict[str, Any]:
    """Parse the plain fields of ``source`` by ``fields`` (name -> parser);
    unknown keys are errors."""
    result: dict[str, Any] = {}
    for name, kind in fields.items():
        try:
            result[name] = PARSERS[kind](source.get(name))
        except InvalidValue as error:
            errors.add(path + (name,), translate(error))
            result[name] = None
    for name in source:
        if name not in fields and name not in ignored:
            errors.add(path + (name,), message("Unknown field: {value}", value=name))
    return result


def _mapping(value: Any, path: Path, errors: Errors) -> Optional[Mapping[str, Any]]:
    if isinstance(value, Mapping):
        return value
    errors.add(path, message("An object is expected"))
    return None


def _list(value: Any, path: Path, errors: Errors) -> list[Any]:
    if value is None or value == "":
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    errors.add(path, message("A list is expected"))
    return []


def _choice(value: Optional[str], choices: Sequence[str], path: Path, errors: Errors,
            msgid: str) -> Optional[str]:
    if value is None:
        return None
    if value not in choices:
        errors.add(path, message(msgid, value=value, choices=", ".join(choices)))
        return None
    return value


def licence_exists(licence_id: str) -> bool:
    register = model.Package.get_license_register()
    try:
        return register.get(licence_id) is not None
    except Exception:  # pragma: no cover - a register without .get
        return licence_id in dict(register.items())


# ----------------------------------------------------------- the whole


def validate_convention(data: Mapping[str, Any], *, current: Optional[Mapping[str, Any]] = None,
                        event_rows: Sequence[Mapping[str, Any]] = (),
                        item_deliveries: Optional[Mapping[str, int]] = None) -> dict[str, Any]:
    """The convention ``data`` checked and normalised, ready for
    :func:`ckanext.amp.conventions.records.insert` / ``update``.

    ``current``: the stored row when updating (its reference may stay);
    ``event_rows``: its log, which the new terms must not contradict;
    ``item_deliveries``: ``{item key: number of deliveries}``, items with
    deliveries cannot be removed.
    """
    errors = Errors()
    if not isinstance(data, Mapping):
        errors.add(("convention",), message("An object is expected"))
        errors.raise_if_any()
    clean = _fields(data, schema.CONVENTION_FIELDS, (), errors, ignored=schema.IGNORED_FIELDS)

    # reference, title, kind
    reference = clean.get("reference")
    if reference is None:
        errors.add(("reference",), message("Missing value"))
    elif not REFERENCE.match(reference):
        errors.add(("reference",), message(
            "The reference {value} may only hold letters, digits, dots, dashes and "
            "underscores (2 to 100 characters)", value=reference))
    else:
        other = records.find(reference)
        if other is not None and (current is None or other["id"] != current["id"]):
            errors.add(("reference",), message(
                "The reference {value} is already used by another convention", value=reference))
    if clean.get("title") is None:
        errors.add(("title",), message("Missing value"))
    if clean.get("kind") is None:
        errors.add(("kind",), message("Missing value"))
    else:
        clean["kind"] = _choice(clean["kind"], lifecycle.KINDS, ("kind",), errors,
                                "Unknown kind of convention: {value} (expected one of: {choices})")

    # licence, diffusion
    if clean.get("licence_id") is not None and not licence_exists(clean["licence_id"]):
        errors.add(("licence_id",), message("Unknown licence: {value}", value=clean["licence_id"]))
    clean["diffusion"] = _choice(clean.get("diffusion"), schema.DIFFUSION_LEVELS, ("diffusion",),
                                 errors, "Unknown diffusion level: {value} (expected one of: {choices})")

    # parties
    entries = _list(data.get("parties"), ("parties",), errors)
    keys = [str(entry.get("organization") or entry.get("organization_id") or "")
            for entry in entries if isinstance(entry, Mapping)]
    organizations = records.organizations(keys)
    clean["parties"] = []
    party_ids: set[str] = set()
    if not entries and "parties" not in {p[0] for p, _ in errors.found}:
        errors.add(("parties",), message("A convention needs at least one party"))
    for index, raw in enumerate(entries):
        path = ("parties", index)
        entry = _mapping(raw, path, errors)
        if entry is None:
            continue
        party = _fields(entry, schema.PARTY_FIELDS, path, errors, ignored=schema.PARTY_IGNORED)
        key = party.pop("organization") or _text(entry.get("organization_id"))
        if key is None:
            errors.add(path + ("organization",), message("Missing value"))
        elif key not in organizations:
            errors.add(path + ("organization",),
                       message("The organisation {value} does not exist", value=key))
        else:
            group = organizations[key]
            if group.id in party_ids:
                errors.add(path + ("organization",), message(
                    "The organisation {value} is listed twice among the parties", value=key))
            party_ids.add(group.id)
            party["organization_id"] = group.id
            party["siret"] = records.organization_siret(group)
        if party.get("role") is None:
            errors.add(path + ("role",), message("Missing value"))
        else:
            party["role"] = _choice(party["role"], schema.PARTY_ROLES, path + ("role",), errors,
                                    "Unknown role of a party: {value} (expected one of: {choices})")
        clean["parties"].append(party)

    # deliberations
    clean["deliberations"] = []
    deliberation_orgs = records.organizations(
        str(d.get("organization") or d.get("organization_id") or "")
        for d in _list(data.get("deliberations"), (), Errors()) if isinstance(d, Mapping))
    for index, raw in enumerate(_list(data.get("deliberations"), ("deliberations",), errors)):
        path = ("deliberations", index)
        entry = _mapping(raw, path, errors)
        if entry is None:
            continue
        deliberation = _fields(entry, schema.DELIBERATION_FIELDS, path, errors,
                               ignored=("organization_title", "organization_id"))
        org_key = deliberation.pop("organization") or _text(entry.get("organization_id"))
        deliberation["organization_id"] = None
        if org_key is not None:
            group = deliberation_orgs.get(org_key)
            if group is None or group.id not in party_ids:
                errors.add(path + ("organization",), message(
                    "The organisation {value} of a deliberation is not a party of the convention",
                    value=org_key))
            else:
                deliberation["organization_id"] = group.id
        if all(deliberation.get(name) is None for name in ("body", "reference", "date")):
            errors.add(path, message("A deliberation needs at least its body, reference or date"))
        clean["deliberations"].append(deliberation)

    # usage terms
    usage_raw = data.get("usage") or {}
    usage: dict[str, Any] = {}
    if _mapping(usage_raw, ("usage",), errors) is not None:
        usage = _fields(usage_raw, schema.USAGE_FIELDS, ("usage",), errors, ignored=("charter",))
        charter_raw = usage_raw.get("charter") or {}
        if _mapping(charter_raw, ("usage", "charter"), errors) is not None:
            charter = _fields(charter_raw, schema.CHARTER_FIELDS, ("usage", "charter"), errors)
            usage["charter"] = {k: v for k, v in charter.items() if v is not None}
    clean["usage"] = usage

    # terms and dates
    terms = lifecycle.Terms(
        notified=clean.get("date_notified"),
        initial_term_months=clean.get("initial_term_months"),
        tacit_renewal=clean.get("tacit_renewal"),
        renewal_term_months=clean.get("renewal_term_months"),
        max_renewals=clean.get("max_renewals"),
        notice_months=clean.get("notice_months"))
    for error in lifecycle.validate_terms(terms):
        errors.add((error.field,), translate(error))
    dated = [(d.get("reference") or d.get("body") or "", d["date"])
             for d in clean["deliberations"] if d.get("date")]
    for error in lifecycle.check_dates(clean.get("date_notified"), clean.get("date_signed"), dated):
        errors.add((error.field,), translate(error))
    if event_rows and not errors:
        state = lifecycle.evaluate(terms, records.lifecycle_events(event_rows), dt.date.today())
        for error in state.errors:
            errors.add(("events",), translate(error))

    # items
    clean["items"] = _items(data.get("items"), party_ids, errors, item_deliveries or {})

    # undertaking: a new text makes a new version
    undertaking = data.get("undertaking")
    if isinstance(undertaking, Mapping):
        undertaking = undertaking.get("text")
    clean["undertaking"] = _text(undertaking)

    errors.raise_if_any()
    return clean


def _items(value: Any, party_ids: set[str], errors: Errors,
           item_deliveries: Mapping[str, int]) -> list[dict[str, Any]]:
    entries = _list(value, ("items",), errors)
    organizations = records.organizations(
        str(entry.get(name) or "") for entry in entries if isinstance(entry, Mapping)
        for name in ("provider", "recipient"))
    result = []
    seen: set[str] = set()
    for index, raw in enumerate(entries):
        path = ("items", index)
        entry = _mapping(raw, path, errors)
        if entry is None:
            continue
        item = _fields(entry, schema.ITEM_FIELDS, path, errors, ignored=schema.ITEM_IGNORED)
        if item.get("title") is None:
            errors.add(path + ("title",), message("Missing value"))
        key = item.get("key")
        if key is None:
            errors.add(path + ("key",), message("Missing value"))
        elif not KEY.match(key):
            errors.add(path + ("key",), message(
                "The key {value} of a data item may only hold lower-case letters, digits, "
                "dashes and underscores", value=key))
        elif key in seen:
            errors.add(path + ("key",), message("The key {value} of a data item is used twice",
                                                value=key))
        seen.add(key or "")
        for name in ("provider", "recipient"):
            org_key = item.pop(name)
            item[f"{name}_id"] = None
            if org_key is None:
                errors.add(path + (name,), message("Missing value"))
                continue
            group = organizations.get(org_key)
            if group is None or group.id not in party_ids:
                errors.add(path + (name,), message(
                    "The data item points at {value}, which is not a party of the convention",
                    value=org_key))
            else:
                item[f"{name}_id"] = group.id
        if item["provider_id"] and item["provider_id"] == item["recipient_id"]:
            errors.add(path + ("recipient",), message(
                "The provider and the recipient of a data item must differ"))
        if item.get("periodicity") is not None:
            try:
                item["periodicity"] = vocabulary_value("frequency", item["periodicity"], to="code")
            except InvalidValue as error:
                errors.add(path + ("periodicity",), translate(error))
        if item.get("site_count") is not None and item["site_count"] < 0:
            errors.add(path + ("site_count",), message(
                "The number of sites cannot be below zero (got {value})", value=item["site_count"]))
        item["expected_columns"] = _columns(entry.get("expected_columns"),
                                            path + ("expected_columns",), errors)
        item["sites"] = _sites(entry.get("sites"), path + ("sites",), errors)
        result.append(item)
    for key, count in item_deliveries.items():
        if count and key not in seen:
            errors.add(("items",), message(
                "The data item {value} has deliveries recorded: it cannot be removed", value=key))
    return result


def _named_entries(value: Any, path: Path, errors: Errors,
                   fields: Mapping[str, str]) -> list[dict[str, Any]]:
    """A list of small objects that each need a ``name`` (columns, sites)."""
    entries = []
    for index, raw in enumerate(_list(value, path, errors)):
        entry = _mapping(raw, path + (index,), errors)
        if entry is None:
            continue
        parsed = _fields(entry, fields, path + (index,), errors)
        if parsed.get("name") is None:
            errors.add(path + (index, "name"), message("Missing value"))
        if parsed.get("type") is not None:
            parsed["type"] = _choice(parsed["type"], schema.COLUMN_TYPES,
                                     path + (index, "type"), errors,
                                     "Unknown column type: {value} (expected one of: {choices})")
        entries.append({k: v for k, v in parsed.items() if v is not None})
    return entries


def _columns(value: Any, path: Path, errors: Errors) -> list[dict[str, Any]]:
    return _named_entries(value, path, errors, schema.COLUMN_FIELDS)


def _sites(value: Any, path: Path, errors: Errors) -> list[dict[str, Any]]:
    return _named_entries(value, path, errors, schema.SITE_FIELDS)


# ---------------------------------------------------------------- events


def validate_event(data: Mapping[str, Any]) -> dict[str, Any]:
    """An event recorded by a person: one of the lifecycle's kinds, a date,
    a note; ``effective_date`` only for a notified termination."""
    errors = Errors()
    clean = _fields(data, schema.EVENT_FIELDS, (), errors, ignored=schema.EVENT_IGNORED)
    if clean.get("kind") is None:
        errors.add(("kind",), message("Missing value"))
    else:
        clean["kind"] = _choice(clean["kind"], lifecycle.LIFECYCLE_EVENTS, ("kind",), errors,
                                "Unknown kind of event: {value} (expected one of: {choices})")
    if clean.get("date") is None and not any(p == ("date",) for p, _ in errors.found):
        errors.add(("date",), message("Missing value"))
    if clean.get("effective_date") is not None and clean.get("kind") != "termination_notified":
        errors.add(("effective_date",), message(
            "Only a notified termination has a date of effect"))
    errors.raise_if_any()
    return clean

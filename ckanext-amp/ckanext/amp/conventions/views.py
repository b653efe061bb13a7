"""Pages of amp_conventions (French): the list ``/conventions``, a
convention's page ``/conventions/<reference>``, the forms to create or edit
a convention and to record an event. Every form carries CKAN's CSRF token
and is checked (extension blueprints are not protected by default)."""
from __future__ import annotations

import re
from typing import Any, Mapping, Optional

import yaml
from flask import Blueprint, request

from ckan.plugins import toolkit

from ckanext.amp.common import conventions as lifecycle
from ckanext.amp.conventions.logic import schema, validators
from ckanext.amp.web import action_context, protect_form

conventions = Blueprint("amp_conventions", __name__)

#: Keys of an item the YAML box of the form does not show (the portal's own).
_ITEM_SHOWN_ONLY = ("id", "provider_id", "recipient_id", "provider_title", "recipient_title")


def _can(action: str, data: Mapping[str, Any]) -> bool:
    try:
        toolkit.check_access(action, action_context(), dict(data))
        return True
    except toolkit.NotAuthorized:
        return False


def _show(reference: str) -> dict[str, Any]:
    try:
        return toolkit.get_action("amp_convention_show")(action_context(), {"id": reference})
    except toolkit.ObjectNotFound:
        toolkit.abort(404, toolkit._("Convention not found: {reference}").format(
            reference=reference))
    except toolkit.NotAuthorized:
        toolkit.abort(403, toolkit._("This convention is visible to its parties only"))
    raise AssertionError("unreachable")


# ------------------------------------------------------------------ list


@conventions.route("/conventions")
def index():
    filters = {key: request.args.get(key) or None for key in ("state", "kind", "party", "q")}
    error = None
    try:
        found = toolkit.get_action("amp_convention_list")(
            action_context(), {k: v for k, v in filters.items() if v})
    except toolkit.ValidationError as exc:
        found, error = [], "; ".join(m for _, m in validators.flatten(exc.error_dict))
    everything = toolkit.get_action("amp_convention_list")(action_context(), {})
    parties = sorted({(p["organization"], p["organization_title"] or p["organization"])
                      for c in everything for p in c["parties"]}, key=lambda pair: pair[1])
    return toolkit.render("amp/conventions/list.html", {
        "conventions": found, "filters": filters, "error": error,
        "states": lifecycle.STATES, "kinds": lifecycle.KINDS, "parties": parties,
        "can_create": _can_create(),
    })


def _can_create() -> bool:
    """Sysadmins and administrators of an organisation see the button."""
    if not toolkit.current_user.is_authenticated:
        return False
    return bool(getattr(toolkit.current_user, "sysadmin", False)) or bool(
        toolkit.get_action("organization_list_for_user")(action_context(), {"permission": "admin"}))


# ------------------------------------------------------------------ page


@conventions.route("/conventions/<reference>")
def read(reference: str):
    convention = _show(reference)
    datasets = toolkit.get_action("package_search")(action_context(), {
        "fq": f'convention:"{convention["reference"]}"', "rows": 100,
        "include_private": True, "sort": "title_string asc"})["results"]
    deliveries: Optional[dict] = None
    if not convention["summary"]:
        deliveries = toolkit.get_action("amp_delivery_list")(
            action_context(), {"convention": convention["reference"]})
    items = {}
    if deliveries:
        items = {item["key"]: item for item in deliveries["items"]}
        for delivery in deliveries["deliveries"]:
            items.get(delivery["item"], {}).setdefault("received", []).append(delivery)
    return toolkit.render("amp/conventions/read.html", {
        "convention": convention, "datasets": datasets, "schedule": items,
        "late": (deliveries or {}).get("late", []),
        "can_edit": _can("amp_convention_update", {"id": convention["id"]}),
        "licence_titles": dict(_licences()), "diffusion_labels": _diffusion_labels(),
    })


# ------------------------------------------------------------------ forms


def _rows(form: Mapping[str, str], prefix: str, names: tuple[str, ...]) -> list[dict[str, str]]:
    indexes = sorted({int(match.group(1)) for key in form
                      if (match := re.match(rf"^{prefix}-(\d+)-", key))})
    rows = []
    for index in indexes:
        row = {name: (form.get(f"{prefix}-{index}-{name}") or "").strip() for name in names}
        if any(row.values()):
            rows.append(row)
    return rows


def form_to_data(form: Mapping[str, str]) -> tuple[dict[str, Any], list[str]]:
    """The convention a submitted form describes, and the errors of its
    YAML box of data items."""
    data: dict[str, Any] = {name: (form.get(name) or "").strip()
                            for name in schema.CONVENTION_FIELDS if name != "source"}
    data["parties"] = _rows(form, "parties", tuple(schema.PARTY_FIELDS))
    data["deliberations"] = _rows(form, "deliberations", tuple(schema.DELIBERATION_FIELDS))
    usage: dict[str, Any] = {name: (form.get(f"usage-{name}") or "").strip()
                             for name in schema.USAGE_FIELDS}
    charter = {name: (form.get(f"charter-{name}") or "").strip() for name in schema.CHARTER_FIELDS}
    if any(charter.values()):
        usage["charter"] = charter
    data["usage"] = usage
    data["undertaking"] = (form.get("undertaking") or "").strip()
    problems = []
    text = form.get("items") or ""
    try:
        items = yaml.safe_load(text) if text.strip() else []
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problems.append(toolkit._("The data items are not valid YAML (line {line})").format(
            line=mark.line + 1 if mark else "?"))
        items = []
    data["items"] = items if items is not None else []
    return data, problems


def data_to_form(convention: Mapping[str, Any]) -> dict[str, Any]:
    """A convention (as amp_convention_show gives it) for the form."""
    items = [{key: value for key, value in item.items()
              if key not in _ITEM_SHOWN_ONLY and value not in (None, "", [])}
             for item in convention.get("items") or []]
    return {
        **{name: convention.get(name) for name in schema.CONVENTION_FIELDS},
        "parties": convention.get("parties") or [],
        "deliberations": convention.get("deliberations") or [],
        "usage": convention.get("usage") or {},
        "undertaking": (convention.get("undertaking") or {}).get("text") or "",
        "items": yaml.safe_dump(items, allow_unicode=True, sort_keys=False) if items else "",
    }


def _organizations() -> list[dict[str, str]]:
    return toolkit.get_action("organization_list")(
        action_context(), {"all_fields": True, "sort": "title asc", "limit": 1000})


def _lang() -> str:
    return "en" if str(toolkit.h.lang() or "").startswith("en") else "fr"


def _diffusion_labels() -> dict[str, str]:
    """The diffusion levels' labels in the page's language (codes are no words)."""
    from ckanext.amp.common.diffusion import LEVELS

    return {code: level.label(_lang()) for code, level in LEVELS.items()}


def _licences() -> list[tuple[str, str]]:
    from ckan import model

    register = model.Package.get_license_register()
    return [(licence.id, licence.title) for licence in register.values()]


def _render_form(values: Mapping[str, Any], errors: list[tuple[str, str]], mode: str,
                 convention: Optional[Mapping[str, Any]] = None):
    return toolkit.render("amp/conventions/edit.html", {
        "values": values, "errors": errors, "error_fields": {path for path, _ in errors},
        "items_invalid": any(path.startswith("items") for path, _ in errors),
        "mode": mode, "convention": convention, "organizations": _organizations(),
        "licences": _licences(), "kinds": lifecycle.KINDS, "roles": schema.PARTY_ROLES,
        "diffusions": schema.DIFFUSION_LEVELS, "diffusion_labels": _diffusion_labels(),
    })


@conventions.route("/conventions/new", methods=["GET", "POST"])
def new():
    if not toolkit.current_user.is_authenticated:
        toolkit.abort(403, toolkit._("Only the administrators of a party organisation may "
                                     "create a convention"))
    if request.method == "GET":
        return _render_form({"parties": [], "deliberations": [], "usage": {}}, [], "new")
    protect_form()
    data, problems = form_to_data(request.form)
    errors = [("items", problem) for problem in problems]
    if not errors:
        try:
            created = toolkit.get_action("amp_convention_create")(action_context(), data)
            toolkit.h.flash_success(toolkit._("The convention {reference} is recorded.").format(
                reference=created["reference"]))
            return toolkit.redirect_to("amp_conventions.read", reference=created["reference"])
        except toolkit.NotAuthorized as exc:
            toolkit.abort(403, str(exc) or toolkit._(
                "Only the administrators of a party organisation may create a convention"))
        except toolkit.ValidationError as exc:
            errors = validators.flatten(exc.error_dict)
    values = {**data, "items": request.form.get("items") or ""}
    return _render_form(values, errors, "new")


@conventions.route("/conventions/<reference>/edit", methods=["GET", "POST"])
def edit(reference: str):
    convention = _show(reference)
    if convention["summary"] or not _can("amp_convention_update", {"id": convention["id"]}):
        toolkit.abort(403, toolkit._("Only the administrators of a party organisation may "
                                     "change this convention"))
    if request.method == "GET":
        return _render_form(data_to_form(convention), [], "edit", convention)
    protect_form()
    data, problems = form_to_data(request.form)
    data["reference"] = data.get("reference") or convention["reference"]
    data["source"] = convention.get("source")
    errors = [("items", problem) for problem in problems]
    if not errors:
        try:
            toolkit.get_action("amp_convention_update")(action_context(), {"id": convention["id"], **data})
            toolkit.h.flash_success(toolkit._("The convention {reference} is recorded.").format(
                reference=data["reference"]))
            return toolkit.redirect_to("amp_conventions.read", reference=data["reference"])
        except toolkit.ValidationError as exc:
            errors = validators.flatten(exc.error_dict)
    values = {**data, "items": request.form.get("items") or ""}
    return _render_form(values, errors, "edit", convention)


@conventions.route("/conventions/<reference>/event", methods=["GET", "POST"])
def event(reference: str):
    convention = _show(reference)
    if convention["summary"] or not _can("amp_convention_event_create",
                                         {"convention": convention["id"]}):
        toolkit.abort(403, toolkit._("Only the administrators of a party organisation may "
                                     "change this convention"))
    values: dict[str, Any] = {}
    errors: list[tuple[str, str]] = []
    if request.method == "POST":
        protect_form()
        values = {name: (request.form.get(name) or "").strip() for name in schema.EVENT_FIELDS}
        try:
            toolkit.get_action("amp_convention_event_create")(
                action_context(), {"convention": convention["id"], **values})
            toolkit.h.flash_success(toolkit._("The event is recorded on the timeline."))
            return toolkit.redirect_to("amp_conventions.read", reference=convention["reference"])
        except toolkit.ValidationError as exc:
            errors = validators.flatten(exc.error_dict)
    return toolkit.render("amp/conventions/event.html", {
        "convention": convention, "values": values, "errors": errors,
        "kinds": lifecycle.LIFECYCLE_EVENTS,
    })


def get_blueprints() -> list[Blueprint]:
    return [conventions]

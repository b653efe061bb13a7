"""Validators of the amp_schema plugin (registered with ``toolkit.blanket.validators``).

Each wraps a pure function of ``ckanext.amp.common`` (or
``ckanext.amp.schema.rules``) and turns its :class:`InvalidValue` into a
CKAN ``Invalid`` with the message translated by the shared catalogue.
Validators named in the scheming YAML with arguments are factories:
``amp_vocabulary('data-theme')`` returns the validator.

Cross-field checks (licence and diffusion, periods, defaults from the
organisation, derived access rights) read the other fields from the
flattened ``data``; they run as field validators of the field they set or
report on, so that the error is shown next to it.
"""
from __future__ import annotations

import json
import logging
from typing import Any, Callable

import ckan.plugins.toolkit as toolkit
from ckan.lib.navl.dictization_functions import missing as MISSING_VALUE
from ckanext.scheming.validation import scheming_validator

from ckanext.amp.common import diffusion as diffusion_rules, identifiers, licences, validation
from ckanext.amp.common.validation import InvalidValue
from ckanext.amp.schema import rules
from ckanext.amp.common.values import as_list

Validator = Callable[..., Any]
Key = tuple[Any, ...]

PUBLIC_EXTRA_LICENCES_OPTION = "ckanext.amp.schema.public_extra_licences"

log = logging.getLogger(__name__)


#: Names of the code tables of :mod:`rules` in messages, by language.
_TABLE_TITLES = {
    "diffusion": {"fr": "Niveau de diffusion", "en": "Diffusion"},
    "diffusion_basis": {"fr": "Motif de non-diffusion", "en": "Why not public"},
    "metadata_visibility": {"fr": "Visibilité de la fiche", "en": "Record visibility"},
    "spatial_granularity": {"fr": "Maille spatiale", "en": "Spatial granularity"},
    "kind": {"fr": "Nature juridique", "en": "Kind of body"},
}


def _lang() -> str:
    try:
        return "en" if str(toolkit.h.lang() or "fr").startswith("en") else "fr"
    except Exception:  # outside a request
        return "fr"


def _vocabulary_title(name: str) -> str:
    """« Thème des données » for ``data-theme``: the title in the page's language."""
    from ckanext.amp.common.vocabularies import VOCABULARIES, load_vocabulary

    lang = _lang()
    if name in VOCABULARIES:
        title = load_vocabulary(name).header.get("title") or {}
        return f"« {title.get(lang) or title.get('fr') or name} »"
    if name in _TABLE_TITLES:
        return f"« {_TABLE_TITLES[name][lang]} »"
    return name


def _translate(error: InvalidValue) -> str:
    params = dict(error.params)
    if "vocabulary" in params:
        params["vocabulary"] = _vocabulary_title(str(params["vocabulary"]))
    level = diffusion_rules.LEVELS.get(str(params.get("diffusion") or ""))
    if level is not None:
        params["diffusion"] = level.name(_lang())
    return toolkit._(error.msgid).format(**params)


def _invalid(error: InvalidValue) -> toolkit.Invalid:
    return toolkit.Invalid(_translate(error))


def _empty(value: Any) -> bool:
    return value is None or value is MISSING_VALUE or (isinstance(value, str) and not value.strip()) \
        or (isinstance(value, (list, tuple)) and not value)


def _as_list(value: Any) -> list[Any]:
    """Several values from a form, the API or a JSON/comma string; CKAN's
    ``missing`` counts as none."""
    return [] if _empty(value) else as_list(value)


def _wrap(function: Callable[[Any], Any]) -> Validator:
    def validator(value: Any) -> Any:
        if _empty(value):
            return value
        try:
            return function(value)
        except InvalidValue as error:
            raise _invalid(error) from None
    validator.__doc__ = function.__doc__
    return validator


def amp_siret(value: Any) -> Any:
    """A SIRET with a valid Luhn key (spaces removed)."""
    return _wrap(identifiers.siret)(value)


def amp_siren(value: Any) -> Any:
    """A SIREN with a valid Luhn key (spaces removed)."""
    return _wrap(identifiers.siren)(value)


def amp_insee_commune(value: Any) -> Any:
    """An INSEE commune code (COG)."""
    return _wrap(identifiers.insee_commune_code)(value)


def amp_uri(value: Any) -> Any:
    """An absolute http(s) address."""
    return _wrap(validation.http_uri)(value)


def amp_email(value: Any) -> Any:
    """An e-mail address (``mailto:`` removed)."""
    return _wrap(validation.email)(value)


def amp_iso_temporal(value: Any) -> Any:
    """An ISO 8601 year, month, date or date and time."""
    return _wrap(validation.iso_temporal)(value)


def amp_iso_date(value: Any) -> Any:
    """An ISO 8601 date, or date and time."""
    return _wrap(lambda text: validation.iso_datetime(text, allow_date=True))(value)


def amp_number(value: Any) -> Any:
    """A decimal number (``12.5``; a decimal comma is accepted)."""
    if _empty(value):
        return value
    text = str(value).strip().replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        raise toolkit.Invalid(toolkit._("{value} is not a number").format(value=str(value).strip())) from None
    return str(int(number)) if number.is_integer() else str(number)


def amp_vocabulary(name: str, to: str = "uri") -> Validator:
    """One value of vocabulary ``name`` (stored as its URI, or its code)."""
    def validator(value: Any) -> Any:
        if _empty(value):
            return value
        try:
            return validation.vocabulary_value(name, value, to=to)
        except InvalidValue as error:
            raise _invalid(error) from None
    return validator


def amp_vocabulary_list(name: str, to: str = "uri") -> Validator:
    """Several values of vocabulary ``name``; stored as a JSON list."""
    def validator(value: Any) -> Any:
        items = _as_list(value)
        if not items:
            return MISSING_VALUE if _empty(value) else "[]"
        try:
            return json.dumps(validation.vocabulary_values(name, items, to=to))
        except InvalidValue as error:
            raise _invalid(error) from None
    return validator


@scheming_validator
def amp_field_choice(field: dict[str, Any], schema: dict[str, Any]) -> Validator:
    """One of the field's own ``choices`` (listed in the schema YAML), refused
    with a French message (CKAN's ``scheming_choices`` message cannot be
    translated: it is formatted before translation)."""
    allowed = {str(choice["value"]) for choice in field.get("choices") or []}
    label = field.get("label") or field["field_name"]

    def validator(value: Any) -> Any:
        if _empty(value) or str(value) in allowed:
            return value
        title = label.get(_lang()) or label.get("fr") if isinstance(label, dict) else label
        raise _invalid(InvalidValue("{value} is not an allowed value for {vocabulary}",
                                    value=str(value).strip(), vocabulary=f"« {title} »"))
    return validator


def amp_choice(table: str) -> Validator:
    """One code of a table of :mod:`ckanext.amp.schema.rules` (``DIFFUSION_LEVELS``...)."""
    choices = getattr(rules, table)
    labels = {
        "DIFFUSION_LEVELS": "diffusion", "DIFFUSION_BASES": "diffusion_basis",
        "METADATA_VISIBILITY": "metadata_visibility",
        "SPATIAL_GRANULARITIES": "spatial_granularity", "ORGANIZATION_KINDS": "kind",
        "OBLIGATIONS": "obligation",
    }

    def validator(value: Any) -> Any:
        if _empty(value):
            return value
        try:
            return rules.one_of(choices, value, labels.get(table, table))
        except InvalidValue as error:
            raise _invalid(error) from None
    return validator


def amp_zones(value: Any) -> Any:
    """COG zone ids that exist (``fr:commune:13055``...); stored as a JSON list."""
    items = _as_list(value)
    if not items:
        return MISSING_VALUE if _empty(value) else "[]"
    try:
        return json.dumps(identifiers.zone_ids(items))
    except InvalidValue as error:
        raise _invalid(error) from None


def amp_uri_list(value: Any) -> Any:
    """Several http(s) addresses; stored as a JSON list."""
    items = _as_list(value)
    if not items:
        return MISSING_VALUE if _empty(value) else "[]"
    result = []
    try:
        for item in items:
            uri = validation.http_uri(item)
            if uri not in result:
                result.append(uri)
    except InvalidValue as error:
        raise _invalid(error) from None
    return json.dumps(result)


def amp_resource_format(value: Any) -> Any:
    """A format of the EU file-type list, stored as its code (``CSV``)."""
    if _empty(value):
        return value
    text = str(value).strip().lstrip(".")
    try:
        return validation.vocabulary_value("file-type", text, to="code")
    except InvalidValue as error:
        raise _invalid(error) from None


def amp_guess_resource_format(key: Key, data: dict, errors: dict, context: Any) -> None:
    """A new resource left without format gets the EU file type its URL's
    extension names (CKAN's ``if_empty_guess_format`` gives a media type,
    ``text/csv``, that is no file type)."""
    if not _empty(data.get(key)) or not _empty(data.get(key[:-1] + ("id",))):
        return
    guessed = validation.guess_file_type(data.get(key[:-1] + ("url",)))
    if guessed:
        data[key] = guessed


def amp_licence(value: Any) -> Any:
    """A licence of the register, given by its id or any variant real portals
    use (« Licence Ouverte v2.0 », its EU or SPDX URI…): stored as its id.
    A licence CKAN's register has (an operator's own register) is kept."""
    if _empty(value):
        return value
    import ckan.model as model

    text = str(value).strip()
    if text in model.Package.get_license_register() or text in _extra_licences():
        return text
    entry = licences.load_registry().resolve(text)
    if entry is not None:
        return entry.id
    raise toolkit.Invalid(toolkit._("{value} is not a licence of the registry").format(value=text))


# ---------------------------------------------------------------------------
# cross-field checks (flattened data)


def _sibling(key: Key, data: dict[Key, Any], name: str) -> Any:
    value = data.get(key[:-1] + (name,))
    return None if value is MISSING_VALUE else value


def _extra_licences() -> list[str]:
    return toolkit.aslist(toolkit.config.get(PUBLIC_EXTRA_LICENCES_OPTION) or "")


def amp_licence_for_diffusion(key: Key, data: dict[Key, Any], errors: dict[Key, list[str]],
                              context: dict[str, Any]) -> None:
    """On ``license_id``: the licence fits the diffusion level (the rules of
    common/diffusion.py); a non-public dataset given no licence gets its
    level's default. A licence allowed only by the operator is kept with a
    warning shown to the steward."""
    level = diffusion_rules.level_of({"diffusion": _sibling(key, data, "diffusion")})
    value = data.get(key)
    if _empty(value):
        default = level.default_licence
        if default and licences.load_registry().get(default) is not None:
            data[key] = value = default
    registry = licences.load_registry()
    entry = None if _empty(value) else registry.resolve(str(value).strip())
    if entry is None and not _empty(value):
        return  # amp_licence says it is unknown
    convention = _sibling(key, data, "convention")
    status = convention_status(str(convention).strip()) if not _empty(convention) else None
    try:
        warning = diffusion_rules.check_licence(
            level.code, entry, allowed_open=_extra_licences(),
            convention_licence=(status or {}).get("licence_id"))
    except InvalidValue as error:
        errors.setdefault(key, []).append(_translate(error))
        return
    if warning is not None:
        _warn(_translate(warning))


def _warn(message: str) -> None:
    """A warning the steward sees on the next page (the form's result)."""
    from flask import has_request_context

    log.warning("%s", message)
    if has_request_context():
        toolkit.h.flash_notice(message)


def amp_diffusion_rules(key: Key, data: dict[Key, Any], errors: dict[Key, list[str]],
                        context: dict[str, Any]) -> None:
    """On ``diffusion``: the change of level is allowed (personal data never
    becomes public or restricted, whoever asks; leaving personal needs an
    attestation of anonymisation, in the ``anonymisation_*`` fields)."""
    new = data.get(key)
    package = context.get("package")
    previous = None
    if package is not None and getattr(package, "id", None):
        previous = package.extras.get("diffusion") if hasattr(package, "extras") else None
    attestation = {name: _sibling(key, data, name) for name in diffusion_rules.ATTESTATION_FIELDS}
    try:
        diffusion_rules.check_transition(previous, new, attestation)
    except InvalidValue as error:
        errors.setdefault(key, []).append(_translate(error))


def convention_status(reference: str) -> dict[str, Any] | None:
    """What amp_conventions says of a convention (None: no such convention,
    or amp_conventions not loaded — then :func:`conventions_known` is False)."""
    try:
        action = toolkit.get_action("amp_convention_status")
    except KeyError:
        return None
    answer = action({"ignore_auth": True}, {"references": [reference]})
    return answer.get(reference)


def conventions_known() -> bool:
    """Whether conventions are recorded on this portal (amp_conventions loaded)."""
    try:
        toolkit.get_action("amp_convention_status")
    except KeyError:
        return False
    return True


def amp_convention_reference(key: Key, data: dict[Key, Any], errors: dict[Key, list[str]],
                             context: dict[str, Any]) -> None:
    """On ``convention``: a reference the portal knows (when conventions are
    recorded), and a restricted dataset has one unless shared by grants only."""
    value = data.get(key)
    reference = "" if _empty(value) else str(value).strip()
    if reference:
        data[key] = reference
        if conventions_known() and convention_status(reference) is None:
            errors.setdefault(key, []).append(
                toolkit._("No convention has the reference {value}").format(value=reference))
            return
    try:
        diffusion_rules.check_restricted(_sibling(key, data, "diffusion"), reference,
                                         _sibling(key, data, "diffusion_basis"))
    except InvalidValue as error:
        errors.setdefault(key, []).append(_translate(error))


def amp_diffusion_basis(key: Key, data: dict[Key, Any], errors: dict[Key, list[str]],
                        context: dict[str, Any]) -> None:
    """On ``diffusion_basis``: required when the dataset is not public
    (``convention`` by default when a convention is given)."""
    diffusion = str(_sibling(key, data, "diffusion") or "public").strip().lower()
    value = data.get(key)
    if diffusion == "public":
        return
    if _empty(value):
        if not _empty(_sibling(key, data, "convention")):
            data[key] = "convention"
            return
        errors.setdefault(key, []).append(
            toolkit._("Say why the dataset is not public"))


def amp_metadata_visibility(key: Key, data: dict[Key, Any], errors: dict[Key, list[str]],
                            context: dict[str, Any]) -> None:
    """On ``metadata_visibility``: only for ``restricted`` (default ``public``)."""
    diffusion = str(_sibling(key, data, "diffusion") or "public").strip().lower()
    if diffusion != "restricted":
        if not _empty(data.get(key)):
            errors.setdefault(key, []).append(
                toolkit._("The visibility of the record only applies to restricted datasets"))
        data[key] = MISSING_VALUE
    elif _empty(data.get(key)):
        data[key] = "public"


def amp_access_rights(key: Key, data: dict[Key, Any], errors: dict[Key, list[str]],
                      context: dict[str, Any]) -> None:
    """On ``access_rights``: derived from ``diffusion``; any typed value is replaced."""
    diffusion = _sibling(key, data, "diffusion") or "public"
    derived = diffusion_rules.access_right_uri(diffusion)
    data[key] = derived if derived else MISSING_VALUE


def amp_period(key: Key, data: dict[Key, Any], errors: dict[Key, list[str]],
               context: dict[str, Any]) -> None:
    """On ``temporal_coverage`` ``end``: an ISO 8601 date not before ``start``."""
    end = data.get(key)
    start = _sibling(key, data, "start")
    if _empty(end):
        return
    try:
        _, normalised = validation.period(None if _empty(start) else start, end)
    except InvalidValue as error:
        errors.setdefault(key, []).append(_translate(error))
        return
    data[key] = normalised


def amp_hvd_legislation(key: Key, data: dict[Key, Any], errors: dict[Key, list[str]],
                        context: dict[str, Any]) -> None:
    """On ``applicable_legislation``: http(s) URIs; the HVD regulation
    (2023/138) is added when the dataset has an HVD category."""
    value = data.get(key)
    try:
        items = [validation.http_uri(item) for item in _as_list(value)]
    except InvalidValue as error:
        errors.setdefault(key, []).append(_translate(error))
        return
    hvd = _as_list(_sibling(key, data, "hvd_category"))
    if hvd and rules.HVD_REGULATION not in items:
        items.append(rules.HVD_REGULATION)
    unique: list[str] = []
    for item in items:
        if item not in unique:
            unique.append(item)
    data[key] = json.dumps(unique) if unique else MISSING_VALUE


# -- defaults from the owner organisation ---------------------------------


def _organization_fields(data: dict[Key, Any]) -> dict[str, Any]:
    import ckan.model as model

    owner = data.get(("owner_org",))
    if _empty(owner):
        return {}
    group = model.Group.get(str(owner))
    if group is None or not group.is_organization:
        return {}
    fields: dict[str, Any] = {"title": group.title, "name": group.name}
    fields.update({name: value for name, value in group.extras.items()})
    return fields


def amp_default_from_organization(source: str) -> Validator:
    """Fill an empty field from the owner organisation's field ``source``
    (``title`` for the producer, ``siret``...)."""
    def validator(key: Key, data: dict[Key, Any], errors: dict[Key, list[str]],
                  context: dict[str, Any]) -> None:
        if not _empty(data.get(key)):
            return
        value = _organization_fields(data).get(source)
        if not _empty(value):
            data[key] = value
    return validator


def amp_dataset_defaults(key: Key, data: dict[Key, Any], errors: dict[Key, list[str]],
                         context: dict[str, Any]) -> None:
    """Schema ``before_validators``: when no contact point is given, use the
    owner organisation's contact (name, e-mail, website)."""
    if any(k[0] == "contact" and len(k) > 1 and not _empty(v) for k, v in data.items()):
        return
    organization = _organization_fields(data)
    email = organization.get("contact_email")
    name = organization.get("contact_name") or organization.get("title")
    if _empty(email):
        return
    data[("contact", 0, "name")] = name
    data[("contact", 0, "email")] = email
    url = organization.get("website")
    if not _empty(url):
        data[("contact", 0, "url")] = url


def amp_computed(key: Key, data: dict[Key, Any], errors: dict[Key, list[str]],
                 context: dict[str, Any]) -> None:
    """For computed fields (``quality_score``): whatever was typed is dropped."""
    data.pop(key, None)
    raise toolkit.StopOnError


__all__ = [name for name in list(globals()) if name.startswith("amp_")]

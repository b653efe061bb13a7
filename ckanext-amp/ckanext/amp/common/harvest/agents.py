"""Contact points and publishers of remote records. Pure.

Every source describes agents its own way: a vCard or FOAF agent parsed by
ckanext-dcat (``name``, ``email``, ``url``, ``uri``, ``identifier``,
``type``), an ISO 19139 ``CI_ResponsibleParty`` as ckanext-spatial reads it
(``organisation-name``, ``individual-name``, ``contact-info.email``,
``contact-info.online-resource``, ``role``), CKAN's ``maintainer`` /
``author`` fields, ODS's ``publisher`` and ``contact_email``. :func:`agent`
reads any of these into our subfields (``name``, ``email``, ``url``,
``uri``, ``identifier``, ``type``), keeping only the values our validators
accept: an e-mail that is not one, or a URL that is not ``http(s)``, is left
out with a warning (returned in ``problems``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from ckanext.amp.common.validation import InvalidValue, email, http_uri
from ckanext.amp.common.harvest.text import plain, shorten

__all__ = ["AgentReading", "agent", "agents"]

BAD_EMAIL = "{value} is not an e-mail address: left out"
BAD_URL = "{value} is not a web address (http or https): left out"

#: Our subfields, by schema field (``contact`` has no ``type``).
SUBFIELDS = {
    "contact": ("name", "email", "url", "uri", "identifier"),
    "publisher": ("name", "email", "url", "uri", "type", "identifier"),
    "creator": ("name", "email", "url", "uri", "type", "identifier"),
}
_NAME_KEYS = ("name", "fn", "organisation-name", "organization-name", "organisation_name",
              "organization", "individual-name", "individual_name", "title", "display_name",
              "foaf:name", "vcard:fn", "label")
_EMAIL_KEYS = ("email", "mbox", "hasEmail", "has_email", "electronicMailAddress", "mail",
               "contact_email", "vcard:hasEmail", "foaf:mbox")
_URL_KEYS = ("url", "homepage", "online-resource", "onlineResource", "hasURL", "has_url",
             "website", "foaf:homepage", "vcard:hasURL")


@dataclass
class AgentReading:
    value: dict[str, str] = field(default_factory=dict)
    problems: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


def _first(mapping: Mapping[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        value = mapping.get(key)
        if isinstance(value, Mapping):  # ISO contact-info / ODS nested values
            value = value.get("email") or value.get("url") or value.get("value") or value.get("@id")
        if plain(value):
            return value
    return None


def agent(value: Any, *, name: Any = None, email_value: Any = None, url: Any = None,
          kind: str = "contact") -> AgentReading:
    """One agent in our subfields. ``value`` is a mapping (any of the shapes
    above) or a plain name; ``name``/``email_value``/``url`` override or
    complete it (CKAN's ``maintainer``/``maintainer_email``...)."""
    reading = AgentReading()
    raw: dict[str, Any] = {}
    if isinstance(value, Mapping):
        contact_info = value.get("contact-info") if isinstance(value.get("contact-info"), Mapping) else {}
        raw["name"] = _first(value, _NAME_KEYS)
        if not plain(raw["name"]) and plain(value.get("individual-name")):
            raw["name"] = value.get("individual-name")
        raw["email"] = _first(value, _EMAIL_KEYS) or _first(contact_info, ("email",))
        raw["url"] = _first(value, _URL_KEYS) or _first(contact_info, ("online-resource",))
        for key in ("uri", "identifier", "type"):
            raw[key] = value.get(key)
    elif value is not None:
        raw["name"] = value
    if name is not None and plain(name):
        raw["name"] = name
    if email_value is not None and plain(email_value):
        raw["email"] = email_value
    if url is not None and plain(url):
        raw["url"] = url

    kept: dict[str, str] = {}
    text = plain(raw.get("name"))
    if text:
        kept["name"] = text[:300]
    address = plain(raw.get("email"))
    if address:
        try:
            kept["email"] = email(address)
        except InvalidValue:
            reading.problems.append((BAD_EMAIL, {"value": shorten(address)}))
    for key in ("url", "uri"):
        link = plain(raw.get(key))
        if not link:
            continue
        try:
            kept[key] = http_uri(link)
        except InvalidValue:
            if key == "url" and "@" in link and "email" not in kept:
                try:
                    kept["email"] = email(link)
                    continue
                except InvalidValue:
                    pass
            # a blank node or a local id is not worth a warning; a web-ish value is
            if key == "url" or link.startswith(("www.", "ftp:", "http")):
                reading.problems.append((BAD_URL, {"value": shorten(link)}))
    for key in ("identifier", "type"):
        text = plain(raw.get(key))
        if text:
            kept[key] = text[:300]
    reading.value = {key: kept[key] for key in SUBFIELDS[kind] if key in kept}
    if set(reading.value) <= {"type", "identifier"}:
        reading.value = {}
    return reading


def agents(values: Any, *, kind: str = "contact") -> tuple[list[dict[str, str]],
                                                       list[tuple[str, dict[str, Any]]]]:
    """Several agents (one, or a list of any of the shapes), duplicates
    dropped: the agents and the problems."""
    problems: list[tuple[str, dict[str, Any]]] = []
    items = values if isinstance(values, (list, tuple)) else [values]
    found: list[dict[str, str]] = []
    for item in items[:50]:
        one = agent(item, kind=kind)
        problems.extend(one.problems)
        if one.value and one.value not in found:
            found.append(one.value)
    return found, problems

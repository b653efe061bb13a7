"""The datasets a local authority is expected to publish, and how a dataset
is recognised as one of them. Pure Python, no CKAN import.

The list comes from the French frame (docs/decisions/0018-obligations-maturity.md):
the **priority** datasets that the authorities already engaged in open data
agreed on (budgets, deliberations, subsidies) and the **recommended** ones
that come from their services (local urban plan, sanitation networks,
building permits, public procurement, transport), each with the text that
asks for it (CRPA L312-1-1 of the *loi pour une République numérique*, NOTRe,
the 2015 public procurement ordinance...).

A dataset **fulfils** an obligation when

* one of its ``conforms_to`` URIs is one of the obligation's standards
  (:attr:`Obligation.standards`: a host and/or a run of path segments, so
  ``https://schema.data.gouv.fr/scdl/budget/`` and
  ``https://schema.data.gouv.fr/schemas/scdl/budget/0.8.3/schema.json``
  both match ``scdl/budget``), or
* its steward flagged it so: the dataset field ``obligation`` holds the
  obligation's code (for the obligations without a national schema, or a
  dataset published in another shape).

Per organisation, an obligation is **missing** (no dataset fulfils it), or
present and then **fresh** (one of its datasets is up to date, or has no
schedule), **late** (all are late) or **not judged** (none fresh, one without
frequency or date). Freshness is :mod:`ckanext.amp.common.freshness`'s rule.

Usage::

    codes = matching(dataset)                  # {"budget"}
    status = obligation_status(reports)        # "fresh", "late", "not_judged", "missing"
    prefill("budget")                          # what /dataset/new is opened with
"""
from __future__ import annotations

import functools
import urllib.parse
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Optional

from ckanext.amp.common import freshness, values

__all__ = [
    "OBLIGATIONS", "LABELS", "STATUSES", "TIERS", "Obligation", "Standard", "by_code",
    "conforms_to", "flagged", "matching", "obligation_status", "prefill", "status_counts",
]

FREQUENCY = "http://publications.europa.eu/resource/authority/frequency/"
THEME = "http://publications.europa.eu/resource/authority/data-theme/"

#: Tiers of obligations, in the order the pages show them.
TIERS: Mapping[str, Mapping[str, str]] = {
    "priority": {"fr": "Prioritaire", "en": "Priority"},
    "recommended": {"fr": "Fortement recommandé", "en": "Strongly recommended"},
}

#: Statuses of an obligation for one organisation, in the order of the pages.
STATUSES = ("fresh", "not_judged", "late", "missing")


@dataclass(frozen=True)
class Standard:
    """A schema or standard, as a host (``gtfs.org``; a subdomain matches too)
    and/or a run of consecutive path segments (``("scdl", "budget")``)."""

    host: str = ""
    path: tuple[str, ...] = ()

    def matches(self, uri: str) -> bool:
        host, segments = _split(uri)
        if self.host and not (host == self.host or host.endswith("." + self.host)):
            return False
        if not self.path:
            return bool(self.host)
        size = len(self.path)
        return any(tuple(segments[i:i + size]) == self.path
                   for i in range(len(segments) - size + 1))


@dataclass(frozen=True)
class Obligation:
    """One dataset an authority is expected to publish."""

    code: str
    tier: str
    labels: Mapping[str, str]
    #: The text(s) that ask for it, in French (shown as is).
    basis: str
    #: ``conforms_to`` URIs recognised (see :class:`Standard`).
    standards: tuple[Standard, ...] = ()
    #: The ``conforms_to`` a new dataset is created with ("" when there is no schema).
    schema: str = ""
    #: EU frequency code a new dataset is created with.
    frequency: str = "ANNUAL"
    licence: str = "lov2"
    #: Themes (EU data-theme codes) a new dataset is created with.
    themes: tuple[str, ...] = field(default=())

    def label(self, lang: str = "fr") -> str:
        return self.labels.get(lang) or self.labels["fr"]

    @property
    def frequency_uri(self) -> str:
        return FREQUENCY + self.frequency


def _standard(text: str) -> Standard:
    """``"gtfs.org"`` (a host), ``"scdl/budget"`` (segments) or
    ``"cnig.gouv.fr/ressources-dematerialisation-documents-d-urbanisme-a2732.html"``."""
    first, _, rest = text.partition("/")
    if "." in first:
        return Standard(first, tuple(s for s in rest.split("/") if s))
    return Standard("", tuple(s for s in text.split("/") if s))


OBLIGATIONS: tuple[Obligation, ...] = (
    Obligation(
        "budget", "priority", {"fr": "Budgets", "en": "Budgets"},
        "Loi pour une République numérique (CRPA, art. L312-1-1) ; jeu prioritaire du socle "
        "des collectivités ouvertes",
        (_standard("scdl/budget"),), "https://schema.data.gouv.fr/scdl/budget/", "ANNUAL",
        themes=("ECON", "GOVE")),
    Obligation(
        "deliberations", "priority",
        {"fr": "Délibérations et décisions", "en": "Deliberations and decisions"},
        "Loi NOTRe (décret n° 2016-146 : actes des collectivités de plus de 3 500 habitants "
        "et des EPCI en ligne) ; CRPA, art. L312-1-1",
        (_standard("scdl/deliberations"),), "https://schema.data.gouv.fr/scdl/deliberations/",
        "MONTHLY", themes=("GOVE",)),
    Obligation(
        "subventions", "priority", {"fr": "Subventions", "en": "Subsidies"},
        "Loi pour une République numérique (CRPA, art. L312-1-1) ; décret n° 2017-779 "
        "(données essentielles des conventions de subvention)",
        (_standard("scdl/subventions"),), "https://schema.data.gouv.fr/scdl/subventions/",
        "ANNUAL", themes=("ECON", "GOVE")),
    Obligation(
        "plu", "recommended", {"fr": "Plan local d’urbanisme (PLU)",
                               "en": "Local urban plan (PLU)"},
        "Standard CNIG des documents d’urbanisme (Géoportail de l’urbanisme)",
        (_standard("cnig.gouv.fr/ressources-dematerialisation-documents-d-urbanisme-a2732.html"),
         _standard("geoportail-urbanisme.gouv.fr"), _standard("cnig/plu")),
        "https://cnig.gouv.fr/ressources-dematerialisation-documents-d-urbanisme-a2732.html",
        "IRREG", themes=("REGI",)),
    Obligation(
        "assainissement", "recommended",
        {"fr": "Réseaux d’assainissement", "en": "Sanitation networks"},
        "Fortement recommandé pour les compétences eau et assainissement "
        "(géostandard RAEPA du CNIG)",
        (_standard("raepa"),), "", "ANNUAL", themes=("ENVI",)),
    Obligation(
        "permis_construire", "recommended",
        {"fr": "Permis de construire", "en": "Building permits"},
        "Loi NOTRe (décret n° 2016-146 : actes en ligne, dont les permis de construire)",
        (), "", "MONTHLY", themes=("REGI",)),
    Obligation(
        "marches_publics", "recommended",
        {"fr": "Marchés publics (données essentielles)",
         "en": "Public procurement (essential data)"},
        "Ordonnance n° 2015-899 relative aux marchés publics (données essentielles de la "
        "commande publique, DECP)",
        (_standard("139bercy/decp"), _standard("decp"), _standard("format-commande-publique"),
         _standard("scdl/marches-publics")),
        "https://schema.data.gouv.fr/139bercy/decp/", "MONTHLY", themes=("ECON", "GOVE")),
    Obligation(
        "transport", "recommended", {"fr": "Transports", "en": "Transport"},
        "Loi n° 2015-990 pour la croissance, l’activité et l’égalité des chances économiques "
        "(données des services de transport)",
        (_standard("gtfs.org"), _standard("netex"), _standard("developers.google.com/transit"),
         _standard("gbfs")),
        "https://gtfs.org/schedule/reference/", "IRREG", themes=("TRAN",)),
)

_BY_CODE = {item.code: item for item in OBLIGATIONS}

#: code -> {"fr", "en"} labels (the table of the dataset field ``obligation``).
LABELS: Mapping[str, Mapping[str, str]] = {item.code: item.labels for item in OBLIGATIONS}


def by_code(code: Any) -> Optional[Obligation]:
    return _BY_CODE.get(str(code or "").strip().lower())


def _split(uri: str) -> tuple[str, list[str]]:
    """(host, lower-case path segments) of a URI, or of a bare ``scdl/budget``."""
    text = uri.strip().lower()
    if "://" not in text:
        text = "//" + text if "." in text.partition("/")[0] else "///" + text
    parts = urllib.parse.urlsplit(text)
    host = (parts.hostname or "").removeprefix("www.")
    return host, [s for s in parts.path.split("/") if s]


@functools.lru_cache(maxsize=4096)
def codes_of_uri(uri: str) -> frozenset[str]:
    """Codes of the obligations whose standard ``uri`` is (a catalogue holds
    few distinct schema URIs: each is judged once)."""
    return frozenset(item.code for item in OBLIGATIONS
                     if any(standard.matches(uri) for standard in item.standards))


def conforms_to(dataset: Mapping[str, Any]) -> set[str]:
    """Codes of the obligations whose standard one of the dataset's
    ``conforms_to`` URIs is (its resources' too)."""
    uris = values.strings(dataset.get("conforms_to"))
    for resource in dataset.get("resources") or []:
        if isinstance(resource, Mapping):
            uris += values.strings(resource.get("conforms_to"))
    codes: set[str] = set()
    for uri in uris:
        codes |= codes_of_uri(uri)
    return codes


def flagged(dataset: Mapping[str, Any]) -> set[str]:
    """The obligation the steward flagged the dataset as fulfilling (field ``obligation``)."""
    item = by_code(dataset.get("obligation"))
    return {item.code} if item else set()


def matching(dataset: Mapping[str, Any]) -> set[str]:
    """Codes of the obligations the dataset fulfils (schema or flag)."""
    return conforms_to(dataset) | flagged(dataset)


def obligation_status(reports: Iterable[freshness.Freshness]) -> str:
    """The status of one obligation from the freshness of the datasets that
    fulfil it: ``missing`` (none), ``fresh`` (one up to date or without
    schedule), ``not_judged`` (none fresh, one without frequency or date),
    else ``late``."""
    states = {report.state for report in reports}
    if not states:
        return "missing"
    if states & {"on_time", "unscheduled"}:
        return "fresh"
    if states & {"no_frequency", "no_date"}:
        return "not_judged"
    return "late"


def status_counts(statuses: Iterable[str]) -> dict[str, int]:
    """How many obligations in each status, every status present, in :data:`STATUSES` order."""
    counts = dict.fromkeys(STATUSES, 0)
    for status in statuses:
        counts[status] += 1
    return counts


def prefill(code: str, organization: str = "") -> dict[str, str]:
    """The query of ``/dataset/new`` that opens the form prefilled for this
    obligation: its schema (``conforms_to``), licence, frequency, themes and
    flag, and the organisation (its id: the form's select compares ids) when given."""
    item = _BY_CODE[code]
    query: dict[str, Any] = {"obligation": item.code, "license_id": item.licence,
                             "frequency": item.frequency_uri}
    if item.schema:
        query["conforms_to"] = item.schema
    if item.themes:
        query["theme"] = [THEME + theme for theme in item.themes]
    if organization:
        query["owner_org"] = organization
    return query

"""Quality score of a dataset (0-100), pure Python, no CKAN import.

The criteria are those of data.gouv.fr's metadata quality score (licence,
temporal and spatial coverage, update frequency, update on time, description
of at least 100 characters, open formats, resources available, resources
documented) completed by the DCAT-AP mandatory and recommended properties
(keywords, themes, contact point, publisher, dates). Each criterion has a
weight; the weights add up to 100 and the score is the sum of the weights of
the criteria met.

Usage::

    report = score(package_dict)          # a package_show dict
    report.score                          # 0..100
    [c.code for c in report.missing]      # what to add, heaviest first

``Criterion.label`` and ``Criterion.hint`` are English gettext msgids; the
CKAN layer translates them with the shared catalogue.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence
from ckanext.amp.common import freshness
from ckanext.amp.common.freshness import UPDATE_PERIODS
from ckanext.amp.common.values import as_list

__all__ = ["CRITERIA", "Criterion", "QualityReport", "OPEN_FORMATS", "UPDATE_PERIODS", "score"]


@dataclass(frozen=True)
class Criterion:
    """One quality criterion: a code, its weight, an English label and hint."""

    code: str
    weight: int
    label: str
    hint: str


@dataclass(frozen=True)
class QualityReport:
    """The score (0-100) and the criteria not met, heaviest first."""

    score: int
    missing: list[Criterion]

    @property
    def met(self) -> list[str]:
        missing = {criterion.code for criterion in self.missing}
        return [criterion.code for criterion in CRITERIA if criterion.code not in missing]


CRITERIA: tuple[Criterion, ...] = (
    Criterion("description", 10, "Description of at least 100 characters",
              "Describe the content, the method and the limits of the data."),
    Criterion("licence", 10, "Licence",
              "Choose a licence (Licence Ouverte 2.0 or ODbL for public data)."),
    Criterion("temporal_coverage", 8, "Temporal coverage",
              "Give the period the data covers."),
    Criterion("spatial_coverage", 8, "Spatial coverage",
              "Give the spatial granularity and the zones covered."),
    Criterion("frequency", 8, "Update frequency", "Say how often the data is updated."),
    Criterion("up_to_date", 10, "Updated on time",
              "The last update is older than the update frequency allows."),
    Criterion("open_format", 10, "Open format",
              "Publish at least one resource in an open format (CSV, JSON, GeoJSON...)."),
    Criterion("resources_available", 10, "Resources available",
              "Add at least one resource, each with a file or an address."),
    Criterion("resources_documented", 8, "Resources documented",
              "Describe every resource or give the schema it follows."),
    Criterion("keywords", 4, "Keywords", "Add keywords."),
    Criterion("themes", 4, "Themes", "Choose at least one theme."),
    Criterion("contact", 4, "Contact point", "Give a contact e-mail or web address."),
    Criterion("publisher", 3, "Producer", "Name the producer of the data."),
    Criterion("dates", 3, "Publication and update dates",
              "Give the publication date and the last update date."),
)

assert sum(criterion.weight for criterion in CRITERIA) == 100

#: Codes of the EU file-type list counted as open, machine-readable formats.
OPEN_FORMATS: frozenset[str] = frozenset({
    "CSV", "TSV", "JSON", "JSON_LD", "GEOJSON", "TOPOJSON", "XML", "RDF", "RDF_XML", "RDFA",
    "RDF_TURTLE", "TURTLE", "N3", "N_TRIPLES", "NQUADS", "TRIG", "ODS", "ODT", "ODG", "ODF",
    "GML", "KML", "GPKG", "GEOPACKAGE", "GPX", "TXT", "HTML", "ATOM", "RSS", "SPARQLQ",
    "PARQUET", "NETCDF", "GRID_ASCII", "TIFF", "GEOTIFF", "PNG", "SVG", "WMS_SRVC", "WFS_SRVC",
    "WCS_SRVC", "WMTS_SRVC", "OWS_SRVC", "ZIP", "GZIP", "TAR", "7Z", "SQL", "YAML", "MARKDOWN",
})

def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _list(value: Any) -> list[Any]:
    """A list from a list, a JSON list in a string or a comma-separated string."""
    return as_list(value)

def _dicts(value: Any) -> list[Mapping[str, Any]]:
    return [item for item in _list(value) if isinstance(item, Mapping)]


#: The last segment of a vocabulary URI, upper-cased (``.../DAILY`` -> ``DAILY``).
_code = freshness.frequency_code
_parse_date = freshness.parse_date


def _resources(dataset: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [resource for resource in dataset.get("resources") or () if isinstance(resource, Mapping)]


def _has_temporal(dataset: Mapping[str, Any]) -> bool:
    return any(_text(item.get("start")) or _text(item.get("end"))
               for item in _dicts(dataset.get("temporal_coverage")))


def _has_spatial(dataset: Mapping[str, Any]) -> bool:
    return bool(_list(dataset.get("spatial_zones")) or _dicts(dataset.get("spatial_coverage"))
                or _text(dataset.get("spatial")))


def _up_to_date(dataset: Mapping[str, Any], now: dt.datetime) -> bool:
    """The rule of :mod:`ckanext.amp.common.freshness`: met unless late or
    not judgeable (no frequency, no date); a frequency with no schedule meets it."""
    return freshness.assess(dataset, now).state in ("on_time", "unscheduled")


def _format_code(resource: Mapping[str, Any]) -> str:
    text = _text(resource.get("format"))
    if "/" in text:
        text = text.rstrip("/").rsplit("/", 1)[-1]
    return text.lstrip(".").upper().replace("-", "_").replace(" ", "_")


def _has_contact(dataset: Mapping[str, Any]) -> bool:
    for item in _dicts(dataset.get("contact")):
        if _text(item.get("email")) or _text(item.get("url")) or _text(item.get("uri")):
            return True
    return bool(_text(dataset.get("maintainer_email")) or _text(dataset.get("author_email")))


def _has_publisher(dataset: Mapping[str, Any]) -> bool:
    if _text(dataset.get("producer")):
        return True
    return any(_text(item.get("name")) for item in _dicts(dataset.get("publisher")))


def _checks(now: dt.datetime) -> dict[str, Callable[[Mapping[str, Any]], bool]]:
    return {
        "description": lambda d: len(_text(d.get("notes"))) >= 100,
        "licence": lambda d: bool(_text(d.get("license_id")) and d.get("license_id") != "notspecified"),
        "temporal_coverage": _has_temporal,
        "spatial_coverage": _has_spatial,
        "frequency": lambda d: _code(d.get("frequency")) not in ("", "UNKNOWN"),
        "up_to_date": lambda d: _up_to_date(d, now),
        "open_format": lambda d: any(_format_code(r) in OPEN_FORMATS for r in _resources(d)),
        "resources_available": lambda d: bool(_resources(d)) and all(
            _text(r.get("url")) and _text(r.get("availability")).lower() not in ("unavailable",)
            for r in _resources(d)),
        "resources_documented": lambda d: bool(_resources(d)) and all(
            _text(r.get("description")) or _list(r.get("conforms_to")) for r in _resources(d)),
        "keywords": lambda d: bool(_list(d.get("tags")) or _list(d.get("tag_string"))),
        "themes": lambda d: bool(_list(d.get("theme"))),
        "contact": _has_contact,
        "publisher": _has_publisher,
        "dates": lambda d: bool(_parse_date(d.get("issued")) and _parse_date(d.get("modified"))),
    }


def score(dataset: Mapping[str, Any], *, now: dt.datetime | None = None) -> QualityReport:
    """Score a dataset (a ``package_show`` dict, or any mapping with its fields).

    ``now`` (time-zone aware; default: the current time) is the date the
    "updated on time" criterion is judged at.
    """
    moment = now or dt.datetime.now(dt.timezone.utc)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    checks = _checks(moment)
    missing: list[Criterion] = []
    total = 0
    for criterion in CRITERIA:
        try:
            met = bool(checks[criterion.code](dataset))
        except (TypeError, ValueError, AttributeError):
            met = False
        if met:
            total += criterion.weight
        else:
            missing.append(criterion)
    missing.sort(key=lambda criterion: -criterion.weight)
    return QualityReport(score=total, missing=missing)


def index_value(value: int) -> str:
    """The score as stored in the search index: three digits (``"085"``), so
    that the string field sorts and ranges in numeric order."""
    if not 0 <= value <= 100:
        raise ValueError("a quality score is between 0 and 100")
    return f"{value:03d}"


def missing_codes(report: QualityReport) -> Sequence[str]:
    return [criterion.code for criterion in report.missing]

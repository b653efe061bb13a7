"""Writing a :class:`MappedRecord` field by field, the same way for every
source type. Pure.

Each mapper reads its source's shape and hands the values to a
:class:`RecordBuilder`, which normalises them with the value readers
(:mod:`dates`, :mod:`themes`, :mod:`spatial`, :mod:`codes`, :mod:`agents`,
:mod:`licensing`) and records what went wrong:

* an **error** when the record cannot be written: no identifier, no title,
  no licence the registry knows;
* a **warning** when a value is kept in another form (a theme kept as a
  keyword, a date read from a lax form, a swapped bounding box, a missing
  description replaced by the title) or left out because it is invalid and
  its field is optional (every other field of our schema).

What the builder writes passes the schema's validators: it never stores a
value they would refuse.
"""
from __future__ import annotations

import functools
import math
from typing import Any, Iterable

from ckanext.amp.common.paths import data_path
from ckanext.amp.common.validation import InvalidValue, http_uri, period
from ckanext.amp.common.values import as_list
from ckanext.amp.common.vocabularies import load_vocabulary
from ckanext.amp.common.harvest import agents as agent_reader
from ckanext.amp.common.harvest.codes import media_type, read_format, read_frequency, read_language
from ckanext.amp.common.harvest.dates import read_date
from ckanext.amp.common.harvest.licensing import read_licence
from ckanext.amp.common.harvest.records import MappedRecord
from ckanext.amp.common.harvest.spatial import SpatialReading
from ckanext.amp.common.harvest.text import (
    MAX_NOTES,
    MAX_TITLE,
    html_to_markdown,
    looks_like_html,
    plain,
    shorten,
    tag_name,
    unique,
)
from ckanext.amp.common.harvest.themes import _BNODE, read_themes

__all__ = ["MAX_RESOURCES", "MAX_TAGS", "RecordBuilder", "attribution_roles"]

#: A record with more distributions keeps the first ones (with a warning).
MAX_RESOURCES = 500
MAX_TAGS = 200

#: Fields whose date must be a day (the schema's ``amp_iso_date``).
DAY_FIELDS = frozenset({"issued", "modified"})
INSPIRE_ROLE = "http://inspire.ec.europa.eu/metadata-codelist/ResponsiblePartyRole/"


@functools.lru_cache(maxsize=None)
def attribution_roles() -> frozenset[str]:
    """The roles ``qualified_attribution`` accepts (its choices in the schema)."""
    import yaml

    schema = yaml.safe_load(data_path("schemas", "dataset.yaml").read_text(encoding="utf-8"))
    for field in schema["dataset_fields"]:
        if field["field_name"] == "qualified_attribution":
            for subfield in field["repeating_subfields"]:
                if subfield["field_name"] == "role":
                    return frozenset(str(choice["value"]) for choice in subfield["choices"])
    return frozenset()


def _join(values: Iterable[Any], limit: int = 5) -> str:
    items = [shorten(plain(v) or repr(v), 60) for v in values]
    text = ", ".join(items[:limit])
    return text + (f" (+{len(items) - limit})" if len(items) > limit else "")


class RecordBuilder:
    """Builds one :class:`MappedRecord` (see the module's doc)."""

    def __init__(self, remote_id: Any, remote_url: Any = None) -> None:
        identifier = plain(remote_id)[:500]
        self.record = MappedRecord(remote_id=identifier, dataset={})
        self.dataset = self.record.dataset
        self._tags: list[str] = []
        self._rejected_tags: list[str] = []
        if not identifier:
            self.record.error("", "The record has no identifier")
        url = self._uri_or_none(remote_url)
        self.record.remote_url = url

    # -- helpers ----------------------------------------------------------

    @staticmethod
    def _uri_or_none(value: Any) -> str | None:
        text = plain(value)
        if not text:
            return None
        try:
            return http_uri(text)
        except InvalidValue:
            return None

    def warn(self, field: str, msgid: str, **params: Any) -> None:
        self.record.warn(field, msgid, **params)

    def _problems(self, field: str, problems: Iterable[tuple[str, dict[str, Any]]]) -> None:
        for msgid, params in problems:
            self.record.warn(field, msgid, **params)

    # -- text -------------------------------------------------------------

    def title(self, value: Any) -> None:
        text = plain(value)
        if looks_like_html(text):
            text = plain(html_to_markdown(text))
        if len(text) > MAX_TITLE:
            self.warn("title", "The title has {size} characters: cut to {limit}",
                      size=len(text), limit=MAX_TITLE)
            text = text[:MAX_TITLE].rstrip()
        if text:
            self.dataset["title"] = text

    def notes(self, value: Any) -> None:
        if self.dataset.get("notes"):
            return
        text = plain(value, multiline=True)
        if looks_like_html(text):
            text = html_to_markdown(text)
        if len(text) > MAX_NOTES:
            self.warn("notes", "The description has {size} characters: cut to {limit}",
                      size=len(text), limit=MAX_NOTES)
            text = text[:MAX_NOTES].rstrip()
        if text:
            self.dataset["notes"] = text

    def text(self, field: str, value: Any, *, multiline: bool = False, limit: int = 10_000) -> None:
        """A free-text field (``provenance``, ``version``, ``identifier``...)."""
        text = plain(value, multiline=multiline)
        if multiline and looks_like_html(text):
            text = html_to_markdown(text)
        if not text or self.dataset.get(field) or _BNODE.match(text):
            return
        if len(text) > limit:
            self.warn(field, "{value} is too long ({size} characters): left out",
                      value=shorten(text, 40), size=len(text))
            return
        self.dataset[field] = text

    # -- keywords and themes ----------------------------------------------

    def keywords(self, values: Any) -> None:
        for value in as_list(values, split_commas=False):
            if isinstance(value, dict):
                value = value.get("display_name") or value.get("name") or value.get("title")
            name = tag_name(value)
            if name is None:
                if plain(value):
                    self._rejected_tags.append(plain(value))
                continue
            if name.casefold() not in {tag.casefold() for tag in self._tags}:
                self._tags.append(name)

    def themes(self, values: Any, *, unknown_as_keywords: bool = True) -> None:
        reading = read_themes(values)
        if reading.themes:
            self.dataset["theme"] = unique(self.dataset.get("theme", []) + reading.themes)
        if reading.keywords:
            if unknown_as_keywords:
                self.keywords(reading.keywords)
                self.warn("theme", "Themes outside the EU list kept as keywords: {values}",
                          values=_join(reading.keywords))
            else:
                self.warn("theme", "Themes outside the EU list left out: {values}",
                          values=_join(reading.keywords))
        if reading.dropped:
            self.warn("theme", "Themes outside the EU list left out: {values}",
                      values=_join(reading.dropped))

    def hvd_categories(self, values: Any) -> None:
        vocabulary = load_vocabulary("hvd-category")
        kept, left = [], []
        for value in as_list(values):
            entry = vocabulary.get(plain(value))
            (kept if entry is not None else left).append(entry.value if entry else value)
        if kept:
            self.dataset["hvd_category"] = unique(kept)
        if left:
            self.warn("hvd_category", "High-value dataset categories left out: {values}",
                      values=_join(left))

    # -- dates --------------------------------------------------------------

    def _date(self, field: str, value: Any, *, day: bool) -> str | None:
        try:
            reading = read_date(value)
        except InvalidValue as error:
            if error.msgid == "Missing value":
                return None
            self.warn(field, "{value} is not a valid date: left out", value=error.params.get(
                "value", shorten(value)))
            return None
        if day and reading.precision in ("year", "month"):
            self.warn(field, "{value} is not precise enough for this date (a day is needed): "
                      "left out", value=reading.text)
            return None
        if reading.note:
            self.warn(field, reading.note, value=shorten(plain(value) or value), date=reading.text)
        return reading.text

    def date(self, field: str, *values: Any) -> None:
        """``issued``/``modified`` (a day or a date and time): the first
        candidate that reads."""
        if self.dataset.get(field):
            return
        for value in values:
            if plain(value) or not isinstance(value, (str, type(None), list, dict)):
                text = self._date(field, value, day=field in DAY_FIELDS)
                if text:
                    self.dataset[field] = text
                    return

    def temporal(self, start: Any, end: Any) -> None:
        """One period of ``temporal_coverage`` (either end may be missing)."""
        first = self._date("temporal_coverage", start, day=False) if plain(start) or \
            not isinstance(start, (str, type(None))) else None
        last = self._date("temporal_coverage", end, day=False) if plain(end) or \
            not isinstance(end, (str, type(None))) else None
        if first and last:
            try:
                period(first, last)
            except InvalidValue:
                self.warn("temporal_coverage", "The period {start} to {end} ends before it "
                          "starts: its end is left out", start=first, end=last)
                last = None
        item = {key: value for key, value in (("start", first), ("end", last)) if value}
        if item and item not in self.dataset.setdefault("temporal_coverage", []):
            self.dataset["temporal_coverage"].append(item)
        if not self.dataset["temporal_coverage"]:
            del self.dataset["temporal_coverage"]

    # -- coded values -----------------------------------------------------------

    def frequency(self, value: Any) -> None:
        if not plain(value) or self.dataset.get("frequency"):
            return
        reading = read_frequency(value)
        if reading is None:
            self.warn("frequency", "{value} is not a known update frequency: left out",
                      value=shorten(plain(value)))
            return
        if reading.guessed:
            self.warn("frequency", "The update frequency {value} was read as {frequency}",
                      value=shorten(plain(value)),
                      frequency=load_vocabulary("frequency").code(reading.value))
        self.dataset["frequency"] = reading.value

    def languages(self, values: Any) -> None:
        kept, left = list(self.dataset.get("language", [])), []
        for value in as_list(values):
            reading = read_language(value)
            if reading is None:
                left.append(value)
            elif reading.value not in kept:
                kept.append(reading.value)
        if kept:
            self.dataset["language"] = kept
        if left:
            self.warn("language", "Languages left out (not in the list): {values}",
                      values=_join(left))

    def licence(self, *candidates: Any) -> None:
        reading = read_licence(*candidates)
        if reading.license_id:
            self.dataset["license_id"] = reading.license_id
        else:
            self.record.error("license_id", reading.msgid or "The record names no licence",
                              **(reading.params or {}))

    # -- addresses ----------------------------------------------------------

    def uri(self, field: str, value: Any) -> None:
        text = plain(value)
        if not text or self.dataset.get(field):
            return
        try:
            self.dataset[field] = http_uri(text)
        except InvalidValue:
            self.warn(field, "{value} is not a web address (http or https): left out",
                      value=shorten(text))

    def uris(self, field: str, values: Any, *, warn: bool = True) -> None:
        kept = list(self.dataset.get(field, []))
        left = []
        for value in as_list(values, split_commas=False):
            text = plain(value)
            if not text:
                continue
            try:
                uri = http_uri(text)
            except InvalidValue:
                left.append(text)
                continue
            if uri not in kept:
                kept.append(uri)
        if kept:
            self.dataset[field] = kept
        if left and warn:
            self.warn(field, "Values that are not web addresses left out: {values}",
                      values=_join(left))

    # -- agents -------------------------------------------------------------

    def agents(self, field: str, values: Any) -> None:
        """``contact`` (several), ``publisher`` and ``creator`` (one each)."""
        found, problems = agent_reader.agents(values, kind=field)
        self._problems(field, problems)
        if not found:
            return
        existing = self.dataset.setdefault(field, [])
        for item in found:
            if item not in existing:
                existing.append(item)
        if field in ("publisher", "creator"):
            del existing[1:]

    def attribution(self, value: Any, role: Any) -> None:
        """One ``qualified_attribution`` (an agent and its INSPIRE role)."""
        text = plain(role)
        uri = text if text.startswith(INSPIRE_ROLE) else INSPIRE_ROLE + text
        if uri not in attribution_roles():
            if text:
                self.warn("qualified_attribution", "{value} is not a known role: the agent is "
                          "left out", value=shorten(text))
            return
        reading = agent_reader.agent(value)
        self._problems("qualified_attribution", reading.problems)
        name = reading.value.get("name")
        if not name:
            return
        item = {"agent_name": name, "role": uri}
        for key in ("email", "url", "uri", "identifier"):
            if reading.value.get(key):
                item[f"agent_{key}"] = reading.value[key]
        existing = self.dataset.setdefault("qualified_attribution", [])
        if item not in existing:
            existing.append(item)

    # -- spatial ------------------------------------------------------------

    def spatial(self, reading: SpatialReading) -> None:
        if reading.zones:
            self.dataset["spatial_zones"] = unique(self.dataset.get("spatial_zones", [])
                                                   + reading.zones)
        if reading.coverage:
            existing = self.dataset.setdefault("spatial_coverage", [])
            for item in reading.coverage:
                if item not in existing:
                    existing.append(item)
        self._problems("spatial_coverage", reading.problems)

    def number(self, field: str, value: Any) -> None:
        text = plain(value).replace(",", ".")
        if not text:
            return
        try:
            number = float(text)
        except ValueError:
            number = math.nan
        if not math.isfinite(number) or number < 0:
            self.warn(field, "{value} is not a number: left out", value=shorten(text))
            return
        self.dataset[field] = str(int(number)) if number.is_integer() else str(number)

    # -- resources ----------------------------------------------------------

    def resource(self, *, url: Any, name: Any = None, description: Any = None, fmt: Any = None,
                 mimetype: Any = None, size: Any = None, issued: Any = None, modified: Any = None,
                 download_url: Any = None, access_url: Any = None, **others: Any) -> None:
        """One resource; ``others`` are more resource fields of the schema
        (``license``, ``rights``, ``conforms_to``, ``language``, ``hash``,
        ``uri``...), copied when valid."""
        resources = self.dataset.setdefault("resources", [])
        if len(resources) >= MAX_RESOURCES:
            self._too_many = getattr(self, "_too_many", 0) + 1
            return
        link = plain(url) or plain(download_url) or plain(access_url)
        try:
            link = http_uri(link)
        except InvalidValue:
            if link:
                self.warn("resources", "The resource {name} has no web address (http or "
                          "https): left out", name=shorten(plain(name) or link))
            return
        resource: dict[str, Any] = {"url": link}
        label = plain(name)
        if label:
            resource["name"] = label[:500]
        text = plain(description, multiline=True)
        if looks_like_html(text):
            text = html_to_markdown(text)
        if text:
            resource["description"] = text[:MAX_NOTES]
        reading = read_format(fmt, mimetype, link)
        if reading is not None:
            resource["format"] = reading.value
        elif plain(fmt):
            self.warn("resources", "The format {value} is not in the EU file-type list: left out",
                      value=shorten(plain(fmt)))
        media = media_type(mimetype) or media_type(fmt)
        if media:
            resource["mimetype"] = media
        if size not in (None, "") and not isinstance(size, bool):
            try:
                number = int(float(plain(size)))
                if number >= 0:
                    resource["size"] = number
            except (TypeError, ValueError, OverflowError):
                pass
        for key, value in (("issued", issued), ("modified", modified)):
            if plain(value) or isinstance(value, (int, float)) and not isinstance(value, bool):
                date = self._date("resources", value, day=True)
                if date:
                    resource[key] = date
        for key, value in (("download_url", download_url), ("access_url", access_url),
                           ("uri", others.pop("uri", None))):
            text = plain(value)
            if text:
                try:
                    resource[key] = http_uri(text)
                except InvalidValue:
                    pass
        for key in ("conforms_to", "documentation", "applicable_legislation"):
            kept = [http_uri(v) for v in as_list(others.pop(key, None), split_commas=False)
                    if _is_uri(v)]
            if kept:
                resource[key] = unique(kept)
        languages = [r.value for r in (read_language(v) for v in as_list(others.pop("language", None)))
                     if r is not None]
        if languages:
            resource["language"] = unique(languages)
        for key in ("license", "rights", "hash", "hash_algorithm", "availability",
                    "compress_format", "package_format", "temporal_resolution"):
            text = plain(others.pop(key, None), multiline=key == "rights")
            if text:
                resource[key] = text[:2_000]
        if resource not in resources:
            resources.append(resource)

    # -- the end --------------------------------------------------------------

    def finish(self) -> MappedRecord:
        """The record, with its tags, its description (the title when it has
        none) and its required fields checked."""
        if not self.dataset.get("title"):
            self.record.error("title", "The record has no title")
        if not self.dataset.get("notes") and self.dataset.get("title"):
            self.dataset["notes"] = self.dataset["title"]
            self.warn("notes", "The record has no description: its title is used instead")
        if self._rejected_tags:
            self.warn("tag_string", "Keywords that cannot be tags left out: {values}",
                      values=_join(self._rejected_tags))
        if len(self._tags) > MAX_TAGS:
            self.warn("tag_string", "The record has {count} keywords: the first {limit} are kept",
                      count=len(self._tags), limit=MAX_TAGS)
        if self._tags:
            self.dataset["tags"] = [{"name": tag} for tag in self._tags[:MAX_TAGS]]
        dropped = getattr(self, "_too_many", 0)
        if dropped:
            self.warn("resources", "The record has {count} resources: the first {limit} are "
                      "kept", count=MAX_RESOURCES + dropped, limit=MAX_RESOURCES)
        self.dataset.setdefault("resources", [])
        for key in [key for key, value in self.dataset.items()
                    if value in (None, "", {}) or (value == [] and key != "resources")]:
            del self.dataset[key]
        return self.record


def _is_uri(value: Any) -> bool:
    try:
        http_uri(plain(value))
        return True
    except InvalidValue:
        return False

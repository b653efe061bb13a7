"""Remote themes onto the EU data-theme vocabulary. Pure.

A theme is kept when it is an EU data theme (URI, code, or its French or
English label), mapped when ``schemas/vocabularies/theme-mapping.json``
knows it (INSPIRE themes, ISO 19115 topic categories, Opendatasoft's
default themes, DataSud's groups; the file names its sources), and
otherwise returned as a keyword, so that it is never stored as an invalid
theme. Identifiers with no label (an unknown URI, an RDF blank node id) are
returned apart: they make poor keywords.

Labels are compared without case, accents or punctuation
(``Transports, Déplacements`` = ``transports deplacements``).
"""
from __future__ import annotations

import functools
import json
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Iterable

from ckanext.amp.common.paths import data_path
from ckanext.amp.common.values import as_list
from ckanext.amp.common.vocabularies import load_vocabulary
from ckanext.amp.common.harvest.text import plain, unique

__all__ = ["ThemeReading", "label_key", "read_themes", "theme_mapping"]

_BNODE = re.compile(r"^(?:_:)?N?[0-9a-f]{32}$", re.IGNORECASE)


def label_key(text: str) -> str:
    """A label compared loosely: no case, accents, punctuation or extra space."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return re.sub(r"[\W_]+", " ", stripped).strip()


def _uri_key(text: str) -> str:
    key = text.strip()
    if key.lower().startswith("https://"):
        key = "http://" + key[8:]
    return key.rstrip("/").casefold()


@dataclass(frozen=True)
class _Index:
    by_uri: dict[str, tuple[str, ...]]
    by_code: dict[str, tuple[str, ...]]
    by_label: dict[str, tuple[str, ...]]


@functools.lru_cache(maxsize=None)
def theme_mapping() -> _Index:
    """The mapping file, indexed (read once)."""
    document = json.loads(data_path("schemas", "vocabularies", "theme-mapping.json")
                          .read_text(encoding="utf-8"))
    vocabulary = load_vocabulary("data-theme")
    by_uri: dict[str, tuple[str, ...]] = {}
    by_code: dict[str, tuple[str, ...]] = {}
    by_label: dict[str, tuple[str, ...]] = {}
    for entry in vocabulary:
        uri = (entry.value,)
        for label in entry.labels.values():
            by_label.setdefault(label_key(label), uri)
    for scheme, entries in document["schemes"].items():
        for raw in entries:
            themes = tuple(vocabulary[code].value for code in raw["themes"])
            if raw.get("uri"):
                by_uri[_uri_key(raw["uri"])] = themes
            # two-letter INSPIRE codes are too easily a word: URIs and labels only
            if raw.get("code") and scheme != "inspire-theme":
                by_code[raw["code"].casefold()] = themes
            for label in raw.get("labels", {}).values():
                by_label.setdefault(label_key(label), themes)
    return _Index(by_uri, by_code, by_label)


@dataclass
class ThemeReading:
    """EU data-theme URIs, the keywords left over, and what was dropped."""

    themes: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    mapped: list[str] = field(default_factory=list)


def _one(value: str, index: _Index) -> tuple[str, tuple[str, ...] | None]:
    vocabulary = load_vocabulary("data-theme")
    entry = vocabulary.get(value)
    if entry is not None and not entry.deprecated:
        return "kept", (entry.value,)
    if "://" in value:
        themes = index.by_uri.get(_uri_key(value))
        return ("mapped", themes) if themes is not None else ("dropped", None)
    if _BNODE.match(value):
        return "dropped", None
    themes = index.by_code.get(value.casefold())
    if themes is None:
        themes = index.by_label.get(label_key(value))
    if themes is None and "/" in value:
        # GEMET/GeoNetwork paths such as "Aménagement Urbanisme/Zonages Planification"
        themes = index.by_label.get(label_key(value.split("/")[0]))
    if themes:
        return "mapped", themes
    return "keyword", None


def read_themes(values: Any) -> ThemeReading:
    """Read remote themes (a list, a JSON list, a comma-free string, dicts
    with a ``name``/``title``/``label``...)."""
    reading = ThemeReading()
    index = theme_mapping()
    items: Iterable[Any] = as_list(values, split_commas=False)
    for item in items:
        if isinstance(item, dict):
            item = item.get("uri") or item.get("title") or item.get("display_name") \
                or item.get("name") or item.get("label")
        text = plain(item)
        if not text:
            continue
        kind, themes = _one(text, index)
        if themes:
            reading.themes.extend(themes)
            if kind == "mapped":
                reading.mapped.append(text)
        elif kind == "keyword":
            reading.keywords.append(text)
        else:
            reading.dropped.append(text)
    reading.themes = unique(reading.themes)
    reading.keywords = unique(reading.keywords)
    reading.dropped = unique(reading.dropped)
    return reading

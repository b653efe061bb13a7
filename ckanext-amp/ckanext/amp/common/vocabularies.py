"""Controlled vocabularies of the metadata schema, read from JSON data files.

The files are ``schemas/vocabularies/<name>.json`` (built from the EU and
INSEE reference files by ``tools/build_vocabularies.py``); each is
``{"header": {...}, "entries": [...]}``. This module only reads them: no
network, no RDF, no CKAN import.

Values are stored as URIs
-------------------------
A dataset stores the URI of a vocabulary entry (e.g.
``http://publications.europa.eu/resource/authority/frequency/DAILY``), which
is what ckanext-dcat serialises as an RDF resource and what harvested DCAT
carries. On input, :meth:`Vocabulary.get` also accepts the code (``DAILY``,
any case), the URI with ``https`` or a trailing slash, and the entry's
aliases (``quotidienne``, ``daily``, ``fr`` for French, ``lov2``...). Zones
have no URI: their stored value is their id (``fr:commune:13055``).

Usage::

    frequency = load_vocabulary("frequency")
    frequency.get("quotidienne").uri     # .../frequency/DAILY
    frequency.label("DAILY")             # "quotidien"
    frequency.choices("fr")              # [{"value": uri, "label": ...}, ...]
"""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Iterator, Mapping

from ckanext.amp.common.paths import data_path

#: Names of the vocabularies shipped in ``schemas/vocabularies``.
VOCABULARIES = (
    "access-right",
    "data-theme",
    "file-type",
    "frequency",
    "hvd-category",
    "language",
    "licence",
    "zones",
)

#: Languages of the labels every entry carries; French first.
LANGUAGES = ("fr", "en")

_CORE_KEYS = frozenset({"code", "uri", "labels", "deprecated", "aliases"})


@dataclass(frozen=True, eq=False)
class Entry:
    """One value of a vocabulary."""

    code: str
    uri: str | None
    labels: Mapping[str, str]
    deprecated: bool = False
    aliases: tuple[str, ...] = ()
    #: The other fields of the entry (``broader``, ``odf_label``, ``bbox``...).
    extra: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def value(self) -> str:
        """What a dataset stores: the URI, or the code when there is none."""
        return self.uri or self.code

    def label(self, lang: str = "fr") -> str:
        """Label in ``lang``, else French, else English, else the code."""
        for candidate in (lang, "fr", "en"):
            text = self.labels.get(candidate)
            if text:
                return text
        return self.code

    def __getitem__(self, key: str) -> Any:
        """Vocabulary-specific fields: ``entry["broader"]``."""
        return self.extra[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.extra.get(key, default)


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return MappingProxyType({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


def _uri_key(value: str) -> str:
    """Normalise a URI for lookup: https -> http, no trailing slash, casefold."""
    key = value.strip()
    if key.lower().startswith("https://"):
        key = "http://" + key[8:]
    return key.rstrip("/").casefold()


class Vocabulary:
    """An immutable, indexed vocabulary.

    ``code in vocabulary`` and ``uri in vocabulary`` test membership (aliases
    too); iteration yields the entries in file order.
    """

    def __init__(self, name: str, header: Mapping[str, Any], entries: list[Entry]) -> None:
        self.name = name
        self.header = _freeze(dict(header))
        self.entries: tuple[Entry, ...] = tuple(entries)
        index: dict[str, Entry] = {}
        for entry in self.entries:
            keys = [entry.code.strip().casefold()]
            if entry.uri:
                keys.append(_uri_key(entry.uri))
            keys.extend(alias.strip().casefold() for alias in entry.aliases)
            for key in keys:
                other = index.get(key)
                if other is not None and other is not entry:
                    raise ValueError(f"{name}: {key!r} names both {other.code} and {entry.code}")
                index[key] = entry
        self._index = index
        self._by_code = {entry.code: entry for entry in self.entries}

    # -- lookup ----------------------------------------------------------

    def get(self, code_or_uri: Any, default: Entry | None = None) -> Entry | None:
        """The entry named by a code, a URI or an alias; ``default`` if none."""
        if not isinstance(code_or_uri, str) or not code_or_uri.strip():
            return default
        text = code_or_uri.strip()
        entry = self._index.get(text.casefold())
        if entry is None and "://" in text:
            entry = self._index.get(_uri_key(text))
        return entry if entry is not None else default

    def __getitem__(self, code_or_uri: str) -> Entry:
        entry = self.get(code_or_uri)
        if entry is None:
            raise KeyError(f"{code_or_uri!r} is not in the {self.name} vocabulary")
        return entry

    def __contains__(self, code_or_uri: object) -> bool:
        return self.get(code_or_uri) is not None

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def __repr__(self) -> str:
        return f"<Vocabulary {self.name} ({len(self.entries)} entries)>"

    # -- conversions -----------------------------------------------------

    def uri(self, code_or_uri: str) -> str:
        """The URI of an entry (its id for zones). ``KeyError`` if unknown."""
        return self[code_or_uri].value

    def code(self, code_or_uri: str) -> str:
        """The code of an entry. ``KeyError`` if unknown."""
        return self[code_or_uri].code

    def label(self, code_or_uri: str, lang: str = "fr", default: str | None = None) -> str:
        """The label of an entry in ``lang`` (French, then English fallback).

        An unknown value gives ``default`` when one is given, else
        ``KeyError``.
        """
        entry = self.get(code_or_uri)
        if entry is None:
            if default is not None:
                return default
            raise KeyError(f"{code_or_uri!r} is not in the {self.name} vocabulary")
        return entry.label(lang)

    def codes(self) -> tuple[str, ...]:
        return tuple(entry.code for entry in self.entries)

    def choices(self, lang: str = "fr", *, include_deprecated: bool = False,
                value: str = "uri", sort: bool = False) -> list[dict[str, str]]:
        """Choices for a ckanext-scheming select: ``[{"value", "label"}]``.

        ``value`` is ``"uri"`` (the stored value, the default) or ``"code"``.
        Deprecated entries are left out unless asked for. File order by
        default (codes, or the EU order for HVD categories); ``sort=True``
        sorts by label.
        """
        if value not in ("uri", "code"):
            raise ValueError("value must be 'uri' or 'code'")
        items = [
            {"value": entry.value if value == "uri" else entry.code, "label": entry.label(lang)}
            for entry in self.entries
            if include_deprecated or not entry.deprecated
        ]
        if sort:
            items.sort(key=lambda item: (item["label"].casefold(), item["value"]))
        return items


def _entry(raw: Mapping[str, Any]) -> Entry:
    extra = {key: _freeze(value) for key, value in raw.items() if key not in _CORE_KEYS}
    return Entry(
        code=raw["code"],
        uri=raw.get("uri"),
        labels=MappingProxyType(dict(raw.get("labels") or {})),
        deprecated=bool(raw.get("deprecated", False)),
        aliases=tuple(raw.get("aliases") or ()),
        extra=MappingProxyType(extra),
    )


def read_vocabulary_file(path: str | Path, name: str | None = None) -> Vocabulary:
    """Read one vocabulary file (no cache): for tests and tools."""
    path = Path(path)
    document = json.loads(path.read_text(encoding="utf-8"))
    header = document.get("header") or {}
    name = name or header.get("vocabulary") or path.stem
    return Vocabulary(name, header, [_entry(raw) for raw in document.get("entries", ())])


def vocabulary_path(name: str) -> Path:
    """Path of the shipped file of a vocabulary."""
    if name not in VOCABULARIES:
        raise ValueError(f"unknown vocabulary {name!r} (one of {', '.join(VOCABULARIES)})")
    return data_path("schemas", "vocabularies", f"{name}.json")


@functools.lru_cache(maxsize=None)
def load_vocabulary(name: str) -> Vocabulary:
    """The shipped vocabulary ``name`` (read once, then cached).

    ``name`` is one of :data:`VOCABULARIES`. The result is immutable, so the
    cache holds no mutable state.
    """
    return read_vocabulary_file(vocabulary_path(name), name)

"""The licence registry: what each licence allows, and the mapping of the
forms real portals publish it under to one registry entry. Pure Python.

The data is ``licences/ckan-licences.json``, which is also CKAN's licence
register (``licenses_group_url``): CKAN reads its keys (``id``, ``title``,
``url``, ``od_conformance``...) and ignores ours (``open``, ``decree``,
``spdx``, ``eu_uri``, ``attribution``, ``share_alike``, ``levels``,
``variants``, ``description``...). docs/decisions/0006-licence-registry.md
says what the fields mean and where the variants come from.

Mapping a variant
-----------------
:meth:`Registry.resolve` accepts any form of an entry: its CKAN id, its
titles, its URL, its SPDX id, its EU licence-authority URI and every string
of its ``variants``. Both sides are compared through
:func:`normalise_variant` (case, punctuation, ``http``/``https``, ``www.``,
trailing ``/``, ``.html``, fragments, queries, language segments, Creative
Commons ``legalcode``/``deed.xx``, ``v2.0``/``version 2.0``/``2.0``...).
A value that names no entry gives ``None``; :meth:`Registry.map` raises
:class:`UnknownLicence` instead. Nothing ever falls back to
``notspecified``: that entry is only what a source that literally says "not
specified" maps to.

A registry in which two entries share a normalised form cannot be built
(:class:`ValueError`), so a variant always names one entry.

Usage::

    registry = load_registry()
    registry.map("https://spdx.org/licenses/etalab-2.0.html").id   # "lov2"
    registry.resolve("Licence Ouverte v2.0").decree                # True
    registry.resolve("something else")                             # None
    [licence.id for licence in registry.for_level("restricted")]
"""
from __future__ import annotations

import functools
import html
import json
import re
import unicodedata
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

from ckanext.amp.common.messages import TranslatableError
from ckanext.amp.common.paths import data_path

__all__ = [
    "LEVELS",
    "LICENCES_FILE",
    "Licence",
    "Registry",
    "UnknownLicence",
    "licence_from_data",
    "load_registry",
    "normalise_variant",
    "read_registry_file",
    "registry_from_data",
    "registry_path",
]

#: The registry's file in the ``licences`` data folder.
LICENCES_FILE = "ckan-licences.json"

#: Diffusion levels an entry's ``levels`` may name (the levels themselves,
#: their labels and rules belong to the diffusion rules, not to this module).
LEVELS = ("public", "restricted", "internal", "personal")

UNKNOWN_LICENCE = "Unknown licence: {value}"
NO_LICENCE = "No licence given"

_EU_LICENCE = "http://publications.europa.eu/resource/authority/licence/"


class UnknownLicence(TranslatableError):
    """A licence value that names no entry of the registry."""


@dataclass(frozen=True)
class Licence:
    """One entry of the registry."""

    id: str
    title: str
    title_en: str
    url: str
    open: bool
    decree: bool
    spdx: str | None
    eu_uri: str | None
    attribution: bool
    share_alike: bool
    levels: frozenset[str]
    variants: tuple[str, ...]
    #: What the licence allows, in French and English (non-open licences).
    description: str = ""
    description_en: str = ""

    def label(self, lang: str = "fr") -> str:
        """The title in ``lang`` (French, else English; falls back to the other)."""
        if lang == "fr":
            return self.title or self.title_en or self.id
        return self.title_en or self.title or self.id

    def describe(self, lang: str = "fr") -> str:
        """What the licence allows, in ``lang`` ("" when the entry says nothing)."""
        if lang == "fr":
            return self.description or self.description_en
        return self.description_en or self.description

    @property
    def names(self) -> tuple[str, ...]:
        """Every form that names this entry: id, titles, URL, SPDX id, EU URI,
        variants (empty ones left out)."""
        forms = (self.id, self.title, self.title_en, self.url, self.spdx or "",
                 self.eu_uri or "", *self.variants)
        return tuple(form for form in forms if form and form.strip())

    def allows(self, level: str) -> bool:
        """True when the licence may be used with the diffusion ``level``."""
        return level in self.levels


# ---------------------------------------------------------------------------
# normalisation

_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://")
_BARE_HOST_PATH = re.compile(r"^[\w-]+(?:\.[\w-]+)+/")
_LANGUAGE_SEGMENTS = frozenset({
    "fr", "en", "de", "es", "it", "nl", "pt", "ca", "fr-fr", "fr_fr", "en-gb", "en-us",
})
#: Creative Commons' last path segments that name a rendering of a licence.
_RENDERING = re.compile(r"^(?:legalcode|deed)(?:\.[a-z]{2,3}(?:[-_][a-z]{2,4})?)?$")
_PAGE_SUFFIX = re.compile(r"\.(?:html?|php)$")
_VERSION = re.compile(r"(?<![\w.])(?:version|v)\s*\.?\s*(\d+)(?:[.,](\d+))?(?![\w])")
_DECIMAL_COMMA = re.compile(r"(?<=\d),(?=\d)")
_LICENCE_WORD = re.compile(r"licen[cs]e")


def _is_url(text: str) -> bool:
    return bool(_SCHEME.match(text) or text.startswith("www.") or _BARE_HOST_PATH.match(text))


def _normalise_text(text: str) -> str:
    text = _LICENCE_WORD.sub("licence", text)
    text = _VERSION.sub(lambda m: f"{m.group(1)}.{m.group(2) or '0'}", text)
    text = _DECIMAL_COMMA.sub(".", text)
    text = re.sub(r"[^\w.]+|_", " ", text)
    text = re.sub(r"(?<!\d)\.|\.(?!\d)", " ", text)
    return " ".join(text.split())


def _normalise_url(text: str) -> str:
    text = urllib.parse.unquote(text)
    text = _SCHEME.sub("", text)
    text = re.split(r"[#?]", text, maxsplit=1)[0]
    host, _, path = text.partition("/")
    host = host.rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    segments = [segment for segment in path.split("/") if segment]
    segments = [segment for segment in segments if segment not in _LANGUAGE_SEGMENTS]
    while segments:
        last = _PAGE_SUFFIX.sub("", segments[-1])
        if host == "spdx.org":
            last = re.sub(r"\.json$", "", last)
        if _RENDERING.match(last) or last == "index":
            segments.pop()
            continue
        segments[-1] = last
        break
    if host == "spdx.org" and len(segments) == 2 and segments[0] == "licenses":
        # an SPDX page names its identifier: the same as the bare id
        return _normalise_text(segments[1])
    return "/".join([host, *segments])


def normalise_variant(value: str) -> str:
    """The form under which a licence value is compared with the registry's.

    Text is NFKC-normalised and casefolded (accents kept). A URL (with a
    scheme, ``www.``, or ``host.tld/path``) loses its scheme, ``www.``,
    query, fragment, trailing ``/``, ``.html``/``.htm``, language segments
    (``/fr/``, ``/en/``...), and Creative Commons' ``legalcode``/``deed.xx``;
    ``spdx.org/licenses/<id>`` becomes ``<id>``. Other text has "license"
    spelt "licence", versions written ``2.0`` (``v2``, ``v2.0``,
    ``version 2.0``, ``V 2.0`` alike), and every run of punctuation and
    spaces made one space (dots kept only inside numbers).
    """
    text = unicodedata.normalize("NFKC", str(value)).strip().strip("<>\"'").strip()
    text = text.casefold()
    if not text:
        return ""
    if _is_url(text):
        return _normalise_url(text.rstrip(".,;:)"))
    return _normalise_text(text)


# ---------------------------------------------------------------------------
# free text

_URL_IN_TEXT = re.compile(r"(?:https?://|www\.)[^\s<>\"'()\[\]]+", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
_SEPARATORS = re.compile(r"[:;|\n]+")


def _text_candidates(text: str) -> list[str]:
    plain = " ".join(html.unescape(_TAG.sub(" ", text)).split())
    urls = [url.rstrip(".,;:") for url in _URL_IN_TEXT.findall(plain)]
    rest = _URL_IN_TEXT.sub("\n", html.unescape(_TAG.sub(" ", text)))
    fragments = [fragment.strip(" .,-–—") for fragment in _SEPARATORS.split(rest)]
    return [plain, *urls, *(fragment for fragment in fragments if fragment)]


# ---------------------------------------------------------------------------
# the registry


class Registry:
    """An immutable registry of licences, indexed by every normalised form.

    Iteration yields the entries in file order (Licence Ouverte 2.0 first).
    """

    def __init__(self, licences: Iterable[Licence]) -> None:
        self.entries: tuple[Licence, ...] = tuple(licences)
        by_id: dict[str, Licence] = {}
        index: dict[str, Licence] = {}
        for licence in self.entries:
            if licence.id in by_id:
                raise ValueError(f"licence registry: the id {licence.id!r} is used twice")
            by_id[licence.id] = licence
            unknown = licence.levels - set(LEVELS)
            if unknown:
                raise ValueError(f"licence registry: {licence.id} names unknown levels "
                                 f"{sorted(unknown)} (known: {', '.join(LEVELS)})")
            for name in licence.names:
                key = normalise_variant(name)
                other = index.get(key)
                if other is not None and other is not licence:
                    raise ValueError(f"licence registry: {name!r} (as {key!r}) names both "
                                     f"{other.id} and {licence.id}")
                index[key] = licence
        self._by_id = by_id
        self._index = index

    # -- lookup ----------------------------------------------------------

    def get(self, licence_id: str) -> Licence | None:
        """The entry whose CKAN id is exactly ``licence_id``."""
        return self._by_id.get(licence_id) if isinstance(licence_id, str) else None

    def resolve(self, value: Any) -> Licence | None:
        """The entry any form of ``value`` names (id, title, URL, SPDX id, EU
        URI, variant), compared normalised; ``None`` when none does."""
        if not isinstance(value, str):
            return None
        key = normalise_variant(value)
        return self._index.get(key) if key else None

    def resolve_text(self, text: Any) -> Licence | None:
        """The entry a free text names (an ISO 19139 ``useLimitation``, an
        HTML licence note...): the whole text as a variant, else its URLs and
        its fragments between ``:``/``;``/line breaks. ``None`` unless they
        name exactly one entry (none, or two different ones, is no answer)."""
        if not isinstance(text, str) or not text.strip():
            return None
        found = self.resolve(text)
        if found is not None:
            return found
        named = {licence.id: licence for licence in map(self.resolve, _text_candidates(text))
                 if licence is not None}
        return next(iter(named.values())) if len(named) == 1 else None

    def map(self, value: Any) -> Licence:
        """The entry ``value`` names; :class:`UnknownLicence` when none does
        (an empty value included: it never means "not specified")."""
        if not isinstance(value, str) or not value.strip():
            raise UnknownLicence(NO_LICENCE)
        licence = self.resolve(value)
        if licence is None:
            raise UnknownLicence(UNKNOWN_LICENCE, value=value.strip())
        return licence

    def for_level(self, level: str) -> list[Licence]:
        """The entries that may be used with the diffusion ``level``, in
        registry order."""
        if level not in LEVELS:
            raise ValueError(f"unknown diffusion level {level!r} (one of {', '.join(LEVELS)})")
        return [licence for licence in self.entries if level in licence.levels]

    def __contains__(self, value: object) -> bool:
        return self.resolve(value) is not None

    def __iter__(self) -> Iterator[Licence]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def __repr__(self) -> str:
        return f"<Registry ({len(self.entries)} licences)>"


# ---------------------------------------------------------------------------
# reading the data file

_BOOLEANS = ("open", "decree", "attribution", "share_alike")


def _string(raw: Mapping[str, Any], key: str, *, optional: bool = False) -> str | None:
    value = raw.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise ValueError(f"licence registry: {raw.get('id')!r} needs a string {key!r}")
    return value


def licence_from_data(raw: Mapping[str, Any]) -> Licence:
    """One :class:`Licence` from an entry of the data file (its shape checked)."""
    licence_id = _string(raw, "id")
    for key in _BOOLEANS:
        if not isinstance(raw.get(key), bool):
            raise ValueError(f"licence registry: {licence_id!r} needs a boolean {key!r}")
    for key in ("levels", "variants"):
        value = raw.get(key)
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise ValueError(f"licence registry: {licence_id!r} needs a list of strings {key!r}")
    eu_uri = _string(raw, "eu_uri", optional=True)
    if eu_uri is not None and not eu_uri.startswith(_EU_LICENCE):
        raise ValueError(f"licence registry: {licence_id!r}: {eu_uri} is not an EU licence URI")
    return Licence(
        id=licence_id or "",
        title=_string(raw, "title") or "",
        title_en=_string(raw, "title_en") or "",
        url=_string(raw, "url") or "",
        open=raw["open"],
        decree=raw["decree"],
        spdx=_string(raw, "spdx", optional=True),
        eu_uri=eu_uri,
        attribution=raw["attribution"],
        share_alike=raw["share_alike"],
        levels=frozenset(raw["levels"]),
        variants=tuple(raw["variants"]),
        description=_string(raw, "description", optional=True) or "",
        description_en=_string(raw, "description_en", optional=True) or "",
    )


def registry_from_data(data: Iterable[Mapping[str, Any]]) -> Registry:
    """A :class:`Registry` from the entries of a data file (a JSON list)."""
    return Registry(licence_from_data(raw) for raw in data)


def read_registry_file(path: str | Path) -> Registry:
    """Read a registry file (no cache): for tests and tools."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, list):
        raise ValueError(f"{path}: a licence registry is a JSON list of licences")
    return registry_from_data(data)


def registry_path() -> Path:
    """Path of the shipped registry (a checkout's or the installed copy)."""
    return data_path("licences", LICENCES_FILE)


def load_registry(path: Path | None = None) -> Registry:
    """The registry in ``path`` (default: the shipped one), read once per
    path and then cached; the result is immutable."""
    return _load(Path(path).resolve() if path is not None else registry_path().resolve())


@functools.lru_cache(maxsize=None)
def _load(path: Path) -> Registry:
    return read_registry_file(path)

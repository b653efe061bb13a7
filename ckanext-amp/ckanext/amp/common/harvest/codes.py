"""Coded values of remote records onto our vocabularies: formats,
frequencies and languages. Pure.

Each ``read_*`` returns a :class:`CodeReading` (our stored value, and
whether it was guessed) or ``None`` when nothing can be read; the mappers
turn ``None`` into a warning and leave the field out.

* **Formats** (``read_format``) give an EU file-type *code* (``CSV``), what
  ``amp_resource_format`` stores: the code or URI itself, a media type, a
  label as catalogues write it (``schemas/vocabularies/format-mapping.json``)
  or the extension of the file's URL.
* **Frequencies** (``read_frequency``) give an EU frequency URI: code, URI
  or alias (``quotidienne``, ``weekly``...), French label (``mensuel``),
  Dublin Core ``cld:freq`` URI, ISO 19115 ``MD_MaintenanceFrequencyCode``
  (``asNeeded``...), ISO 8601 duration (``R/P1D``, ``P1M``), or one
  frequency word inside a phrase (``Mise à jour quotidienne``: guessed).
* **Languages** (``read_language``) give an EU language URI: code, URI,
  ISO 639-1 (``fr``), ISO 639-2/B and /T (``fre``, ``fra``), with a region
  (``fr-FR``), or the language's name.
"""
from __future__ import annotations

import functools
import json
import posixpath
import re
import urllib.parse
from dataclasses import dataclass
from typing import Any, Mapping

from ckanext.amp.common.paths import data_path
from ckanext.amp.common.vocabularies import load_vocabulary
from ckanext.amp.common.harvest.text import plain
from ckanext.amp.common.harvest.themes import label_key

__all__ = ["CodeReading", "read_format", "read_frequency", "read_language"]


@dataclass(frozen=True)
class CodeReading:
    value: str
    guessed: bool = False


# ---------------------------------------------------------------------------
# formats

@functools.lru_cache(maxsize=None)
def _format_tables() -> tuple[Mapping[str, str], Mapping[str, str]]:
    document = json.loads(data_path("schemas", "vocabularies", "format-mapping.json")
                          .read_text(encoding="utf-8"))
    media = {key.casefold(): value for key, value in document["media_types"].items()}
    labels = {label_key(key): value for key, value in document["labels"].items()}
    file_types = load_vocabulary("file-type")
    for entry in file_types:
        for label in entry.labels.values():
            labels.setdefault(label_key(label), entry.code)
    return media, labels


def _file_type(text: str) -> str | None:
    entry = load_vocabulary("file-type").get(text.strip().lstrip("."))
    return entry.code if entry is not None else None


def _from_media_type(text: str) -> str | None:
    media, _labels = _format_tables()
    base = text.split(";", 1)[0].strip().casefold()
    if base.startswith("http://www.iana.org/assignments/media-types/") or \
            base.startswith("https://www.iana.org/assignments/media-types/"):
        base = base.split("/media-types/", 1)[1]
    return media.get(base)


def _from_url(url: Any) -> str | None:
    text = plain(url)
    if not text:
        return None
    try:
        path = urllib.parse.urlsplit(text).path
    except ValueError:
        return None
    name = posixpath.basename(path).lower()
    for double in (".tar.gz", ".tar.xz"):
        if name.endswith(double):
            return _file_type(double[1:].replace(".", "_"))
    extension = posixpath.splitext(name)[1].lstrip(".")
    if not extension or len(extension) > 8:
        return None
    return _file_type(extension) or _format_tables()[1].get(label_key(extension))


def read_format(fmt: Any = None, mimetype: Any = None, url: Any = None) -> CodeReading | None:
    """The EU file-type code of a resource from its format, media type or URL."""
    text = plain(fmt)
    if text:
        code = _file_type(text) or _from_media_type(text) \
            or _format_tables()[1].get(label_key(text))
        if code:
            return CodeReading(code)
    media_text = plain(mimetype)
    if media_text:
        code = _from_media_type(media_text) or _file_type(media_text)
        if code:
            return CodeReading(code)
    code = _from_url(url)
    if code:
        return CodeReading(code, guessed=True)
    return None


def media_type(value: Any) -> str | None:
    """A media type (``text/csv``) from a value, without its parameters; ``None``
    when it is not one."""
    text = plain(value).split(";", 1)[0].strip().lower()
    if text.startswith(("http://www.iana.org/assignments/media-types/",
                        "https://www.iana.org/assignments/media-types/")):
        text = text.split("/media-types/", 1)[1]
    return text if re.fullmatch(r"[a-z0-9][\w.+-]*/[\w.+-]+", text) else None


# ---------------------------------------------------------------------------
# frequencies

#: ISO 19115 MD_MaintenanceFrequencyCode -> EU frequency code (after GeoDCAT-AP).
ISO_FREQUENCIES = {
    "continual": "CONT", "daily": "DAILY", "weekly": "WEEKLY", "fortnightly": "BIWEEKLY",
    "monthly": "MONTHLY", "quarterly": "QUARTERLY", "biannually": "ANNUAL_2",
    "annually": "ANNUAL", "asneeded": "IRREG", "irregular": "IRREG", "notplanned": "NEVER",
    "unknown": "UNKNOWN",
}
#: ISO 8601 durations (with or without ``R/``) -> EU frequency code.
DURATIONS = {
    "PT1H": "HOURLY", "PT2H": "BIHOURLY", "PT3H": "TRIHOURLY", "PT12H": "DAILY_2", "P1D": "DAILY",
    "P7D": "WEEKLY", "P1W": "WEEKLY", "P2W": "BIWEEKLY", "P14D": "BIWEEKLY", "P0.5M": "MONTHLY_2",
    "P1M": "MONTHLY", "P2M": "BIMONTHLY", "P3M": "QUARTERLY", "P4M": "ANNUAL_3", "P6M": "ANNUAL_2",
    "P1Y": "ANNUAL", "P2Y": "BIENNIAL", "P3Y": "TRIENNIAL", "P4Y": "QUADRENNIAL", "P5Y": "QUINQUENNIAL",
    "P10Y": "DECENNIAL",
}
#: Words that name one frequency inside a phrase (label_key form).
_WORDS = {
    "quotidien": "DAILY", "quotidienne": "DAILY", "journalier": "DAILY", "journaliere": "DAILY",
    "daily": "DAILY", "hebdomadaire": "WEEKLY", "weekly": "WEEKLY", "mensuel": "MONTHLY",
    "mensuelle": "MONTHLY", "monthly": "MONTHLY", "trimestriel": "QUARTERLY",
    "trimestrielle": "QUARTERLY", "quarterly": "QUARTERLY", "semestriel": "ANNUAL_2",
    "semestrielle": "ANNUAL_2", "annuel": "ANNUAL", "annuelle": "ANNUAL", "annual": "ANNUAL",
    "annually": "ANNUAL", "yearly": "ANNUAL", "horaire": "HOURLY", "hourly": "HOURLY",
}


@functools.lru_cache(maxsize=None)
def _frequency_index() -> Mapping[str, str]:
    vocabulary = load_vocabulary("frequency")
    index: dict[str, str] = {}
    for entry in vocabulary:
        for label in entry.labels.values():
            index.setdefault(label_key(label), entry.value)
        for alias in entry.aliases:
            index.setdefault(label_key(alias), entry.value)
        cld = entry.get("cld_freq")
        if cld:
            index.setdefault(str(cld).rstrip("/").casefold(), entry.value)
        if entry.get("odf_label"):
            index.setdefault(label_key(str(entry["odf_label"])), entry.value)
    return index


def read_frequency(value: Any) -> CodeReading | None:
    """Our frequency (an EU frequency URI) for a remote value, or ``None``."""
    text = plain(value)
    if not text:
        return None
    vocabulary = load_vocabulary("frequency")
    entry = vocabulary.get(text)
    if entry is not None:
        return CodeReading(entry.value)
    index = _frequency_index()
    key = text.rstrip("/").casefold()
    if key.startswith("https://"):
        key = "http://" + key[8:]
    if key in index:
        return CodeReading(index[key])
    # ISO 19115 code, bare or as a code-list URI (…#MD_MaintenanceFrequencyCode_daily)
    if "/authority/frequency/" in text:  # newer EU codes (AS_NEEDED, NOT_PLANNED...)
        tail = text.rstrip("/").rsplit("/", 1)[-1].replace("_", "").casefold()
        if tail in ISO_FREQUENCIES:
            return CodeReading(vocabulary[ISO_FREQUENCIES[tail]].value)
    iso = re.split(r"[#/_]", text)[-1].casefold()
    if iso in ISO_FREQUENCIES and ("://" in text or iso == text.casefold()):
        return CodeReading(vocabulary[ISO_FREQUENCIES[iso]].value)
    duration = text.upper().removeprefix("R/")
    if duration in DURATIONS:
        return CodeReading(vocabulary[DURATIONS[duration]].value)
    loose = label_key(text)
    if loose in index:
        return CodeReading(index[loose])
    found = {_WORDS[word] for word in loose.split() if word in _WORDS}
    if len(found) == 1:
        return CodeReading(vocabulary[found.pop()].value, guessed=True)
    return None


# ---------------------------------------------------------------------------
# languages

#: ISO 639-2/B codes that differ from the /T ones the EU vocabulary uses.
_ISO639_2B = {"fre": "FRA", "ger": "DEU", "dut": "NLD", "cat": "CAT", "cos": "COS",
              "eng": "ENG", "ita": "ITA", "oci": "OCI", "por": "POR", "spa": "SPA"}


def read_language(value: Any) -> CodeReading | None:
    """Our language (an EU language URI) for a remote value, or ``None``."""
    text = plain(value)
    if not text:
        return None
    vocabulary = load_vocabulary("language")
    entry = vocabulary.get(text)
    if entry is None and "://" in text:
        code = text.rstrip("/").rsplit("/", 1)[-1]
        entry = vocabulary.get(_ISO639_2B.get(code.casefold(), code))
    if entry is None:
        base = re.split(r"[-_]", text, maxsplit=1)[0]
        entry = vocabulary.get(_ISO639_2B.get(base.casefold(), base))
    if entry is None:
        key = label_key(text)
        entry = next((candidate for candidate in vocabulary
                      if key in {label_key(label) for label in candidate.labels.values()}), None)
    return CodeReading(entry.value) if entry is not None else None

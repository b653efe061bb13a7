"""The licence of a remote record, through the licence registry. Pure.

Every candidate a source gives (a CKAN ``license_id``, its title and URL, a
DCAT ``dct:license`` URI, ODS ``license``/``license_url``, ISO 19139 use
limitations and other constraints) is tried against the registry's variant
mapping (:func:`ckanext.amp.common.licences.load_registry` ``.map``), in the
order given; the first one the registry names wins. There is no default:
a record whose candidates name no licence of the registry gets an error on
``license_id`` (it is not written until the registry or the source is
fixed), and so does a record with no licence at all.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from ckanext.amp.common.values import as_list
import re

from ckanext.amp.common.harvest.text import html_to_markdown, looks_like_html, plain, shorten

__all__ = ["LicenceReading", "read_licence"]

_URL = re.compile(r"https?://[^\s()<>\[\]]+")

NO_LICENCE = "The record names no licence"
UNKNOWN_LICENCE = "The licence {value} is not in the portal's licence registry"


@dataclass(frozen=True)
class LicenceReading:
    """``license_id`` (a registry id) or the error to record."""

    license_id: str | None
    msgid: str | None = None
    params: dict[str, Any] | None = None


def _candidates(values: Iterable[Any]) -> list[str]:
    found: list[str] = []
    for value in values:
        for item in as_list(value, split_commas=False) if not isinstance(value, dict) else [value]:
            if isinstance(item, dict):
                item = item.get("uri") or item.get("url") or item.get("id") or item.get("title") \
                    or item.get("name") or item.get("href") or item.get("text")
            text = plain(item)
            if looks_like_html(text):
                text = plain(html_to_markdown(text))
            if not text or len(text) > 2_000:
                continue
            # the text itself, then the addresses written in it
            for candidate in [text] + [url.rstrip(".,;)") for url in _URL.findall(text)
                                       if url.rstrip(".,;)") != text]:
                if candidate not in found:
                    found.append(candidate)
    return found


def read_licence(*values: Any) -> LicenceReading:
    """The registry's licence for the first candidate it knows."""
    from ckanext.amp.common.licences import UnknownLicence, load_registry

    registry = load_registry()
    candidates = _candidates(values)
    if not candidates:
        return LicenceReading(None, NO_LICENCE, {})
    for candidate in candidates:
        try:
            licence = registry.map(candidate)
        except UnknownLicence:
            continue
        except (TypeError, ValueError):
            continue
        return LicenceReading(str(licence.id))
    return LicenceReading(None, UNKNOWN_LICENCE, {"value": shorten(candidates[0])})

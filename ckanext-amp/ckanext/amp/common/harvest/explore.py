"""The addresses an ``amp_ods`` harvester reads on an OpenDataSoft portal
(Explore API v2.1), and how it pages. Pure (no CKAN, no network).

* ``{portal}/api/explore/v2.1/catalog/datasets?limit=L&offset=M`` lists the
  catalogue page by page, ordered by ``dataset_id`` (an unordered offset
  paging serves some datasets twice and others never); ``where`` and
  ``refine`` (ODSQL) are passed through. ``limit`` is at most
  :data:`MAX_LIMIT`.
* The API serves that listing only while ``offset + limit`` stays below
  :data:`MAX_WINDOW`; a catalogue too large for it is read, in one answer,
  from the catalogue export ``{portal}/api/explore/v2.1/catalog/exports/json``
  (a JSON list of datasets of the same shape, with no such limit).

The first page tells the number of datasets (``total_count``): when paging
could not reach the last one within the window, that first page counts for
nothing and the export is read instead (:func:`next_step`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Iterable, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit

__all__ = ["API_PATH", "DEFAULT_LIMIT", "MAX_LIMIT", "MAX_WINDOW", "ORDER_BY", "Step",
           "datasets_url", "export_url", "needs_export", "next_step", "offset_of",
           "portal_of", "refinements"]

API_PATH = "/api/explore/v2.1"
DEFAULT_LIMIT = 100
MAX_LIMIT = 100
#: ``catalog/datasets`` answers only while ``offset + limit`` is below this.
MAX_WINDOW = 10_000
#: A stable order for offset paging (a documented field of the catalogue).
ORDER_BY = "dataset_id"

_SUFFIXES = (f"{API_PATH}/catalog/datasets", f"{API_PATH}/catalog/exports/json",
             f"{API_PATH}/catalog", API_PATH, "/api/explore", "/api", "/explore")


def portal_of(url: str) -> str:
    """The portal of a source address: ``https://data.example.fr`` for
    ``https://data.example.fr/``, ``…/api/explore/v2.1`` or
    ``…/api/explore/v2.1/catalog/datasets?…``."""
    parts = urlsplit(url.strip())
    path = parts.path.rstrip("/")
    for suffix in _SUFFIXES:
        if path.endswith(suffix):
            path = path[: -len(suffix)]
            break
    return f"{parts.scheme}://{parts.netloc}{path.rstrip('/')}"


def refinements(value: Any) -> list[str]:
    """The ``refine`` option as a list of ODSQL refinements (one or several)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value.strip() else []
    return [item for item in value if isinstance(item, str) and item.strip()]


def _filters(where: str | None, refine: Iterable[str]) -> list[tuple[str, str]]:
    params = [("order_by", ORDER_BY)]
    if where and where.strip():
        params.append(("where", where))
    params.extend(("refine", item) for item in refine)
    return params


def datasets_url(portal: str, limit: int, offset: int, where: str | None = None,
                 refine: Iterable[str] = ()) -> str:
    """One page of ``catalog/datasets``."""
    params = [("limit", str(limit)), ("offset", str(offset)), *_filters(where, refine)]
    return f"{portal}{API_PATH}/catalog/datasets?{urlencode(params)}"


def export_url(portal: str, where: str | None = None, refine: Iterable[str] = ()) -> str:
    """The whole catalogue in one JSON answer (same filters and order)."""
    return f"{portal}{API_PATH}/catalog/exports/json?{urlencode(_filters(where, refine))}"


def offset_of(url: str) -> int:
    """The ``offset`` of a ``catalog/datasets`` address (0 when absent)."""
    value = dict(parse_qsl(urlsplit(url).query)).get("offset", "0")
    return int(value) if value.isdigit() else 0


def needs_export(total_count: int, limit: int, window: int = MAX_WINDOW) -> bool:
    """True when paging ``total_count`` datasets by ``limit`` would need a
    request whose ``offset + limit`` reaches ``window``."""
    if total_count <= 0:
        return False
    last_offset = (math.ceil(total_count / limit) - 1) * limit
    return last_offset + limit >= window


@dataclass(frozen=True)
class Step:
    """What to read after a page: ``"page"`` at ``offset``, the ``"export"``,
    nothing (``"done"``), or ``"overflow"``: the next page would reach the
    window although the first page said it would not (the catalogue grew
    while it was read)."""

    kind: Literal["page", "export", "done", "overflow"]
    offset: int | None = None


def next_step(offset: int, limit: int, returned: int, total_count: Any,
              window: int = MAX_WINDOW) -> Step:
    """After a page at ``offset`` that gave ``returned`` datasets of
    ``total_count`` (None when the answer did not say)."""
    total = total_count if isinstance(total_count, int) and not isinstance(total_count, bool) \
        else None
    if offset == 0 and total is not None and needs_export(total, limit, window):
        return Step("export")
    following = offset + limit
    if returned < limit or (total is not None and following >= total):
        return Step("done")
    if following + limit >= window:
        return Step("overflow")
    return Step("page", following)

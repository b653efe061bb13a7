"""Reject malformed queries early, with a readable, translated message.

Without this, a syntax error would surface from deep inside CKAN's search
layer as an opaque "Search error"; here it becomes a ``ValidationError``
(HTTP 409 in the API, a message on the search page) naming what is wrong.
"""
from __future__ import annotations

import math
from typing import Any

import ckan.plugins.toolkit as toolkit
from ckan.lib.search import SearchError

from . import lucene
from . import query_ast as ast


def check_search_params(params: dict[str, Any]) -> None:
    """Parse ``q``, ``fq`` and ``fq_list`` the way the engine will."""
    errors: dict[str, list[str]] = {}
    query = str(params.get("q") or "").strip()
    # CKAN hands a query without a colon to dismax, which accepts anything;
    # local parameters ({!...}) are vetted by CKAN itself (SearchError).
    if not query.startswith("{!") and ":" in query and \
            params.get("defType", "lucene") not in ("dismax", "edismax"):
        try:
            lucene.parse_lucene(query)
        except ast.QuerySyntaxError as error:
            errors["q"] = [toolkit._("Invalid search query: {reason}").format(reason=error.translate(toolkit._))]
    filters = params.get("fq_list") or []
    if isinstance(filters, str):
        filters = [filters]
    for name, values in (("fq", [params.get("fq")]), ("fq_list", filters)):
        for value in values:
            if not value or not str(value).strip() or str(value).strip().startswith("{!"):
                continue
            try:
                lucene.parse_filter(str(value))
            except ast.QuerySyntaxError as error:
                errors.setdefault(name, []).append(
                    toolkit._("Invalid search filter: {reason}").format(reason=error.translate(toolkit._)))
    if errors:
        raise toolkit.ValidationError(errors)


def check_bounding_box(params: dict[str, Any]) -> None:
    """Refuse an ``ext_bbox`` with an infinite or NaN coordinate.

    ckanext-spatial (2.3.2) parses ``ext_bbox`` with ``float()``, which
    reads ``inf`` and ``nan``: its ``solr-bbox`` backend then loops for
    ever shifting ``-inf`` by 360°, and Solr refuses the query it builds
    from ``nan``. Raised here (amp_search comes before ``spatial_query`` in
    ``ckan.plugins``) with ckanext-spatial's own error for a wrong box.
    """
    bbox = (params.get("extras") or {}).get("ext_bbox")
    if not bbox:
        return
    values = bbox.split(",") if isinstance(bbox, str) else list(bbox)
    try:
        numbers = [float(value) for value in values]
    except (TypeError, ValueError):
        return  # ckanext-spatial refuses it itself
    if not all(math.isfinite(number) for number in numbers):
        raise SearchError(toolkit._("Wrong bounding box provided"))

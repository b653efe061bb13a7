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

from . import query_ast as ast
from . import request


def read_search_params(params: dict[str, Any]) -> dict[str, Any]:
    """Read ``q``, ``fq`` and ``fq_list`` once, as the engine will; refuse bad syntax.

    The syntax errors of a fielded Lucene ``q`` (CKAN hands a ``q`` without
    a colon to dismax, which accepts anything) and of the ``fq`` and
    ``fq_list`` entries without local parameters raise ``ValidationError``;
    local parameters (``{!...}``) are vetted by CKAN itself (``SearchError``),
    and any other error is left to the engine (``SearchError`` too), as
    with Solr. ``q`` and the ``fq_list`` entries are returned carrying their
    reading (:func:`request.carry`): the engine compiles the very tree
    checked here. ``fq`` is read alone, so that an error points into the
    filter as written: CKAN then prefixes it with ``+capacity:public``,
    which the engine reads as a new text.
    """
    errors: dict[str, list[str]] = {}
    sent = request.as_ckan_sends(params)
    reading = request.read_query(sent)
    query = str(sent.get("q") or "").strip()
    if reading.error is not None and reading.parser is request.Parser.LUCENE and ":" in query:
        errors["q"] = [_message(toolkit._("Invalid search query: {reason}"), reading.error)]
    if isinstance(params.get("q"), str):
        params["q"] = request.carry(params["q"], reading)
    operator = request.default_operator(sent)
    filters = params.get("fq_list") or []
    for name, values in (("fq", [params.get("fq")]), ("fq_list", filters)):
        if isinstance(values, str):
            values = [values]
        for index, value in enumerate(values):
            text = value if isinstance(value, str) else str(value or "")
            local = text.strip().startswith("{!")
            if not text.strip() or (local and name == "fq"):
                continue
            read = request.read_filter(text, operator)
            if read.error is not None and not local:
                errors.setdefault(name, []).append(
                    _message(toolkit._("Invalid search filter: {reason}"), read.error))
            if name == "fq_list" and isinstance(filters, list) and isinstance(value, str):
                filters[index] = request.carry(value, read)
    if errors:
        raise toolkit.ValidationError(errors)
    return params


def _message(template: str, error: ast.QuerySyntaxError) -> str:
    """A translated ``template`` with the translated reason of ``error``."""
    return template.format(reason=error.translate(toolkit._))


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

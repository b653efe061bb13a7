"""Build index documents exactly as CKAN does, without indexing them."""
from __future__ import annotations

import contextlib
from typing import Any, Iterator

import ckan.model as model
import ckan.plugins.toolkit as toolkit
from ckan.lib.search import index as search_index


class _CapturingConnection:
    """Receives what CKAN would send to the engine and keeps it."""

    url = "capture://amp_search"

    def __init__(self, sink: list[dict[str, Any]]) -> None:
        self._sink = sink

    def add(self, docs: list[dict[str, Any]], **_ignored: Any) -> None:
        self._sink.extend(docs)


@contextlib.contextmanager
def _capture(sink: list[dict[str, Any]]) -> Iterator[None]:
    original = search_index.make_connection
    search_index.make_connection = lambda decode_dates=True: _CapturingConnection(sink)  # type: ignore[assignment]
    try:
        yield
    finally:
        search_index.make_connection = original  # type: ignore[assignment]


def iter_index_documents(limit: int = 0) -> Iterator[dict[str, Any]]:
    """Yield the index document of every active dataset (``limit`` 0: all)."""
    query = model.Session.query(model.Package.id).filter(model.Package.state == "active")
    if limit:
        query = query.limit(limit)
    package_index = search_index.PackageSearchIndex()
    context = {"ignore_auth": True, "validate": False, "use_cache": False}
    for (package_id,) in query:
        captured: list[dict[str, Any]] = []
        dataset = toolkit.get_action("package_show")(dict(context), {"id": package_id})
        with _capture(captured):
            package_index.index_package(dataset)
        yield from captured

"""Build index documents exactly as CKAN does, without indexing them."""
from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, Optional

import ckan.model as model
import ckan.plugins.toolkit as toolkit
from ckan.lib.search import index as search_index


@dataclass
class CapturedWrites:
    """What CKAN asked the search engine to do for some datasets."""

    documents: list[dict[str, Any]] = field(default_factory=list)
    #: ``q`` of every delete: CKAN deletes a dataset that is (or became) deleted.
    delete_queries: list[str] = field(default_factory=list)


class _CapturingConnection:
    """Receives what CKAN would send to the engine and keeps it."""

    url = "capture://amp_search"

    def __init__(self, sink: CapturedWrites) -> None:
        self._sink = sink

    def add(self, docs: list[dict[str, Any]], **_ignored: Any) -> None:
        self._sink.documents.extend(docs)

    def delete(self, q: Optional[str] = None, **_ignored: Any) -> None:
        if q:
            self._sink.delete_queries.append(q)


@contextlib.contextmanager
def _capture(sink: CapturedWrites) -> Iterator[None]:
    original = search_index.make_connection
    search_index.make_connection = lambda decode_dates=True: _CapturingConnection(sink)  # type: ignore[assignment]
    try:
        yield
    finally:
        search_index.make_connection = original  # type: ignore[assignment]


#: The context of CKAN's own ``search-index rebuild``.
REBUILD_CONTEXT = {"ignore_auth": True, "validate": False, "use_cache": False}


def capture_index_writes(package_ids: Iterable[str], sink: CapturedWrites) -> None:
    """Run CKAN's indexing of each dataset (``package_show`` then
    ``index_package``, every plugin hook included) into ``sink``."""
    package_index = search_index.PackageSearchIndex()
    show = toolkit.get_action("package_show")
    for package_id in package_ids:
        dataset = show(dict(REBUILD_CONTEXT), {"id": package_id})
        with _capture(sink):
            package_index.index_package(dataset)


def iter_index_documents(limit: int = 0) -> Iterator[dict[str, Any]]:
    """Yield the index document of every active dataset (``limit`` 0: all)."""
    query = model.Session.query(model.Package.id).filter(model.Package.state == "active")
    if limit:
        query = query.limit(limit)
    for (package_id,) in query:
        captured = CapturedWrites()
        capture_index_writes([package_id], captured)
        yield from captured.documents

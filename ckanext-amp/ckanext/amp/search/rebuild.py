"""A full reindex split across processes, written in batches.

``ckan search-index rebuild`` runs ``package_show`` then indexes, one dataset
after the other, one write per dataset. Here each dataset goes through the
very same CKAN code (``package_show`` with CKAN's rebuild context, then
``PackageSearchIndex.index_package`` with every plugin hook); only the
writes are grouped (one per batch), and the datasets are shared among
forked worker processes, since ``package_show`` is most of the cost.
The writes go through ``make_connection()``, so they reach whichever engine
is configured (``postgres`` or ``solr``).
"""
from __future__ import annotations

import logging
import multiprocessing
import queue as queue_module
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import ckan.model as model
import ckan.plugins.toolkit as toolkit
from ckan.lib.search import common as search_common

from ckanext.amp.common import unit_of_work

from .documents import CapturedWrites, capture_index_writes

log = logging.getLogger(__name__)


@dataclass
class Failure:
    package_id: str
    error: str


@dataclass
class Outcome:
    indexed: int = 0
    failures: list[Failure] = field(default_factory=list)


#: ``progress(datasets_done, failures_of_those)``, called after each batch.
Progress = Callable[[int, Sequence[Failure]], None]


def package_ids_to_index() -> list[str]:
    """The datasets CKAN's ``search-index rebuild`` would index."""
    query = model.Session.query(model.Package.id)
    if toolkit.config.get("ckan.search.remove_deleted_packages"):
        query = query.filter(model.Package.state != "deleted")
    return [package_id for (package_id,) in query.order_by(model.Package.id)]


def index_in_batches(package_ids: Sequence[str], batch_size: int, progress: Progress) -> None:
    """Index ``package_ids`` in this process, one engine write per batch."""
    connection = search_common.make_connection()
    for offset in range(0, len(package_ids), batch_size):
        batch = package_ids[offset:offset + batch_size]
        captured = CapturedWrites()
        failures = []
        # The plugins' hooks may reuse within a batch what they read for
        # the batch's previous datasets (common/unit_of_work.py).
        with unit_of_work.scope():
            for package_id in batch:
                try:
                    capture_index_writes([package_id], captured)
                except Exception as error:  # one bad dataset must not stop a rebuild
                    log.exception("amp_search rebuild: dataset %s", package_id)
                    failures.append(Failure(package_id, repr(error)))
                    model.Session.rollback()
        if captured.documents:
            connection.add(docs=captured.documents, commit=False)
        for query in captured.delete_queries:
            connection.delete(q=query, commit=False)
        progress(len(batch), failures)
    connection.commit()


def rebuild(package_ids: Sequence[str], workers: int, batch_size: int,
            progress: Progress) -> Outcome:
    """Index every dataset of ``package_ids`` with ``workers`` processes."""
    outcome = Outcome()

    def count(done: int, failures: Sequence[Failure]) -> None:
        outcome.indexed += done - len(failures)
        outcome.failures.extend(failures)
        progress(done, failures)

    workers = max(1, min(workers, len(package_ids)))
    if workers == 1:
        index_in_batches(package_ids, batch_size, count)
        return outcome
    # Forked children must open their own database connections.
    model.Session.remove()
    model.meta.engine.dispose()
    context = multiprocessing.get_context("fork")
    messages: Any = context.Queue()
    processes = [context.Process(target=_worker, name=f"amp-search-rebuild-{number}",
                                 args=(package_ids[number::workers], batch_size, messages))
                 for number in range(workers)]
    for process in processes:
        process.start()
    finished = 0
    while finished < workers:
        try:
            message = messages.get(timeout=1.0)
        except queue_module.Empty:
            if not any(process.is_alive() for process in processes) and messages.empty():
                break  # a worker died without saying so (killed)
            continue
        if message[0] == "progress":
            count(message[1], [Failure(*failure) for failure in message[2]])
        elif message[0] == "done":
            finished += 1
    for process in processes:
        process.join()
    crashed = [process.name for process in processes if process.exitcode != 0]
    if crashed:
        raise RuntimeError(f"worker process(es) failed: {', '.join(crashed)}")
    return outcome


def _worker(package_ids: Sequence[str], batch_size: int, messages: Any) -> None:
    # The pool inherited from the parent holds no connection (disposed before
    # the fork); a fresh one is made on first use.
    model.meta.engine.dispose(close=False)
    try:
        index_in_batches(package_ids, batch_size, lambda done, failures: messages.put(
            ("progress", done, [(f.package_id, f.error) for f in failures])))
    finally:
        messages.put(("done",))
        model.Session.remove()

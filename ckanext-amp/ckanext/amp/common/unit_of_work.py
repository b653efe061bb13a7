"""A unit of work that may reuse what it has read: one batch of a reindex.

A reindex runs every plugin's index hooks once per dataset; several of them
ask the same question for each dataset of a batch (the state of the
dataset's convention: amp_access for the permission labels, amp_conventions
for ``convention_state``). Inside :func:`scope` an answer computed with
:func:`remembered` is reused for the same key until the scope ends; outside
any scope nothing is kept and every call computes. The scope lives in a
context variable: it belongs to the code that opened it (its thread or
task), never to the process.

Only for answers that cannot change during the scope in a way that matters
to it: a reindex batch lasts about a second, and what changes a convention
reindexes its datasets afterwards (docs/architecture.md).
"""
from __future__ import annotations

import contextlib
import copy
from contextvars import ContextVar
from typing import Any, Callable, Hashable, Iterator, Optional, TypeVar

T = TypeVar("T")

_SCOPE: ContextVar[Optional[dict[Hashable, Any]]] = ContextVar("amp_unit_of_work", default=None)


@contextlib.contextmanager
def scope() -> Iterator[None]:
    """Remember answers until the block ends (nested scopes share the outer one)."""
    if _SCOPE.get() is not None:
        yield
        return
    token = _SCOPE.set({})
    try:
        yield
    finally:
        _SCOPE.reset(token)


def remembered(key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, or, inside a scope, its first answer for ``key``.

    Each caller gets its own copy: changing it does not change what the
    next caller gets.
    """
    memo = _SCOPE.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return copy.deepcopy(memo[key])

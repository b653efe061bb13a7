"""common/unit_of_work.py: answers reused inside a scope only."""
from __future__ import annotations

import threading

from ckanext.amp.common import unit_of_work


def _counter():
    calls = []

    def compute():
        calls.append(1)
        return {"state": "active", "parties": ["a"]}

    return calls, compute


def test_outside_a_scope_every_call_computes():
    calls, compute = _counter()
    unit_of_work.remembered("k", compute)
    unit_of_work.remembered("k", compute)
    assert len(calls) == 2


def test_inside_a_scope_one_computation_per_key_and_nothing_kept_after():
    calls, compute = _counter()
    with unit_of_work.scope():
        first = unit_of_work.remembered("k", compute)
        second = unit_of_work.remembered("k", compute)
        unit_of_work.remembered("other", compute)
        with unit_of_work.scope():  # nested: the same memo
            unit_of_work.remembered("k", compute)
    assert len(calls) == 2 and first == second
    unit_of_work.remembered("k", compute)
    assert len(calls) == 3


def test_each_caller_gets_its_own_copy():
    _calls, compute = _counter()
    with unit_of_work.scope():
        first = unit_of_work.remembered("k", compute)
        first["parties"].append("changed by a caller")
        assert unit_of_work.remembered("k", compute) == {"state": "active", "parties": ["a"]}


def test_a_scope_belongs_to_its_thread():
    calls, compute = _counter()
    with unit_of_work.scope():
        unit_of_work.remembered("k", compute)
        thread = threading.Thread(target=unit_of_work.remembered, args=("k", compute))
        thread.start()
        thread.join()
    assert len(calls) == 2

"""pytest plugin loaded when CKAN's own tests run against amp_search
(`make test-ckan-core` and tests/search/test_ckan_core_yardstick.py).

CKAN's factories fill titles and descriptions with Faker's lorem text, drawn
from an unseeded generator, so a test's data changes at every run. Some of
CKAN's search tests depend on it by accident: `test_name_multiple_results`
searches "record" and expects two of three datasets, but Faker's word list
contains "record", so the third one matches whenever its random description
happens to hold that word — with Solr as with amp_search. Seeding the
generators from the test's id makes each test see the same data at every run,
so a failure is ours, never the dice's.
"""
from __future__ import annotations

import factory.random
import pytest


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    from ckan.tests import factories

    factory.random.reseed_random(item.nodeid)
    factories.fake.seed_instance(item.nodeid)

"""Admission of catalogue reads (ckanext/amp/dcat/admission.py): at most
``ckanext.amp.dcat.catalogue_concurrency`` catalogue documents served at
once by the whole portal, a few others waiting their turn, the rest answered
429 with Retry-After; with real CKAN, the real plugins and the test stack's
real Redis.

A slot taken by "another worker" is one taken here through the same Redis
key, as a second gunicorn process would take it.
"""
from __future__ import annotations

import threading
import time

import pytest

from ckan.tests import factories

from ckanext.amp.dcat import admission

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", "amp_search amp_schema scheming_datasets "
                            "scheming_organizations dcat amp_dcat"),
    pytest.mark.ckan_config("ckanext.dcat.rdf.profiles", "amp_dcat_ap_fr"),
    pytest.mark.ckan_config(admission.CONCURRENCY_OPTION, "1"),
    pytest.mark.ckan_config(admission.RETRY_AFTER_OPTION, "3"),
    pytest.mark.ckan_config(admission.QUEUE_OPTION, "1"),
    pytest.mark.ckan_config(admission.WAIT_OPTION, "2"),
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index"),
]


@pytest.fixture
def slots(app):
    """The portal's slots, emptied before and after the test."""
    with app.flask_app.app_context():
        taken = admission.slots_from_config()
    taken.clear()
    yield taken
    taken.clear()


def _other_worker_waits(slots) -> str:
    """A read of another worker waiting in the queue (the queue holds one)."""
    token = "attente-autre-worker"
    slots.redis.zadd(slots.waiting_key, {token: time.time() + 60})
    return token


@pytest.fixture
def dataset():
    org = factories.Organization()
    return factories.Dataset(owner_org=org["id"], title="Qualité de l'air",
                              license_id="lov2", diffusion="public")


def test_a_read_over_the_cap_and_the_queue_is_refused_at_once_with_retry_after(
        app, slots, dataset):
    other_worker = slots.acquire()
    assert other_worker and slots.busy() == 1
    waiter = _other_worker_waits(slots)
    for path in ("/catalog.ttl", "/catalog.rdf?page=2", "/catalog.jsonld?page=all"):
        started = time.monotonic()
        refused = app.get(path)
        assert refused.status_code == 429, path
        assert time.monotonic() - started < 1  # not after the 2 s wait
        assert refused.headers["Retry-After"] == "3"
        assert "réessayez dans 3 s" in refused.body
    assert slots.busy() == 1 and slots.waiting() == 1  # a refusal takes nothing

    slots.release(other_worker)
    slots.redis.zrem(slots.waiting_key, waiter)
    served = app.get("/catalog.ttl")
    assert served.status_code == 200
    assert "Qualité de l'air" in served.body
    assert slots.busy() == 0  # the served read gave its slot back


def test_a_read_over_the_cap_waits_its_turn_in_the_queue(app, slots, dataset):
    other_worker = slots.acquire()
    threading.Timer(0.5, slots.release, [other_worker]).start()
    started = time.monotonic()
    served = app.get("/catalog.ttl")
    assert served.status_code == 200
    assert 0.4 < time.monotonic() - started
    assert "Qualité de l'air" in served.body  # read to its end, as a server does
    assert slots.busy() == 0 and slots.waiting() == 0


def test_a_queued_read_is_refused_when_its_wait_ends(app, slots, dataset):
    slots.acquire()  # never released while the read waits
    started = time.monotonic()
    refused = app.get("/catalog.ttl")
    assert refused.status_code == 429
    assert 2 <= time.monotonic() - started < 5
    assert slots.waiting() == 0  # it left the queue


def test_the_dataset_document_and_the_pages_are_never_capped(app, slots, dataset):
    slots.acquire()
    _other_worker_waits(slots)
    assert app.get(f"/dataset/{dataset['name']}.ttl").status_code == 200
    assert app.get("/dataset/").status_code == 200
    assert app.get("/api/3/action/package_search").status_code == 200


def test_a_streamed_whole_catalogue_holds_its_slot_until_its_end(app, slots, dataset):
    response = app.get("/catalog.ttl?page=all")
    assert response.status_code == 200
    assert "Qualité de l'air" in response.body  # read to its end
    assert slots.busy() == 0
    assert app.get("/catalog.ttl?page=all").status_code == 200


def test_a_dead_worker_s_slot_ends_with_its_lease(app, slots, dataset):
    dead = admission.Slots(slots.redis, slots.key, slots.limit, lease=1)
    assert dead.acquire()
    dead_waiter = admission.Slots(slots.redis, slots.key, slots.limit, lease=1, queue=1)
    dead_waiter._try("mort", 1)  # a waiting worker that died too
    assert slots.waiting() == 1
    assert app.get("/catalog.ttl").status_code == 429
    time.sleep(1.2)
    assert app.get("/catalog.ttl").status_code == 200


def test_the_cap_follows_the_machine_when_not_set():
    assert admission.concurrency(0, cores=2) == 1
    assert admission.concurrency(0, cores=8) == 4
    assert admission.concurrency(0, cores=1) == 1
    assert admission.concurrency(3, cores=2) == 3


@pytest.mark.parametrize("method, path, capped", [
    ("GET", "/catalog.ttl", True), ("HEAD", "/catalog.jsonld", True),
    ("GET", "/catalog.xml", True), ("GET", "/catalog.nt", True),
    ("POST", "/catalog.ttl", False), ("GET", "/catalog.csv", False),
    ("GET", "/dataset/x.ttl", False), ("GET", "/catalog", False),
])
def test_which_requests_are_catalogue_reads(method, path, capped):
    assert admission.is_catalogue_read({"REQUEST_METHOD": method, "PATH_INFO": path}) is capped


def test_a_response_dropped_unread_gives_its_slot_back(app, slots, dataset):
    response = app.get("/catalog.ttl")
    assert response.status_code == 200 and slots.busy() == 1  # not read yet
    del response
    assert slots.busy() == 0

"""A harvest object reaches the fetch consumer once, and a second delivery
of its message writes nothing: ckanext-harvest's ``harvester run`` re-sends
the objects it believes lost (``resubmit_objects``), and a consumer that
stops before acknowledging a message gets it again."""
from __future__ import annotations

import json

import pytest

from ckan import model
from ckan.tests import helpers
from ckanext.harvest import queue
from ckanext.harvest.model import HarvestObject

import catalogues
import harvest_helpers as hh

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", hh.PLUGINS),
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index", "clean_queues"),
]

RECORDS = catalogues.demo_datasets()[40:45]


@pytest.fixture
def source(partner, ckan_config, sysadmin, organization):
    ckan_config["ckanext.amp.harvest.allowed_hosts"] = partner.host
    partner.route("/catalog.ttl", lambda handler: handler.answer(
        200, catalogues.page(RECORDS), "text/turtle"))
    return hh.create_source(sysadmin, organization, partner.url("/catalog.ttl"),
                            open_data_only=True)


def _queued_ids() -> list[str]:
    redis = queue.get_connection()
    return [json.loads(body)["harvest_object_id"]
            for body in redis.lrange(queue.get_fetch_routing_key(), 0, -1)]


def test_harvester_run_during_a_job_does_not_queue_its_objects_twice(source):
    job = hh.run_job(source["id"], fetch=False, finish=False)
    queued = _queued_ids()
    assert len(queued) == len(RECORDS)
    # What `ckan harvester run` does on every tick, while the fetch queue is
    # being consumed (here: one object taken out of the queue, not yet done).
    consumer = queue.get_fetch_consumer()
    method, _channel, taken = consumer.basic_get(queue.get_fetch_queue_name())
    queue.resubmit_objects()
    assert sorted(_queued_ids()) == sorted(queued[1:])
    with hh._consumer_app().app_context():
        queue.fetch_callback(consumer, method, None, taken)
    while True:
        method, _channel, body = consumer.basic_get(queue.get_fetch_queue_name())
        if not body:
            break
        with hh._consumer_app().app_context():
            queue.fetch_callback(consumer, method, None, body)
    helpers.call_action("harvest_jobs_run", context={"ignore_auth": True},
                        source_id=source["id"])
    counts = hh.summary(job["id"])["counts"]
    assert counts["created"] == len(RECORDS) and counts["failed"] == 0, counts


def test_a_second_delivery_of_an_imported_object_writes_nothing(source):
    job = hh.run_job(source["id"], finish=False)
    datasets = hh.harvested(source["id"])
    assert len(datasets) == len(RECORDS)
    modified = {k: v["metadata_modified"] for k, v in datasets.items()}
    obj = model.Session.query(HarvestObject).filter_by(harvest_job_id=job["id"]).first()
    assert obj.state == "COMPLETE" and obj.report_status == "added"
    # The consumer gets the same message again (it stopped before its ack).
    queue.get_fetch_publisher().send({"harvest_object_id": obj.id})
    consumer = queue.get_fetch_consumer()
    method, _channel, body = consumer.basic_get(queue.get_fetch_queue_name())
    with hh._consumer_app().app_context():
        queue.fetch_callback(consumer, method, None, body)
    model.Session.remove()
    again = model.Session.get(HarvestObject, obj.id)
    assert again.state == "COMPLETE" and again.report_status == "added"
    assert {k: v["metadata_modified"] for k, v in hh.harvested(source["id"]).items()} == modified
    helpers.call_action("harvest_jobs_run", context={"ignore_auth": True},
                        source_id=source["id"])
    counts = hh.summary(job["id"])["counts"]
    assert counts["created"] == len(RECORDS) and counts["failed"] == 0 \
        and counts["updated"] == 0, counts

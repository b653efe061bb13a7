"""Running real ckanext-harvest jobs in the tests.

A job goes through the real Redis queues: ``harvest_job_create`` puts it
on the gather queue; the real ``gather_callback`` and ``fetch_callback`` of
ckanext-harvest consume it (one message at a time, as the consumers of
``make run`` do, but in this process); ``harvest_jobs_run`` then marks it
finished.
"""
from __future__ import annotations

import json
from typing import Any

from ckan import model
from ckan.plugins import toolkit
from ckan.tests import helpers

from ckanext.harvest import queue
from ckanext.harvest.model import HarvestJob, HarvestObject

PLUGINS = ("amp_search amp_harvest harvest amp_dcat_harvester amp_ckan_harvester "
           "amp_ods_harvester amp_csw_harvester amp_delivery_harvester "
           "amp_schema scheming_datasets scheming_organizations")


def purge_queues() -> None:
    queue.get_gather_consumer().queue_purge()
    queue.get_fetch_consumer().queue_purge()


def create_source(sysadmin: dict[str, Any], organization: dict[str, Any], url: str,
                  source_type: str = "amp_dcat", name: str = "partenaire",
                  **config: Any) -> dict[str, Any]:
    return helpers.call_action(
        "harvest_source_create", context={"user": sysadmin["name"]}, name=name,
        title=f"Source {name}", url=url, source_type=source_type,
        owner_org=organization["id"], frequency="MANUAL",
        config=json.dumps(config or {"open_data_only": True}))


def _consumer_app() -> Any:
    """The Flask app the consumers have (``ckan harvester gather-consumer``
    builds one): its app context is where they run."""
    global _APP
    try:
        return _APP
    except NameError:
        _APP = helpers._get_test_app().flask_app
        return _APP


def run_job(source_id: str, *, fetch: bool = True, finish: bool = True) -> dict[str, Any]:
    """One job of the source through the real queues; returns the job.
    The callbacks run in the app context a consumer has."""
    job = helpers.call_action("harvest_job_create", context={"ignore_auth": True},
                              source_id=source_id, run=True)
    gather = queue.get_gather_consumer()
    method, channel, body = gather.basic_get(queue.get_gather_queue_name())
    assert body, "the job was not put on the gather queue"
    with _consumer_app().app_context():
        queue.gather_callback(gather, method, None, body)
    if fetch:
        fetch_consumer = queue.get_fetch_consumer()
        while True:
            method, channel, body = fetch_consumer.basic_get(queue.get_fetch_queue_name())
            if not body:
                break
            with _consumer_app().app_context():
                queue.fetch_callback(fetch_consumer, method, None, body)
    if finish:
        helpers.call_action("harvest_jobs_run", context={"ignore_auth": True},
                            source_id=source_id)
    model.Session.remove()
    return helpers.call_action("harvest_job_show", context={"ignore_auth": True}, id=job["id"])


def summary(job_id: str) -> dict[str, Any]:
    return helpers.call_action("amp_harvest_job_summary", context={"ignore_auth": True},
                               id=job_id)


def gather_errors(job_id: str) -> list[str]:
    report = helpers.call_action("harvest_job_report", context={"ignore_auth": True}, id=job_id)
    return [error["message"] for error in report["gather_errors"]]


def object_errors(job_id: str) -> list[str]:
    report = helpers.call_action("harvest_job_report", context={"ignore_auth": True}, id=job_id)
    return [error["message"] for item in report["object_errors"].values()
            for error in item["errors"]]


def harvested(source_id: str, include_private: bool = True) -> dict[str, dict[str, Any]]:
    """The datasets of the source, by remote id (package_show dicts)."""
    ids = [row[0] for row in model.Session.query(HarvestObject.package_id)
           .filter(HarvestObject.harvest_source_id == source_id)
           .filter(HarvestObject.package_id.isnot(None)).distinct()]
    out = {}
    for package_id in ids:
        package = model.Package.get(package_id)
        if package is None or package.state != "active":
            continue
        shown = helpers.call_action("package_show", context={"ignore_auth": True}, id=package_id)
        if include_private or not shown.get("private"):
            out[shown["harvest_remote_id"]] = shown
    return out


def job_page(app: Any, sysadmin: dict[str, Any], source_name: str, job_id: str) -> str:
    response = app.get(toolkit.url_for("harvester.job_show", source=source_name, id=job_id),
                       headers={"Authorization": sysadmin["token"]})
    return response.body if hasattr(response, "body") else response.get_data(as_text=True)


def jobs_of(source_id: str) -> list[HarvestJob]:
    return model.Session.query(HarvestJob).filter(HarvestJob.source_id == source_id).all()

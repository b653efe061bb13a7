"""Actions of amp_harvest, and the ckanext-harvest actions it chains.

* ``amp_harvest_source_preview``: what a job of a source would create,
  update and withdraw, computed from the partner's catalogue now, writing
  nothing.
* ``amp_harvest_source_sync``: the sources of a ``harvesters/*.yaml`` file,
  created or updated idempotently.
* ``amp_harvest_source_list``: the sources (of a convention), without
  their configuration.
* ``amp_harvest_job_summary``: counts, progress and per-record status of a
  job (what the job page shows).
* chained ``harvest_source_show`` / ``harvest_source_list``: the source's
  configuration only for those who may edit the source;
  ``harvest_jobs_run``: jobs that stopped progressing are ended first.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any, Mapping

import sqlalchemy as sa
from ckan import model
from ckan.plugins import toolkit

from ckanext.harvest.model import HarvestGatherError, HarvestJob, HarvestObject, HarvestSource
from ckanext.harvest.queue import get_harvester

from ckanext.amp.harvest import messages, model as amp_model, options
from ckanext.amp.harvest.harvesters.base import AmpHarvester, GatherStop

log = logging.getLogger(__name__)

#: report_status of ckanext-harvest -> the status a steward reads
STATUS_OF_REPORT = {"added": "created", "updated": "updated", "deleted": "withdrawn",
                    "errored": "failed", "not modified": "unchanged"}
RECORD_LIST_LIMIT = 500


def _source(data_dict: Mapping[str, Any]) -> HarvestSource:
    reference = toolkit.get_or_bust(dict(data_dict), "id")
    source = HarvestSource.get(reference)
    if source is None:
        package = model.Package.get(reference)
        source = HarvestSource.get(package.id) if package is not None else None
    if source is None:
        raise toolkit.ObjectNotFound(toolkit._("Harvest source not found"))
    return source


def _amp_harvester(source: HarvestSource) -> AmpHarvester:
    harvester = get_harvester(source.type)
    if not isinstance(harvester, AmpHarvester):
        raise toolkit.ValidationError({"id": [toolkit._(
            "Only the sources of the portal's own harvesters (amp_dcat, amp_ckan…) can be "
            "previewed")]})
    return harvester


# -- preview ------------------------------------------------------------------------

@toolkit.side_effect_free
def amp_harvest_source_preview(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    """What a harvest job of the source would do, before anything is
    written: the partner's catalogue is read now (through the same checks as
    a job), mapped, stamped and compared with what the portal holds.

    :param id: the id or name of the harvest source
    :type id: string
    :returns: ``{"create": [{"remote_id", "title"}], "update": [...],
        "withdraw": [{"remote_id", "title", "package_id"}], "unchanged": int,
        "waiting": int, "failed": [{"remote_id", "title", "errors"}],
        "errors": [str], "notes": [str], "refusal": str | None,
        "complete": bool}``
    :rtype: dictionary
    """
    toolkit.check_access("amp_harvest_source_preview", context, data_dict)
    source = _source(data_dict)
    harvester = _amp_harvester(source)
    empty: dict[str, Any] = {"create": [], "update": [], "withdraw": [], "unchanged": 0,
                             "waiting": 0, "failed": [], "errors": [], "notes": [],
                             "refusal": None, "complete": False}
    try:
        job_context = harvester.job_context(source)
    except GatherStop as stop:
        return {**empty, "refusal": str(stop)}
    try:
        listing = harvester.read_catalogue(job_context, use_pages=False)
    finally:
        job_context.fetcher.close()
    result = {**empty, "errors": list(job_context.errors), "complete": listing.complete,
              "failed": [{"remote_id": f["remote_id"], "title": f["title"], "errors": f["errors"]}
                         for f in listing.failures]}
    if not listing.listed and job_context.errors:
        return {**result, "refusal": "\n".join(job_context.errors)}
    plan = harvester.plan(job_context, listing)
    if plan.refusal is not None:
        result["refusal"] = messages.text(plan.refusal)
    stored = amp_model.stored_records(source.id)
    titles = _package_titles([stored[r].package_id for r in plan.withdraw])
    result.update(
        create=[{"remote_id": r, "title": listing.titles.get(r, r)} for r in plan.create],
        update=[{"remote_id": r, "title": listing.titles.get(r, r)} for r in plan.update],
        withdraw=[{"remote_id": r, "package_id": stored[r].package_id,
                   "title": titles.get(stored[r].package_id or "", r)} for r in plan.withdraw],
        unchanged=len(plan.unchanged), waiting=len(plan.waiting),
        notes=[messages.text(note) for note in plan.notes])
    return result


def _package_titles(package_ids: list[str | None]) -> dict[str, str]:
    ids = [i for i in package_ids if i]
    if not ids:
        return {}
    rows = model.Session.execute(sa.text("SELECT id, title FROM package WHERE id = ANY(:ids)"),
                                 {"ids": ids})
    return {row.id: row.title for row in rows}


# -- sync ---------------------------------------------------------------------------

_SOURCE_KEYS = ("name", "type", "url", "title", "notes", "frequency", "organization", "config",
                "active")


def _desired(source: Mapping[str, Any], convention: str | None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    for key in ("name", "type", "url", "organization"):
        if not source.get(key):
            errors.setdefault(key, []).append(toolkit._("Missing value"))
    if errors:
        raise toolkit.ValidationError({str(source.get("name") or "?"): [errors]})
    organization = model.Group.get(str(source["organization"]))
    if organization is None or not organization.is_organization:
        raise toolkit.ValidationError({str(source["name"]): [toolkit._(
            "Organization not found")]})
    config = dict(source.get("config") or {})
    config.update({key: value for key, value in source.items() if key not in _SOURCE_KEYS})
    if convention:
        config["convention"] = convention
    return {
        "name": source["name"], "title": source.get("title") or source["name"],
        "url": source["url"], "source_type": source["type"],
        "notes": source.get("notes") or "", "frequency": source.get("frequency") or "MANUAL",
        "owner_org": organization.id, "config": json.dumps(config, sort_keys=True,
                                                           ensure_ascii=False),
    }


def _differs(current: Mapping[str, Any], desired: Mapping[str, Any]) -> bool:
    for key, value in desired.items():
        if key == "config":
            try:
                if json.loads(current.get("config") or "{}") != json.loads(value):
                    return True
            except ValueError:
                return True
        elif (current.get(key) or "") != (value or ""):
            return True
    return current.get("state") != "active"


def amp_harvest_source_sync(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    """Create or update the harvest sources of a ``harvesters/*.yaml`` file,
    idempotently: a source already as described is left alone.

    Each source is ``{name, type, url, organization, title?, notes?,
    frequency?, config?: {…}, …}``; any other key goes into its
    configuration, with ``"convention": <convention>``. Every source is
    checked (its configuration by its harvester) before any is written.

    :param convention: the reference of the convention the sources belong to
        (may be omitted for sources of open data only)
    :type convention: string
    :param sources: the sources
    :type sources: list of dictionaries
    :returns: ``{"created": [names], "updated": [names], "unchanged": [names]}``
    :rtype: dictionary
    """
    toolkit.check_access("amp_harvest_source_sync", context, data_dict)
    convention = data_dict.get("convention") or None
    sources = data_dict.get("sources") or []
    if not isinstance(sources, list) or not all(isinstance(s, dict) for s in sources):
        raise toolkit.ValidationError({"sources": [toolkit._("A list of sources is expected")]})
    desired_all = [_desired(source, convention) for source in sources]
    for desired in desired_all:
        harvester = get_harvester(desired["source_type"])
        if harvester is None:
            raise toolkit.ValidationError({desired["name"]: [toolkit._(
                "Unknown harvest source type {type}").format(type=desired["source_type"])]})
        harvester_prepare = getattr(harvester, "prepare_source", None)
        if harvester_prepare is not None:
            harvester_prepare(json.loads(desired["config"]))
        try:
            harvester.validate_config(desired["config"])
        except ValueError as error:
            raise toolkit.ValidationError({desired["name"]: [str(error)]}) from None
    result: dict[str, list[str]] = {"created": [], "updated": [], "unchanged": []}
    for desired in desired_all:
        package = model.Package.get(desired["name"])
        if package is None or package.type != "harvest":
            toolkit.get_action("harvest_source_create")(dict(context), dict(desired))
            result["created"].append(desired["name"])
            continue
        current = toolkit.get_action("harvest_source_show")(
            {"ignore_auth": True, "model": model}, {"id": package.id})
        if _differs(current, desired):
            toolkit.get_action("harvest_source_update")(
                dict(context), {**desired, "id": package.id, "state": "active"})
            result["updated"].append(desired["name"])
        else:
            result["unchanged"].append(desired["name"])
    return result


# -- listing ------------------------------------------------------------------------

@toolkit.side_effect_free
def amp_harvest_source_list(context: dict[str, Any], data_dict: dict[str, Any]) -> list[dict[str, Any]]:
    """The harvest sources (of a convention), without their configuration.

    :param convention: only the sources of this convention (optional)
    :type convention: string
    :returns: ``[{"id", "name", "title", "type", "url", "active",
        "convention", "last_job": {"id", "status", "finished"} | null}]``
    :rtype: list of dictionaries
    """
    toolkit.check_access("amp_harvest_source_list", context, data_dict)
    wanted = data_dict.get("convention")
    out = []
    for source in model.Session.query(HarvestSource).order_by(HarvestSource.created):
        try:
            convention = json.loads(source.config or "{}").get("convention")
        except (ValueError, AttributeError):
            convention = None
        if wanted and convention != wanted:
            continue
        package = model.Package.get(source.id)
        job = model.Session.query(HarvestJob).filter(HarvestJob.source_id == source.id) \
            .order_by(HarvestJob.created.desc()).first()
        out.append({
            "id": source.id, "name": package.name if package else source.id,
            "title": source.title, "type": source.type, "url": source.url,
            "active": bool(source.active), "convention": convention,
            "last_job": {"id": job.id, "status": job.status,
                         "finished": job.finished.isoformat() if job.finished else None}
            if job else None,
        })
    return out


# -- job summary --------------------------------------------------------------------

@toolkit.side_effect_free
def amp_harvest_job_summary(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    """Counts, progress and per-record status of a harvest job.

    :param id: the id of the harvest job
    :type id: string
    :returns: ``{"counts": {"created", "updated", "unchanged", "withdrawn",
        "failed", "pending"}, "planned": {…} | null, "progress": {"done",
        "total", "percent"}, "gathering": bool, "notes": [str],
        "records": [{"remote_id", "status", "package_id", "errors": [{"stage",
        "message"}]}], "more_records": int}``
    :rtype: dictionary
    """
    toolkit.check_access("harvest_job_show", context, data_dict)
    job_id = toolkit.get_or_bust(data_dict, "id")
    job = HarvestJob.get(job_id)
    if job is None:
        raise toolkit.ObjectNotFound(toolkit._("Harvest job not found"))
    counts = {"created": 0, "updated": 0, "unchanged": 0, "withdrawn": 0, "failed": 0,
              "pending": 0}
    rows = model.Session.query(HarvestObject.report_status, HarvestObject.state,
                               sa.func.count(HarvestObject.id)) \
        .filter(HarvestObject.harvest_job_id == job_id) \
        .group_by(HarvestObject.report_status, HarvestObject.state).all()
    total = 0
    for report_status, state, count in rows:
        total += count
        if state in ("COMPLETE", "ERROR"):
            counts[STATUS_OF_REPORT.get(report_status or "", "failed")] += count
        else:
            counts["pending"] += count
    summary = amp_model.job_summary(job_id)
    planned, notes = (summary if summary else (None, []))
    if planned:
        counts["unchanged"] += int(planned.get("unchanged", 0))
    done = total - counts["pending"]
    objects = model.Session.query(HarvestObject) \
        .filter(HarvestObject.harvest_job_id == job_id) \
        .order_by(HarvestObject.state != "ERROR", HarvestObject.gathered) \
        .limit(RECORD_LIST_LIMIT).all()
    records = []
    for obj in objects:
        status = STATUS_OF_REPORT.get(obj.report_status or "", "pending") \
            if obj.state in ("COMPLETE", "ERROR") else "pending"
        if obj.state == "ERROR":
            status = "failed"
        records.append({"remote_id": obj.guid, "status": status, "package_id": obj.package_id,
                        "object_id": obj.id,
                        "errors": [{"stage": e.stage, "message": e.message} for e in obj.errors]})
    return {
        "counts": counts, "planned": planned, "notes": notes,
        "progress": {"done": done, "total": total,
                     "percent": int(100 * done / total) if total else 100},
        "gathering": job.status in ("New", "Running") and job.gather_finished is None,
        "records": records, "more_records": max(0, total - len(records)),
    }


# -- chained ckanext-harvest actions ---------------------------------------------------

def hide_config(source: dict[str, Any]) -> dict[str, Any]:
    """``source`` without its configuration, nor the keys ckanext-harvest
    copies from it to the top of the dict."""
    try:
        keys = list(json.loads(source.get("config") or "{}"))
    except (ValueError, TypeError):
        keys = []
    for key in ["config", *keys]:
        if key not in ("id", "name", "title", "url", "type", "owner_org", "state"):
            source.pop(key, None)
    return source


def may_see_config(context: Mapping[str, Any], source_id: str) -> bool:
    """Whether the caller may read a source's configuration: internal calls
    (``ignore_auth``) and those allowed to edit the source."""
    if context.get("ignore_auth"):
        return True
    try:
        toolkit.check_access("harvest_source_update",
                             {"model": model, "user": context.get("user")}, {"id": source_id})
    except (toolkit.NotAuthorized, toolkit.ObjectNotFound):
        return False
    return True


@toolkit.chained_action
@toolkit.side_effect_free
def harvest_source_show(original: Any, context: dict[str, Any],
                        data_dict: dict[str, Any]) -> dict[str, Any]:
    toolkit.check_access("harvest_source_show", context, data_dict)
    source = original(context, data_dict)
    if "config" in source and not may_see_config(context, source["id"]):
        hide_config(source)
    return source


@toolkit.chained_action
@toolkit.side_effect_free
def harvest_source_list(original: Any, context: dict[str, Any],
                        data_dict: dict[str, Any]) -> list[dict[str, Any]]:
    toolkit.check_access("harvest_source_list", context, data_dict)
    sources = original(context, data_dict)
    for source in sources:
        if "config" in source and not may_see_config(context, source["id"]):
            hide_config(source)
    return sources


@toolkit.chained_action
def harvest_jobs_run(original: Any, context: dict[str, Any], data_dict: dict[str, Any]) -> Any:
    end_hanging_jobs(data_dict.get("source_id"))
    return original(context, data_dict)


def end_hanging_jobs(source_id: str | None = None) -> list[str]:
    """End the running jobs of the portal's harvesters whose last action is
    older than ``ckanext.amp.harvest.job_timeout`` minutes, with a message
    on the job; their objects still waiting are marked in error (their
    records are planned again by the next job). Returns the jobs ended."""
    limit = dt.timedelta(minutes=options.job_timeout_minutes())
    now = amp_model.utcnow()
    query = model.Session.query(HarvestJob).join(HarvestSource) \
        .filter(HarvestJob.status == "Running")
    if source_id:
        query = query.filter(HarvestJob.source_id == source_id)
    ended = []
    for job in query.all():
        if not isinstance(get_harvester(job.source.type), AmpHarvester):
            continue
        if now - job.get_last_action_time() <= limit:
            continue
        waiting = model.Session.query(HarvestObject) \
            .filter(HarvestObject.harvest_job_id == job.id) \
            .filter(HarvestObject.state.notin_(("COMPLETE", "ERROR")))
        left = waiting.count()
        waiting.update({"state": "ERROR", "report_status": "errored"},
                       synchronize_session=False)
        job.status = "Finished"
        job.finished = now
        if job.gather_finished is None:
            job.gather_finished = now
        model.Session.add(HarvestGatherError(job=job, message=messages._(
            "The job made no progress for more than {minutes} minutes and was ended "
            "(timeout): the datasets already written are kept, the {count} records left "
            "will be harvested again by the next job", minutes=int(limit.total_seconds() // 60),
            count=left)))
        ended.append(job.id)
        log.warning("amp harvest: job %s ended after %s without progress", job.id, limit)
    if ended:
        model.Session.commit()
    return ended

"""When a resource is checked, and the check itself (a CKAN background job,
run by ``ckan jobs worker``).

* :func:`schedule` is called when a dataset is created or updated (a
  resource created or updated goes through ``package_update`` too): each
  active resource that claims a Table Schema (``conforms_to``, its own or
  its dataset's, see ``common/table_validation.py``) and whose file, format
  or claim changed since its last check gets a ``pending`` line in
  ``amp_validation_report``, in the update's transaction, and a job. The job
  is queued once that transaction is committed (a job must never look for
  a resource the database does not show yet); a resource that no longer
  claims a schema loses its line.
* :func:`run_check` is the job: it reads the file (an upload from the
  storage, a link downloaded with a size limit and a timeout), checks it
  and writes the outcome. A hostile or broken file gives a report, never a
  crash of the worker (the job also runs in a forked work horse).
"""
from __future__ import annotations

import hashlib
import json
import logging
import shutil
import tempfile
import urllib.parse
import uuid
from pathlib import Path
from typing import Any, Iterable, Optional

import sqlalchemy as sa

from ckan import model
from ckan.plugins import toolkit

from ckanext.amp.common import table_validation as tv
from ckanext.amp.validation.model import ValidationReport, now

log = logging.getLogger(__name__)

#: ``Session.info`` key of the jobs to queue at the next commit.
_PENDING_JOBS = "amp_validation_jobs"

JOB_TITLE = "amp_validation: check of resource {}"


# ------------------------------------------------------------------ config

def limits() -> dict[str, int]:
    config = toolkit.config
    return {"max_bytes": int(config.get("ckanext.amp.validation.max_size")),
            "max_rows": int(config.get("ckanext.amp.validation.max_rows")),
            "max_errors": int(config.get("ckanext.amp.validation.max_errors"))}


# ------------------------------------------------------------------ what to check

def _extras(obj: Any) -> dict[str, Any]:
    extras = getattr(obj, "extras", None) or {}
    return dict(extras.items()) if hasattr(extras, "items") else {}


def claim_of(resource: model.Resource, package: model.Package) -> Optional[tv.Claim]:
    return tv.choose_claim(_extras(resource).get("conforms_to"),
                           _extras(package).get("conforms_to"),
                           resource_format=resource.format, resource_url=resource.url)


def fingerprint(resource: model.Resource, claim: tv.Claim) -> str:
    """What a check depends on: the file (address, upload time, size), the
    format and the schema claimed (and the copy it names)."""
    facts = [resource.url, resource.url_type, resource.format,
             str(resource.last_modified or ""), str(resource.size or ""),
             claim.url, claim.entry.name if claim.entry else "",
             claim.entry.sha256 if claim.entry else ""]
    return hashlib.sha256(json.dumps(facts).encode()).hexdigest()


def schedule(package_id: str, *, force: bool = False,
             resource_ids: Optional[Iterable[str]] = None) -> list[str]:
    """Mark for checking the resources of a dataset whose check is out of
    date (every claiming one with ``force``; only ``resource_ids`` when
    given). In the caller's transaction; the jobs are queued at commit.
    Returns the resource ids marked."""
    package = model.Package.get(package_id)
    if package is None:
        return []
    wanted = set(resource_ids) if resource_ids is not None else None
    session = model.Session
    existing = {r.resource_id: r for r in session.query(ValidationReport).filter(
        ValidationReport.package_id == package.id)}
    marked = []
    for resource in package.resources:  # active ones only (CKAN's relation)
        if wanted is not None and resource.id not in wanted:
            continue
        claim = claim_of(resource, package) if package.state != "deleted" else None
        line = existing.get(resource.id)
        if claim is None:
            if line is not None:
                session.delete(line)
            continue
        print_ = fingerprint(resource, claim)
        if line is not None and line.fingerprint == print_ and not force:
            continue
        if line is None:
            line = ValidationReport(resource_id=resource.id, package_id=package.id)
            session.add(line)
        job_id = str(uuid.uuid4())
        line.status, line.job_id, line.fingerprint = tv.PENDING, job_id, print_
        line.schema_url = claim.url
        line.schema_name = claim.entry.name if claim.entry else None
        line.schema_version = claim.entry.version if claim.entry else None
        line.queued_at, line.error_count, line.rows, line.truncated = now(), 0, 0, False
        line.report = {}
        session.info.setdefault(_PENDING_JOBS, []).append((resource.id, job_id))
        marked.append(resource.id)
    return marked


def _queue_after_commit(session: Any) -> None:
    jobs = session.info.pop(_PENDING_JOBS, [])
    for resource_id, job_id in jobs:
        try:
            toolkit.enqueue_job(run_check, [resource_id, job_id],
                                title=JOB_TITLE.format(resource_id),
                                rq_kwargs={"timeout": int(toolkit.config.get(
                                    "ckanext.amp.validation.job_timeout"))})
        except Exception:  # Redis down: the line stays pending; `ckan amp validation run` requeues
            log.exception("amp_validation: could not queue the check of %s", resource_id)


def _forget_jobs(session: Any, *_args: Any) -> None:
    session.info.pop(_PENDING_JOBS, None)


def install_commit_hooks() -> None:
    """Queue the jobs :func:`schedule` noted when their transaction commits;
    drop them when it rolls back. Idempotent."""
    for name, hook in (("after_commit", _queue_after_commit),
                       ("after_soft_rollback", _forget_jobs)):
        if not sa.event.contains(model.Session, name, hook):
            sa.event.listen(model.Session, name, hook)


# ------------------------------------------------------------------ the job

class _Unreadable(Exception):
    def __init__(self, finding: tv.Finding):
        super().__init__(finding.msgid)
        self.finding = finding


def _download(url: str, target: Path, max_bytes: int) -> None:
    """A linked file, fetched as the harvesters fetch a partner's documents
    (common/harvest/fetch.py): http(s) only, no address inside the machine
    or the private network unless ``ckanext.amp.validation.allowed_hosts``
    names it, every redirect checked, size and time bounded, compressed
    bombs refused."""
    from ckanext.amp.common.harvest.fetch import Fetcher, FetchError, FetchPolicy

    timeout = float(toolkit.config.get("ckanext.amp.validation.download_timeout"))
    policy = FetchPolicy.from_options(
        toolkit.aslist(toolkit.config.get("ckanext.amp.validation.allowed_hosts") or ""),
        max_bytes=max_bytes, connect_timeout=timeout, read_timeout=timeout,
        deadline=4 * timeout, max_retries=1, user_agent="ckanext-amp-validation/1.0")
    try:
        with Fetcher(policy) as fetcher:
            content = fetcher.get(url).content
    except FetchError as error:
        if "status" in error.params:
            reason = f"HTTP {error.params['status']}"
        elif "more than {limit} bytes" in error.msgid:
            raise _Unreadable(tv.Finding(tv.TOO_LARGE, {
                "size": "> " + tv.human_size(max_bytes), "limit": tv.human_size(max_bytes)},
                code="too-large")) from None
        else:
            try:
                reason = error.translate(toolkit._)
            except Exception:  # no translations outside a request
                reason = str(error)
        raise _Unreadable(tv.Finding(tv.NO_FILE, {"reason": reason}, code="no-file")) from None
    target.write_bytes(content)


def _local_file(resource: model.Resource, workdir: Path, max_bytes: int) -> Path:
    """The resource's file on this machine: its upload, or its link downloaded."""
    if resource.url_type == "upload":
        from ckan.lib import uploader

        upload = uploader.get_resource_uploader({"id": resource.id, "url_type": "upload",
                                                 "url": resource.url})
        if not isinstance(upload, uploader.ResourceUpload):
            raise _Unreadable(tv.Finding(tv.NO_FILE, {"reason": "stockage non local"},
                                         code="no-file"))
        path = Path(upload.get_path(resource.id))
        if not path.is_file():
            raise _Unreadable(tv.Finding(tv.NO_FILE, {"reason": "fichier absent du stockage"},
                                         code="no-file"))
        return path
    target = workdir / "data.csv"
    _download(resource.url or "", target, max_bytes)
    return target


def _outcome_for(resource: model.Resource, claim: tv.Claim) -> tv.Outcome:
    if claim.entry is None:
        return tv.not_checked(claim.problem or tv.Finding(tv.INTERNAL))
    if not tv.is_tabular(resource.format, resource.url):
        return tv.not_checked(tv.Finding(tv.UNSUPPORTED_FORMAT,
                                         {"format": resource.format or "?"},
                                         code="unsupported-format"))
    bounds = limits()
    workdir = Path(tempfile.mkdtemp(prefix="amp-validation-"))
    try:
        path = _local_file(resource, workdir, bounds["max_bytes"])
        return tv.check_file(path, claim.entry.descriptor(), **bounds)
    except _Unreadable as error:
        return tv.not_checked(error.finding)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _store(line: ValidationReport, outcome: tv.Outcome) -> None:
    line.status = outcome.status
    line.error_count = outcome.error_count
    line.rows = outcome.rows
    line.truncated = outcome.truncated
    line.report = {k: v for k, v in outcome.as_dict().items()
                   if k in ("problem", "notes", "errors")}
    line.checked_at = now()


def run_check(resource_id: str, job_id: str) -> str:
    """The background job: check one resource (unless a newer job was
    queued for it, or it no longer claims a schema). Returns its status."""
    from rq.timeouts import JobTimeoutException

    session = model.Session
    line = session.get(ValidationReport, resource_id)
    if line is None or line.job_id != job_id:
        return "superseded"
    try:
        resource = model.Resource.get(resource_id)
        package = resource.package if resource is not None else None
        claim = (claim_of(resource, package)
                 if resource is not None and resource.state == "active" and package is not None
                 else None)
        if claim is None:
            session.delete(line)
            session.commit()
            return "dropped"
        outcome = _outcome_for(resource, claim)
    except JobTimeoutException:
        session.rollback()
        outcome = tv.not_checked(tv.Finding(tv.TIMEOUT, code="timeout"))
    except Exception:  # noqa: BLE001 - whatever the file does, a report
        log.exception("amp_validation: check of resource %s failed", resource_id)
        session.rollback()
        outcome = tv.not_checked(tv.Finding(tv.INTERNAL, code="internal"))
    line = session.get(ValidationReport, resource_id)
    if line is None or line.job_id != job_id:  # replaced meanwhile
        return "superseded"
    _store(line, outcome)
    session.commit()
    log.info("amp_validation: resource %s is %s (%s errors)", resource_id, outcome.status,
             outcome.error_count)
    return outcome.status

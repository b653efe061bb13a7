"""What every amp harvester shares: the convention gate, safe fetching,
stamping, content hashes, withdrawals, errors in French on their objects.

A source type subclasses :class:`AmpHarvester` and says how to page
through its catalogue (:meth:`first_url`, :meth:`parse_page`); everything
else is here.

Gather does all the remote work: it reads the catalogue page by page
(a page whose bytes and context are those of the last job is not parsed
again), maps and stamps each record, hashes it, and plans the job
(:func:`~ckanext.amp.common.harvest.plan.make_plan`). Only records to
create, update or withdraw get a harvest object; unchanged ones get none,
so an unchanged catalogue writes nothing but the job. The gather writes in
one transaction, and nothing at all when the plan refuses the job. Fetch
has nothing left to download; import writes one dataset and its record in
one transaction.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Mapping

import sqlalchemy as sa
from ckan import model
from ckan.plugins import toolkit

from ckanext.harvest.harvesters import HarvesterBase
from ckanext.harvest.model import (HarvestGatherError, HarvestObject, HarvestObjectError)

from ckanext.amp.common.harvest import plan as planning
from ckanext.amp.common.harvest.fetch import FetchError, Fetcher, Response, redact
from ckanext.amp.common.harvest.records import MappedRecord
from ckanext.amp.common.harvest.sources import (
    ConfigError, SourceConfig, parse_config, resolve_credential)
from ckanext.amp.common.harvest.stamping import (
    ConventionTerms, SourceContext, check_licence, stamp, stamped_hash)
from ckanext.amp.common.messages import TranslatableError
from ckanext.amp.harvest import messages, model as amp_model, options

log = logging.getLogger(__name__)

#: Bump when mapping or stamping changes: every page is then read again.
HARVESTER_VERSION = "1"

#: The state of the objects a gather queues. ckanext-harvest's ``harvester
#: run`` re-sends every ``WAITING`` object it does not find in the Redis
#: fetch queue (``resubmit_objects``): between the gather's commit and the
#: publication of its ids, that is every object of the job, which then
#: reaches the fetch consumer twice (imported twice while the job runs, set
#: in error once the job is finished). Our objects are never ``WAITING``;
#: one whose message is lost is ended by the job timeout and planned again
#: by the next job (docs/decisions/0008-harvest.md).
QUEUED = "QUEUED"


class GatherStop(Exception):
    """The job ends now with this (already translated) gather error."""


@dataclass
class Page:
    """One page of a catalogue as a source type reads it."""

    records: list[MappedRecord]
    next_url: str | None


@dataclass
class JobContext:
    """Everything a gather (or a preview) needs about its source."""

    source_id: str
    source_name: str
    source_url: str
    owner_org: str
    config: SourceConfig
    stamping: SourceContext
    fetcher: Fetcher
    headers: dict[str, str]
    deadline: float
    fingerprint: str
    job_id: str | None = None
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class Listing:
    """The result of reading a whole catalogue."""

    listed: dict[str, str | None] = field(default_factory=dict)
    to_write: dict[str, dict[str, Any]] = field(default_factory=dict)
    failures: list[dict[str, Any]] = field(default_factory=list)
    titles: dict[str, str] = field(default_factory=dict)
    pages: dict[str, amp_model.StoredPage] = field(default_factory=dict)
    pages_read: int = 0
    pages_skipped: int = 0
    complete: bool = True


class AmpHarvester(HarvesterBase):
    """Base of the amp source types (not a plugin itself)."""

    source_type = ""
    title = ""
    description = ""
    #: configuration options of this source type (besides the common ones)
    type_config_keys: frozenset[str] = frozenset()
    #: what the catalogue is asked for (``Accept``)
    accept: str | None = None

    # -- to be provided by a source type --------------------------------
    def first_url(self, context: JobContext) -> str:
        return context.source_url

    def parse_page(self, context: JobContext, url: str, response: Response) -> Page:
        raise NotImplementedError

    def check_type_config(self, config: SourceConfig) -> None:
        """Raise :class:`ConfigError` for a bad option of this type."""

    def prepare_source(self, config: Mapping[str, Any]) -> None:
        """Make ready on this machine what a source described in a
        ``harvesters/*.yaml`` file needs, before it is checked
        (``amp_harvest_source_sync``). Nothing by default."""

    def credential_headers(self, config: SourceConfig, secret: str) -> dict[str, str]:
        header = str(config.extra.get("credential_header") or "Authorization")
        prefix = str(config.extra.get("credential_prefix") or "").strip()
        return {header: f"{prefix} {secret}".strip()}

    # -- IHarvester ---------------------------------------------------------
    def info(self) -> dict[str, Any]:
        return {"name": self.source_type, "title": self.title,
                "description": self.description, "form_config_interface": "Text"}

    def validate_config(self, config: str) -> str:
        try:
            parsed = parse_config(config, self.type_config_keys)
            self.check_type_config(parsed)
        except ConfigError as error:
            raise ValueError(messages.text(error)) from None
        return config

    def get_original_url(self, harvest_object_id: str) -> str | None:
        obj = model.Session.get(HarvestObject, harvest_object_id)
        if obj is None or not obj.content:
            return None
        try:
            return json.loads(obj.content).get("remote_url")
        except ValueError:
            return None

    def gather_stage(self, harvest_job: Any) -> list[str]:
        with messages.portal_request():
            return self._gather(harvest_job)

    def _gather(self, harvest_job: Any) -> list[str]:
        try:
            context = self.job_context(harvest_job.source, job_id=harvest_job.id)
        except GatherStop as stop:
            self._gather_error(harvest_job, str(stop))
            return []
        try:
            listing = self.read_catalogue(context)
            return self._write_gather(harvest_job, context, listing)
        except GatherStop as stop:
            model.Session.rollback()
            self._gather_error(harvest_job, str(stop))
            return []
        finally:
            context.fetcher.close()

    def fetch_stage(self, harvest_object: Any) -> bool:
        # Everything was read at gather: no partner is waited for here.
        return True

    def import_stage(self, harvest_object: Any) -> bool | str:
        if harvest_object.import_finished is not None:
            # A second delivery of an object already imported (a consumer that
            # stopped before acknowledging it, a message re-sent by
            # ``harvester run``): nothing is written twice, and its outcome
            # stays the first one's (``report_status`` is still that one's).
            log.info("amp harvest: object %s was already imported, message ignored",
                     harvest_object.id)
            return harvest_object.report_status != "errored"
        with messages.portal_request():
            return self._import(harvest_object)

    def _import(self, harvest_object: Any) -> bool | str:
        try:
            content = json.loads(harvest_object.content or "{}")
        except ValueError:
            self._object_error(harvest_object, messages._(
                "The harvest object {id} has unreadable content", id=harvest_object.id))
            return False
        if content.get("action") == "withdraw":
            return self._withdraw(harvest_object, content)
        return self._write(harvest_object, content)

    # -- the source and its convention ---------------------------------------
    def job_context(self, source: Any, job_id: str | None = None) -> JobContext:
        """The context of a job of ``source``; :class:`GatherStop` when the
        source must not be harvested (bad configuration, convention not in
        force, missing credential)."""
        try:
            config = parse_config(source.config, self.type_config_keys)
            self.check_type_config(config)
        except ConfigError as error:
            raise GatherStop(messages._("The configuration of the source is refused: {reason}",
                                        reason=messages.text(error))) from None
        package = model.Package.get(source.id)
        owner_org = package.owner_org if package is not None else None
        if not owner_org:
            raise GatherStop(messages._(
                "The source {source} has no organisation: its datasets would have no owner",
                source=package.name if package is not None else source.id))
        source_name = package.name if package is not None else source.id
        terms = self._convention_terms(config, owner_org) if config.convention else None
        headers: dict[str, str] = {}
        if config.credential:
            try:
                secret = resolve_credential(config.credential, options.secrets_file())
            except ConfigError as error:
                raise GatherStop(messages.text(error)) from None
            headers = self.credential_headers(config, secret)
        stamping = SourceContext(source_name=source_name, source_url=source.url,
                                 owner_org=owner_org, mode=config.mode, terms=terms,
                                 open_data_only=config.open_data_only)
        fingerprint = hashlib.sha256(json.dumps({
            "version": HARVESTER_VERSION, "type": self.source_type, "url": source.url,
            "config": config.canonical(), "owner": owner_org,
            "terms": terms and [terms.reference, terms.diffusion, terms.licence_id],
        }, sort_keys=True).encode()).hexdigest()
        policy = options.fetch_policy()
        return JobContext(
            source_id=source.id, source_name=source_name, source_url=source.url,
            owner_org=owner_org, config=config, stamping=stamping, fetcher=Fetcher(policy),
            headers=headers, deadline=time.monotonic() + options.gather_timeout(),
            fingerprint=fingerprint, job_id=job_id)

    def _convention_terms(self, config: SourceConfig, owner_org: str) -> ConventionTerms:
        reference = config.convention or ""
        try:
            status_action = toolkit.get_action("amp_convention_status")
        except KeyError:
            raise GatherStop(messages._(
                "The source is under the convention {reference}, but the conventions plugin "
                "(amp_conventions) is not enabled: nothing was harvested",
                reference=reference)) from None
        answer = status_action({"ignore_auth": True}, {"references": [reference]})
        status = answer.get(reference) if isinstance(answer, dict) else None
        if not status:
            raise GatherStop(messages._(
                "The convention {reference} of this source is unknown: nothing was harvested",
                reference=reference))
        if not status.get("in_force"):
            raise GatherStop(messages._(
                "The convention {reference} is not in force (state: {state}): nothing was "
                "harvested and no dataset was changed", reference=reference,
                state=status.get("state") or "?"))
        parties = status.get("party_org_ids") or []
        if parties and owner_org not in parties:
            raise GatherStop(messages._(
                "The organisation of this source is not a party of the convention {reference}: "
                "nothing was harvested", reference=reference))
        return ConventionTerms(reference, status.get("diffusion"), status.get("licence_id"))

    # -- reading the catalogue -----------------------------------------------
    def read_catalogue(self, context: JobContext, use_pages: bool = True) -> Listing:
        """Read every page; errors go to ``context.errors`` (translated) and
        make the listing incomplete."""
        stored = amp_model.stored_records(context.source_id)
        existing = amp_model.existing_packages(r.package_id for r in stored.values())
        previous_pages = amp_model.stored_pages(context.source_id) if use_pages else {}
        listing = Listing()
        max_pages = context.config.max_pages or options.max_pages()
        seen_urls: dict[str, int] = {}
        seen_keys: dict[str, int] = {}
        url: str | None = self.first_url(context)

        def page_is_current(page: amp_model.StoredPage) -> bool:
            for remote_id in page.remote_ids:
                record = stored.get(remote_id)
                if record is None or record.status not in amp_model.OK_STATUSES \
                        or record.withdrawn or record.missing_since is not None \
                        or record.package_id not in existing or remote_id in listing.listed:
                    return False
            return True

        while url:
            if url in seen_urls:
                context.errors.append(messages._(
                    "The catalogue's page {page} leads back to page {earlier} ({url}): the paging "
                    "loops, so reading stopped there and no dataset was withdrawn",
                    page=len(seen_urls), earlier=seen_urls[url] + 1, url=redact(url)))
                listing.complete = False
                break
            if len(seen_urls) >= max_pages:
                context.errors.append(messages._(
                    "The catalogue has more than {count} pages: reading stopped there and no "
                    "dataset was withdrawn", count=max_pages))
                listing.complete = False
                break
            if time.monotonic() > context.deadline:
                context.errors.append(messages._(
                    "Reading the catalogue took more than {seconds} seconds: the job stopped "
                    "there and no dataset was withdrawn", seconds=int(options.gather_timeout())))
                listing.complete = False
                break
            seen_urls[url] = len(seen_urls)
            try:
                response = context.fetcher.get(url, headers=context.headers, accept=self.accept)
            except FetchError as error:
                context.errors.append(messages.text(error))
                listing.complete = False
                break
            key = hashlib.sha256(response.content + context.fingerprint.encode()).hexdigest()
            if key in seen_keys:
                # The same page under another address: the paging loops.
                context.errors.append(messages._(
                    "The catalogue's page {page} leads back to page {earlier} ({url}): the paging "
                    "loops, so reading stopped there and no dataset was withdrawn",
                    page=len(seen_urls) - 1, earlier=seen_keys[key] + 1, url=redact(url)))
                listing.complete = False
                break
            seen_keys[key] = len(seen_urls) - 1
            previous = previous_pages.get(url)
            if previous is not None and previous.page_key == key and page_is_current(previous):
                for remote_id in previous.remote_ids:
                    listing.listed[remote_id] = stored[remote_id].content_hash
                listing.pages[url] = previous
                listing.pages_skipped += 1
                url = previous.next_url
                continue
            try:
                page = self.parse_page(context, url, response)
            except TranslatableError as error:
                context.errors.append(messages.text(error))
                listing.complete = False
                break
            listing.pages_read += 1
            page_ids = []
            for record in page.records:
                self._take(context, listing, record, stored, existing)
                page_ids.append(record.remote_id)
            listing.pages[url] = amp_model.StoredPage(key, page.next_url, page_ids)
            url = page.next_url
        return listing

    def _take(self, context: JobContext, listing: Listing, record: MappedRecord,
              stored: Mapping[str, planning.Stored], existing: set[str]) -> None:
        remote_id = record.remote_id
        title = str(record.dataset.get("title") or remote_id)
        if remote_id in listing.listed:
            listing.failures.append({"remote_id": remote_id, "remote_url": record.remote_url,
                                     "title": title, "errors": [messages._(
                                         "The identifier {id} appears more than once in the "
                                         "catalogue: only its first record was harvested, this "
                                         "one («{title}») was ignored", id=remote_id,
                                         title=title)]})
            return
        listing.titles[remote_id] = title
        terms = context.stamping.terms
        if terms is not None and terms.licence_id and not context.config.open_data_only:
            # The convention's licence is stamped: the record's own does not matter.
            record.problems = [p for p in record.problems
                               if not (p.field == "license_id" and p.severity == "error")]
        if record.errors:
            listing.listed[remote_id] = None
            listing.failures.append({
                "remote_id": remote_id, "remote_url": record.remote_url, "title": title,
                "errors": [self._problem_text(problem) for problem in record.errors]})
            return
        dataset = stamp(record, context.stamping)
        problem = check_licence(dataset, context.stamping.terms, options.public_extra_licences())
        if problem is not None:
            listing.listed[remote_id] = None
            listing.failures.append({
                "remote_id": remote_id, "remote_url": record.remote_url, "title": title,
                "errors": [f"license_id : {messages.text(problem)}"]})
            return
        digest = stamped_hash(dataset)
        listing.listed[remote_id] = digest
        previous = stored.get(remote_id)
        if previous is not None and previous.content_hash == digest and not previous.withdrawn \
                and previous.package_id in existing:
            return
        listing.to_write[remote_id] = {
            "dataset": dataset, "hash": digest, "remote_url": record.remote_url,
            "name_hint": record.dataset.get("name"),
            "warnings": [self._problem_text(problem) for problem in record.warnings]}

    @staticmethod
    def _problem_text(problem: Any) -> str:
        text = problem.message(messages.gettext())
        return f"{problem.field} : {text}" if problem.field else text

    def plan(self, context: JobContext, listing: Listing) -> planning.Plan:
        stored = amp_model.stored_records(context.source_id)
        existing = amp_model.existing_packages(r.package_id for r in stored.values())
        grace = context.config.grace_days
        share = context.config.max_withdraw_share
        return planning.make_plan(
            listing.listed, stored, source=context.source_name, complete=listing.complete,
            now=amp_model.utcnow(),
            grace=dt.timedelta(days=options.grace_days() if grace is None else grace),
            max_share=options.max_withdraw_share() if share is None else share,
            existing_packages=existing)

    # -- writing the gather ---------------------------------------------------
    def _write_gather(self, job: Any, context: JobContext, listing: Listing) -> list[str]:
        if not listing.listed and context.errors:
            raise GatherStop("\n".join(context.errors))
        plan = self.plan(context, listing)
        if plan.refusal is not None:
            raise GatherStop("\n".join(context.errors + [messages.text(plan.refusal)]))
        stored = amp_model.stored_records(context.source_id)
        now = amp_model.utcnow()
        objects: list[dict[str, Any]] = []
        errors: list[dict[str, Any]] = []
        queued: list[str] = []

        def new_object(guid: str, content: Mapping[str, Any], package_id: str | None = None,
                       state: str = QUEUED) -> str:
            object_id = str(uuid.uuid4())
            objects.append({"id": object_id, "guid": guid, "current": False, "gathered": now,
                            "content": json.dumps(content, ensure_ascii=False),
                            "state": state, "harvest_job_id": job.id,
                            "harvest_source_id": context.source_id, "package_id": package_id,
                            "retry_times": 0,
                            "report_status": "errored" if state == "ERROR" else None})
            return object_id

        for remote_id in plan.create + plan.update:
            item = listing.to_write[remote_id]
            previous = stored.get(remote_id)
            package_id = previous.package_id if previous is not None and remote_id in plan.update \
                else None
            queued.append(new_object(remote_id, {"action": "write", **item}, package_id))
        for remote_id in plan.withdraw:
            reason = messages._("No longer listed by the source {source} since {date}",
                                source=context.source_name,
                                date=(stored[remote_id].missing_since or now).strftime("%d/%m/%Y"))
            queued.append(new_object(remote_id, {"action": "withdraw", "reason": reason},
                                     stored[remote_id].package_id))
        for failure in listing.failures:
            object_id = new_object(failure["remote_id"], {"action": "none", **failure},
                                   state="ERROR")
            for text in failure["errors"]:
                errors.append({"id": str(uuid.uuid4()), "harvest_object_id": object_id,
                               "message": text, "stage": "Gather", "created": now})
            amp_model.save_record(context.source_id, failure["remote_id"], status="failed",
                                  job_id=job.id, message="\n".join(failure["errors"]))
        if objects:
            model.Session.execute(HarvestObject.__table__.insert(), objects)
        if errors:
            model.Session.execute(HarvestObjectError.__table__.insert(), errors)
        amp_model.mark_missing(context.source_id, plan.newly_missing, now)
        amp_model.mark_missing(context.source_id, plan.back, None)
        if listing.complete:
            amp_model.save_pages(context.source_id, job.id,
                                 {url: page for url, page in listing.pages.items()})
        notes = [messages.text(note) for note in plan.notes]
        amp_model.save_job_summary(job.id, context.source_id, {
            "listed": len(listing.listed), "create": len(plan.create),
            "update": len(plan.update), "unchanged": len(plan.unchanged),
            "withdraw": len(plan.withdraw), "waiting": len(plan.waiting),
            "failed": len(listing.failures), "pages_read": listing.pages_read,
            "pages_skipped": listing.pages_skipped, "complete": listing.complete,
        }, notes)
        for text in context.errors:
            model.Session.add(HarvestGatherError(message=text, job=job))
        model.Session.commit()
        log.info("amp harvest %s: %d listed, %d to create, %d to update, %d unchanged, "
                 "%d to withdraw, %d failed (%d pages read, %d skipped)", context.source_name,
                 len(listing.listed), len(plan.create), len(plan.update), len(plan.unchanged),
                 len(plan.withdraw), len(listing.failures), listing.pages_read,
                 listing.pages_skipped)
        return queued

    def _gather_error(self, job: Any, text: str) -> None:
        log.warning("amp harvest: job %s stopped at gather: %s", job.id, text)
        model.Session.add(HarvestGatherError(message=text, job=job))
        model.Session.commit()

    # -- import ------------------------------------------------------------------
    def _context(self, defer_commit: bool = True) -> dict[str, Any]:
        context = {"model": model, "session": model.Session, "user": self._get_user_name(),
                   "ignore_auth": True}
        if defer_commit:
            context["defer_commit"] = True
        return context

    def _write_context(self) -> dict[str, Any]:
        # The written dataset is not read back: without ``return_id_only``
        # package_create/update end with a package_show of their own (about a
        # seventh of an import), as ckanext-dcat's harvester also avoids.
        # The action commits (no ``defer_commit``): the commit indexes the
        # dataset, so that the activity written after it reads the dataset
        # from the index instead of dictizing and validating it once more
        # (docs/decisions/0008-harvest.md, "Where a first harvest's time
        # goes"). Everything of the record is in the session before the
        # action, so that this one commit writes it all or nothing.
        return {**self._context(defer_commit=False), "return_id_only": True}

    def _write(self, obj: Any, content: Mapping[str, Any]) -> bool:
        dataset = dict(content["dataset"])
        dataset["harvest_date"] = amp_model.utcnow().replace(microsecond=0).isoformat()
        remote_id = obj.guid
        package = model.Package.get(obj.package_id) if obj.package_id else None
        try:
            if package is not None:
                existing = toolkit.get_action("package_show")(
                    {"ignore_auth": True, "for_update": True}, {"id": package.id})
                dataset.update(id=package.id, name=package.name,
                               groups=[{"id": g["id"]} for g in existing.get("groups") or []])
                by_url = {r.get("url"): r.get("id") for r in existing.get("resources") or []}
                for resource in dataset.get("resources") or []:
                    if resource.get("url") in by_url:
                        resource["id"] = by_url.pop(resource["url"])
                self._mark_current(obj, package.id)
                self._record_written(obj, content, "updated", package.id)
                toolkit.get_action("package_update")(self._write_context(), dataset)
            else:
                dataset["id"] = str(uuid.uuid4())
                dataset["name"] = self._gen_new_name(str(content.get("name_hint")
                                                         or dataset.get("title") or remote_id))
                self._mark_current(obj, dataset["id"])
                model.Session.execute(
                    sa.text("SET CONSTRAINTS harvest_object_package_id_fkey DEFERRED"))
                self._record_written(obj, content, "created", dataset["id"])
                model.Session.flush()
                toolkit.get_action("package_create")(self._write_context(), dataset)
            model.Session.commit()
            return True
        except toolkit.ValidationError as error:
            model.Session.rollback()
            text = messages._("The record «{title}» ({id}) was refused: {errors}",
                              title=dataset.get("title") or remote_id, id=remote_id,
                              errors=_error_summary(error.error_dict))
        except Exception as error:  # noqa: BLE001 - one record never stops the job
            model.Session.rollback()
            log.exception("amp harvest: import of %s failed", remote_id)
            text = messages._("The record «{title}» ({id}) could not be written: {reason}",
                              title=dataset.get("title") or remote_id, id=remote_id,
                              reason=str(error)[:500])
        return self._failed(obj, text)

    def _record_written(self, obj: Any, content: Mapping[str, Any], status: str,
                        package_id: str) -> None:
        """The record's outcome and warnings, in the session the write commits."""
        amp_model.save_record(obj.harvest_source_id, obj.guid, status=status,
                              job_id=obj.harvest_job_id, package_id=package_id,
                              content_hash=content.get("hash"))
        for warning in content.get("warnings") or []:
            model.Session.add(HarvestObjectError(message=warning, object=obj, stage="Import"))

    def _withdraw(self, obj: Any, content: Mapping[str, Any]) -> bool:
        reason = str(content.get("reason") or "")
        try:
            toolkit.get_action("package_patch")(self._context(), {
                "id": obj.package_id, "private": True,
                "harvest_withdrawn": amp_model.utcnow().date().isoformat(),
                "harvest_withdrawn_reason": reason})
            model.Session.query(HarvestObject).filter(
                HarvestObject.package_id == obj.package_id).update({"current": False})
            obj.current = False
            amp_model.save_record(obj.harvest_source_id, obj.guid, status="withdrawn",
                                  job_id=obj.harvest_job_id, withdrawn_reason=reason)
            model.Session.commit()
            return True
        except toolkit.ValidationError as error:
            model.Session.rollback()
            text = messages._("The dataset {id} could not be withdrawn: {errors}",
                              id=obj.package_id, errors=_error_summary(error.error_dict))
        except toolkit.ObjectNotFound:
            model.Session.rollback()
            text = messages._("The dataset {id} to withdraw no longer exists", id=obj.package_id)
        return self._failed(obj, text)

    def _mark_current(self, obj: Any, package_id: str) -> None:
        model.Session.query(HarvestObject).filter(
            HarvestObject.package_id == package_id).update({"current": False})
        obj.package_id = package_id
        obj.current = True
        model.Session.add(obj)

    def _failed(self, obj: Any, text: str) -> bool:
        obj = model.Session.merge(obj)
        obj.current = False
        model.Session.add(HarvestObjectError(message=text, object=obj, stage="Import"))
        amp_model.save_record(obj.harvest_source_id, obj.guid, status="failed",
                              job_id=obj.harvest_job_id, message=text)
        model.Session.commit()
        return False

    def _object_error(self, obj: Any, text: str) -> None:
        model.Session.add(HarvestObjectError(message=text, object=obj, stage="Import"))
        model.Session.commit()


def _error_summary(error_dict: Mapping[str, Any]) -> str:
    """``field : message ; …`` of a CKAN validation error."""
    parts = []
    for key, value in error_dict.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            for item in value:
                for sub_key, sub_value in item.items():
                    parts.append(f"{key}.{sub_key} : {_flat(sub_value)}")
        else:
            parts.append(f"{key} : {_flat(value)}")
    return " ; ".join(parts)


def _flat(value: Any) -> str:
    if isinstance(value, list):
        return " ".join(_flat(item) for item in value)
    if isinstance(value, dict):
        return " ".join(f"{k} : {_flat(v)}" for k, v in value.items())
    return str(value)


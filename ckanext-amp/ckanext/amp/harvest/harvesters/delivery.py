"""``amp_delivery``: the files a partner delivers under a convention, one
data item per source (``convention``, ``item``), from the address of one
file (fetched through the safe :class:`Fetcher`) or from a watched folder
(``folder``, under the operator's ``ckanext.amp.harvest.delivery_root``).

The page model of the catalogue harvesters does not fit: there is no
catalogue, only files, each one delivery. Gather keeps the shared gate (the
source's configuration, its convention in force, its organisation a party:
:meth:`AmpHarvester.job_context`) and reads and checks every file
(:func:`~ckanext.amp.common.harvest.delivery.check_delivery`); a file is
identified by the SHA-256 of its bytes, so a file already delivered is
never delivered again, whatever its name. Import writes: a valid file
becomes a dated upload of the item's dataset, an invalid one a refused
delivery with its errors; both are recorded with ``amp_delivery_create``.
The data item's dataset is the steward's (it is not the source's: no
harvest object points at it, so clearing the source never deletes it).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import json
import logging
import os
import re
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Mapping
from urllib.parse import unquote, urlsplit

from ckan import model
from ckan.plugins import toolkit

from ckanext.harvest.model import HarvestGatherError, HarvestObject, HarvestObjectError

from ckanext.amp.common.harvest import plan as planning
from ckanext.amp.common.harvest import watched
from ckanext.amp.common.harvest.delivery import DeliveryReport, check_delivery, extend_coverage
from ckanext.amp.common.harvest.fetch import FetchError, decompress_file, redact
from ckanext.amp.common.harvest.sources import ConfigError, SourceConfig
from ckanext.amp.common.harvest.stamping import ConventionTerms, check_licence, convention_fields
from ckanext.amp.harvest import messages, model as amp_model, options
from ckanext.amp.harvest.harvesters.base import (QUEUED, AmpHarvester, GatherStop, JobContext, Listing,
                                                 _error_summary)

log = logging.getLogger(__name__)

#: Bump when the check changes: files refused before are checked again.
CHECK_VERSION = "1"
#: Errors of a refused file shown on its harvest object (the count goes on).
MAX_SHOWN_ERRORS = 50
#: Errors of a refused file written in its delivery's note.
MAX_NOTE_ERRORS = 20
DELIVERED = ("csv", "tsv", "txt", "xlsx", "json")
_EXTENSIONS = {"text/csv": "csv", "application/csv": "csv", "text/plain": "csv",
               "application/json": "json",
               "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx"}
_MIMETYPES = {"csv": "text/csv", "xlsx": ("application/vnd.openxmlformats-officedocument."
                                          "spreadsheetml.sheet"), "json": "application/json"}


@dataclass(frozen=True)
class DeliveryTarget:
    """The data item a source feeds, as its convention states it."""

    reference: str
    item: str
    item_title: str
    columns: list[dict[str, Any]]
    dataset_id: str
    dataset_name: str

    @property
    def check_key(self) -> str:
        """What a file was checked against (a refused file is checked
        again when the expected columns change)."""
        return hashlib.sha256(json.dumps([CHECK_VERSION, self.columns], sort_keys=True,
                                         default=str).encode()).hexdigest()


@dataclass
class DeliveryContext(JobContext):
    target: DeliveryTarget | None = None
    received: str = ""


@dataclass
class DeliveryListing(Listing):
    #: bytes of downloaded files, to spool at gather (folder files are read again)
    blobs: dict[str, bytes] = field(default_factory=dict)
    already: list[str] = field(default_factory=list)


@dataclass
class _File:
    name: str
    data: bytes
    origin: dict[str, Any]
    remote_url: str | None


def today() -> dt.date:
    """Today in the portal's time zone (the day a delivery is received)."""
    from zoneinfo import ZoneInfo

    name = toolkit.config.get("ckan.display_timezone") or "Europe/Paris"
    try:
        return dt.datetime.now(ZoneInfo(name)).date()
    except (KeyError, ValueError):
        return dt.date.today()


def french_date(value: str | dt.date) -> str:
    day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
    return day.strftime("%d/%m/%Y")


class AmpDeliveryHarvester(AmpHarvester):
    source_type = "amp_delivery"
    title = "Livraisons d’une convention (fichiers)"
    description = ("Fichiers (CSV, XLSX, JSON) livrés périodiquement par un partenaire au titre "
                   "d’une donnée d’une convention, à une adresse ou dans un dossier surveillé : "
                   "chaque nouveau fichier est vérifié puis ajouté au jeu de données de la donnée.")
    type_config_keys = frozenset({"item", "folder", "credential_header", "credential_prefix"})

    # -- configuration ---------------------------------------------------------
    def check_type_config(self, config: SourceConfig) -> None:
        if not config.convention:
            raise ConfigError(
                "A delivery source needs its convention (\"convention\": its reference)")
        item = config.extra.get("item")
        if not isinstance(item, str) or not item.strip():
            raise ConfigError(
                "A delivery source needs its data item (\"item\": the key of the item in the "
                "convention)")
        if config.mode != "copy":
            raise ConfigError(
                "A delivered file is always copied to the portal: the option mode must be copy")
        folder = config.extra.get("folder")
        if folder is not None:
            if not isinstance(folder, str):
                raise ConfigError("The option {key} must be a text", key="folder")
            try:
                watched.resolve_folder(options.delivery_root(), folder)
            except watched.FolderError as error:
                raise ConfigError(error.msgid, **error.params) from None

    def prepare_source(self, config: Mapping[str, Any]) -> None:
        """The watched folder of a source loaded from ``harvesters/``, created
        under the folder of deliveries when it is missing (a folder that
        cannot be created is reported by :meth:`check_type_config`)."""
        folder = config.get("folder")
        if isinstance(folder, str) and folder.strip() and options.delivery_root():
            try:
                watched.create_folder(options.delivery_root(), folder)
            except (watched.FolderError, OSError) as error:
                log.info("amp delivery: folder %s not created: %s", folder, error)

    # -- the gate, then the item ---------------------------------------------------
    def job_context(self, source: Any, job_id: str | None = None) -> DeliveryContext:
        base = super().job_context(source, job_id=job_id)
        values = {f.name: getattr(base, f.name) for f in dataclasses.fields(JobContext)}
        context = DeliveryContext(**values)
        try:
            context.target = self._target(context)
            if not toolkit.config.get("ckan.storage_path"):
                raise GatherStop(messages._(
                    "The portal has no file storage (ckan.storage_path): no delivery can be "
                    "stored, nothing was harvested"))
        except GatherStop:
            context.fetcher.close()
            raise
        context.received = today().isoformat()
        return context

    def _target(self, context: JobContext) -> DeliveryTarget:
        reference = context.config.convention or ""
        key = str(context.config.extra.get("item") or "").strip()
        try:
            show = toolkit.get_action("amp_convention_show")
        except KeyError:  # pragma: no cover - the gate needs amp_conventions already
            raise GatherStop(messages._(
                "The source is under the convention {reference}, but the conventions plugin "
                "(amp_conventions) is not enabled: nothing was harvested",
                reference=reference)) from None
        convention = show({"ignore_auth": True, "user": self._get_user_name()},
                          {"id": reference})
        item = next((i for i in convention.get("items") or [] if i.get("key") == key), None)
        if item is None:
            raise GatherStop(messages._(
                "The convention {reference} has no data item {item}: nothing was harvested",
                reference=reference, item=key))
        if not item.get("dataset"):
            raise GatherStop(messages._(
                "The data item {item} of the convention {reference} names no dataset: nothing "
                "was harvested", item=key, reference=reference))
        package = model.Package.get(item["dataset"])
        if package is None or package.state != "active" or package.type != "dataset":
            raise GatherStop(messages._(
                "The dataset {dataset} of the data item {item} does not exist on the portal: "
                "create it first; nothing was harvested", dataset=item["dataset"], item=key))
        if package.owner_org != context.owner_org:
            raise GatherStop(messages._(
                "The dataset {dataset} of the data item {item} belongs to another organisation "
                "than this source: nothing was harvested", dataset=package.name, item=key))
        return DeliveryTarget(reference, key, str(item.get("title") or key),
                              list(item.get("expected_columns") or []), package.id, package.name)

    # -- gather: the files -------------------------------------------------------------
    def _files(self, context: DeliveryContext, listing: DeliveryListing) -> Iterator[_File]:
        policy = context.fetcher.policy
        folder = context.config.extra.get("folder")
        if folder is not None:
            try:
                found = watched.list_folder(options.delivery_root(), folder, policy.max_bytes)
            except watched.FolderError as error:
                context.errors.append(messages.text(error))
                listing.complete = False
                return
            context.errors.extend(messages.text(problem) for problem in found.problems)
            for file in found.files:
                if time.monotonic() > context.deadline:
                    context.errors.append(messages._(
                        "Reading the files took more than {seconds} seconds: the job stopped "
                        "there", seconds=int(options.gather_timeout())))
                    listing.complete = False
                    return
                try:
                    data = watched.read_folder_file(options.delivery_root(), file,
                                                    policy.max_bytes)
                except watched.FolderError as error:
                    context.errors.append(messages.text(error))
                    continue
                listing.pages_read += 1
                origin = {"kind": "folder", "name": file.name, "path": str(file.path)}
                yield from self._members(context, file.name, data, origin, None)
            return
        url = context.source_url
        try:
            response = context.fetcher.get(url, headers=context.headers)
        except FetchError as error:
            context.errors.append(messages.text(error))
            listing.complete = False
            return
        listing.pages_read += 1
        name = _file_name(response.url, response.headers)
        yield from self._members(context, name, response.content, {"kind": "spool"},
                                 redact(response.url))

    def _members(self, context: DeliveryContext, name: str, data: bytes,
                 origin: dict[str, Any], remote_url: str | None) -> Iterator[_File]:
        lower = name.lower()
        if not (lower.endswith((".zip", ".gz")) or data[:2] == b"\x1f\x8b"):
            yield _File(name, data, origin, remote_url)
            return
        try:
            members = decompress_file(data, name, context.fetcher.policy)
        except FetchError as error:
            context.errors.append(messages.text(error))
            return
        for member, content in sorted(members.items()):
            base = member.replace("\\", "/").rsplit("/", 1)[-1]
            if not base or base.startswith(".") or member.startswith("__MACOSX/"):
                continue
            if base.rsplit(".", 1)[-1].lower() not in DELIVERED:
                context.notes.append(messages._(
                    "The archive {archive} holds {file}, which is not a CSV, XLSX or JSON file: "
                    "ignored", archive=name, file=member))
                continue
            yield _File(base, content, {**origin, "member": member}, remote_url)

    def read_catalogue(self, context: JobContext, use_pages: bool = True) -> DeliveryListing:
        assert isinstance(context, DeliveryContext) and context.target is not None
        target = context.target
        stored = amp_model.stored_records(context.source_id)
        listing = DeliveryListing()
        for file in self._files(context, listing):
            digest = hashlib.sha256(file.data).hexdigest()
            if digest in listing.listed:
                continue  # the same bytes twice in one job: one delivery
            previous = stored.get(digest)
            if previous is not None and (
                    previous.status in amp_model.OK_STATUSES
                    or (previous.status == "refused" and previous.content_hash == target.check_key)):
                listing.listed[digest] = previous.content_hash
                listing.already.append(digest)
                continue
            listing.listed[digest] = target.check_key
            listing.titles[digest] = file.name
            report = self._check(context, file)
            common = {"remote_id": digest, "remote_url": file.remote_url, "title": file.name,
                      "file_name": file.name, "origin": file.origin,
                      "received": context.received, "check": target.check_key,
                      "target": dataclasses.asdict(target), "report": _report_dict(report)}
            if report.valid:
                listing.to_write[digest] = {
                    **common, "fields": convention_fields(context.stamping),
                    "warnings": [issue.message(messages.gettext()) for issue in report.warnings]}
                if file.origin["kind"] == "spool":
                    listing.blobs[digest] = file.data
            else:
                listing.failures.append({**common, "errors": self._refusal(target, report)})
        return listing

    def _check(self, context: DeliveryContext, file: _File) -> DeliveryReport:
        target = context.target
        assert target is not None
        if file.name.lower().endswith(".xlsx") or file.data[:4] == b"PK\x03\x04":
            # A spreadsheet is a zip: bounded like any delivered archive.
            try:
                decompress_file(file.data, file.name, context.fetcher.policy)
            except FetchError as error:
                report = DeliveryReport(filename=file.name, format="xlsx")
                from ckanext.amp.common.harvest.delivery import DeliveryIssue

                report.add(DeliveryIssue(error.msgid, dict(error.params)))
                return report
        return check_delivery(file.data, file.name, target.columns)

    def _refusal(self, target: DeliveryTarget, report: DeliveryReport) -> list[str]:
        gettext = messages.gettext()
        texts = [messages._(
            "The file {file} was refused (errors: {count}): nothing was added to the dataset "
            "{dataset}", file=report.filename, count=report.error_count,
            dataset=target.dataset_name)]
        errors = report.errors
        texts += [issue.message(gettext) for issue in errors[:MAX_SHOWN_ERRORS]]
        if report.error_count > MAX_SHOWN_ERRORS:
            texts.append(messages._("… and more errors: {count}",
                                    count=report.error_count - MAX_SHOWN_ERRORS))
        return texts

    def plan(self, context: JobContext, listing: Listing) -> planning.Plan:
        already = listing.already if isinstance(listing, DeliveryListing) else []
        return planning.Plan(create=list(listing.to_write), unchanged=list(already))

    # -- gather: writing the plan --------------------------------------------------------
    def _write_gather(self, job: Any, context: JobContext, listing: Listing) -> list[str]:
        assert isinstance(listing, DeliveryListing)
        if not listing.listed and context.errors:
            raise GatherStop("\n".join(context.errors))
        now = amp_model.utcnow()
        objects: list[dict[str, Any]] = []
        for digest, data in listing.blobs.items():
            _spool_write(digest, data)

        def new_object(guid: str, content: Mapping[str, Any]) -> str:
            object_id = str(uuid.uuid4())
            objects.append({"id": object_id, "guid": guid, "current": False, "gathered": now,
                            "content": json.dumps(content, ensure_ascii=False),
                            "state": QUEUED, "harvest_job_id": job.id,
                            "harvest_source_id": context.source_id, "package_id": None,
                            "retry_times": 0, "report_status": None})
            return object_id

        queued = [new_object(digest, {"action": "deliver", **item})
                  for digest, item in listing.to_write.items()]
        queued += [new_object(failure["remote_id"], {"action": "refuse", **failure})
                   for failure in listing.failures]
        if objects:
            model.Session.execute(HarvestObject.__table__.insert(), objects)
        notes = list(context.notes)
        if listing.already:
            notes.append(messages._(
                "Files already received, not delivered again (same content): {count}",
                count=len(listing.already)))
        if not listing.listed:
            notes.append(messages._("No file to deliver was found"))
        amp_model.save_job_summary(job.id, context.source_id, {
            "listed": len(listing.listed), "create": len(listing.to_write), "update": 0,
            "unchanged": len(listing.already), "withdraw": 0, "waiting": 0,
            "failed": len(listing.failures), "pages_read": listing.pages_read,
            "pages_skipped": 0, "complete": listing.complete, "deliveries": True,
        }, notes)
        for text in context.errors:
            model.Session.add(HarvestGatherError(message=text, job=job))
        model.Session.commit()
        log.info("amp delivery %s: %d files, %d to deliver, %d refused, %d already received",
                 context.source_name, len(listing.listed), len(listing.to_write),
                 len(listing.failures), len(listing.already))
        return queued

    # -- import ----------------------------------------------------------------------------
    def _import(self, harvest_object: Any) -> bool | str:
        try:
            content = json.loads(harvest_object.content or "{}")
        except ValueError:
            content = {}
        if content.get("action") == "deliver":
            return self._deliver(harvest_object, content)
        if content.get("action") == "refuse":
            return self._refuse(harvest_object, content)
        return super()._import(harvest_object)

    def _record_delivery(self, obj: Any, content: Mapping[str, Any], status: str,
                         note: str, resource_id: str | None = None) -> None:
        """``amp_delivery_create``, which commits what was written before it."""
        target = content["target"]
        toolkit.get_action("amp_delivery_create")(
            {"ignore_auth": True, "user": self._get_user_name()},
            {"convention": target["reference"], "item": target["item"],
             "received": content["received"], "resource_id": resource_id,
             "file_name": content.get("file_name"), "url": content.get("remote_url"),
             "harvest_job_id": obj.harvest_job_id, "status": status, "note": note})

    def _refuse(self, obj: Any, content: Mapping[str, Any]) -> bool:
        errors = list(content.get("errors") or [])
        note = "\n".join(errors[:MAX_NOTE_ERRORS + 1])
        try:
            obj = model.Session.merge(obj)
            obj.current = False
            for text in errors:
                model.Session.add(HarvestObjectError(message=text, object=obj, stage="Import"))
            self._save(obj, "refused", content, message="\n".join(errors))
            self._record_delivery(obj, content, "rejected", note)
        except (KeyError, toolkit.ValidationError, toolkit.ObjectNotFound) as error:
            model.Session.rollback()
            return self._failed(obj, self._not_recorded(content, error))
        return False

    def _deliver(self, obj: Any, content: Mapping[str, Any]) -> bool:
        target = content["target"]
        resource_id = None
        try:
            data = self._load(content)
            if hashlib.sha256(data).hexdigest() != obj.guid:
                return self._failed(obj, messages._(
                    "The file {file} changed after it was checked: it will be checked again "
                    "at the next job", file=content.get("file_name")))
            dataset = toolkit.get_action("package_show")(
                {"ignore_auth": True, "for_update": True}, {"id": target["dataset_id"]})
            dataset.update(self._dataset_fields(dataset, content))
            fields = content.get("fields") or {}
            terms = ConventionTerms(target["reference"], fields.get("diffusion"),
                                    fields.get("license_id"))
            problem = check_licence(dataset, terms, options.public_extra_licences())
            if problem is not None:
                return self._failed(obj, f"license_id : {messages.text(problem)}")
            resource = self._resource(content, data)
            dataset["resources"] = list(dataset.get("resources") or []) + [resource]
            context = {**self._context(), "amp_delivery": False}
            updated = toolkit.get_action("package_update")(context, dataset)
            resource_id = next((r["id"] for r in reversed(updated.get("resources") or [])
                                if r.get("hash") == obj.guid), None)
            obj = model.Session.merge(obj)
            obj.current = True
            model.Session.add(obj)
            self._save(obj, "created", content, package_id=target["dataset_id"])
            for warning in content.get("warnings") or []:
                model.Session.add(HarvestObjectError(message=warning, object=obj, stage="Import"))
            self._record_delivery(obj, content, "accepted", self._note(content), resource_id)
        except (watched.FolderError, FetchError, OSError) as error:
            model.Session.rollback()
            return self._failed(obj, messages._(
                "The file {file} cannot be read again: {reason}", file=content.get("file_name"),
                reason=messages.text(error)))
        except toolkit.ValidationError as error:
            model.Session.rollback()
            _remove_upload(resource_id)
            return self._failed(obj, messages._(
                "The file {file} could not be added to the dataset {dataset}: {errors}",
                file=content.get("file_name"), dataset=target["dataset_name"],
                errors=_error_summary(error.error_dict)))
        except (KeyError, toolkit.ObjectNotFound) as error:
            model.Session.rollback()
            _remove_upload(resource_id)
            return self._failed(obj, self._not_recorded(content, error))
        _spool_remove(obj.guid)
        return True

    def _not_recorded(self, content: Mapping[str, Any], error: BaseException) -> str:
        reason = (_error_summary(error.error_dict) if isinstance(error, toolkit.ValidationError)
                  else messages._("the conventions plugin (amp_conventions) is not enabled")
                  if isinstance(error, KeyError) else str(error))
        return messages._("The delivery of the file {file} could not be recorded: {reason}",
                          file=content.get("file_name"), reason=reason)

    def _save(self, obj: Any, status: str, content: Mapping[str, Any],
              package_id: str | None = None, message: str | None = None) -> None:
        amp_model.save_record(obj.harvest_source_id, obj.guid, status=status,
                              job_id=obj.harvest_job_id, package_id=package_id,
                              content_hash=content.get("check"), message=message)
        if status == "refused":  # save_record keeps hashes of written records only
            table = amp_model.record_table
            model.Session.execute(table.update()
                                  .where(table.c.source_id == obj.harvest_source_id)
                                  .where(table.c.remote_id == obj.guid)
                                  .values(content_hash=content.get("check")))

    def _load(self, content: Mapping[str, Any]) -> bytes:
        origin = content.get("origin") or {}
        max_bytes = options.fetch_policy().max_bytes
        if origin.get("kind") == "folder":
            file = watched.FolderFile(origin["name"], Path(origin["path"]), 0)
            data = watched.read_folder_file(options.delivery_root(), file, max_bytes)
        else:
            data = _spool_path(str(content["remote_id"])).read_bytes()
        if origin.get("kind") == "folder" and origin.get("member"):
            # The spool holds the member itself; a folder, the archive.
            data = decompress_file(data, origin["name"], options.fetch_policy())[origin["member"]]
        return data

    def _dataset_fields(self, dataset: Mapping[str, Any],
                        content: Mapping[str, Any]) -> dict[str, Any]:
        """The convention's terms (as on every dataset harvested under it),
        the coverage extended by the delivery's period, the dataset's date
        of update."""
        fields = dict(content.get("fields") or {})
        report = content.get("report") or {}
        if report.get("period_start") and report.get("period_end"):
            fields["temporal_coverage"] = extend_coverage(
                dataset.get("temporal_coverage"), report["period_start"][:10],
                report["period_end"][:10])
        fields["modified"] = content["received"]
        return fields

    def _resource(self, content: Mapping[str, Any], data: bytes) -> dict[str, Any]:
        from werkzeug.datastructures import FileStorage

        report = content.get("report") or {}
        received = french_date(content["received"])
        if report.get("period_start") and report.get("period_end"):
            name = messages._("Delivery of {date} ({start} – {end})", date=received,
                              start=french_date(report["period_start"]),
                              end=french_date(report["period_end"]))
        else:
            name = messages._("Delivery of {date}", date=received)
        target = content["target"]
        description = messages._(
            "File {file} delivered on {date} under the convention {reference} (data item "
            "«{item}»), checked against its expected columns: {rows} rows.",
            file=content.get("file_name"), date=received, reference=target["reference"],
            item=target["item_title"], rows=report.get("rows", 0))
        fmt = str(report.get("format") or "").lower()
        file_name = _safe_name(str(content.get("file_name") or "livraison"))
        return {
            "name": name, "description": description, "format": fmt.upper() or None,
            "url": file_name, "issued": content["received"],
            "hash": content["remote_id"], "hash_algorithm": "SHA-256",
            "upload": FileStorage(io.BytesIO(data), filename=file_name,
                                  content_type=_MIMETYPES.get(fmt, "application/octet-stream")),
        }

    def _note(self, content: Mapping[str, Any]) -> str:
        report = content.get("report") or {}
        if report.get("period_start") and report.get("period_end"):
            return messages._("{rows} rows; period covered: {start} – {end}",
                              rows=report.get("rows", 0),
                              start=french_date(report["period_start"]),
                              end=french_date(report["period_end"]))
        return messages._("{rows} rows", rows=report.get("rows", 0))


# -- helpers ---------------------------------------------------------------------------

def _report_dict(report: DeliveryReport) -> dict[str, Any]:
    return {"format": report.format, "encoding": report.encoding, "delimiter": report.delimiter,
            "columns": report.columns, "rows": report.rows, "error_count": report.error_count,
            "period_start": report.period_start, "period_end": report.period_end}


def _file_name(url: str, headers: Mapping[str, str]) -> str:
    """The delivered file's name: Content-Disposition's, else the
    address's last segment; an extension from the media type if it has none."""
    name = ""
    disposition = headers.get("Content-Disposition") or ""
    match = re.search(r"filename\*=(?:UTF-8'')?([^;]+)", disposition, re.I) or \
        re.search(r'filename="?([^";]+)"?', disposition, re.I)
    if match:
        name = unquote(match.group(1).strip())
    if not name:
        name = unquote(urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1])
    name = _safe_name(name or "livraison")
    if "." not in name:
        content_type = (headers.get("Content-Type") or "").split(";", 1)[0].strip().lower()
        extension = _EXTENSIONS.get(content_type)
        if extension:
            name = f"{name}.{extension}"
    return name


def _safe_name(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip().strip(".") or "livraison"
    return re.sub(r"[\x00-\x1f]", "", base)[:200]


def _spool_path(digest: str) -> Path:
    if not re.fullmatch(r"[0-9a-f]{64}", digest):
        raise OSError(f"not a delivery: {digest[:80]}")
    root = Path(str(toolkit.config.get("ckan.storage_path")))
    return root / "amp_harvest" / "deliveries" / digest


def _spool_write(digest: str, data: bytes) -> None:
    path = _spool_path(digest)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{digest}.{uuid.uuid4().hex}")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def _spool_remove(digest: str) -> None:
    try:
        _spool_path(digest).unlink(missing_ok=True)
    except OSError:  # pragma: no cover
        pass


def _remove_upload(resource_id: str | None) -> None:
    """The stored file of a resource whose writing was rolled back."""
    if not resource_id:
        return
    from ckan.lib import uploader

    try:
        path = uploader.get_resource_uploader({"id": resource_id}).get_path(resource_id)
        if path:
            Path(path).unlink(missing_ok=True)
    except Exception:  # pragma: no cover - best effort
        log.exception("amp delivery: could not remove the upload of %s", resource_id)

"""What a harvest job does, decided before anything is written. Pure (no CKAN).

The gather stage (and the preview) list the source, hash every mapped and
stamped record, and hand the hashes to :func:`make_plan` with what the
portal holds for that source. The plan says which records to create,
update (changed content, or withdrawn and back), leave alone (same hash:
nothing is written), and withdraw: records absent from the source for
longer than the grace period, never more than a share of the source in one
job. A listing that is not complete (a page failed, the paging looped, the
deadline passed) withdraws nothing; a catalogue that lists no dataset at
all stops the job.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Mapping

from ckanext.amp.common.messages import TranslatableError

__all__ = ["Plan", "Stored", "make_plan", "allowed_withdrawals"]


@dataclass(frozen=True)
class Stored:
    """What the portal keeps of a remote record (table ``amp_harvest_record``)."""

    package_id: str | None
    content_hash: str | None
    status: str
    missing_since: dt.datetime | None = None
    withdrawn: bool = False


@dataclass
class Plan:
    create: list[str] = field(default_factory=list)
    update: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    withdraw: list[str] = field(default_factory=list)
    #: absent now, for the first time (``missing_since`` is set)
    newly_missing: list[str] = field(default_factory=list)
    #: absent, within the grace period
    waiting: list[str] = field(default_factory=list)
    #: back after an absence (``missing_since`` is cleared)
    back: list[str] = field(default_factory=list)
    #: the job must stop, writing nothing
    refusal: TranslatableError | None = None
    notes: list[TranslatableError] = field(default_factory=list)

    @property
    def writes(self) -> int:
        return len(self.create) + len(self.update) + len(self.withdraw)


def allowed_withdrawals(live: int, max_share: float) -> int:
    """How many of ``live`` records one job may withdraw (at least one)."""
    return max(math.floor(max_share * live), 1)


def make_plan(listed: Mapping[str, str | None], stored: Mapping[str, Stored], *,
              source: str, complete: bool, now: dt.datetime, grace: dt.timedelta,
              max_share: float, existing_packages: frozenset[str] | set[str] | None = None) -> Plan:
    """The plan of a job.

    ``listed`` maps each remote id the source lists to its content hash
    (None when the record could not be mapped: it is present, but not
    written). ``existing_packages``: the package ids of ``stored`` that
    still exist (None: all of them).
    """
    plan = Plan()
    for remote_id, digest in listed.items():
        record = stored.get(remote_id)
        if record is not None and record.missing_since is not None:
            plan.back.append(remote_id)
        if digest is None:
            continue
        exists = record is not None and record.package_id is not None and (
            existing_packages is None or record.package_id in existing_packages)
        if not exists:
            plan.create.append(remote_id)
        elif record.withdrawn or record.content_hash != digest:  # type: ignore[union-attr]
            plan.update.append(remote_id)
        else:
            plan.unchanged.append(remote_id)

    live = [remote_id for remote_id, record in stored.items()
            if not record.withdrawn and record.package_id is not None
            and (existing_packages is None or record.package_id in existing_packages)]
    if not listed:
        plan.refusal = TranslatableError(
            "The source {source} lists no dataset at all: the job was stopped and nothing was "
            "changed ({live} datasets harvested before are kept). Check the source's address "
            "and filters, or the partner's portal.", source=source, live=len(live))
        return plan
    if not complete:
        if any(remote_id not in listed for remote_id in live):
            plan.notes.append(TranslatableError(
                "The listing of {source} is incomplete: no dataset was withdrawn this time",
                source=source))
        return plan

    missing = [remote_id for remote_id in live if remote_id not in listed]
    for remote_id in missing:
        since = stored[remote_id].missing_since
        if since is None:
            plan.newly_missing.append(remote_id)
            since = now
        if now - since >= grace:
            plan.withdraw.append(remote_id)
        else:
            plan.waiting.append(remote_id)
    allowed = allowed_withdrawals(len(live), max_share)
    if len(plan.withdraw) > allowed:
        plan.refusal = TranslatableError(
            "The source {source} no longer lists {count} of its {live} datasets: withdrawing "
            "them would exceed the {share} % a job may withdraw, so the job was stopped and "
            "nothing was changed. If the partner really removed them, raise max_withdraw_share "
            "in the source's configuration for one job.", source=source, count=len(plan.withdraw),
            live=len(live), share=round(max_share * 100))
    elif len(missing) > allowed:
        plan.notes.append(TranslatableError(
            "The source {source} no longer lists {count} of its {live} datasets; they stay "
            "published during the grace period, then the job will stop rather than withdraw "
            "that many", source=source, count=len(missing), live=len(live)))
    return plan

"""When a convention's rights end or come back: reindex what came under it
and write the change on its timeline.

The rights of a convention hold while it is in force; suspended,
terminated or expired, they are withheld (docs/architecture.md). Nothing
is deleted: the datasets under the convention are reindexed, so that the
permission labels amp_access computes from ``amp_convention_status``
follow, grants and harvest sources read the convention's state when they
are used. The change is recorded once as a ``rights_withdrawn`` or
``rights_restored`` event (with what it touched), which also makes the
daily check idempotent.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any, Mapping, Optional

from ckan import model
from ckan.plugins import toolkit

from ckanext.amp.common import conventions as lifecycle
from ckanext.amp.conventions import records

log = logging.getLogger(__name__)

RIGHTS_EVENTS = ("rights_withdrawn", "rights_restored")


def site_context() -> dict[str, Any]:
    site_user = toolkit.get_action("get_site_user")({"ignore_auth": True}, {})
    return {"user": site_user["name"], "ignore_auth": True}


def dataset_ids(reference: str) -> list[str]:
    """Ids of the datasets (private and drafts included, deleted excluded)
    whose ``convention`` field is ``reference``: read from the database,
    so that a stale index cannot hide one."""
    query = (model.Session.query(model.Package.id)
             .join(model.PackageExtra, model.PackageExtra.package_id == model.Package.id)
             .filter(model.PackageExtra.key == "convention")
             .filter(model.PackageExtra.value == reference)
             .filter(model.PackageExtra.state == "active")
             .filter(model.Package.state != "deleted")
             .order_by(model.Package.name))
    return [package_id for (package_id,) in query.all()]


def reindex(reference: str) -> int:
    """Reindex the datasets under the convention; how many."""
    from ckan.lib.search import rebuild

    ids = dataset_ids(reference)
    if ids:
        rebuild(package_ids=ids)
    return len(ids)


def _count(answer: Any) -> int:
    if isinstance(answer, Mapping):
        for key in ("count", "total"):
            if isinstance(answer.get(key), int):
                return answer[key]
        answer = answer.get("results") or answer.get("grants") or []
    return len(answer) if isinstance(answer, (list, tuple)) else 0


def grants_count(reference: str) -> Optional[int]:
    """Grants under the convention (amp_access), or None without it."""
    try:
        action = toolkit.get_action("amp_grant_list")
    except KeyError:
        return None
    try:
        return _count(action(site_context(), {"convention": reference}))
    except (toolkit.ValidationError, toolkit.ObjectNotFound) as error:
        log.warning("amp_grant_list for convention %s: %s", reference, error)
        return None


def harvest_sources_count(reference: str) -> Optional[int]:
    """Harvest sources of the convention (amp_harvest or ckanext-harvest)."""
    try:
        return _count(toolkit.get_action("amp_harvest_source_list")(
            site_context(), {"convention": reference}))
    except KeyError:
        pass
    try:
        sources = toolkit.get_action("harvest_source_list")(site_context(), {"all": True})
    except KeyError:
        return None
    found = 0
    for source in sources or []:
        config = source.get("config") or "{}"
        try:
            config = json.loads(config) if isinstance(config, str) else config
        except ValueError:
            continue
        if isinstance(config, Mapping) and config.get("convention") == reference:
            found += 1
    return found


def last_rights_event(event_rows) -> Optional[str]:
    kinds = [row["kind"] for row in event_rows if row["kind"] in RIGHTS_EVENTS]
    return kinds[-1] if kinds else None


def sync(row: Mapping[str, Any], on: dt.date, user: Optional[str]) -> Optional[dict[str, Any]]:
    """If the convention's rights changed since the last time they were
    applied, reindex its datasets and write the change on its timeline.
    Returns the event written, or None when nothing changed. The caller
    commits."""
    event_rows = records.events([row["id"]])[row["id"]]
    state = lifecycle.evaluate(records.terms_of(row), records.lifecycle_events(event_rows), on)
    withheld = state.state in lifecycle.ENDED_STATES
    last = last_rights_event(event_rows)
    if withheld and last != "rights_withdrawn":
        kind = "rights_withdrawn"
    elif state.in_force and last == "rights_withdrawn":
        kind = "rights_restored"
    else:
        return None
    datasets = reindex(row["reference"])
    data = {"state": state.state, "datasets": datasets,
            "grants": grants_count(row["reference"]),
            "harvest_sources": harvest_sources_count(row["reference"])}
    log.info("convention %s: %s (%s)", row["reference"], kind, data)
    return records.add_event(row["id"], kind, on, data=data, user=user)

"""Template helpers of amp_harvest (job page, source page)."""
from __future__ import annotations

from typing import Any

from ckan import model
from ckan.plugins import toolkit

from ckanext.harvest.model import UPDATE_FREQUENCIES
from ckanext.harvest.queue import get_harvester

from ckanext.amp.harvest.harvesters.base import AmpHarvester

#: French labels of the record statuses, in the order of the page.
STATUSES = ("created", "updated", "unchanged", "withdrawn", "failed", "pending")


def amp_harvest_job_summary(job_id: str) -> dict[str, Any] | None:
    try:
        return toolkit.get_action("amp_harvest_job_summary")(
            {"model": model, "user": toolkit.g.user}, {"id": job_id})
    except (toolkit.ObjectNotFound, toolkit.NotAuthorized):
        return None


def amp_harvest_status_label(status: str) -> str:
    return {
        "created": toolkit._("Status: created"), "updated": toolkit._("Status: updated"),
        "unchanged": toolkit._("Status: unchanged"), "withdrawn": toolkit._("Status: withdrawn"),
        "failed": toolkit._("Status: failed"), "pending": toolkit._("Status: pending"),
    }.get(status, status)


def amp_harvest_statuses() -> tuple[str, ...]:
    return STATUSES


def amp_harvest_is_ours(source_type: str | None) -> bool:
    return isinstance(get_harvester(source_type or ""), AmpHarvester)


def amp_harvest_facet_label(item: dict[str, Any]) -> str:
    """The French label of a value of the harvest sources' facets (their
    frequency, their type): ckanext-harvest shows the raw codes."""
    name = str(item.get("name") or "")
    if name in UPDATE_FREQUENCIES:
        # the msgids of ckanext-harvest's own form (``harvest_frequencies``)
        return toolkit._(name.title())
    harvester = get_harvester(name)
    if harvester is not None:
        return str(harvester.info().get("title") or name)
    return str(item.get("display_name") or name)


def get_helpers() -> dict[str, Any]:
    return {
        "amp_harvest_job_summary": amp_harvest_job_summary,
        "amp_harvest_status_label": amp_harvest_status_label,
        "amp_harvest_statuses": amp_harvest_statuses,
        "amp_harvest_is_ours": amp_harvest_is_ours,
        "amp_harvest_facet_label": amp_harvest_facet_label,
    }

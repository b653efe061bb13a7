"""Template helpers of amp_validation: a resource's report, translated."""
from __future__ import annotations

from typing import Any, Mapping, Optional

from ckan.plugins import toolkit

from ckanext.amp.web import user_name

__all__ = ["amp_validation_message", "amp_validation_report", "amp_validation_status_label"]

#: Status -> English label (msgid).
STATUS_LABELS = {
    "valid": "Valid",
    "invalid": "Invalid",
    "pending": "Check pending",
    "error": "Not checked",
    "not_checked": "Not checked",
}


def amp_validation_message(item: Optional[Mapping[str, Any]]) -> str:
    """A stored message (``{msgid, params}``) in the page's language."""
    if not item:
        return ""
    params = {key: ", ".join(toolkit._(str(v)) for v in value) if isinstance(value, list)
              else value for key, value in (item.get("params") or {}).items()}
    try:
        return toolkit._(item["msgid"]).format(**params)
    except (KeyError, IndexError, ValueError):  # a catalogue entry with other fields
        return str(item.get("msgid", "")).format_map({k: params.get(k, "") for k in params})


def amp_validation_status_label(status: str) -> str:
    return toolkit._(STATUS_LABELS.get(status, "Not checked"))


def amp_validation_report(resource_id: str) -> Optional[dict[str, Any]]:
    """The report of a resource for its page (messages translated; at most
    ``ckanext.amp.validation.report_page_size`` errors), or None when it
    claims no schema or the user may not see it."""
    try:
        report = toolkit.get_action("amp_validation_show")({"user": user_name()}, {"id": resource_id})
    except (toolkit.NotAuthorized, toolkit.ObjectNotFound):
        return None
    if report["status"] == "none":
        return None
    size = int(toolkit.config.get("ckanext.amp.validation.report_page_size"))
    errors = report.get("errors") or []
    report["shown_errors"] = [dict(e, text=amp_validation_message(e),
                                   hint_text=amp_validation_message(e.get("hint")))
                              for e in errors[:size]]
    report["problem_text"] = amp_validation_message(report.get("problem"))
    report["note_texts"] = [amp_validation_message(n) for n in report.get("notes") or []]
    report["status_label"] = amp_validation_status_label(report["status"])
    try:
        toolkit.check_access("amp_validation_run", {"user": user_name()}, {"id": resource_id})
        report["may_run"] = True
    except (toolkit.NotAuthorized, toolkit.ObjectNotFound):
        report["may_run"] = False
    return report

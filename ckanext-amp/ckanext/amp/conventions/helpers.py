"""Template helpers of amp_conventions."""
from __future__ import annotations

from typing import Any, Callable, Optional

from ckan.plugins import toolkit

from ckanext.amp.conventions import words
from ckanext.amp.conventions.logic import schema


def amp_convention_of(reference: Optional[str]) -> Optional[dict[str, Any]]:
    """The convention a dataset is under, as the current user may read it
    (whole or public summary), or None (unknown, or not visible)."""
    if not reference:
        return None
    try:
        return toolkit.get_action("amp_convention_show")({}, {"id": reference})
    except (toolkit.ObjectNotFound, toolkit.NotAuthorized):
        return None


def amp_convention_state_label(state: Optional[str]) -> str:
    return words.state_label(state)


def amp_convention_kind_label(kind: Optional[str]) -> str:
    return words.label(schema.KIND_LABELS, kind)


def amp_convention_role_label(role: Optional[str]) -> str:
    return words.label(schema.ROLE_LABELS, role)


def amp_convention_event_label(kind: Optional[str]) -> str:
    return words.label(schema.EVENT_LABELS, kind)


def amp_convention_delivery_label(status: Optional[str]) -> str:
    return words.label(schema.DELIVERY_LABELS, status)


def amp_convention_periodicity_label(code: Optional[str]) -> str:
    """The French label of an EU frequency code (``ANNUAL_2``: semestriel)."""
    if not code:
        return toolkit._("not stated")
    from ckanext.amp.common.vocabularies import load_vocabulary

    entry = load_vocabulary("frequency").get(code)
    if entry is None:
        return code
    lang = (toolkit.h.lang() or "fr") if hasattr(toolkit.h, "lang") else "fr"
    return entry.label(lang)


def amp_convention_date(value: Optional[str]) -> str:
    """A date as dd/mm/yyyy, or « non renseigné »."""
    return words._date(value) or toolkit._("not stated")


def get_helpers() -> dict[str, Callable[..., Any]]:
    return {name: function for name, function in globals().items()
            if name.startswith("amp_convention") and callable(function)}

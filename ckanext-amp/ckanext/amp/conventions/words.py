"""A convention's terms in plain words, in the portal's language (English
msgids, French in the shared catalogue): for its page, its public summary
and the ``dct:rights`` statement of the datasets under it. Nothing is
said of what the convention does not state."""
from __future__ import annotations

import datetime as dt
from typing import Any, Mapping, Optional

from ckan.plugins import toolkit

from ckanext.amp.conventions.logic import schema


def _date(value: Any) -> Optional[str]:
    if not value:
        return None
    day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
    return day.strftime("%d/%m/%Y")


def _(msgid: str, **params: Any) -> str:
    return toolkit._(msgid).format(**params)


def duration_in_words(convention: Mapping[str, Any]) -> list[str]:
    """Entry into force, term, renewal, notice."""
    lines = []
    notified = _date(convention.get("date_notified"))
    if notified:
        lines.append(_("In force from its notification, on {date}.", date=notified))
    else:
        lines.append(_("In force from its notification (date not stated)."))
    initial = convention.get("initial_term_months")
    if initial:
        lines.append(_("Initial term: {months} months.", months=initial))
    tacit = convention.get("tacit_renewal")
    term = convention.get("renewal_term_months") or initial
    maximum = convention.get("max_renewals")
    if tacit is True:
        if maximum is None:
            lines.append(_("Renewed tacitly for terms of {months} months, with no limit stated.",
                           months=term or "?"))
        else:
            lines.append(_("Renewed tacitly for terms of {months} months, {count} times at most.",
                           months=term or "?", count=maximum))
    elif tacit is False:
        lines.append(_("Renewed only by an express decision of the parties."))
    notice = convention.get("notice_months")
    if notice is not None:
        lines.append(_("Notice of non-renewal, suspension or termination: {months} months.",
                       months=notice))
    return lines


def usage_in_words(convention: Mapping[str, Any]) -> list[str]:
    """What the parties may do with the data, as the convention says."""
    usage = convention.get("usage") or {}
    lines = []
    if usage.get("internal_use_only") is True:
        lines.append(_("The data is for the parties' internal use, for their own public "
                       "service missions."))
    elif usage.get("internal_use_only") is False:
        lines.append(_("The data is not restricted to the parties' internal use."))
    if usage.get("third_party_diffusion_needs_approval") is True:
        lines.append(_("No diffusion to a third party without the prior favourable opinion of "
                       "the other party."))
    if usage.get("third_party_access_needs_undertaking") is True:
        lines.append(_("A third party may be given the data only on express request and "
                       "after signing an undertaking (acte d’engagement)."))
    if usage.get("free_of_charge") is True:
        lines.append(_("Free of charge."))
    elif usage.get("free_of_charge") is False:
        lines.append(_("Not free of charge."))
    charter = usage.get("charter") or {}
    if charter.get("title"):
        when = _date(charter.get("date"))
        lines.append(_("Governed by: {title} ({date}).", title=charter["title"], date=when)
                     if when else _("Governed by: {title}.", title=charter["title"]))
    if usage.get("text"):
        lines.append(str(usage["text"]))
    lines.append(_("The end of the convention ends the rights it grants."))
    return lines


def rights_statement(convention: Mapping[str, Any]) -> str:
    """One paragraph: the convention, its terms of use and its duration."""
    head = _("Data made available under the convention {reference} ({title}).",
             reference=convention.get("reference"), title=convention.get("title"))
    return " ".join([head] + usage_in_words(convention) + duration_in_words(convention))


def label(table: Mapping[str, str], code: Optional[str]) -> str:
    if not code:
        return toolkit._("not stated")
    return toolkit._(table[code]) if code in table else code


def state_label(state: Optional[str]) -> str:
    return label(schema.STATE_LABELS, state)

"""Access requests, undertakings, decisions and grants: the rules. Pure Python.

Article 5 of the SYMCRAU convention is the rule book (docs/decisions/
0010-access.md): the parties reuse the data freely for their own missions;
a third party gets it only on an express request and after signing an
undertaking (« acte d'engagement »); nothing derived from the data is
diffused without the producer's prior favourable opinion; the end of the
convention ends every right. This module says what a request must hold,
when a period is acceptable, when an undertaking is the current one, what a
decision needs, when the producer's admins are reminded and what state a
grant is in. The CKAN layer (``ckanext.amp.access``) applies it.

Errors are :class:`~ckanext.amp.common.validation.InvalidValue` (English
msgid + parameters, translated by the CKAN layer).
"""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any, Mapping, Optional

from ckanext.amp.common.validation import InvalidValue

__all__ = [
    "DECISIONS",
    "FieldError",
    "INTENDED_DIFFUSIONS",
    "LOG_KINDS",
    "STATUSES",
    "GRANT_STATES",
    "Undertaking",
    "check_decision",
    "check_intended_diffusion",
    "check_period",
    "check_undertaking",
    "due_for_reminder",
    "grant_state",
    "sha256_of",
]

#: What the requester means to do with the data (the form's choices, in
#: this order). Article 5: any communication or diffusion based on the data
#: needs the producer's prior favourable opinion; a third party who gets the
#: data signs an undertaking of their own.
INTENDED_DIFFUSIONS: Mapping[str, Mapping[str, str]] = {
    "internal": {
        "fr": "Usage interne uniquement, pour les missions de mon organisation",
        "en": "Internal use only, for my organisation's own missions",
    },
    "results": {
        "fr": "Communication de résultats élaborés à partir des données, "
              "après avis favorable préalable du producteur",
        "en": "Communication of results derived from the data, after the producer's "
              "prior favourable opinion",
    },
    "third_parties": {
        "fr": "Mise à disposition de tiers (prestataire, commune membre…), après avis "
              "favorable préalable du producteur et signature d’un acte d’engagement par "
              "chaque tiers",
        "en": "Making the data available to third parties (contractor, member commune…), "
              "after the producer's prior favourable opinion and an undertaking signed by "
              "each third party",
    },
}

#: A request's states (the table's check constraint says the same).
STATUSES: Mapping[str, Mapping[str, str]] = {
    "pending": {"fr": "En attente de décision", "en": "Pending"},
    "granted": {"fr": "Accordée", "en": "Granted"},
    "refused": {"fr": "Refusée", "en": "Refused"},
    "withdrawn": {"fr": "Retirée", "en": "Withdrawn"},
}

#: What the producer's admins may decide, and the state each leads to.
DECISIONS: Mapping[str, str] = {"grant": "granted", "refuse": "refused"}

#: Kinds of lines of the audit log (what each records).
LOG_KINDS: Mapping[str, Mapping[str, str]] = {
    "download": {"fr": "Téléchargement", "en": "Download"},
    "datastore": {"fr": "Lecture par l’API DataStore", "en": "DataStore API read"},
    "request": {"fr": "Demande d’accès", "en": "Access request"},
    "decision": {"fr": "Décision sur une demande", "en": "Decision on a request"},
    "grant": {"fr": "Autorisation accordée", "en": "Grant created"},
    "revocation": {"fr": "Autorisation révoquée", "en": "Grant revoked"},
    "attestation": {"fr": "Attestation d’anonymisation", "en": "Attestation of anonymisation"},
}

#: A grant's states, as its holder and the producer see them.
GRANT_STATES: Mapping[str, Mapping[str, str]] = {
    "live": {"fr": "En cours", "en": "Live"},
    "future": {"fr": "À venir", "en": "Not started"},
    "expired": {"fr": "Échue", "en": "Expired"},
    "revoked": {"fr": "Révoquée", "en": "Revoked"},
    "suspended": {"fr": "Suspendue (convention qui n’est pas en vigueur)",
                  "en": "Suspended (its convention is not in force)"},
}


def sha256_of(text: str) -> str:
    """Hex SHA-256 of an undertaking's text (UTF-8, as shown to the requester)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Undertaking:
    """The text a requester accepts (« acte d'engagement »), versioned."""

    version: str
    text: str
    sha256: str
    #: ``convention`` (the dataset's convention's undertaking) or ``operator``
    #: (the portal's default text).
    source: str
    #: The convention's reference when ``source`` is ``convention``.
    reference: Optional[str] = None

    @classmethod
    def of(cls, text: str, version: str, source: str, reference: Optional[str] = None,
           sha256: Optional[str] = None) -> "Undertaking":
        """From its text (the hash is computed when not given)."""
        return cls(version=str(version).strip(), text=text, sha256=sha256 or sha256_of(text),
                   source=source, reference=reference)

    @property
    def label(self) -> str:
        """Its reference as grants keep it: ``<convention> <version>`` or the version."""
        return f"{self.reference} {self.version}" if self.reference else self.version


class FieldError(InvalidValue):
    """An :class:`InvalidValue` that names the field it is about."""

    def __init__(self, msgid: str, *, field: str, **params: object) -> None:
        super().__init__(msgid, **params)
        self.field = field


def check_intended_diffusion(value: Any) -> str:
    """One of :data:`INTENDED_DIFFUSIONS`."""
    code = str(value or "").strip()
    if code not in INTENDED_DIFFUSIONS:
        raise FieldError("Choose what the data will be used for", field="intended_diffusion")
    return code


def check_period(start: dt.date, end: dt.date, *, today: dt.date,
                 convention_end: Optional[dt.date] = None,
                 reference: Optional[str] = None) -> None:
    """A requested period: it starts today or later, ends on or after its
    start, and never goes beyond the end of the dataset's convention (its
    computed end: the end of the convention ends every right)."""
    if end < start:
        raise FieldError("The requested period ends ({end}) before it starts ({start})",
                         field="period_end", end=end.isoformat(), start=start.isoformat())
    if start < today:
        raise FieldError("The requested period cannot start in the past ({start})",
                         field="period_start", start=start.isoformat())
    if convention_end is not None and end > convention_end:
        raise FieldError("The requested period ends ({end}) after the convention {reference} "
                         "({convention_end}): the end of the convention ends every right",
                         field="period_end", end=end.isoformat(), reference=reference or "",
                         convention_end=convention_end.isoformat())


def check_undertaking(current: Undertaking, accepted: bool, version: Any,
                      sha256: Any = None) -> None:
    """The requester accepted the undertaking, and the one they read is the
    current one (same version, and same text when its hash is given)."""
    if not accepted:
        raise FieldError("Accept the undertaking to send the request",
                         field="undertaking_accepted")
    given = str(version or "").strip()
    digest = str(sha256 or "").strip().lower()
    if given != current.version or (digest and digest != current.sha256):
        raise FieldError("The undertaking you accepted ({given}) is not the current one "
                         "({current}): read the current text and accept it",
                         field="undertaking_version", given=given or "?", current=current.version)


def check_decision(decision: Any, reason: Any) -> tuple[str, str]:
    """``(decision, reason)``: ``grant`` or ``refuse``; a refusal says why."""
    code = str(decision or "").strip()
    if code not in DECISIONS:
        raise FieldError("The decision is either grant or refuse", field="decision")
    why = str(reason or "").strip()
    if code == "refuse" and not why:
        raise FieldError("Say why the request is refused", field="reason")
    return code, why


def due_for_reminder(created: dt.datetime, reminded_at: Optional[dt.datetime],
                     now: dt.datetime, delay: dt.timedelta) -> bool:
    """A pending request is brought back to the admins once it has waited
    ``delay``, and then at most once per ``delay``."""
    if now - created < delay:
        return False
    return reminded_at is None or now - reminded_at >= delay


def grant_state(grant: Mapping[str, Any], today: dt.date,
                convention_in_force: Optional[bool] = None) -> str:
    """``live``, ``future``, ``expired``, ``revoked`` or ``suspended`` (a
    grant under a convention that is not in force; ``convention_in_force``
    is None for a grant under no convention)."""
    if grant.get("revoked_at"):
        return "revoked"
    starts, ends = _day(grant.get("starts")), _day(grant.get("ends"))
    if ends is not None and ends < today:
        return "expired"
    if starts is not None and starts > today:
        return "future"
    if convention_in_force is False:
        return "suspended"
    return "live"


def _day(value: Any) -> Optional[dt.date]:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value:
        return dt.date.fromisoformat(value[:10])
    return None

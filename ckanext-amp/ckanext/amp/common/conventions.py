"""Lifecycle of a data-sharing convention: its state, its end, its renewals.

Pure Python, no CKAN import. A convention's state is never stored: it is
computed here from its terms (:class:`Terms`) and its log of events
(:class:`Event`) for a given day, by :func:`evaluate`. The rules, and the
choices the source agreements leave open, are in
``docs/decisions/0007-conventions.md``; in short:

* The convention comes into force on the day it is notified (``notified``
  in the terms, or a ``notified`` event; both, if given, must agree). Not
  notified, or notified in the future: ``draft``.
* The first term is ``initial_term_months`` long. Anniversaries are counted
  from the notification in whole months; a 29 February gives 28 February
  in the years that have none (the last day of the month, as French law
  counts periods in months). A term runs from its first day up to the day
  before the next anniversary, on which the next term starts.
* Tacit renewal (``tacit_renewal``): on each anniversary, up to
  ``max_renewals`` times (``None``: no limit). Without tacit renewal, a
  term is renewed only by a ``renewed`` event dated in it (or on its last
  anniversary). A ``renewed`` event always applies to the first
  anniversary on or after its date.
* ``not_renewed``: notice of non-renewal; it stops the renewal at the first
  anniversary at least ``notice_months`` after it (a notice given too late
  applies to the following anniversary).
* ``suspended`` / ``resumed``: the convention's calendar keeps running
  during a suspension (anniversaries, renewals and expiry happen as
  usual); only its rights are withheld.
* ``termination_notified`` on day D takes effect on ``effective`` (default
  D + ``notice_months``, never later); ``terminated`` takes effect on its
  own date.

Every date of an event is the first day of what it brings about; the end
dates this module gives (``end_date``, ``term_end``) are the last days in
force.

Errors in the log (an event before the notification, a resumption without
suspension, a renewal past the maximum...) are returned in
:attr:`Lifecycle.errors` as :class:`ConventionError` (English gettext id +
parameters, translated by the CKAN layer); the events in error are left
out of the computation.
"""
from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from typing import Iterable, Optional, Sequence

from ckanext.amp.common.messages import TranslatableError

__all__ = [
    "ConventionError",
    "ENDED_STATES",
    "Event",
    "KINDS",
    "LIFECYCLE_EVENTS",
    "Lifecycle",
    "STATES",
    "Terms",
    "add_months",
    "check_dates",
    "days_to_end",
    "evaluate",
    "unrecorded_tacit_renewals",
    "validate_terms",
]

#: Kinds of convention (docs/architecture.md, Conventions).
KINDS = ("open_data_partnership", "data_exchange", "smart_territory", "cross_referencing")

#: States a convention can be in on a given day.
STATES = ("draft", "active", "suspended", "terminated", "expired")

#: States in which the rights the convention grants are withheld.
ENDED_STATES = frozenset({"suspended", "terminated", "expired"})

#: Events of the lifecycle, in the order they usually come.
LIFECYCLE_EVENTS = ("notified", "renewed", "not_renewed", "suspended", "resumed",
                    "termination_notified", "terminated")


class ConventionError(TranslatableError):
    """An error in a convention's terms, dates or events. ``field`` names
    what is wrong (a field of the terms, or ``events``)."""

    def __init__(self, msgid: str, field: str = "events", **params: object) -> None:
        self.field = field
        super().__init__(msgid, **params)


# --------------------------------------------------------------------- data


@dataclass(frozen=True)
class Terms:
    """What a convention says about its duration. ``None``: not stated."""

    notified: Optional[dt.date] = None
    initial_term_months: Optional[int] = None
    tacit_renewal: Optional[bool] = None
    #: Length of a renewed term; ``None``: the initial term's.
    renewal_term_months: Optional[int] = None
    #: Maximum number of renewals; ``None``: no limit stated.
    max_renewals: Optional[int] = None
    #: Notice period of a non-renewal or a termination, in months.
    notice_months: Optional[int] = None


@dataclass(frozen=True)
class Event:
    """One entry of a convention's log. ``effective`` is only for
    ``termination_notified``: the day the termination takes effect."""

    kind: str
    date: dt.date
    note: str = ""
    effective: Optional[dt.date] = None


@dataclass(frozen=True)
class Lifecycle:
    """A convention as it stands on day :attr:`on`."""

    on: dt.date
    state: str
    #: First day in force (the notification), if known.
    notified: Optional[dt.date]
    #: First and last day of the term running on :attr:`on`.
    term_start: Optional[dt.date]
    term_end: Optional[dt.date]
    #: Last day in force as far as the terms and the log tell (``None``:
    #: no end known, e.g. tacit renewal with no limit).
    end_date: Optional[dt.date]
    #: ``expired`` or ``terminated`` when an end is known.
    ended_by: Optional[str]
    #: The anniversary on which the next renewal takes effect, if one is due.
    next_renewal: Optional[dt.date]
    renewals_done: int
    #: Renewals the terms and the notices still allow (``None``: no limit).
    renewals_left: Optional[int]
    #: Anniversaries on which the convention was renewed, up to :attr:`on`.
    renewal_dates: tuple[dt.date, ...]
    #: Suspensions: (first day, day it resumed or ``None``).
    suspensions: tuple[tuple[dt.date, Optional[dt.date]], ...]
    #: First day without rights after a notified termination, if any.
    termination_effective: Optional[dt.date]
    #: The anniversary on which a notice of non-renewal stops the convention.
    non_renewal_at: Optional[dt.date]
    errors: tuple[ConventionError, ...] = field(default=())

    @property
    def in_force(self) -> bool:
        """The rights the convention grants hold on :attr:`on`."""
        return self.state == "active"

    @property
    def ended(self) -> bool:
        """Its rights are withheld: suspended, terminated or expired."""
        return self.state in ENDED_STATES


# -------------------------------------------------------------------- dates


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months; a day the target month does
    not have becomes its last day (31 January + 1 month = 28/29 February)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


class _Calendar:
    """Anniversaries of a convention: ``anniversary(k)`` is the first day
    of the (k+1)-th term, i.e. the day of the k-th renewal (k >= 1)."""

    def __init__(self, notified: dt.date, initial: Optional[int], renewal: Optional[int]) -> None:
        self.notified = notified
        self.initial = initial if initial and initial > 0 else None
        step = renewal if renewal and renewal > 0 else self.initial
        self.step = step

    @property
    def known(self) -> bool:
        return self.initial is not None

    def anniversary(self, k: int) -> dt.date:
        assert self.initial is not None and self.step is not None and k >= 1
        return add_months(self.notified, self.initial + (k - 1) * self.step)

    def first_on_or_after(self, day: dt.date) -> int:
        """Index of the first anniversary on or after ``day``."""
        k = 1
        if self.step:  # jump close, then walk
            months = (day.year - self.notified.year) * 12 + day.month - self.notified.month
            k = max(1, (months - self.initial) // self.step)  # type: ignore[operator]
            while k > 1 and self.anniversary(k - 1) >= day:
                k -= 1
        while self.anniversary(k) < day:
            k += 1
        return k


# ------------------------------------------------------------------ checks


def validate_terms(terms: Terms) -> list[ConventionError]:
    """Errors in the terms themselves (lengths, counts)."""
    errors = []
    for name in ("initial_term_months", "renewal_term_months"):
        value = getattr(terms, name)
        if value is not None and value <= 0:
            errors.append(ConventionError(
                "The length of a term must be at least one month (got {value})",
                field=name, value=value))
    if terms.max_renewals is not None and terms.max_renewals < 0:
        errors.append(ConventionError(
            "The number of renewals cannot be below zero (got {value})",
            field="max_renewals", value=terms.max_renewals))
    if terms.notice_months is not None and terms.notice_months < 0:
        errors.append(ConventionError(
            "The notice period cannot be below zero (got {value})",
            field="notice_months", value=terms.notice_months))
    return errors


def check_dates(notified: Optional[dt.date], signed: Optional[dt.date] = None,
                deliberations: Iterable[tuple[str, dt.date]] = ()) -> list[ConventionError]:
    """Dates in the wrong order: a deliberation after the signature or the
    notification, a signature after the notification. ``deliberations`` are
    (reference, date) pairs."""
    errors = []
    for reference, day in deliberations:
        for other, name, msgid in (
                (signed, "date_signed",
                 "The deliberation {reference} ({date}) is after the signature ({other})"),
                (notified, "date_notified",
                 "The deliberation {reference} ({date}) is after the notification ({other})")):
            if other is not None and day > other:
                errors.append(ConventionError(msgid, field="deliberations",
                                              reference=reference or "?", date=day, other=other))
    if signed is not None and notified is not None and signed > notified:
        errors.append(ConventionError(
            "The signature ({date}) is after the notification ({other})",
            field="date_signed", date=signed, other=notified))
    return errors


# --------------------------------------------------------------- the log


@dataclass
class _Log:
    """What the accepted events have said so far."""

    calendar: Optional[_Calendar]
    tacit: bool
    max_renewals: Optional[int]
    notice: Optional[int]
    renewed: dict[int, dt.date] = field(default_factory=dict)  # k -> date of the event
    stop_k: Optional[int] = None  # non-renewal at anniversary k
    stop_notice: Optional[dt.date] = None
    suspensions: list[list[Optional[dt.date]]] = field(default_factory=list)
    termination: Optional[dt.date] = None  # first day without rights
    termination_notice: Optional[dt.date] = None  # date of termination_notified
    terminated_on: Optional[dt.date] = None  # date of a `terminated` event

    def expiry_k(self) -> Optional[int]:
        """Anniversary at which the convention expires (None: none known)."""
        if self.calendar is None or not self.calendar.known:
            return None
        k = 1
        while True:
            if self.max_renewals is not None and k > self.max_renewals:
                return k
            if self.stop_k is not None and k >= self.stop_k:
                return self.stop_k
            if self.tacit:
                if self.stop_k is None and self.max_renewals is None:
                    return None
            elif k not in self.renewed:
                return k
            k += 1

    def end(self) -> tuple[Optional[dt.date], Optional[str]]:
        """First day out of force, and why (``expired``/``terminated``)."""
        k = self.expiry_k()
        expiry = self.calendar.anniversary(k) if k is not None and self.calendar else None
        if self.termination is not None and (expiry is None or self.termination <= expiry):
            return self.termination, "terminated"
        if expiry is not None:
            return expiry, "expired"
        return None, None

    def suspended_on(self, day: dt.date) -> Optional[dt.date]:
        for start, stop in self.suspensions:
            if start is not None and start <= day and (stop is None or day < stop):
                return start
        return None

    def open_suspension(self) -> Optional[list[Optional[dt.date]]]:
        if self.suspensions and self.suspensions[-1][1] is None:
            return self.suspensions[-1]
        return None


def _accept(log: _Log, event: Event, notified: dt.date) -> Optional[ConventionError]:
    """Apply ``event`` to ``log``; the error that refuses it, if any."""
    day, kind = event.date, event.kind
    if kind not in LIFECYCLE_EVENTS:
        return ConventionError("Unknown kind of event: {kind}", kind=kind)
    if day < notified:
        return ConventionError(
            "The event {kind} of {date} is before the notification of the convention ({notified})",
            kind=kind, date=day, notified=notified)
    end, ended_by = log.end()
    calendar_ = log.calendar

    if kind == "renewed":
        if calendar_ is None or not calendar_.known:
            return ConventionError(
                "The renewal of {date} cannot be placed: the length of the initial term is not known",
                kind=kind, date=day)
        k = calendar_.first_on_or_after(day)
        anniversary = calendar_.anniversary(k)
        if end is not None and (day > end or (day == end and ended_by == "terminated")):
            return ConventionError("The event {kind} of {date} is after the end of the convention ({end})",
                                   kind=kind, date=day, end=end - dt.timedelta(days=1))
        if log.max_renewals is not None and k > log.max_renewals:
            return ConventionError(
                "The renewal of {date} would be renewal number {number}, beyond the maximum of {maximum}",
                kind=kind, date=day, number=k, maximum=log.max_renewals)
        if k in log.renewed:
            return ConventionError(
                "The renewal of {anniversary} is already recorded (event of {other})",
                kind=kind, date=day, anniversary=anniversary, other=log.renewed[k])
        if log.stop_k is not None and k >= log.stop_k:
            return ConventionError(
                "The renewal of {date} contradicts the notice of non-renewal of {other}",
                kind=kind, date=day, other=log.stop_notice)
        log.renewed[k] = day
        return None

    if end is not None and day >= end:
        if kind == "terminated" and log.termination_notice is not None and day == log.termination:
            log.terminated_on = day  # the notified termination, confirmed on its day
            return None
        return ConventionError("The event {kind} of {date} is after the end of the convention ({end})",
                               kind=kind, date=day, end=end - dt.timedelta(days=1))

    if kind == "notified":
        return ConventionError("The convention is already notified (on {notified})",
                               kind=kind, date=day, notified=notified)

    if kind == "not_renewed":
        if calendar_ is None or not calendar_.known:
            return ConventionError(
                "The notice of non-renewal of {date} cannot be placed: the length of the initial "
                "term is not known", kind=kind, date=day)
        if log.stop_k is not None:
            return ConventionError("A notice of non-renewal is already recorded (on {other})",
                                   kind=kind, date=day, other=log.stop_notice)
        earliest = add_months(day, log.notice or 0)
        k = calendar_.first_on_or_after(max(earliest, day + dt.timedelta(days=1)))
        if log.max_renewals is not None and k > log.max_renewals:
            return ConventionError(
                "No renewal is left to refuse: the convention ends on {end} in any case",
                kind=kind, date=day, end=calendar_.anniversary(log.max_renewals + 1)
                - dt.timedelta(days=1))
        if k in log.renewed:
            return ConventionError(
                "The notice of non-renewal of {date} contradicts the renewal of {anniversary} "
                "already recorded", kind=kind, date=day, anniversary=calendar_.anniversary(k))
        log.stop_k, log.stop_notice = k, day
        return None

    if kind == "suspended":
        current = log.open_suspension()
        if current is not None:
            return ConventionError("The convention is already suspended (since {other})",
                                   kind=kind, date=day, other=current[0])
        log.suspensions.append([day, None])
        return None

    if kind == "resumed":
        current = log.open_suspension()
        if current is None:
            return ConventionError("The resumption of {date} follows no suspension",
                                   kind=kind, date=day)
        current[1] = day
        return None

    if kind == "termination_notified":
        if log.termination_notice is not None:
            return ConventionError("A termination is already notified (on {other})",
                                   kind=kind, date=day, other=log.termination_notice)
        latest = add_months(day, log.notice) if log.notice is not None else None
        effective = event.effective or latest
        if effective is None:
            return ConventionError(
                "The notice period is not known: give the date the termination of {date} "
                "takes effect", kind=kind, date=day)
        if effective < day:
            return ConventionError(
                "The termination notified on {date} cannot take effect before it ({effective})",
                kind=kind, date=day, effective=effective)
        if latest is not None and effective > latest:
            return ConventionError(
                "The termination notified on {date} takes effect on {effective}, later than the "
                "notice period of {months} months allows ({latest})",
                kind=kind, date=day, effective=effective, months=log.notice, latest=latest)
        log.termination_notice = day
        if log.termination is None or effective < log.termination:
            log.termination = effective
        return None

    # terminated
    log.terminated_on = day
    if log.termination is None or day < log.termination:
        log.termination = day
    return None


def evaluate(terms: Terms, events: Sequence[Event], on: dt.date) -> Lifecycle:
    """The convention's state and dates on day ``on``, and the errors of its
    log. ``events`` in the order they were recorded; they are applied in
    date order (recording order for the same day)."""
    errors: list[ConventionError] = list(validate_terms(terms))
    ordered = sorted(enumerate(events), key=lambda pair: (pair[1].date, pair[0]))
    notified = terms.notified
    notifications = [event for _, event in ordered if event.kind == "notified"]
    if notifications:
        first = notifications[0]
        if notified is not None and first.date != notified:
            errors.append(ConventionError(
                "The notification event of {date} contradicts the date of notification "
                "of the convention ({notified})", kind="notified", date=first.date,
                notified=notified))
        notified = notified or first.date
        for extra in notifications[1:]:
            errors.append(ConventionError("The convention is already notified (on {notified})",
                                          kind="notified", date=extra.date, notified=notified))

    if notified is None:
        for _, event in ordered:
            errors.append(ConventionError(
                "The event {kind} of {date} cannot be recorded: the convention is not notified",
                kind=event.kind, date=event.date))
        return Lifecycle(on=on, state="draft", notified=None, term_start=None, term_end=None,
                         end_date=None, ended_by=None, next_renewal=None, renewals_done=0,
                         renewals_left=_left(terms), renewal_dates=(), suspensions=(),
                         termination_effective=None, non_renewal_at=None, errors=tuple(errors))

    term_errors = {error.field for error in errors}
    calendar_ = _Calendar(
        notified,
        None if "initial_term_months" in term_errors else terms.initial_term_months,
        None if "renewal_term_months" in term_errors else terms.renewal_term_months)
    log = _Log(calendar=calendar_, tacit=bool(terms.tacit_renewal),
               max_renewals=None if "max_renewals" in term_errors else terms.max_renewals,
               notice=None if "notice_months" in term_errors else terms.notice_months)
    for _, event in ordered:
        if event.kind == "notified":
            continue
        error = _accept(log, event, notified)
        if error is not None:
            errors.append(error)
    return _lifecycle(log, notified, on, tuple(errors))


def _left(terms: Terms) -> Optional[int]:
    return terms.max_renewals if terms.max_renewals is None or terms.max_renewals >= 0 else 0


def _renews_at(log: _Log, k: int, end: Optional[dt.date]) -> bool:
    """Is the convention still in force on anniversary ``k`` (so renewed)?"""
    assert log.calendar is not None
    return end is None or log.calendar.anniversary(k) < end


def _lifecycle(log: _Log, notified: dt.date, on: dt.date,
               errors: tuple[ConventionError, ...]) -> Lifecycle:
    end, ended_by = log.end()
    calendar_ = log.calendar
    assert calendar_ is not None

    renewal_dates: list[dt.date] = []
    term_start: Optional[dt.date] = notified
    term_end: Optional[dt.date] = None
    next_renewal: Optional[dt.date] = None
    left: Optional[int] = None
    if calendar_.known:
        k = 1
        while calendar_.anniversary(k) <= on and _renews_at(log, k, end):
            renewal_dates.append(calendar_.anniversary(k))
            k += 1
        term_start = renewal_dates[-1] if renewal_dates else notified
        following = calendar_.anniversary(k)
        term_end = following - dt.timedelta(days=1)
        if end is not None and end <= following:
            term_end = end - dt.timedelta(days=1)
        if _renews_at(log, k, end) and (log.tacit or k in log.renewed):
            if log.max_renewals is None or k <= log.max_renewals:
                next_renewal = following
        # Renewals still allowed: before the maximum, a non-renewal or a
        # termination, whichever comes first (``None``: no limit).
        caps = [cap for cap in (
            log.max_renewals + 1 if log.max_renewals is not None else None,
            log.stop_k,
            calendar_.first_on_or_after(log.termination) if log.termination else None,
        ) if cap is not None]
        left = max(0, min(caps) - 1 - len(renewal_dates)) if caps else None
    elif end is not None:
        term_end = end - dt.timedelta(days=1)

    if on < notified:
        state = "draft"
    elif end is not None and on >= end:
        state = ended_by or "expired"
    elif log.suspended_on(on) is not None:
        state = "suspended"
    else:
        state = "active"
    if state in ("expired", "terminated"):
        next_renewal, left = None, 0
        term_start = term_end = None

    return Lifecycle(
        on=on, state=state, notified=notified, term_start=term_start, term_end=term_end,
        end_date=end - dt.timedelta(days=1) if end is not None else None,
        ended_by=ended_by, next_renewal=next_renewal, renewals_done=len(renewal_dates),
        renewals_left=left, renewal_dates=tuple(renewal_dates),
        suspensions=tuple((start, stop) for start, stop in log.suspensions if start is not None),
        termination_effective=log.termination,
        non_renewal_at=calendar_.anniversary(log.stop_k) if log.stop_k and calendar_.known else None,
        errors=errors)


def unrecorded_tacit_renewals(terms: Terms, events: Sequence[Event], on: dt.date) -> list[dt.date]:
    """Anniversaries up to ``on`` on which the convention was renewed
    tacitly and that no ``renewed`` event records yet (the daily check
    records them, dated on the anniversary)."""
    if not terms.tacit_renewal:
        return []
    lifecycle = evaluate(terms, events, on)
    if lifecycle.notified is None or not lifecycle.renewal_dates:
        return []
    calendar_ = _Calendar(lifecycle.notified, terms.initial_term_months, terms.renewal_term_months)
    recorded = {calendar_.first_on_or_after(event.date)
                for event in events if event.kind == "renewed" and event.date >= lifecycle.notified}
    return [day for k, day in enumerate(lifecycle.renewal_dates, start=1) if k not in recorded]


#: States in which a convention's coming end is worth telling its parties
#: (in force, or suspended: its calendar keeps running).
RUNNING_STATES = frozenset({"active", "suspended"})


def days_to_end(state: str, end_date: Optional[dt.date], on: dt.date,
                within: int) -> Optional[int]:
    """Days left on ``on`` before a running convention's last day in force
    ``end_date`` (0: it ends that day), when it is at most ``within`` days
    away; ``None`` for a convention with no known end, not running (draft,
    expired, terminated) or ending later. The daily check's reminder and
    the stewards' dashboard both ask this."""
    if end_date is None or state not in RUNNING_STATES:
        return None
    days = (end_date - on).days
    return days if 0 <= days <= within else None

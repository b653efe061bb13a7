"""Lifecycle of a convention (common/conventions.py): state, terms, end date,
renewals, suspension, termination and the errors of the event log. Pure
Python; the dates follow the SYMCRAU convention (one year from notification,
tacit annual renewal at most three times, art. 8 notice of three months)
and the Région PACA one (tacit annual renewal, no limit stated)."""
from __future__ import annotations

import ast
import datetime as dt
import string
from pathlib import Path

import pytest

from ckanext.amp.common import conventions
from ckanext.amp.common.conventions import (
    ConventionError,
    Event,
    Terms,
    add_months,
    check_dates,
    evaluate,
    unrecorded_tacit_renewals,
    validate_terms,
)

D = dt.date
NOTIFIED = D(2025, 3, 10)
SYMCRAU = Terms(notified=NOTIFIED, initial_term_months=12, tacit_renewal=True,
                renewal_term_months=12, max_renewals=3, notice_months=3)
PACA = Terms(notified=D(2017, 11, 6), initial_term_months=12, tacit_renewal=True,
             renewal_term_months=12, max_renewals=None)


def msgids(lifecycle) -> list[str]:
    return [error.msgid for error in lifecycle.errors]


# ------------------------------------------------------------------ calendar

@pytest.mark.parametrize("day, months, expected", [
    (D(2025, 1, 31), 1, D(2025, 2, 28)),
    (D(2024, 1, 31), 1, D(2024, 2, 29)),
    (D(2024, 2, 29), 12, D(2025, 2, 28)),
    (D(2024, 2, 29), 48, D(2028, 2, 29)),
    (D(2025, 11, 30), 3, D(2026, 2, 28)),
    (D(2025, 3, 10), 0, D(2025, 3, 10)),
])
def test_add_months_keeps_the_day_or_takes_the_last_of_the_month(day, months, expected):
    assert add_months(day, months) == expected


# --------------------------------------------------------------- never notified

def test_a_convention_never_notified_is_a_draft_without_end_date():
    lifecycle = evaluate(Terms(initial_term_months=12, tacit_renewal=True, max_renewals=3),
                         [], D(2026, 1, 1))
    assert lifecycle.state == "draft"
    assert not lifecycle.in_force and not lifecycle.ended
    assert lifecycle.notified is None
    assert lifecycle.end_date is None and lifecycle.next_renewal is None
    assert lifecycle.renewals_done == 0 and lifecycle.renewals_left == 3
    assert lifecycle.errors == ()


def test_terms_unknown_and_no_notification_is_a_draft_too():
    lifecycle = evaluate(Terms(), [], D(2026, 1, 1))
    assert (lifecycle.state, lifecycle.end_date, lifecycle.renewals_left) == ("draft", None, None)


def test_notified_in_the_future_is_still_a_draft():
    lifecycle = evaluate(SYMCRAU, [], NOTIFIED - dt.timedelta(days=1))
    assert lifecycle.state == "draft"
    assert lifecycle.end_date == D(2029, 3, 9)   # already known from the terms


def test_the_notification_can_come_as_an_event():
    terms = Terms(initial_term_months=12, tacit_renewal=True, max_renewals=3)
    lifecycle = evaluate(terms, [Event("notified", NOTIFIED)], D(2025, 6, 1))
    assert lifecycle.state == "active"
    assert lifecycle.notified == NOTIFIED
    assert lifecycle.end_date == D(2029, 3, 9)


# --------------------------------------------------------- one year, renewals

def test_first_day_in_force_and_first_term():
    lifecycle = evaluate(SYMCRAU, [], NOTIFIED)
    assert lifecycle.state == "active" and lifecycle.in_force
    assert (lifecycle.term_start, lifecycle.term_end) == (NOTIFIED, D(2026, 3, 9))
    assert lifecycle.next_renewal == D(2026, 3, 10)
    assert (lifecycle.renewals_done, lifecycle.renewals_left) == (0, 3)
    # three renewals at most: four years in all
    assert lifecycle.end_date == D(2029, 3, 9) and lifecycle.ended_by == "expired"


def test_the_day_before_the_anniversary_the_first_term_runs():
    lifecycle = evaluate(SYMCRAU, [], D(2026, 3, 9))
    assert lifecycle.state == "active"
    assert lifecycle.renewals_done == 0
    assert lifecycle.term_end == D(2026, 3, 9)
    assert lifecycle.next_renewal == D(2026, 3, 10)


def test_renewal_on_the_anniversary():
    lifecycle = evaluate(SYMCRAU, [], D(2026, 3, 10))
    assert lifecycle.state == "active"
    assert lifecycle.renewals_done == 1 and lifecycle.renewals_left == 2
    assert lifecycle.renewal_dates == (D(2026, 3, 10),)
    assert (lifecycle.term_start, lifecycle.term_end) == (D(2026, 3, 10), D(2027, 3, 9))
    assert lifecycle.next_renewal == D(2027, 3, 10)


def test_the_day_after_the_anniversary():
    lifecycle = evaluate(SYMCRAU, [], D(2026, 3, 11))
    assert lifecycle.renewals_done == 1
    assert lifecycle.term_start == D(2026, 3, 10)


def test_maximum_number_of_renewals_reached():
    last_day = evaluate(SYMCRAU, [], D(2029, 3, 9))
    assert last_day.state == "active"
    assert (last_day.renewals_done, last_day.renewals_left) == (3, 0)
    assert last_day.next_renewal is None
    assert last_day.term_end == D(2029, 3, 9)
    after = evaluate(SYMCRAU, [], D(2029, 3, 10))
    assert after.state == "expired" and after.ended and not after.in_force
    assert after.end_date == D(2029, 3, 9)
    assert after.renewals_done == 3 and after.renewals_left == 0
    assert after.next_renewal is None


def test_no_limit_stated_renews_for_ever_and_has_no_end_date():
    lifecycle = evaluate(PACA, [], D(2026, 1, 1))
    assert lifecycle.state == "active"
    assert lifecycle.renewals_done == 8            # 2018 ... 2025
    assert lifecycle.renewals_left is None
    assert lifecycle.end_date is None and lifecycle.ended_by is None
    assert lifecycle.next_renewal == D(2026, 11, 6)


def test_notified_on_29_february():
    terms = Terms(notified=D(2024, 2, 29), initial_term_months=12, tacit_renewal=True,
                  max_renewals=3)
    assert evaluate(terms, [], D(2025, 2, 27)).renewals_done == 0
    on_28 = evaluate(terms, [], D(2025, 2, 28))
    assert on_28.renewals_done == 1 and on_28.term_start == D(2025, 2, 28)
    assert on_28.term_end == D(2026, 2, 27)
    # back to 29 February in a leap year; four years end the day before
    assert evaluate(terms, [], D(2028, 2, 28)).renewal_dates[-1] == D(2027, 2, 28)
    assert evaluate(terms, [], D(2028, 2, 28)).state == "active"
    assert evaluate(terms, [], D(2028, 2, 29)).state == "expired"
    assert on_28.end_date == D(2028, 2, 28)


def test_express_renewal_needs_a_renewed_event():
    terms = Terms(notified=NOTIFIED, initial_term_months=12, tacit_renewal=False, max_renewals=2)
    without = evaluate(terms, [], D(2026, 3, 10))
    assert without.state == "expired" and without.end_date == D(2026, 3, 9)
    assert without.next_renewal is None
    renewed = evaluate(terms, [Event("renewed", D(2026, 2, 1))], D(2026, 3, 10))
    assert renewed.state == "active" and renewed.renewals_done == 1
    assert renewed.end_date == D(2027, 3, 9)
    # renewals the terms still allow, subject to a decision
    assert renewed.renewals_left == 1


def test_a_renewal_term_different_from_the_initial_term():
    terms = Terms(notified=D(2025, 1, 1), initial_term_months=24, tacit_renewal=True,
                  renewal_term_months=6, max_renewals=2)
    lifecycle = evaluate(terms, [], D(2027, 7, 1))
    assert lifecycle.renewal_dates == (D(2027, 1, 1), D(2027, 7, 1))
    assert lifecycle.end_date == D(2027, 12, 31)


def test_unknown_initial_term_has_no_anniversary():
    terms = Terms(notified=NOTIFIED, tacit_renewal=True)
    lifecycle = evaluate(terms, [], D(2030, 1, 1))
    assert lifecycle.state == "active"
    assert lifecycle.end_date is None and lifecycle.next_renewal is None
    assert lifecycle.term_end is None


# ------------------------------------------------------------- non-renewal

def test_not_renewed_in_time_stops_the_renewal():
    events = [Event("not_renewed", D(2026, 12, 1))]   # more than 3 months before 2027-03-10
    on_the_day = evaluate(SYMCRAU, events, D(2027, 3, 10))
    assert on_the_day.state == "expired"
    assert on_the_day.end_date == D(2027, 3, 9)
    assert on_the_day.non_renewal_at == D(2027, 3, 10)
    before = evaluate(SYMCRAU, events, D(2027, 3, 9))
    assert before.state == "active"
    assert before.next_renewal is None and before.renewals_left == 0


def test_not_renewed_too_late_applies_to_the_next_anniversary():
    events = [Event("not_renewed", D(2027, 1, 15))]   # less than 3 months before 2027-03-10
    lifecycle = evaluate(SYMCRAU, events, D(2027, 3, 10))
    assert lifecycle.state == "active" and lifecycle.renewals_done == 2
    assert lifecycle.non_renewal_at == D(2028, 3, 10)
    assert lifecycle.end_date == D(2028, 3, 9)
    assert lifecycle.errors == ()


def test_not_renewed_without_notice_period_up_to_the_day_before():
    events = [Event("not_renewed", D(2026, 11, 5))]
    lifecycle = evaluate(PACA, events, D(2026, 11, 6))
    assert lifecycle.state == "expired" and lifecycle.end_date == D(2026, 11, 5)


# ---------------------------------------------------------------- suspension

def test_suspension_in_the_middle_of_a_term():
    events = [Event("suspended", D(2025, 6, 1), "Divergence (art. 8)"),
              Event("resumed", D(2025, 9, 1))]
    assert evaluate(SYMCRAU, events, D(2025, 5, 31)).state == "active"
    during = evaluate(SYMCRAU, events, D(2025, 6, 1))
    assert during.state == "suspended" and during.ended and not during.in_force
    assert evaluate(SYMCRAU, events, D(2025, 8, 31)).state == "suspended"
    after = evaluate(SYMCRAU, events, D(2025, 9, 1))
    assert after.state == "active"
    assert after.suspensions == ((D(2025, 6, 1), D(2025, 9, 1)),)
    # the calendar did not move
    assert after.end_date == D(2029, 3, 9)


def test_suspension_across_an_anniversary_the_calendar_keeps_running():
    events = [Event("suspended", D(2026, 2, 1)), Event("resumed", D(2026, 4, 1))]
    on_anniversary = evaluate(SYMCRAU, events, D(2026, 3, 10))
    assert on_anniversary.state == "suspended"
    assert on_anniversary.renewals_done == 1              # renewed while suspended
    assert on_anniversary.term_start == D(2026, 3, 10)
    resumed = evaluate(SYMCRAU, events, D(2026, 4, 1))
    assert resumed.state == "active" and resumed.end_date == D(2029, 3, 9)


def test_a_convention_that_expires_while_suspended_is_expired():
    events = [Event("suspended", D(2029, 1, 1))]
    assert evaluate(SYMCRAU, events, D(2029, 3, 9)).state == "suspended"
    assert evaluate(SYMCRAU, events, D(2029, 3, 10)).state == "expired"
    late = evaluate(SYMCRAU, events + [Event("resumed", D(2029, 4, 1))], D(2029, 4, 2))
    assert late.state == "expired"
    assert msgids(late) == ["The event {kind} of {date} is after the end of the convention ({end})"]


# --------------------------------------------------------------- termination

def test_termination_with_notice_takes_effect_after_the_notice_period():
    events = [Event("termination_notified", D(2025, 6, 10), "Lettre recommandée AR")]
    assert evaluate(SYMCRAU, events, D(2025, 9, 9)).state == "active"
    lifecycle = evaluate(SYMCRAU, events, D(2025, 9, 10))
    assert lifecycle.state == "terminated" and lifecycle.ended_by == "terminated"
    assert lifecycle.termination_effective == D(2025, 9, 10)
    assert lifecycle.end_date == D(2025, 9, 9)
    before = evaluate(SYMCRAU, events, D(2025, 7, 1))
    assert before.end_date == D(2025, 9, 9) and before.next_renewal is None
    assert before.renewals_left == 0


def test_termination_notified_with_an_earlier_effect():
    events = [Event("termination_notified", D(2025, 6, 10), effective=D(2025, 7, 1))]
    assert evaluate(SYMCRAU, events, D(2025, 7, 1)).state == "terminated"


def test_termination_notice_beyond_the_anniversary_lets_the_renewal_happen():
    events = [Event("termination_notified", D(2026, 1, 15))]   # effect 2026-04-15
    lifecycle = evaluate(SYMCRAU, events, D(2026, 3, 10))
    assert lifecycle.state == "active" and lifecycle.renewals_done == 1
    assert lifecycle.end_date == D(2026, 4, 14)


def test_immediate_termination():
    lifecycle = evaluate(SYMCRAU, [Event("terminated", D(2025, 12, 1))], D(2025, 12, 1))
    assert lifecycle.state == "terminated"
    assert lifecycle.end_date == D(2025, 11, 30)


def test_immediate_termination_overrides_a_notified_one():
    events = [Event("termination_notified", D(2025, 6, 10)), Event("terminated", D(2025, 7, 1))]
    lifecycle = evaluate(SYMCRAU, events, D(2025, 7, 1))
    assert lifecycle.state == "terminated" and lifecycle.end_date == D(2025, 6, 30)
    assert lifecycle.errors == ()


def test_termination_recorded_on_the_day_a_notified_one_takes_effect():
    events = [Event("termination_notified", D(2025, 6, 10)), Event("terminated", D(2025, 9, 10))]
    assert evaluate(SYMCRAU, events, D(2025, 9, 10)).errors == ()


def test_terminated_while_suspended():
    events = [Event("suspended", D(2025, 6, 1)), Event("terminated", D(2025, 8, 1))]
    assert evaluate(SYMCRAU, events, D(2025, 7, 1)).state == "suspended"
    assert evaluate(SYMCRAU, events, D(2025, 8, 1)).state == "terminated"


# ----------------------------------------------------- events out of order

@pytest.mark.parametrize("events, msgid", [
    ([Event("resumed", D(2025, 5, 1))], "The resumption of {date} follows no suspension"),
    ([Event("resumed", D(2025, 5, 1)), Event("suspended", D(2025, 6, 1))],
     "The resumption of {date} follows no suspension"),
    ([Event("suspended", D(2025, 1, 1))],
     "The event {kind} of {date} is before the notification of the convention ({notified})"),
    ([Event("notified", NOTIFIED), Event("notified", D(2025, 4, 1))],
     "The convention is already notified (on {notified})"),
    ([Event("notified", D(2025, 4, 1))],
     "The notification event of {date} contradicts the date of notification of the "
     "convention ({notified})"),
    ([Event("renewed", D(2029, 3, 10))],
     "The renewal of {date} would be renewal number {number}, beyond the maximum of {maximum}"),
    ([Event("renewed", D(2026, 3, 10)), Event("renewed", D(2026, 3, 1))],
     "The renewal of {anniversary} is already recorded (event of {other})"),
    ([Event("not_renewed", D(2026, 12, 1)), Event("renewed", D(2027, 3, 10))],
     "The renewal of {date} contradicts the notice of non-renewal of {other}"),
    ([Event("renewed", D(2027, 3, 10)), Event("not_renewed", D(2026, 12, 1))],
     "The renewal of {date} contradicts the notice of non-renewal of {other}"),
    ([Event("not_renewed", D(2026, 1, 1)), Event("not_renewed", D(2026, 2, 1))],
     "A notice of non-renewal is already recorded (on {other})"),
    ([Event("not_renewed", D(2028, 12, 1))],
     "No renewal is left to refuse: the convention ends on {end} in any case"),
    ([Event("suspended", D(2025, 5, 1)), Event("suspended", D(2025, 6, 1))],
     "The convention is already suspended (since {other})"),
    ([Event("terminated", D(2025, 5, 1)), Event("suspended", D(2025, 6, 1))],
     "The event {kind} of {date} is after the end of the convention ({end})"),
    ([Event("terminated", D(2025, 5, 1)), Event("terminated", D(2025, 6, 1))],
     "The event {kind} of {date} is after the end of the convention ({end})"),
    ([Event("termination_notified", D(2025, 5, 1)), Event("termination_notified", D(2025, 6, 1))],
     "A termination is already notified (on {other})"),
    ([Event("termination_notified", D(2025, 5, 1), effective=D(2025, 4, 1))],
     "The termination notified on {date} cannot take effect before it ({effective})"),
    ([Event("termination_notified", D(2025, 5, 1), effective=D(2025, 12, 1))],
     "The termination notified on {date} takes effect on {effective}, later than the notice "
     "period of {months} months allows ({latest})"),
    ([Event("signed", D(2025, 5, 1))], "Unknown kind of event: {kind}"),
])
def test_events_out_of_order_or_contradictory_are_refused(events, msgid):
    lifecycle = evaluate(SYMCRAU, events, D(2026, 1, 1))
    assert msgids(lifecycle) == [msgid]
    assert all(isinstance(error, ConventionError) and error.field == "events"
               for error in lifecycle.errors)


def test_an_event_of_a_convention_never_notified_is_refused():
    lifecycle = evaluate(Terms(initial_term_months=12), [Event("suspended", D(2025, 6, 1))],
                         D(2025, 7, 1))
    assert lifecycle.state == "draft"
    assert msgids(lifecycle) == [
        "The event {kind} of {date} cannot be recorded: the convention is not notified"]
    assert str(lifecycle.errors[0]) == (
        "The event suspended of 2025-06-01 cannot be recorded: the convention is not notified")


def test_termination_notice_without_a_known_notice_period_needs_its_effective_date():
    terms = Terms(notified=NOTIFIED, initial_term_months=12, tacit_renewal=True)
    refused = evaluate(terms, [Event("termination_notified", D(2025, 6, 1))], D(2025, 7, 1))
    assert msgids(refused) == [
        "The notice period is not known: give the date the termination of {date} takes effect"]
    assert refused.state == "active"
    accepted = evaluate(terms, [Event("termination_notified", D(2025, 6, 1),
                                      effective=D(2025, 8, 1))], D(2025, 8, 1))
    assert accepted.errors == () and accepted.state == "terminated"


def test_events_in_error_are_left_out_of_the_state():
    events = [Event("resumed", D(2025, 5, 1)), Event("suspended", D(2025, 6, 1))]
    assert evaluate(SYMCRAU, events, D(2025, 7, 1)).state == "suspended"


def test_renewals_need_a_known_initial_term():
    terms = Terms(notified=NOTIFIED, tacit_renewal=False)
    lifecycle = evaluate(terms, [Event("renewed", D(2026, 1, 1))], D(2026, 2, 1))
    assert msgids(lifecycle) == [
        "The renewal of {date} cannot be placed: the length of the initial term is not known"]


# --------------------------------------------------------------- the terms

@pytest.mark.parametrize("terms, field_name", [
    (Terms(initial_term_months=0), "initial_term_months"),
    (Terms(renewal_term_months=-12), "renewal_term_months"),
    (Terms(max_renewals=-1), "max_renewals"),
    (Terms(notice_months=-3), "notice_months"),
])
def test_bad_terms_are_refused(terms, field_name):
    errors = validate_terms(terms)
    assert [error.field for error in errors] == [field_name]


def test_a_negative_renewal_count_is_reported_and_not_used():
    terms = Terms(notified=NOTIFIED, initial_term_months=12, tacit_renewal=True, max_renewals=-1)
    lifecycle = evaluate(terms, [], D(2026, 1, 1))
    assert [error.field for error in lifecycle.errors] == ["max_renewals"]


def test_dates_in_the_wrong_order():
    errors = check_dates(notified=D(2025, 1, 1), signed=D(2025, 2, 1),
                         deliberations=[("07/25", D(2025, 1, 28))])
    assert {error.field for error in errors} == {"date_signed", "deliberations"}
    assert check_dates(notified=D(2025, 3, 10), signed=D(2025, 2, 1),
                       deliberations=[("07/25", D(2025, 1, 28))]) == []


# ------------------------------------------------------------ daily check

def test_unrecorded_tacit_renewals_are_those_without_an_event():
    assert unrecorded_tacit_renewals(SYMCRAU, [], D(2026, 3, 9)) == []
    assert unrecorded_tacit_renewals(SYMCRAU, [], D(2027, 4, 1)) == [D(2026, 3, 10), D(2027, 3, 10)]
    recorded = [Event("renewed", D(2026, 3, 10))]
    assert unrecorded_tacit_renewals(SYMCRAU, recorded, D(2027, 4, 1)) == [D(2027, 3, 10)]
    assert unrecorded_tacit_renewals(SYMCRAU, [], D(2035, 1, 1)) == [
        D(2026, 3, 10), D(2027, 3, 10), D(2028, 3, 10)]
    express = Terms(notified=NOTIFIED, initial_term_months=12, tacit_renewal=False)
    assert unrecorded_tacit_renewals(express, [], D(2027, 4, 1)) == []


def test_recorded_renewals_make_the_log_valid_for_tacit_conventions():
    events = [Event("renewed", day) for day in unrecorded_tacit_renewals(SYMCRAU, [], D(2028, 4, 1))]
    lifecycle = evaluate(SYMCRAU, events, D(2028, 4, 1))
    assert lifecycle.errors == () and lifecycle.renewals_done == 3


# ----------------------------------------------------- French catalogue

CATALOGUE = (Path(conventions.__file__).resolve().parents[1]
             / "i18n" / "fr" / "LC_MESSAGES" / "ckanext-amp.po")


def _msgids() -> set[str]:
    tree = ast.parse(Path(conventions.__file__).read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id == "ConventionError":
            for arg in node.args[:1]:
                if isinstance(arg, ast.Constant):
                    found.add(arg.value)
        if isinstance(node, ast.Tuple) and len(node.elts) == 3 \
                and isinstance(node.elts[2], ast.Constant) and isinstance(node.elts[2].value, str) \
                and "{" in node.elts[2].value:
            found.add(node.elts[2].value)
    return found


def test_every_lifecycle_message_has_its_french_translation():
    from babel.messages.pofile import read_po

    with open(CATALOGUE, "rb") as handle:
        catalogue = read_po(handle)
    ids = _msgids()
    assert len(ids) >= 20
    for msgid in ids:
        message = catalogue.get(msgid)
        assert message is not None and message.string, f"untranslated: {msgid!r}"
        fields = {name for _t, name, _s, _c in string.Formatter().parse(msgid) if name}
        french = {name for _t, name, _s, _c in string.Formatter().parse(message.string) if name}
        assert french == fields, msgid

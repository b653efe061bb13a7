"""Delivery schedules of data items (common/schedules.py): due dates from
an EU frequency code and the convention's start, matched against the
deliveries received, and what is late. Pure Python."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from ckanext.amp.common import schedules
from ckanext.amp.common.paths import data_path
from ckanext.amp.common.schedules import due_dates, frequency_code, report

D = dt.date
START = D(2025, 3, 10)
EU = "http://publications.europa.eu/resource/authority/frequency/"


def statuses(result) -> list[tuple]:
    return [(e.due, e.status, e.received) for e in result.expected]


def test_every_scheduled_code_is_a_code_of_the_project_vocabulary():
    with open(data_path("schemas", "vocabularies", "frequency.json"), encoding="utf-8") as f:
        codes = {entry["code"] for entry in json.load(f)["entries"]}
    assert set(schedules.PERIODS) <= codes
    assert schedules.ONE_OFF <= codes


@pytest.mark.parametrize("value, code", [
    ("ANNUAL_2", "ANNUAL_2"), ("annual_2", "ANNUAL_2"), (EU + "MONTHLY", "MONTHLY"),
    ("https://publications.europa.eu/resource/authority/frequency/WEEKLY/", "WEEKLY"),
    ("", None), (None, None),
])
def test_frequency_code_from_a_code_or_a_uri(value, code):
    assert frequency_code(value) == code


@pytest.mark.parametrize("code, until, expected", [
    ("ANNUAL_2", D(2026, 9, 10), [D(2025, 9, 10), D(2026, 3, 10), D(2026, 9, 10)]),
    ("ANNUAL", D(2027, 3, 9), [D(2026, 3, 10)]),
    ("QUARTERLY", D(2025, 12, 31), [D(2025, 6, 10), D(2025, 9, 10), D(2025, 12, 10)]),
    ("MONTHLY", D(2025, 5, 10), [D(2025, 4, 10), D(2025, 5, 10)]),
    ("WEEKLY", D(2025, 3, 31), [D(2025, 3, 17), D(2025, 3, 24), D(2025, 3, 31)]),
    ("DAILY", D(2025, 3, 12), [D(2025, 3, 11), D(2025, 3, 12)]),
    ("IRREG", D(2030, 1, 1), []),
    ("UPDATE_CONT", D(2030, 1, 1), []),
    ("NEVER", D(2030, 1, 1), []),
])
def test_due_dates(code, until, expected):
    assert due_dates(code, START, until) == expected


def test_monthly_due_dates_from_the_31st_take_the_last_day_of_short_months():
    assert due_dates("MONTHLY", D(2025, 1, 31), D(2025, 4, 30)) == [
        D(2025, 2, 28), D(2025, 3, 31), D(2025, 4, 30)]


def test_due_dates_inside_a_suspension_are_left_out():
    dues = due_dates("ANNUAL_2", START, D(2026, 9, 10), skip=[(D(2026, 2, 1), D(2026, 4, 1))])
    assert dues == [D(2025, 9, 10), D(2026, 9, 10)]


def test_an_open_suspension_leaves_no_next_due_date():
    result = report("ANNUAL_2", START, D(2025, 11, 1), [], skip=[(D(2025, 11, 1), None)])
    assert [e.due for e in result.expected] == [D(2025, 9, 10)]
    assert result.next_due is None
    resumed = report("ANNUAL_2", START, D(2025, 11, 1), [], skip=[(D(2025, 11, 1), D(2026, 6, 1))])
    assert resumed.next_due == D(2026, 9, 10)


def test_semiannual_deliveries_on_time_late_and_missing():
    received = [D(2025, 9, 1), D(2026, 4, 20)]
    result = report("ANNUAL_2", START, D(2026, 10, 15), received, tolerance_days=15)
    assert statuses(result) == [
        (D(2025, 9, 10), "received", D(2025, 9, 1)),
        (D(2026, 3, 10), "received_late", D(2026, 4, 20)),
        (D(2026, 9, 10), "late", None),
    ]
    assert [e.due for e in result.late] == [D(2026, 9, 10)]
    assert result.next_due == D(2027, 3, 10)
    assert result.kind == "periodic"


def test_tolerance_day_before_and_after():
    on_last_day = report("ANNUAL_2", START, D(2025, 9, 25), [], tolerance_days=15)
    assert statuses(on_last_day) == [(D(2025, 9, 10), "due", None)]
    assert on_last_day.late == ()
    day_after = report("ANNUAL_2", START, D(2025, 9, 26), [], tolerance_days=15)
    assert statuses(day_after) == [(D(2025, 9, 10), "late", None)]
    within = report("ANNUAL_2", START, D(2025, 10, 1), [D(2025, 9, 25)], tolerance_days=15)
    assert statuses(within) == [(D(2025, 9, 10), "received", D(2025, 9, 25))]


def test_a_late_delivery_settles_the_oldest_due_date_first():
    result = report("QUARTERLY", START, D(2025, 12, 20), [D(2025, 12, 15)], tolerance_days=0)
    assert statuses(result) == [
        (D(2025, 6, 10), "received_late", D(2025, 12, 15)),
        (D(2025, 9, 10), "late", None),
        (D(2025, 12, 10), "late", None),
    ]


def test_a_second_delivery_in_the_same_period_is_an_extra():
    result = report("ANNUAL_2", START, D(2025, 9, 30), [D(2025, 8, 1), D(2025, 8, 20)])
    assert statuses(result) == [(D(2025, 9, 10), "received", D(2025, 8, 1))]
    assert result.extra == (D(2025, 8, 20),)


def test_an_early_delivery_for_the_next_period_counts_once_the_period_has_begun():
    result = report("ANNUAL_2", START, D(2026, 3, 20), [D(2025, 9, 1), D(2025, 10, 1)])
    assert statuses(result) == [(D(2025, 9, 10), "received", D(2025, 9, 1)),
                                (D(2026, 3, 10), "received", D(2025, 10, 1))]


def test_deliveries_before_the_start_settle_nothing():
    result = report("ANNUAL_2", START, D(2025, 9, 30), [D(2025, 1, 1)])
    assert statuses(result) == [(D(2025, 9, 10), "late", None)]
    assert result.extra == (D(2025, 1, 1),)


def test_nothing_is_due_after_the_end_of_the_convention():
    result = report("ANNUAL_2", START, D(2027, 1, 1), [], end=D(2026, 3, 9))
    assert [e.due for e in result.expected] == [D(2025, 9, 10)]
    assert result.next_due is None


def test_one_off_delivery_without_a_due_date_is_pending_never_late():
    pending = report("NEVER", START, D(2030, 1, 1), [])
    assert pending.kind == "one_off"
    assert statuses(pending) == [(None, "pending", None)]
    assert pending.late == ()
    received = report(EU + "NEVER", START, D(2030, 1, 1), [D(2025, 5, 1), D(2025, 6, 1)])
    assert statuses(received) == [(None, "received", D(2025, 5, 1))]
    assert received.extra == (D(2025, 6, 1),)


def test_one_off_delivery_with_a_due_date():
    late = report("NEVER", START, D(2025, 7, 1), [], due=D(2025, 6, 1), tolerance_days=10)
    assert statuses(late) == [(D(2025, 6, 1), "late", None)]
    upcoming = report("NEVER", START, D(2025, 5, 1), [], due=D(2025, 6, 1))
    assert statuses(upcoming) == [(D(2025, 6, 1), "pending", None)]
    assert upcoming.next_due == D(2025, 6, 1)
    got = report("NEVER", START, D(2025, 7, 1), [D(2025, 6, 20)], due=D(2025, 6, 1))
    assert statuses(got) == [(D(2025, 6, 1), "received_late", D(2025, 6, 20))]


@pytest.mark.parametrize("periodicity, start", [("IRREG", START), (None, START), ("ANNUAL_2", None)])
def test_no_schedule_without_a_period_or_a_start(periodicity, start):
    result = report(periodicity, start, D(2026, 1, 1), [D(2025, 6, 1)])
    assert result.kind == "unscheduled"
    assert result.expected == () and result.late == ()
    assert result.extra == (D(2025, 6, 1),)


def test_tally_counts_each_status_and_the_two_sums():
    counts = schedules.tally(["received", "received_late", "late", "late", "due", "pending"])
    assert counts == {"received": 1, "received_late": 1, "late": 2, "due": 1, "pending": 1,
                      "expected": 5, "delivered": 2}
    assert schedules.tally([]) == dict.fromkeys(
        ("received", "received_late", "late", "due", "pending", "expected", "delivered"), 0)
    with pytest.raises(ValueError):
        schedules.tally(["lost"])


def test_tally_of_a_report_agrees_with_its_late_deliveries():
    found = report("QUARTERLY", dt.date(2025, 1, 1), dt.date(2026, 1, 20),
                   [dt.date(2025, 3, 20), dt.date(2025, 8, 1)], tolerance_days=30)
    counts = schedules.tally(e.status for e in found.expected)
    assert counts["expected"] == len(found.expected) == 4
    assert counts["late"] == len(found.late) == 1          # 2025-10-01
    assert (counts["received"], counts["received_late"], counts["due"]) == (1, 1, 1)

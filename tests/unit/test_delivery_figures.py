"""The counting of the conventions dashboard (common/delivery_figures.py)
and the end of a convention as the reminder and the dashboard see it
(common/conventions.days_to_end)."""
from __future__ import annotations

import datetime as dt

import pytest

from ckanext.amp.common import delivery_figures as figures
from ckanext.amp.common.conventions import days_to_end

D = dt.date


def test_last_months_end_with_the_current_month_across_a_year():
    assert figures.last_months(D(2026, 2, 14), 4) == ["2025-11", "2025-12", "2026-01", "2026-02"]
    assert figures.last_months(D(2026, 1, 1), 1) == ["2026-01"]
    assert len(figures.last_months(D(2026, 12, 31), 12)) == 12


def test_by_month_counts_due_dates_and_deliveries_in_the_window_only():
    months = figures.last_months(D(2026, 3, 5), 3)           # 2026-01 .. 2026-03
    dues = [D(2026, 1, 10), D(2026, 1, 31), D(2026, 3, 10), D(2025, 12, 31), None]
    received = [D(2026, 2, 1), D(2026, 3, 1), D(2026, 3, 4), D(2026, 4, 1), None]
    assert [(m.month, m.expected, m.received) for m in figures.by_month(dues, received, months)] \
        == [("2026-01", 2, 0), ("2026-02", 0, 1), ("2026-03", 1, 2)]


def test_late_deliveries_sort_the_most_overdue_first():
    on = D(2026, 6, 1)
    late = [("B", "x", D(2026, 5, 1)), ("A", "y", D(2025, 12, 1)), ("A", "a", D(2026, 5, 1))]
    ordered = sorted(late, key=lambda e: figures.lateness_key(
        figures.days_late(e[2], on), e[0], e[1]))
    assert ordered == [late[1], late[2], late[0]]
    assert figures.days_late(D(2026, 6, 1), on) == 0 and figures.days_late(D(2026, 7, 1), on) == 0


@pytest.mark.parametrize("state, end, expected", [
    ("active", D(2026, 6, 1), 0),            # its last day is today
    ("active", D(2026, 8, 30), 90),
    ("active", D(2026, 8, 31), None),        # beyond the horizon
    ("suspended", D(2026, 7, 1), 30),        # a suspended convention's calendar runs on
    ("expired", D(2026, 5, 31), None),
    ("draft", D(2026, 7, 1), None),
    ("active", None, None),                  # no end known (tacit renewal, no limit)
])
def test_days_to_end(state, end, expected):
    assert days_to_end(state, end, D(2026, 6, 1), 90) == expected

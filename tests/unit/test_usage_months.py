"""common/usage.py: months of the usage dashboard, monthly series, trends,
the resource id in a download address."""
from __future__ import annotations

import datetime as dt

import pytest

from ckanext.amp.common import usage

RID = "0b6ac9f4-3d2e-4c8a-9f1e-5a7b2c3d4e5f"


def test_twelve_months_ending_with_the_current_one_across_a_new_year():
    starts = usage.month_starts(dt.date(2026, 3, 31))
    assert len(starts) == 12
    assert starts[0] == dt.date(2025, 4, 1) and starts[-1] == dt.date(2026, 3, 1)
    assert [usage.month_key(d) for d in starts[8:]] == ["2025-12", "2026-01", "2026-02", "2026-03"]
    assert usage.window_start(dt.date(2026, 1, 15), 2) == dt.date(2025, 12, 1)
    assert usage.month_starts(dt.date(2026, 12, 3), 1) == [dt.date(2026, 12, 1)]
    with pytest.raises(ValueError):
        usage.month_starts(dt.date(2026, 1, 1), 0)


def test_series_fills_the_months_without_use():
    assert usage.series(["2026-01", "2026-02", "2026-03"], {"2026-03": 4, "2025-01": 9}) == [0, 0, 4]
    total = [1, 2]
    usage.add_series(total, [10, 20])
    assert total == [11, 22]


@pytest.mark.parametrize("values, direction, change", [
    # the last value is the current, partial month: left out
    ([10, 10, 10, 20, 20, 20, 0], "up", 1.0),
    ([20, 20, 20, 10, 10, 10, 99], "down", -0.5),
    ([10, 10, 10, 10, 10, 11, 0], "steady", 0.033),
    ([0, 0, 0, 1, 0, 0, 5], "new", None),
    ([0, 0, 0, 0, 0, 0, 5], "none", None),
    ([7], "none", None),
])
def test_trend_compares_the_last_complete_months_with_the_ones_before(values, direction, change):
    found = usage.trend(values)
    assert found.direction == direction and found.change == change


def test_trend_with_fewer_months_and_with_a_complete_last_month():
    assert usage.trend([2, 4, 0]).recent == 4 and usage.trend([2, 4, 0]).before == 2
    found = usage.trend([1, 1, 1, 3, 3, 3], partial_last=False)
    assert (found.direction, found.recent, found.before) == ("up", 9, 3)


def test_the_resource_id_of_an_upload_download_address():
    assert usage.resource_id_of(
        f"http://portail.example/dataset/abc/resource/{RID}/download/releves.csv") == RID
    assert usage.resource_id_of(f"/dataset/abc/resource/{RID}") is None  # its page, not a download
    assert usage.resource_id_of("https://example.org/captages.csv") is None
    assert usage.resource_id_of("") is None

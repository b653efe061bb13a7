"""Unit tests of the pure rules of the dashboards: common/freshness.py
(expected interval per EU frequency, lateness) and common/quality_bands.py."""
from __future__ import annotations

import datetime as dt

import pytest

from ckanext.amp.common import freshness, quality, quality_bands

FREQ = "http://publications.europa.eu/resource/authority/frequency/"
NOW = dt.datetime(2025, 6, 1, 12, tzinfo=dt.timezone.utc)


@pytest.mark.parametrize("frequency, days", [
    (FREQ + "DAILY", 1), (FREQ + "WEEKLY", 7), (FREQ + "MONTHLY", 31),
    (FREQ + "QUARTERLY", 92), (FREQ + "ANNUAL", 366), ("annual_2", 183),
    (FREQ + "MONTHLY/", 31),
])
def test_expected_interval_per_frequency(frequency, days):
    assert freshness.expected_interval(frequency) == dt.timedelta(days=days)


@pytest.mark.parametrize("frequency", ["", None, FREQ + "IRREG", FREQ + "UNKNOWN", "bogus"])
def test_no_interval_without_a_regular_frequency(frequency):
    assert freshness.expected_interval(frequency) is None


def test_monthly_dataset_is_late_after_the_interval_and_its_grace():
    # 31 days + 3.1 days of grace: due on 2025-06-05 02:24 for an update on 05-01.
    on_time = freshness.assess_frequency(FREQ + "MONTHLY", "2025-05-01", NOW)
    assert on_time.state == "on_time" and not on_time.late and on_time.days_late == 0
    just_late = freshness.assess_frequency(FREQ + "MONTHLY", "2025-04-27", NOW)
    assert just_late.state == "late"
    assert just_late.due == dt.datetime(2025, 5, 31, 2, 24, tzinfo=dt.timezone.utc)
    assert round(just_late.days_late, 2) == 1.4
    assert 0 < just_late.intervals_late < 1


def test_daily_grace_is_at_least_one_day():
    assert freshness.assess_frequency("DAILY", NOW - dt.timedelta(hours=47), NOW).state == "on_time"
    assert freshness.assess_frequency("DAILY", NOW - dt.timedelta(hours=49), NOW).state == "late"


@pytest.mark.parametrize("frequency, updated, state", [
    (FREQ + "IRREG", "2000-01-01", "unscheduled"),
    (FREQ + "NEVER", None, "unscheduled"),
    (FREQ + "CONT", None, "unscheduled"),
    ("", "2025-05-30", "no_frequency"),
    (FREQ + "UNKNOWN", "2025-05-30", "no_frequency"),
    (FREQ + "WEEKLY", None, "no_date"),
    (FREQ + "WEEKLY", "not a date", "no_date"),
])
def test_states_that_are_never_late(frequency, updated, state):
    report = freshness.assess_frequency(frequency, updated, NOW)
    assert report.state == state and not report.late and report.days_late == 0


def test_dataset_last_update_is_modified_else_metadata_modified():
    dataset = {"frequency": FREQ + "ANNUAL", "modified": "2025-01-01",
               "metadata_modified": "2020-01-01T10:00:00"}
    assert freshness.assess(dataset, NOW).state == "on_time"
    del dataset["modified"]
    assert freshness.assess(dataset, NOW).state == "late"


def test_late_list_sorts_by_intervals_late_then_days():
    reports = [freshness.assess_frequency(f, u, NOW) for f, u in [
        (FREQ + "ANNUAL", "2022-01-01"),   # ~2.2 intervals late, ~880 days
        (FREQ + "DAILY", "2025-05-20"),    # ~11 intervals late, 11 days
        (FREQ + "MONTHLY", "2025-03-01"),  # ~1.9 intervals late, ~59 days
    ]]
    ordered = sorted(reports, key=freshness.lateness_key)
    assert [r.frequency for r in ordered] == ["DAILY", "ANNUAL", "MONTHLY"]


def test_distribution_has_every_bucket_and_splits_the_late():
    reports = [freshness.assess_frequency(f, u, NOW) for f, u in [
        (FREQ + "MONTHLY", "2025-05-15"), (FREQ + "MONTHLY", "2025-04-15"),
        (FREQ + "MONTHLY", "2025-02-15"), (FREQ + "MONTHLY", "2024-01-01"),
        (FREQ + "IRREG", None), ("", None), (FREQ + "WEEKLY", None)]]
    assert freshness.distribution(reports) == {
        "on_time": 1, "late_1": 1, "late_3": 1, "late_more": 1,
        "unscheduled": 1, "no_frequency": 1, "no_date": 1}
    assert list(freshness.distribution([])) == list(freshness.BUCKETS)


def test_the_quality_criterion_follows_the_freshness_rule():
    for frequency, updated in [(FREQ + "MONTHLY", "2025-05-01"), (FREQ + "MONTHLY", "2025-01-01"),
                               (FREQ + "IRREG", None), ("", "2025-05-01"), (FREQ + "DAILY", None)]:
        dataset = {"frequency": frequency, "modified": updated}
        state = freshness.assess(dataset, NOW).state
        missing = {c.code for c in quality.score(dataset, now=NOW).missing}
        assert ("up_to_date" not in missing) == (state in ("on_time", "unscheduled"))


def test_quality_bands_cover_every_score_once():
    for score in range(101):
        assert sum(score in band for band in quality_bands.BANDS) == 1
    assert quality_bands.band_of(75).code == "high" and quality_bands.band_of(74).code == "medium"
    assert quality_bands.band("high").index_range == "[075 TO 100]"
    assert quality_bands.band("very_low").index_range == "[000 TO 024]"
    assert quality_bands.band("nope") is None


def test_counts_by_band_and_histogram_from_a_score_facet():
    facet = {"100": 2, "085": 1, "074": 3, "050": 1, "012": 4, "not-a-score": 9}
    assert quality_bands.counts_by_band(facet) == {"high": 3, "medium": 4, "low": 0, "very_low": 4}
    bars = quality_bands.histogram(facet)
    assert bars == [0, 4, 0, 0, 0, 1, 0, 3, 1, 2] and sum(bars) == 11
    labels = quality_bands.histogram_labels()
    assert labels[0] == "0-9" and labels[-1] == "90-100" and len(labels) == len(bars)

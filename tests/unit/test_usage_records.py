"""The rules of common/usage_records.py: reuse addresses, the prune's cut-off."""
from __future__ import annotations

import datetime as dt

import pytest

from ckanext.amp.common import usage_records as rules

TODAY = dt.date(2026, 12, 3)


@pytest.mark.parametrize("url", ["https://example.org", "http://example.org/app?x=1",
                                 "HTTPS://Example.org/a#b", "https://exemple.fr:8443/carte"])
def test_http_and_https_addresses_are_accepted(url):
    assert rules.valid_reuse_url(url)


@pytest.mark.parametrize("url", ["", "   ", "example.org", "ftp://example.org/x",
                                 "javascript:alert(1)", "https://", "http:///chemin",
                                 "https://exa mple.org", "https://example.org:port/",
                                 "mailto:a@example.org", "data:text/html,<b>x</b>"])
def test_other_addresses_are_refused(url):
    assert not rules.valid_reuse_url(url)


def test_nothing_is_pruned_before_the_first_update():
    assert rules.prune_before(TODAY, 400, None) is None


def test_the_retention_decides_when_the_summary_is_up_to_date():
    assert rules.prune_before(TODAY, 400, TODAY) == TODAY - dt.timedelta(days=400)


def test_days_not_yet_summed_are_kept_whatever_the_retention():
    last = TODAY - dt.timedelta(days=30)  # the update has not run for a month
    assert rules.prune_before(TODAY, 7, last) == last - dt.timedelta(days=rules.KEEP_UNSUMMED_DAYS)
    assert rules.KEEP_UNSUMMED_DAYS > rules.UPDATE_REDO_DAYS


def test_a_retention_shorter_than_the_margin_is_refused():
    with pytest.raises(ValueError):
        rules.prune_before(TODAY, rules.MIN_RETENTION_DAYS - 1, TODAY)

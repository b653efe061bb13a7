"""Pure parts of amp_harvest: source configuration, credentials, stamping,
the plan of a job (create / update / unchanged / withdraw, and when a job
must stop instead)."""
from __future__ import annotations

import datetime as dt

import pytest

from ckanext.amp.common.harvest.plan import Stored, allowed_withdrawals, make_plan
from ckanext.amp.common.harvest.records import MappedRecord
from ckanext.amp.common.harvest.sources import ConfigError, parse_config, resolve_credential
from ckanext.amp.common.harvest.stamping import (
    ConventionTerms, SourceContext, stamp, stamped_hash)

NOW = dt.datetime(2026, 3, 1, 12, 0)
DAY = dt.timedelta(days=1)


def plan(listed, stored, complete=True, grace=7 * DAY, share=0.2, existing=None):
    return make_plan(listed, stored, source="partner", complete=complete, now=NOW, grace=grace,
                     max_share=share, existing_packages=existing)


def live(n, **kw):
    return {f"r{i}": Stored(f"p{i}", f"h{i}", "created", **kw) for i in range(n)}


# -- configuration ------------------------------------------------------------------

def test_config_needs_a_convention_unless_open_data_only():
    with pytest.raises(ConfigError, match="needs a convention"):
        parse_config("{}")
    assert parse_config('{"open_data_only": true}').open_data_only
    config = parse_config({"convention": "SYMCRAU-AMP-2025", "mode": "reference",
                           "credential": "SYMCRAU_API_KEY", "rows": 100},
                          type_keys=frozenset({"rows"}))
    assert (config.convention, config.mode, config.credential, config.extra) == \
        ("SYMCRAU-AMP-2025", "reference", "SYMCRAU_API_KEY", {"rows": 100})


@pytest.mark.parametrize("config,expected", [
    ('{"convention": "C", "api_key": "abc"}', "must not hold a secret (api_key)"),
    ('{"convention": "C", "password": "x"}', "must not hold a secret (password)"),
    ('{"convention": "C", "user_agent": "Bearer abcdef"}', "must not hold a secret (user_agent)"),
    ('{"convention": "C", "credential": "sk-live-123abc"}', "NAME of a secret"),
    ('{"convention": "C", "mode": "mirror"}', "mode must be one of"),
    ('{"convention": "C", "max_withdraw_share": 2}', "between 0 and 1"),
    ('{"convention": "C", "frobnicate": 1}', "Unknown configuration options: frobnicate"),
    ('{"convention": ', "not valid JSON"),
    ('[1, 2]', "must be a JSON object"),
])
def test_bad_configurations_are_refused(config, expected):
    with pytest.raises(ConfigError) as error:
        parse_config(config)
    assert expected in str(error.value)


def test_credentials_come_from_the_secrets_file_or_prefixed_environment(tmp_path):
    secrets = tmp_path / "secrets.env"
    secrets.write_text("# partners\nSYMCRAU_API_KEY=from-file\n")
    assert resolve_credential("SYMCRAU_API_KEY", secrets, environ={}) == "from-file"
    assert resolve_credential("HERAULT_KEY", secrets,
                              environ={"AMP_CREDENTIAL_HERAULT_KEY": "from-env"}) == "from-env"
    # The bare name of another variable of the portal is never read.
    with pytest.raises(ConfigError) as error:
        resolve_credential("CKAN_SQLALCHEMY_URL", None,
                           environ={"CKAN_SQLALCHEMY_URL": "postgresql://u:pw@db/ckan"})
    assert "pw" not in str(error.value)
    assert "AMP_CREDENTIAL_CKAN_SQLALCHEMY_URL" in str(error.value)


# -- stamping -----------------------------------------------------------------------

def record(**dataset):
    base = {"title": "Parkings", "notes": "Les parkings.", "license_id": "lov2",
            "resources": [{"url": "https://p.example/parkings.csv", "format": "CSV",
                           "url_type": "upload", "id": "remote-res"}]}
    base.update(dataset)
    return MappedRecord("remote-1", base, remote_url="https://p.example/dataset/parkings")


def test_the_convention_decides_diffusion_and_licence_whatever_the_remote_says():
    context = SourceContext("symcrau", "https://p.example/api/3", "org-symcrau",
                            terms=ConventionTerms("SYMCRAU-AMP-2025", "internal", "other-closed"))
    stamped = stamp(record(diffusion="public", private=False, access_rights="PUBLIC",
                           owner_org="someone-else", convention="FAKE"), context)
    assert stamped["diffusion"] == "internal" and stamped["private"] is True
    assert stamped["license_id"] == "other-closed"
    assert stamped["owner_org"] == "org-symcrau" and stamped["convention"] == "SYMCRAU-AMP-2025"
    assert stamped["diffusion_basis"] == "convention"
    assert "access_rights" not in stamped
    assert stamped["harvest_remote_id"] == "remote-1"
    assert stamped["canonical_url"] == "https://p.example/dataset/parkings"
    assert stamped["source_portal"] == "https://p.example/"
    assert stamped["resources"] == [{"url": "https://p.example/parkings.csv", "format": "CSV"}]


def test_open_data_sources_are_public_with_the_record_licence():
    context = SourceContext("datasud", "https://u:p@datasud.example/", "org", open_data_only=True)
    stamped = stamp(record(), context)
    assert (stamped["diffusion"], stamped["license_id"], stamped["private"]) == ("public", "lov2", False)
    assert stamped["source_portal"] == "https://datasud.example/"


def test_reference_mode_points_to_the_source_portal():
    context = SourceContext("herault", "https://h.example/", "org", mode="reference",
                            open_data_only=True)
    stamped = stamp(record(resources=[{"url": "https://local/copy.csv",
                                       "download_url": "https://h.example/export.csv"}]), context)
    assert stamped["url"] == "https://p.example/dataset/parkings"
    assert stamped["resources"][0]["url"] == "https://h.example/export.csv"


def test_the_hash_ignores_the_harvest_date():
    context = SourceContext("s", "https://p.example/", "org", open_data_only=True)
    stamped = stamp(record(), context)
    assert stamped_hash(stamped) == stamped_hash({**stamped, "harvest_date": "2026-03-01"})
    assert stamped_hash(stamped) != stamped_hash({**stamped, "title": "Autre"})


# -- plans --------------------------------------------------------------------------

def test_unchanged_records_write_nothing_and_changes_are_updates():
    stored = live(3)
    result = plan({"r0": "h0", "r1": "CHANGED", "r2": "h2", "new": "hn"}, stored)
    assert result.unchanged == ["r0", "r2"] and result.update == ["r1"] and result.create == ["new"]
    assert result.withdraw == [] and result.refusal is None


def test_a_withdrawn_record_that_is_back_is_updated_and_a_purged_one_recreated():
    stored = {"a": Stored("pa", "ha", "withdrawn", withdrawn=True),
              "b": Stored("pb", "hb", "created")}
    result = plan({"a": "ha", "b": "hb"}, stored, existing={"pa"})
    assert result.update == ["a"] and result.create == ["b"]


def test_disappeared_records_wait_for_the_grace_period():
    stored = live(20)
    stored["r0"] = Stored("p0", "h0", "created", missing_since=NOW - 8 * DAY)
    stored["r1"] = Stored("p1", "h1", "created", missing_since=NOW - 2 * DAY)
    listed = {f"r{i}": f"h{i}" for i in range(3, 20)}
    result = plan(listed, stored)
    assert result.withdraw == ["r0"]
    assert sorted(result.waiting) == ["r1", "r2"] and result.newly_missing == ["r2"]
    assert result.refusal is None
    immediate = plan(listed, live(20), grace=dt.timedelta(0))
    assert sorted(immediate.withdraw) == ["r0", "r1", "r2"] and immediate.refusal is None


def test_a_job_never_withdraws_more_than_its_share():
    stored = live(10, missing_since=NOW - 30 * DAY)
    result = plan({"r0": "h0", "r1": "h1", "r2": "h2", "r3": "h3", "r4": "h4"}, stored)
    assert result.refusal is not None and "5 of its 10 datasets" in str(result.refusal)
    assert allowed_withdrawals(10, 0.2) == 2 and allowed_withdrawals(3, 0.2) == 1


def test_an_empty_catalogue_stops_the_job():
    result = plan({}, live(4))
    assert result.refusal is not None and "lists no dataset" in str(result.refusal)
    assert result.writes == 0


def test_an_incomplete_listing_withdraws_nothing():
    stored = live(4, missing_since=NOW - 30 * DAY)
    result = plan({"r0": "h0"}, stored, complete=False)
    assert result.withdraw == [] and result.newly_missing == [] and result.refusal is None
    assert "incomplete" in str(result.notes[0])


def test_failed_records_count_as_present():
    stored = live(2, missing_since=NOW - 30 * DAY)
    result = plan({"r0": None, "r1": "h1"}, stored)
    assert result.withdraw == [] and sorted(result.back) == ["r0", "r1"]
    assert result.unchanged == ["r1"] and result.create == result.update == []


def test_licences_are_checked_against_the_level_before_writing():
    from ckanext.amp.common.harvest.stamping import check_licence

    public = {"diffusion": "public", "license_id": "Licence Ouverte v2.0"}
    assert check_licence(public, None) is None and public["license_id"] == "lov2"
    assert "not an open licence allowed for public data" in str(
        check_licence({"diffusion": "public", "license_id": "cc-nc"}, None))
    assert "Unknown licence" in str(
        check_licence({"diffusion": "public", "license_id": "Licence maison v3"}, None))
    assert "needs a licence" in str(check_licence({"diffusion": "public"}, None))
    terms = ConventionTerms("SYMCRAU-AMP-2025", "internal", None)
    assert "cannot carry the open licence" in str(
        check_licence({"diffusion": "internal", "license_id": "lov2"}, terms))
    assert check_licence({"diffusion": "internal"}, terms) is None

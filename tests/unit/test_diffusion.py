"""The diffusion rules (common/diffusion.py): one table, every consequence.

Pure Python: no CKAN. The expected answers are written from the table in
docs/architecture.md, case by case, so that a change of the table shows here.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from ckanext.amp.common import diffusion as d
from ckanext.amp.common.validation import InvalidValue

S = d.Standing
ANON = d.Viewer()
OWNER = d.Viewer(owner_member=True)
PARTY = d.Viewer(party=True)
GRANTEE = d.Viewer(grantee=True)
ADMIN = d.Viewer(sysadmin=True)


def ds(diffusion, visibility=None, **extra):
    data = {"id": "d1", "owner_org": "org1", "diffusion": diffusion, **extra}
    if visibility:
        data["metadata_visibility"] = visibility
    return data


# (dataset, standing) -> who sees the record, who gets the data
TABLE = [
    (ds("public"), S.NONE, {"anon", "owner", "party", "grantee"}, {"anon", "owner", "party", "grantee"}),
    (ds("restricted", "public", convention="C"), S.IN_FORCE,
     {"anon", "owner", "party", "grantee"}, {"owner", "party", "grantee"}),
    (ds("restricted", "parties", convention="C"), S.IN_FORCE,
     {"owner", "party", "grantee"}, {"owner", "party", "grantee"}),
    # A draft convention gives the parties nothing.
    (ds("restricted", "public", convention="C"), S.NOT_IN_FORCE,
     {"anon", "owner", "party", "grantee"}, {"owner", "grantee"}),
    (ds("restricted", "parties", convention="C"), S.NOT_IN_FORCE,
     {"owner", "grantee"}, {"owner", "grantee"}),
    # An ended convention withdraws everything but the producer's own view.
    (ds("restricted", "public", convention="C"), S.ENDED, {"owner"}, {"owner"}),
    (ds("restricted", "parties", convention="C"), S.ENDED, {"owner"}, {"owner"}),
    # Grants only (no convention).
    (ds("restricted", "public"), S.NONE, {"anon", "owner", "party", "grantee"}, {"owner", "grantee"}),
    (ds("internal"), S.NONE, {"owner"}, {"owner"}),
    (ds("internal"), S.IN_FORCE, {"owner"}, {"owner"}),
    (ds("personal"), S.IN_FORCE, {"owner"}, {"owner"}),
    # CKAN's private flag: never everyone.
    (ds("public", private=True), S.NONE, {"owner"}, {"owner"}),
    (ds("restricted", "public", convention="C", private="True"), S.IN_FORCE,
     {"owner", "party", "grantee"}, {"owner", "party", "grantee"}),
    # No level: the schema's default (public); garbage: the strictest.
    ({"id": "d1", "owner_org": "org1"}, S.NONE, {"anon", "owner", "party", "grantee"},
     {"anon", "owner", "party", "grantee"}),
    (ds("secret"), S.NONE, {"owner"}, {"owner"}),
    # An unknown visibility: the strictest one.
    (ds("restricted", "everybody", convention="C"), S.IN_FORCE,
     {"owner", "party", "grantee"}, {"owner", "party", "grantee"}),
]
VIEWERS = {"anon": ANON, "owner": OWNER, "party": PARTY, "grantee": GRANTEE}


@pytest.mark.parametrize("dataset,standing,record,data", TABLE)
def test_who_sees_the_record_and_who_gets_the_data(dataset, standing, record, data):
    assert {name for name, viewer in VIEWERS.items()
            if d.may_see_record(dataset, viewer, standing)} == record
    assert {name for name, viewer in VIEWERS.items()
            if d.may_get_data(dataset, viewer, standing)} == data
    assert d.may_see_record(dataset, ADMIN, standing)
    assert d.may_get_data(dataset, ADMIN, standing)


@pytest.mark.parametrize("dataset,standing,record,data", TABLE)
def test_whoever_gets_the_data_sees_the_record(dataset, standing, record, data):
    assert data <= record


@pytest.mark.parametrize("dataset,standing,record,data", TABLE)
def test_the_catalogue_lists_what_anonymous_visitors_see(dataset, standing, record, data):
    assert d.listed_in_catalogue(dataset, standing) == ("anon" in record)


def test_labels_of_each_level():
    assert d.dataset_labels(ds("public")) == ["public"]
    assert d.dataset_labels(ds("restricted", "public", convention="C"), S.IN_FORCE) == ["public"]
    assert d.dataset_labels(ds("restricted", "parties", convention=" C "), S.IN_FORCE) == [
        "member-org1", "convention-C", "grant-d1"]
    assert d.dataset_labels(ds("restricted", "parties", convention="C"), S.NOT_IN_FORCE) == [
        "member-org1", "grant-d1"]
    assert d.dataset_labels(ds("restricted", "public", convention="C"), S.ENDED) == ["member-org1"]
    assert d.dataset_labels(ds("internal")) == ["member-org1"]
    assert d.dataset_labels(ds("personal")) == ["member-org1"]


def test_labels_of_a_dataset_without_organisation():
    assert d.dataset_labels({"id": "x", "diffusion": "internal", "creator_user_id": "u1"}) == ["creator-u1"]
    assert d.dataset_labels({"id": "x", "diffusion": "internal"}) == ["sysadmin-only"]


def test_a_user_with_the_matching_label_is_exactly_the_audience():
    """Labels and the audience rule say the same thing (the search filter
    and package_show's auth rely on the labels)."""
    for dataset, standing, record, _data in TABLE:
        labels = set(d.dataset_labels(dataset, standing))
        user_labels = {
            "anon": {"public"},
            "owner": {"public", "member-org1"},
            "party": {"public", "convention-C"},
            "grantee": {"public", "grant-d1"},
        }
        seen = {name for name, held in user_labels.items() if held & labels}
        assert seen == record, (dataset, standing)


def test_catalogue_filter_is_derived_from_the_table():
    assert d.catalogue_filter() == (
        "+capacity:public +permission_labels:public "
        "+((diffusion:public OR (*:* -diffusion:*)) OR "
        "(diffusion:restricted AND (metadata_visibility:public OR (*:* -metadata_visibility:*))))")


def test_access_rights_are_derived():
    assert d.access_right_uri("public").endswith("/access-right/PUBLIC")
    assert d.access_right_uri(" Restricted ").endswith("/RESTRICTED")
    assert d.access_right_uri("internal").endswith("/NON_PUBLIC")
    assert d.access_right_uri("personal").endswith("/NON_PUBLIC")
    assert d.access_right_uri("secret") is None
    assert d.level_for_access_right(d.ACCESS_RIGHT_BASE + "RESTRICTED") == "restricted"
    assert d.level_for_access_right(d.ACCESS_RIGHT_BASE + "NON_PUBLIC/") == "internal"
    assert d.level_for_access_right("PUBLIC") == "public"
    assert d.level_for_access_right("nonsense") is None


def test_standing_of_convention_states():
    assert d.Standing.of("active") is S.IN_FORCE
    for state in ("suspended", "terminated", "expired"):
        assert d.Standing.of(state) is S.ENDED
    assert d.Standing.of("draft") is S.NOT_IN_FORCE
    assert d.Standing.of(None) is S.NOT_IN_FORCE


@dataclass(frozen=True)
class Lic:
    id: str
    open: bool
    decree: bool
    levels: frozenset


LO = Lic("lov2", True, True, frozenset({"public"}))
CC_BY = Lic("cc-by", True, False, frozenset({"public"}))
PARTIES = Lic("amp-parties", False, False, frozenset({"restricted"}))
INTERNAL = Lic("amp-internal", False, False, frozenset({"internal", "personal"}))
CLOSED = Lic("other-closed", False, False, frozenset({"restricted", "internal", "personal"}))


def test_public_needs_a_decree_licence():
    assert d.check_licence("public", LO) is None
    with pytest.raises(InvalidValue, match="needs a licence"):
        d.check_licence("public", None)
    with pytest.raises(InvalidValue, match="not an open licence"):
        d.check_licence("public", CLOSED)
    with pytest.raises(InvalidValue, match="not an open licence"):
        d.check_licence("public", CC_BY)


def test_another_open_licence_only_where_the_operator_allows_it_with_a_warning():
    warning = d.check_licence("public", CC_BY, allowed_open=["cc-by"])
    assert isinstance(warning, InvalidValue) and "decree" in str(warning)


def test_non_public_levels_never_carry_an_open_licence():
    for level in ("restricted", "internal", "personal"):
        with pytest.raises(InvalidValue, match="cannot carry the open licence"):
            d.check_licence(level, LO)
        assert d.check_licence(level, None) is None


def test_licences_are_meant_for_their_levels():
    assert d.check_licence("restricted", PARTIES) is None
    assert d.check_licence("internal", INTERNAL) is None
    assert d.check_licence("personal", CLOSED) is None
    with pytest.raises(InvalidValue, match="not meant for restricted"):
        d.check_licence("restricted", INTERNAL)
    with pytest.raises(InvalidValue, match="not meant for internal"):
        d.check_licence("internal", PARTIES)


def test_restricted_under_a_convention_carries_its_licence():
    assert d.check_licence("restricted", PARTIES, convention_licence="amp-parties") is None
    with pytest.raises(InvalidValue, match="convention's licence"):
        d.check_licence("restricted", CLOSED, convention_licence="amp-parties")


@pytest.mark.parametrize("target", ["public", "restricted"])
def test_personal_data_never_becomes_public_or_restricted(target):
    attestation = {"anonymisation_by": "DPO", "anonymisation_date": "2025-01-02",
                   "anonymisation_method": "agrégation"}
    with pytest.raises(InvalidValue, match="never become"):
        d.check_transition("personal", target, attestation)


def test_leaving_personal_needs_an_attestation():
    with pytest.raises(InvalidValue, match="attestation"):
        d.check_transition("personal", "internal")
    with pytest.raises(InvalidValue, match="attestation"):
        d.check_transition("personal", "internal", {"anonymisation_by": "DPO"})
    kept = d.check_transition("personal", "internal", {
        "anonymisation_by": " Déléguée à la protection des données ",
        "anonymisation_date": "2025-01-02", "anonymisation_method": "agrégation à la commune"},
        today=dt.date(2025, 3, 1))
    assert kept == {"anonymisation_by": "Déléguée à la protection des données",
                    "anonymisation_date": "2025-01-02",
                    "anonymisation_method": "agrégation à la commune"}


def test_an_attestation_dated_in_the_future_or_invalid_is_refused():
    attestation = {"anonymisation_by": "DPO", "anonymisation_method": "k-anonymat"}
    with pytest.raises(InvalidValue, match="future"):
        d.check_transition("personal", "internal", {**attestation, "anonymisation_date": "2025-03-02"},
                           today=dt.date(2025, 3, 1))
    with pytest.raises(InvalidValue, match="valid date"):
        d.check_transition("personal", "internal", {**attestation, "anonymisation_date": "2025-02-30"})


def test_other_changes_need_nothing():
    assert d.check_transition(None, "personal") is None
    assert d.check_transition("personal", "personal") is None
    assert d.check_transition("internal", "public") is None
    assert d.check_transition("public", "personal") is None


def test_restricted_needs_a_convention_or_grants():
    d.check_restricted("restricted", "SYMCRAU-AMP-2025", "convention")
    d.check_restricted("restricted", "", "commercial_secret")
    d.check_restricted("public", "", "")
    with pytest.raises(InvalidValue, match="reference of its convention"):
        d.check_restricted("restricted", "", "convention")
    with pytest.raises(InvalidValue, match="reference of its convention"):
        d.check_restricted("restricted", None, None)


def test_level_table_is_complete():
    assert list(d.LEVELS) == ["public", "restricted", "internal", "personal"]
    for level in d.LEVELS.values():
        assert level.label("fr") and level.label("en")
        for record in level.record.values():
            assert d.Audience.EVERYONE in record or level.data <= record

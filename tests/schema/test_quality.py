"""Unit tests of the pure quality score (ckanext/amp/common/quality.py)."""
from __future__ import annotations

import datetime as dt

import pytest

from ckanext.amp.common import quality

NOW = dt.datetime(2025, 6, 1, 12, tzinfo=dt.timezone.utc)
FREQ = "http://publications.europa.eu/resource/authority/frequency/"


def complete() -> dict:
    return {
        "notes": "Localisation des points d’apport volontaire du verre sur le territoire "
                 "métropolitain, mise à jour chaque mois par la direction de la collecte.",
        "license_id": "lov2",
        "temporal_coverage": [{"start": "2020-01-01", "end": "2024-12-31"}],
        "spatial_zones": ["fr:epci:200054807"],
        "spatial_granularity": "communale",
        "frequency": FREQ + "MONTHLY",
        "issued": "2020-02-01",
        "modified": "2025-05-20",
        "tags": [{"name": "verre"}],
        "theme": ["http://publications.europa.eu/resource/authority/data-theme/ENVI"],
        "contact": [{"name": "Direction de la collecte", "email": "collecte@example.org"}],
        "producer": "Métropole d’Aix-Marseille-Provence",
        "resources": [{"url": "https://example.org/pav.csv", "format": "CSV",
                       "description": "Une ligne par point."}],
    }


def test_weights_add_up_to_100_and_codes_are_unique():
    assert sum(c.weight for c in quality.CRITERIA) == 100
    assert len({c.code for c in quality.CRITERIA}) == len(quality.CRITERIA)


def test_complete_dataset_scores_100():
    report = quality.score(complete(), now=NOW)
    assert report.score == 100
    assert report.missing == []
    assert report.met == [c.code for c in quality.CRITERIA]


def test_empty_dataset_scores_0_and_lists_everything_heaviest_first():
    report = quality.score({}, now=NOW)
    assert report.score == 0
    assert len(report.missing) == len(quality.CRITERIA)
    weights = [c.weight for c in report.missing]
    assert weights == sorted(weights, reverse=True)


@pytest.mark.parametrize("change, criterion", [
    ({"notes": "Trop court."}, "description"),
    ({"license_id": ""}, "licence"),
    ({"license_id": "notspecified"}, "licence"),
    ({"temporal_coverage": []}, "temporal_coverage"),
    ({"spatial_zones": [], "spatial_granularity": ""}, "spatial_coverage"),
    ({"frequency": ""}, "frequency"),
    ({"frequency": FREQ + "UNKNOWN"}, "frequency"),
    ({"modified": "2024-01-01"}, "up_to_date"),
    ({"resources": [{"url": "https://example.org/a.pdf", "format": "PDF", "description": "x"}]},
     "open_format"),
    ({"resources": []}, "resources_available"),
    ({"resources": [{"url": "", "format": "CSV", "description": "x"}]}, "resources_available"),
    ({"resources": [{"url": "https://example.org/a.csv", "format": "CSV"}]},
     "resources_documented"),
    ({"tags": []}, "keywords"),
    ({"theme": []}, "themes"),
    ({"contact": [{"name": "Sans adresse"}]}, "contact"),
    ({"producer": "", "publisher": []}, "publisher"),
    ({"issued": ""}, "dates"),
])
def test_each_missing_criterion_costs_its_weight(change, criterion):
    dataset = complete()
    dataset.update(change)
    report = quality.score(dataset, now=NOW)
    missing = [c.code for c in report.missing]
    assert criterion in missing
    weight = {c.code: c.weight for c in quality.CRITERIA}
    assert report.score == 100 - sum(weight[code] for code in missing)


def test_update_on_time_follows_the_frequency_with_a_grace_period():
    dataset = complete()
    dataset.update(frequency=FREQ + "ANNUAL", modified="2024-06-01")
    assert "up_to_date" not in [c.code for c in quality.score(dataset, now=NOW).missing]
    dataset["modified"] = "2024-04-01"   # 426 days > 366 + 36.6
    assert "up_to_date" in [c.code for c in quality.score(dataset, now=NOW).missing]
    dataset["frequency"] = FREQ + "IRREG"  # no schedule: nothing late
    assert "up_to_date" not in [c.code for c in quality.score(dataset, now=NOW).missing]


def test_up_to_date_falls_back_on_metadata_modified():
    dataset = complete()
    dataset.pop("modified")
    dataset["metadata_modified"] = "2025-05-30T10:00:00.123456"
    codes = [c.code for c in quality.score(dataset, now=NOW).missing]
    assert "up_to_date" not in codes and "dates" in codes


def test_lists_stored_as_json_strings_and_format_uris_are_understood():
    dataset = complete()
    dataset["theme"] = '["http://publications.europa.eu/resource/authority/data-theme/ENVI"]'
    dataset["resources"] = [{"url": "https://x.org/a", "description": "d",
                             "format": "http://publications.europa.eu/resource/authority/file-type/GEOJSON"}]
    assert quality.score(dataset, now=NOW).score == 100


def test_garbage_never_raises():
    report = quality.score({"temporal_coverage": "not json", "resources": "nope", "contact": 3,
                            "modified": "yesterday", "frequency": 12}, now=NOW)
    assert 0 <= report.score <= 100


@pytest.mark.parametrize("value, text", [(0, "000"), (7, "007"), (85, "085"), (100, "100")])
def test_index_value_is_zero_padded_so_it_sorts_as_text(value, text):
    assert quality.index_value(value) == text


def test_index_value_out_of_range():
    with pytest.raises(ValueError):
        quality.index_value(101)


def test_index_values_sort_like_numbers():
    values = [0, 5, 42, 100, 9, 85]
    assert sorted(quality.index_value(v) for v in values) == [quality.index_value(v) for v in sorted(values)]

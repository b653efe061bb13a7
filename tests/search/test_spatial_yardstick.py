"""ckanext-spatial's own search tests, run against amp_search.

They ship in the ckanext-spatial wheel (``ckanext/spatial/tests/
test_spatial_search.py``): both backends (``solr-bbox`` and
``solr-spatial-field``), their antimeridian cases, the overlap sorting, the
multi-geometry indexing of its test plugin. Here they run in a child pytest
on a database of their own (CKAN's fixtures drop every table), with
tests/ckanext-spatial.ini (amp_search, strict schema) and
tests/ckanext_spatial_plugin.py (the geometry files the wheel lacks), so
that ``make test`` fails when a change of ours breaks one of them. None is
deselected. See docs/decisions/0014-spatial-search.md.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from support.child_pytest import run_child_pytest

SPATIAL_INI = Path(__file__).resolve().parents[2] / "tests" / "ckanext-spatial.ini"


def _spatial_tests() -> Path:
    spec = importlib.util.find_spec("ckanext.spatial")
    assert spec is not None and spec.submodule_search_locations, "ckanext-spatial is not installed"
    return Path(list(spec.submodule_search_locations)[0]) / "tests" / "test_spatial_search.py"


@pytest.mark.slow
def test_ckanext_spatial_search_tests_pass_against_amp_search(tmp_path):
    # Every one of those tests starts from CKAN's clean_db: no `db init`.
    code, summary, output = run_child_pytest(
        "ckan_spatial", SPATIAL_INI,
        ["-p", "tests.ckanext_spatial_plugin", "-p", "tests.ckan_core_plugin",
         str(_spatial_tests()), "-rf"], tmp_path / "ckanext-spatial.log", timeout=900)
    assert code == 0, f"{summary}\n{output[-8000:]}"
    assert " passed" in summary and "failed" not in summary, summary

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
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from ckanext.amp.stack import services

ROOT = Path(__file__).resolve().parents[2]
SPATIAL_INI = ROOT / "tests" / "ckanext-spatial.ini"


def _spatial_tests() -> Path:
    spec = importlib.util.find_spec("ckanext.spatial")
    assert spec is not None and spec.submodule_search_locations, "ckanext-spatial is not installed"
    return Path(list(spec.submodule_search_locations)[0]) / "tests" / "test_spatial_search.py"


@pytest.mark.slow
def test_ckanext_spatial_search_tests_pass_against_amp_search(tmp_path):
    admin_url = os.environ.get("AMP_TEST_PG_ADMIN_URL")
    if not admin_url:
        pytest.fail("no PostgreSQL server: run the suite with `make test`")
    name = f"ckan_spatial_{uuid.uuid4().hex[:8]}"
    services.ensure_database(admin_url, name)
    try:
        # Every one of those tests starts from CKAN's clean_db: no `db init`.
        env = dict(os.environ, CKAN_SQLALCHEMY_URL=services.with_database(admin_url, name))
        result = subprocess.run(
            [sys.executable, "-m", "pytest", f"--ckan-ini={SPATIAL_INI}",
             "-p", "tests.ckanext_spatial_plugin", "-p", "tests.ckan_core_plugin",
             str(_spatial_tests()), "-q", "-p", "no:cacheprovider", "-rf"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    finally:
        services.drop_database(admin_url, name)
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    (tmp_path / "ckanext-spatial.log").write_text(result.stdout + result.stderr)
    assert result.returncode == 0, f"{summary}\n{result.stdout[-8000:]}"
    assert " passed" in summary and "failed" not in summary, summary

"""A non-editable install (`pip install .`) ships the code and the data."""
from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory) -> set[str]:
    target = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        # Build isolation, as a user's `pip install .` does (setuptools, wheel and
        # babel come from the package index, per pyproject.toml).
        [sys.executable, "-m", "pip", "wheel", "--no-deps",
         "--quiet", "--wheel-dir", str(target), str(ROOT)],
        check=True, capture_output=True, timeout=600)
    (wheel,) = target.glob("ckanext_amp-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


def test_wheel_ships_the_data_folders(wheel_names):
    for data in ("schemas/dataset.yaml", "schemas/organization.yaml",
                 "schemas/vocabularies/zones.json", "schemas/vocabularies/data-theme.json",
                 "licences/ckan-licences.json"):
        assert f"ckanext/amp/data/{data}" in wheel_names, data


def test_wheel_ships_migrations_catalogue_and_plugin_files(wheel_names):
    expected = [
        "ckanext/amp/migration/amp_search/alembic.ini",
        "ckanext/amp/migration/amp_search/env.py",
        "ckanext/amp/i18n/fr/LC_MESSAGES/ckanext-amp.mo",
        "ckanext/amp/search/config_declaration.yaml",
        "ckanext/amp/stack/portal.ini",
        "ckanext/amp/dashboard/config_declaration.yaml",
        "ckanext/amp/dashboard/public/amp-dashboard/mdata-logo.svg",
        "ckanext/amp/dashboard/assets/webassets.yml",
        "ckanext/amp/dashboard/assets/vendor/chartjs/chart.umd.min.js",
        "ckanext/amp/dashboard/assets/vendor/chartjs/LICENSE.md",
    ]
    for name in expected:
        assert name in wheel_names, name
    assert any(name.startswith("ckanext/amp/migration/amp_search/versions/") and name.endswith(".py")
               for name in wheel_names)
    assert any(name.startswith("ckanext/amp/schema/templates/") for name in wheel_names)


def test_wheel_declares_the_plugins(wheel_names):
    assert not any(name.startswith("ckanext/__init__") for name in wheel_names), \
        "ckanext must stay a namespace shared with CKAN's other extensions"
    assert any(name.endswith(".dist-info/entry_points.txt") for name in wheel_names)

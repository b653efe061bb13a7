"""pytest plugin loaded when ckanext-spatial's own search tests run against
amp_search (tests/search/test_spatial_yardstick.py).

Those tests read real geometries with ``SpatialTestBase.read_file("data/…")``
from a directory the ckanext-spatial wheel does not ship; the files are in
tests/fixtures/ckanext-spatial (provenance in its README). This points
``read_file`` there; a gzipped copy is read the same way.
"""
from __future__ import annotations

import gzip
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent / "fixtures" / "ckanext-spatial"


def _read_file(self: object, path: str) -> str:
    name = Path(path).name
    plain, packed = DATA / name, DATA / f"{name}.gz"
    if packed.exists():
        return gzip.decompress(packed.read_bytes()).decode("utf-8")
    return plain.read_text(encoding="utf-8")


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    from ckanext.spatial.tests.base import SpatialTestBase

    SpatialTestBase.read_file = _read_file  # type: ignore[method-assign]

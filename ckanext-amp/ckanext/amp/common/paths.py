"""Where the bundle's data folders are, in a checkout and once installed.

The data folders live at the top of the repository (``schemas/``,
``harvesters/``, ``licences/``). ``setup.py`` ships each of them inside the
package as ``ckanext/amp/data/<folder>``, so a non-editable ``pip install .``
finds them too. This module is the one place that resolves them; nothing
else should build paths to data by hand.

Pure Python, no CKAN import.
"""
from __future__ import annotations

import importlib.resources
from pathlib import Path

#: Top-level data folders that ``setup.py`` maps to ``ckanext.amp.data.*``.
DATA_FOLDERS = ("schemas", "harvesters", "licences")

_PACKAGE = "ckanext.amp"
_INSTALLED_PREFIX = "data"


def _installed_root() -> Path | None:
    """``ckanext/amp/data`` of the imported package, if on the filesystem."""
    try:
        root = importlib.resources.files(_PACKAGE).joinpath(_INSTALLED_PREFIX)
    except (ModuleNotFoundError, TypeError):  # pragma: no cover - defensive
        return None
    if isinstance(root, Path):
        return root
    try:  # a MultiplexedPath or another Traversable backed by files
        return Path(str(root))
    except TypeError:  # pragma: no cover - zipped installs are not supported
        return None


def source_root() -> Path:
    """The repository root of a source checkout (it may not exist installed).

    ``ckanext-amp/ckanext/amp/common/paths.py`` -> four levels up.
    """
    return Path(__file__).resolve().parents[4]


def candidate_roots() -> list[Path]:
    """The directories searched for data folders, in order.

    The installed copy (``ckanext/amp/data``) comes first: in an installed
    package it is the only one; in a checkout it does not exist and the
    repository root is used.
    """
    roots = []
    installed = _installed_root()
    if installed is not None:
        roots.append(installed)
    roots.append(source_root())
    return roots


def data_path(*parts: str) -> Path:
    """Path of ``<folder>/...`` among the data folders, e.g.
    ``data_path("schemas", "vocabularies", "frequency.json")``.

    The first part must be one of :data:`DATA_FOLDERS`. Returns the first
    existing match; raises :class:`FileNotFoundError` naming every place
    tried when there is none.
    """
    if not parts:
        raise ValueError("data_path() needs at least the data folder name")
    if parts[0] not in DATA_FOLDERS:
        raise ValueError(f"{parts[0]!r} is not a data folder (one of {', '.join(DATA_FOLDERS)})")
    for part in parts:
        if not part or part in (".", "..") or "/" in part or "\\" in part:
            raise ValueError(f"invalid path part {part!r}")
    tried = []
    for root in candidate_roots():
        candidate = root.joinpath(*parts)
        if candidate.exists():
            return candidate
        tried.append(str(candidate))
    raise FileNotFoundError(f"{'/'.join(parts)} not found; tried: {', '.join(tried)}")

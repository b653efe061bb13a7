"""The whole test suite in parallel lots (``make test`` with no path).

The suite is mostly Python waiting on itself (CKAN's actions, rendering,
rdflib), one process per core would use the machine: ``amp-stack test``
splits the test files into ``AMP_TEST_LOTS`` lots (default: the number of
cores, at most 4) and runs one pytest per lot, each on its own database
(a copy of the migrated one), its own DataStore database, its own Redis
database number (so the harvest queues of one lot are not the other's),
its own storage and home folders. The lots share nothing but the servers.
See docs/operators/local.md.

Pure: the plan and the reading of pytest's progress; cli.py runs them.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

#: At most this many lots (beyond, the shared PostgreSQL is the bottleneck).
MAX_LOTS = 4

#: Files whose tests drive a real browser weigh this much more per byte.
BROWSER_WEIGHT = 3.0


@dataclass
class Lot:
    number: int
    files: list[str] = field(default_factory=list)
    weight: float = 0.0


def lot_count(env: dict | None = None, cpus: int | None = None) -> int:
    """``AMP_TEST_LOTS`` if set (1 = one pytest, as before), else the
    number of cores, between 1 and :data:`MAX_LOTS`."""
    env = os.environ if env is None else env
    value = str(env.get("AMP_TEST_LOTS") or "").strip()
    if value:
        try:
            return max(1, min(MAX_LOTS, int(value)))
        except ValueError:
            raise ValueError(f"AMP_TEST_LOTS={value!r} : un nombre entier est attendu") from None
    return max(1, min(MAX_LOTS, cpus if cpus is not None else (os.cpu_count() or 1)))


def test_files(root: Path) -> list[Path]:
    """The test modules under ``root`` (pytest's default ``test_*.py``)."""
    return sorted(path for path in root.rglob("test_*.py")
                  if "__pycache__" not in path.parts)


def weight(path: Path, size: int) -> float:
    return size * (BROWSER_WEIGHT if "browser" in path.parts else 1.0)


def plan(files: Iterable[tuple[Path, int]], lots: int) -> list[Lot]:
    """Spread ``(file, size in bytes)`` over ``lots`` lots: heaviest first,
    each to the lightest lot so far (the size of a module is a fair proxy
    for its running time; browser tests weigh more). Empty lots are left
    out."""
    result = [Lot(number=n + 1) for n in range(max(1, lots))]
    for path, size in sorted(files, key=lambda item: (-weight(*item), str(item[0]))):
        lightest = min(result, key=lambda lot: (lot.weight, lot.number))
        lightest.files.append(str(path))
        lightest.weight += weight(path, size)
    for lot in result:
        lot.files.sort()
    return [lot for lot in result if lot.files]


_PROGRESS = re.compile(r"\[\s*(\d+)\s*/\s*(\d+)\s*\]\s*$")


def progress(text: str) -> tuple[int, int] | None:
    """``(done, total)`` from the last ``[ n/N]`` of pytest's
    ``console_output_style=count`` output, if any."""
    for line in reversed(text.splitlines()):
        match = _PROGRESS.search(line)
        if match:
            return int(match.group(1)), int(match.group(2))
    return None


def combined_code(codes: Sequence[int]) -> int:
    """pytest's exit code for the whole run: a lot that collected nothing
    (5, e.g. with ``-k``) does not count unless every lot did."""
    real = [code for code in codes if code != 5]
    if not real:
        return 5
    return next((code for code in real if code != 0), 0)

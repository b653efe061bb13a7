"""The whole test suite in parallel lots (``make test`` with no path).

The suite is mostly Python waiting on itself (CKAN's actions, rendering,
rdflib), one process per core would use the machine: ``amp-stack test``
splits the test files into ``AMP_TEST_LOTS`` lots (default: the number of
cores, at most 4), balanced on each file's measured time (``tests/test-times.json``),
and runs one pytest per lot, each on its own database
(a copy of the migrated one), its own DataStore database, its own Redis
database number (so the harvest queues of one lot are not the other's),
its own storage and home folders. The lots share nothing but the servers.
See docs/operators/local.md.

Pure: the plan and the reading of pytest's progress; cli.py runs them.
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping, Sequence

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
    """A file's weight without a measured time: its size (browser tests
    weigh :data:`BROWSER_WEIGHT` times more per byte)."""
    return size * (BROWSER_WEIGHT if "browser" in path.parts else 1.0)


def plan(files: Iterable[tuple[Path, int]], lots: int,
         times: Mapping[str, float] | None = None) -> list[Lot]:
    """Spread ``(file, size in bytes)`` over ``lots`` lots: heaviest first,
    each to the lightest lot so far. A file's weight is its measured time in
    ``times`` (seconds by path, :data:`TIMES_FILE`); a file not measured yet
    weighs its size (:func:`weight`) converted to seconds at the rate of the
    measured ones. Empty lots are left out."""
    files = list(files)
    times = dict(times or {})
    measured = [(p, s) for p, s in files if str(p) in times]
    rate = (sum(times[str(p)] for p, _ in measured)
            / max(1.0, sum(weight(p, s) for p, s in measured))) if measured else 1.0
    weights = {str(p): times[str(p)] if str(p) in times else weight(p, s) * rate
               for p, s in files}
    result = [Lot(number=n + 1) for n in range(max(1, lots))]
    for path, _ in sorted(files, key=lambda item: (-weights[str(item[0])], str(item[0]))):
        lightest = min(result, key=lambda lot: (lot.weight, lot.number))
        lightest.files.append(str(path))
        lightest.weight += weights[str(path)]
    for lot in result:
        lot.files.sort()
    return [lot for lot in result if lot.files]


#: The measured time of each test file (committed; refreshed from a whole
#: run's ``<artifacts>/test-times.json``, see docs/operators/local.md).
TIMES_FILE = "tests/test-times.json"


def load_times(path: Path) -> dict[str, float]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): float(v) for k, v in data.items()
            if isinstance(v, (int, float))} if isinstance(data, dict) else {}


def junit_times(reports: Iterable[Path]) -> dict[str, float]:
    """Seconds per test file from pytest's JUnit XML reports
    (``junit_family=xunit1``: each ``testcase`` has its ``file``)."""
    import xml.etree.ElementTree as ET  # our own pytest's reports, not remote input

    totals: dict[str, float] = {}
    for report in reports:
        try:
            root = ET.parse(report).getroot()
        except (OSError, ET.ParseError):
            continue
        for case in root.iter("testcase"):
            file = case.get("file")
            if file:
                totals[file] = totals.get(file, 0.0) + float(case.get("time") or 0)
    return {k: round(v, 1) for k, v in sorted(totals.items())}


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

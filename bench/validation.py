"""Benchmark of amp_validation's check of a file (not a test: it prints figures).

    .venv/bin/python bench/validation.py --rows 10000 100000

For each size it writes a CSV of the SCDL « subventions » schema (the
official valid example's lines repeated, tests/fixtures/scdl/subventions/),
valid, then with one line in 100 wrong (a date and an amount), and checks it
in this process, three times each, with:

* ``stock``: frictionless' own ``Resource.validate()`` against the schema
  (what ckanext-validation would run; it cannot run on CKAN 2.11, see
  docs/decisions/0019-data-validation.md), no limits;
* ``amp``: ``common/table_validation.check_file`` as the jobs worker runs it
  (size check, UTF-8 and separator pre-read in 64 KiB chunks, then
  frictionless with the row and error limits, every error translated into
  a message); default limits of config_declaration.yaml.

It prints the median time, the rows per second and the peak memory of the
process (``tracemalloc``, Python allocations only, in a run of its own:
it slows Python down several times).
"""
from __future__ import annotations

import argparse
import csv
import io
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "ckanext-amp"))
sys.path.insert(0, str(ROOT / "tests"))


def write_csv(path: Path, rows: int, wrong_every: int = 0) -> None:
    from support import scdl_files

    body = list(csv.reader(io.StringIO(scdl_files.valid_csv().decode("utf-8"))))
    header, lines = body[0], body[1:]
    date, amount = header.index("dateConvention"), header.index("montant")
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        for number in range(rows):
            line = list(lines[number % len(lines)])
            if wrong_every and number % wrong_every == 0:
                line[date], line[amount] = "31/12/2024", "1 200,50"
            writer.writerow(line)


def stock(path: Path, descriptor: dict) -> int:
    from frictionless import Resource, Schema, system

    schema = Schema.from_descriptor({k: v for k, v in descriptor.items() if k != "custom_checks"})
    with system.use_context(trusted=True):
        report = Resource(path=str(path), schema=schema, format="csv").validate()
    return sum(len(task.errors) for task in report.tasks)


def ours(path: Path, descriptor: dict) -> int:
    from ckanext.amp.common import table_validation as tv

    outcome = tv.check_file(path, descriptor, max_bytes=52428800, max_rows=200000,
                            max_errors=1000)
    return outcome.error_count


def measure(function, path: Path, descriptor: dict, repeat: int) -> tuple[float, int, float]:
    times, errors = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        errors = function(path, descriptor)
        times.append(time.perf_counter() - started)
    # The peak in one more run: tracemalloc slows Python down several times.
    tracemalloc.start()
    function(path, descriptor)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return statistics.median(times), errors, peak / (1 << 20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10000, 100000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from ckanext.amp.common import table_validation as tv

    descriptor = tv.resolve_claim(
        "https://schema.data.gouv.fr/schemas/scdl/subventions/2.1.1/schema.json").entry.descriptor()
    print(f"{'lignes':>8} {'fichier':>8} {'moteur':>6} {'médiane s':>10} {'lignes/s':>10} "
          f"{'erreurs':>8} {'pic Mo':>7}")
    with tempfile.TemporaryDirectory() as folder:
        for rows in args.rows:
            for label, every in (("valide", 0), ("1 % faux", 100)):
                path = Path(folder) / f"{rows}-{every}.csv"
                write_csv(path, rows, every)
                for name, function in (("stock", stock), ("amp", ours)):
                    seconds, errors, peak = measure(function, path, descriptor, args.repeat)
                    print(f"{rows:>8} {label:>8} {name:>6} {seconds:>10.2f} "
                          f"{rows / seconds:>10.0f} {errors:>8} {peak:>7.1f}")


if __name__ == "__main__":
    main()

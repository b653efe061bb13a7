"""SCDL « subventions » CSV files for the validation tests: the official
valid example (tests/fixtures/scdl/subventions/exemple_valide.csv) and
copies with known mistakes, by line (the header is line 1) and column."""
from __future__ import annotations

import csv
import io
from pathlib import Path

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "scdl" / "subventions"
SCHEMA_URL = "https://schema.data.gouv.fr/schemas/scdl/subventions/2.1.1/schema.json"
LATEST_URL = "https://schema.data.gouv.fr/schemas/scdl/subventions/latest/schema.json"


def valid_csv() -> bytes:
    return (FIXTURE / "exemple_valide.csv").read_bytes()


def _rows() -> list[list[str]]:
    return list(csv.reader(io.StringIO(valid_csv().decode("utf-8"))))


def _write(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode("utf-8")


#: (line, column, wrong value) of :func:`invalid_csv`.
MISTAKES = (
    (2, "idAttribuant", "2106000450039"),    # 13 digits: pattern ^\d{14}$
    (3, "dateConvention", "04/10/2013"),     # not YYYY-MM-DD
    (4, "nature", "subvention"),             # not in the enum
    (5, "montant", "1 200,50"),              # not a number
)


def invalid_csv() -> bytes:
    rows = _rows()
    header = rows[0]
    for line, column, value in MISTAKES:
        rows[line - 1][header.index(column)] = value
    return _write(rows)


def latin1_csv() -> bytes:
    """The valid example saved as Latin-1 (« CSV (Windows) »)."""
    return valid_csv().decode("utf-8").encode("latin-1")


def semicolon_csv() -> bytes:
    rows = _rows()
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\n").writerows(rows)
    return out.getvalue().encode("utf-8")


def long_csv(rows: int) -> bytes:
    """``rows`` valid lines (the example's lines repeated)."""
    body = _rows()
    return _write([body[0]] + [body[1 + i % (len(body) - 1)] for i in range(rows)])

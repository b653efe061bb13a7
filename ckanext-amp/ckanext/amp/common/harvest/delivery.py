"""Checking a delivered file against its data item's expected columns
(source type ``amp_delivery``). Pure: frictionless and openpyxl, no CKAN.

:func:`check_delivery` reads a CSV (any delimiter French files use, ``;``
included; UTF-8 with or without BOM, else Windows-1252), an XLSX (first
sheet) or a JSON file (a list of objects, or of lists with a header row),
matches its header to the expected columns by name (case, accents and
spaces ignored), and checks every cell with frictionless against the
expected type. Dates are read in every form :mod:`dates` reads (a French
``21/05/2019`` too) and numbers with a decimal comma. The
:class:`DeliveryReport` gives errors by row and column (English msgids with
parameters, translated like every other message), the number of rows and
the period the dated columns cover, which says whether the delivery
extends the dataset's time series.

An expected column is a mapping ``{"name", "type", "unit"?, "required"?}``
(``type``: ``string``, ``integer``, ``number``, ``boolean``, ``date``,
``datetime``; ``required`` means no empty cell), or a Table Schema field.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from ckanext.amp.common.validation import InvalidValue
from ckanext.amp.common.harvest.dates import read_date
from ckanext.amp.common.harvest.text import plain, shorten
from ckanext.amp.common.harvest.themes import label_key

__all__ = ["DeliveryIssue", "DeliveryReport", "check_delivery", "extend_coverage", "MAX_ISSUES"]

#: Issues listed in a report (the count goes on).
MAX_ISSUES = 500
_TYPES = {"string", "integer", "number", "boolean", "date", "datetime", "year"}


@dataclass(frozen=True)
class DeliveryIssue:
    """One problem of a delivered file; ``row`` is the line number in the
    file (the header is row 1), ``None`` for the whole file."""

    msgid: str
    params: Mapping[str, Any] = field(default_factory=dict)
    row: int | None = None
    column: str | None = None
    severity: str = "error"

    def message(self, gettext: Any = lambda text: text) -> str:
        return gettext(self.msgid).format(**self.params)


@dataclass
class DeliveryReport:
    filename: str
    format: str
    encoding: str | None = None
    delimiter: str | None = None
    columns: list[str] = field(default_factory=list)
    rows: int = 0
    issues: list[DeliveryIssue] = field(default_factory=list)
    error_count: int = 0
    #: First and last instants the dated columns cover (ISO 8601), if any.
    period_start: str | None = None
    period_end: str | None = None

    @property
    def valid(self) -> bool:
        return self.error_count == 0

    @property
    def errors(self) -> list[DeliveryIssue]:
        return [issue for issue in self.issues if issue.severity == "error"]

    @property
    def warnings(self) -> list[DeliveryIssue]:
        return [issue for issue in self.issues if issue.severity == "warning"]

    def add(self, issue: DeliveryIssue) -> None:
        if issue.severity == "error":
            self.error_count += 1
        if len(self.issues) < MAX_ISSUES:
            self.issues.append(issue)


def _expected(columns: Iterable[Any]) -> list[dict[str, Any]]:
    found = []
    for column in columns or []:
        if isinstance(column, str):
            column = {"name": column}
        if not isinstance(column, Mapping) or not plain(column.get("name")):
            continue
        kind = plain(column.get("type")).lower() or "string"
        constraints = column.get("constraints") if isinstance(column.get("constraints"), Mapping) else {}
        found.append({"name": plain(column["name"]), "type": kind if kind in _TYPES else "string",
                      "unit": plain(column.get("unit")) or None,
                      "required": bool(column.get("required") or constraints.get("required"))})
    return found


def _decode(data: bytes) -> tuple[str, str]:
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return data.decode(encoding), "utf-8" if encoding == "utf-8-sig" else encoding
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1", "replace"), "latin-1"  # pragma: no cover - latin-1 decodes all


def _read_csv(data: bytes, report: DeliveryReport) -> list[list[Any]]:
    text, report.encoding = _decode(data)
    sample = text[:20_000]
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=";,\t|").delimiter
    except csv.Error:
        first = sample.splitlines()[0] if sample.splitlines() else ""
        delimiter = max(";,\t|", key=first.count)
    report.delimiter = delimiter
    return [row for row in csv.reader(io.StringIO(text), delimiter=delimiter) if row]


def _read_xlsx(data: bytes) -> list[list[Any]]:
    import openpyxl

    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)
                if any(cell not in (None, "") for cell in row)]
    finally:
        workbook.close()


def _read_json(data: bytes) -> list[list[Any]]:
    loaded = json.loads(_decode(data)[0])
    if isinstance(loaded, Mapping):  # {"data": [...]} / {"results": [...]}
        loaded = next((value for value in loaded.values() if isinstance(value, list)), [])
    if not isinstance(loaded, list) or not loaded:
        return []
    if all(isinstance(item, Mapping) for item in loaded):
        header: list[str] = []
        for item in loaded:
            header.extend(key for key in item if key not in header)
        return [header] + [[item.get(key) for key in header] for item in loaded]
    return [list(item) if isinstance(item, list) else [item] for item in loaded]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return plain(value)


def check_delivery(path_or_bytes: str | Path | bytes, filename: str,
                   expected_columns: Sequence[Any]) -> DeliveryReport:
    """Check one delivered file (see the module's doc)."""
    name = plain(filename) or "livraison"
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    fmt = {"csv": "csv", "txt": "csv", "tsv": "csv", "xlsx": "xlsx", "json": "json"}.get(extension, "")
    report = DeliveryReport(filename=name, format=fmt or extension)
    if isinstance(path_or_bytes, (str, Path)):
        data = Path(path_or_bytes).read_bytes()
    else:
        data = bytes(path_or_bytes)
    if not fmt:
        report.add(DeliveryIssue("The file {filename} is not a CSV, XLSX or JSON file",
                                 {"filename": shorten(name)}))
        return report
    try:
        rows = {"csv": _read_csv, "xlsx": lambda d: _read_xlsx(d),
                "json": lambda d: _read_json(d)}[fmt](data, report) if fmt == "csv" else \
            (_read_xlsx(data) if fmt == "xlsx" else _read_json(data))
    except Exception as error:  # a broken zip, bad JSON, a corrupt sheet...
        report.add(DeliveryIssue("The file {filename} cannot be read: {reason}",
                                 {"filename": shorten(name), "reason": shorten(str(error), 120)}))
        return report
    if not rows:
        report.add(DeliveryIssue("The file {filename} is empty", {"filename": shorten(name)}))
        return report
    header = [_cell(value) for value in rows[0]]
    report.columns = header
    body = rows[1:]
    report.rows = len(body)
    expected = _expected(expected_columns)
    positions = {label_key(title): index for index, title in reversed(list(enumerate(header)))}
    present = []
    for column in expected:
        index = positions.get(label_key(column["name"]))
        if index is None:
            report.add(DeliveryIssue("The column {column} is missing", {"column": column["name"]},
                                     row=1, column=column["name"]))
        else:
            present.append((column, index))
    known = {label_key(column["name"]) for column in expected}
    extra = [title for title in header if label_key(title) not in known]
    if extra and expected:
        report.add(DeliveryIssue("Columns not expected (kept, not checked): {columns}",
                                 {"columns": ", ".join(shorten(t, 40) for t in extra[:10])},
                                 row=1, severity="warning"))
    _check_cells(report, present, body)
    return report


def _check_cells(report: DeliveryReport, present: list[tuple[dict[str, Any], int]],
                 body: list[list[Any]]) -> None:
    from frictionless import Resource, Schema, fields

    earliest = latest = None
    table: list[list[Any]] = []
    for number, row in enumerate(body, start=2):
        out: list[Any] = []
        for column, index in present:
            raw = row[index] if index < len(row) else None
            if isinstance(raw, dt.datetime) and raw.time() == dt.time(0):
                raw = raw.date()  # a spreadsheet's date cell
            text = _cell(raw)
            if column["type"] in ("date", "datetime", "year") and text:
                try:
                    reading = read_date(raw)
                except InvalidValue:
                    report.add(DeliveryIssue("Row {row}, column {column}: {value} is not a date",
                                             {"row": number, "column": column["name"],
                                              "value": shorten(text, 40)},
                                             row=number, column=column["name"]))
                    out.append(None)
                    continue
                from ckanext.amp.common.validation import parse_temporal

                parsed = parse_temporal(reading.text)
                earliest = parsed.lower if earliest is None or parsed.lower < earliest else earliest
                latest = parsed.upper if latest is None or parsed.upper > latest else latest
                out.append(reading.text)
                continue
            if column["type"] == "number" and text:
                text = text.replace("\u202f", "").replace("\u00a0", "").replace(" ", "")
                if "," in text and "." not in text:
                    text = text.replace(",", ".")
            out.append(text)
        table.append(out)
    if earliest is not None:
        report.period_start, report.period_end = earliest.isoformat(), latest.isoformat()
    field_types = {"string": fields.StringField, "integer": fields.IntegerField,
                   "number": fields.NumberField, "boolean": fields.BooleanField}
    schema_fields = []
    for position, (column, _index) in enumerate(present):
        kind = column["type"] if column["type"] in field_types else "string"
        options: dict[str, Any] = {"name": f"c{position}"}
        if column["required"]:
            options["constraints"] = {"required": True}
        if kind == "boolean":
            options["true_values"] = ["true", "True", "TRUE", "1", "oui", "Oui", "OUI", "vrai", "Vrai"]
            options["false_values"] = ["false", "False", "FALSE", "0", "non", "Non", "NON", "faux", "Faux"]
        schema_fields.append(field_types[kind](**options))
    if not schema_fields or not table:
        return
    header = [f"c{position}" for position in range(len(present))]
    resource = Resource(data=[header] + [[cell if cell != "" else None for cell in row]
                                         for row in table],
                        schema=Schema(fields=schema_fields))
    result = resource.validate()
    for task in result.tasks:
        for error in task.errors:
            row = getattr(error, "row_number", None)
            position = getattr(error, "field_number", None)
            column = present[position - 1][0] if position and position <= len(present) else None
            line = row + 0 if row else None  # frictionless counts the header as row 1, as we do
            value = shorten(_cell(getattr(error, "cell", "")), 40)
            if error.type == "constraint-error" and column is not None:
                report.add(DeliveryIssue("Row {row}, column {column}: a value is required",
                                         {"row": line, "column": column["name"]},
                                         row=line, column=column["name"]))
            elif error.type == "type-error" and column is not None:
                report.add(DeliveryIssue(_KIND_MESSAGES.get(column["type"], NOT_TEXT),
                                         {"row": line, "column": column["name"], "value": value},
                                         row=line, column=column["name"]))
            elif error.type in ("extra-cell", "missing-cell", "blank-row"):
                continue
            else:
                report.add(DeliveryIssue("Row {row}: {reason}",
                                         {"row": line, "reason": shorten(error.note or error.type, 120)},
                                         row=line, column=column["name"] if column else None))


NOT_INTEGER = "Row {row}, column {column}: {value} is not an integer"
NOT_NUMBER = "Row {row}, column {column}: {value} is not a number"
NOT_BOOLEAN = "Row {row}, column {column}: {value} is not true or false"
NOT_TEXT = "Row {row}, column {column}: {value} is not text"
#: The message of a cell that is not of its column's type.
_KIND_MESSAGES = {"integer": NOT_INTEGER, "number": NOT_NUMBER, "boolean": NOT_BOOLEAN}


def extend_coverage(coverage: Sequence[Mapping[str, Any]] | None, start: str,
                    end: str) -> list[dict[str, Any]]:
    """A dataset's ``temporal_coverage`` (``[{start, end}]``) extended by a
    delivery covering ``start``..``end`` (``YYYY-MM-DD``): the first entry
    the period overlaps or prolongs (from the day after its end) is
    widened, else the period is added as an entry of its own (a gap in the
    series stays visible). An open-ended entry that holds it is kept."""
    from ckanext.amp.common.validation import parse_temporal

    entries = [dict(entry) for entry in coverage or [] if isinstance(entry, Mapping)]
    new_start, new_end = dt.date.fromisoformat(start[:10]), dt.date.fromisoformat(end[:10])
    day = dt.timedelta(days=1)
    for entry in entries:
        try:
            low = parse_temporal(entry["start"]).lower.date() if entry.get("start") else None
            high = parse_temporal(entry["end"]).upper.date() if entry.get("end") else None
        except InvalidValue:
            continue
        if low is None and high is None:
            continue
        if (high is None or new_start <= high + day) and (low is None or new_end >= low - day):
            if low is not None and new_start < low:
                entry["start"] = new_start.isoformat()
            if high is not None and new_end > high:
                entry["end"] = new_end.isoformat()
            return entries
    entries.append({"start": new_start.isoformat(), "end": new_end.isoformat()})
    return entries

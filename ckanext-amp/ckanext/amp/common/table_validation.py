"""Checking a tabular file against the Table Schema it claims (SCDL), pure
Python: frictionless and the standard library, no CKAN.

* :func:`resolve_claim` maps a ``conforms_to`` address to a local copy of a
  schema (``schemas/scdl/index.json``), never fetching anything;
  :func:`choose_claim` picks the claim of a resource (its own, else its
  dataset's).
* :func:`check_file` checks a local file: size limit, UTF-8 (SCDL's
  encoding), column separator, then frictionless with a row and an error
  limit; every finding is an English gettext id with its parameters
  (:class:`Finding`), which the CKAN layer translates (French in the shared
  catalogue). Nothing here raises on a hostile file: the outcome says what
  went wrong.

See docs/decisions/0019-data-validation.md.
"""
from __future__ import annotations

import codecs
import functools
import json
import re
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Optional, Sequence

from ckanext.amp.common import values
from ckanext.amp.common.paths import data_path

# Statuses of a check (stored; the dashboard counts them).
PENDING = "pending"
VALID = "valid"
INVALID = "invalid"
ERROR = "error"  # not checked: unknown schema, unreadable or too large file...
STATUSES = (PENDING, VALID, INVALID, ERROR)

#: EU file types checked against a schema (SCDL files are CSV).
TABULAR_FORMATS = ("CSV",)

#: How many characters of a cell a message quotes.
CELL_QUOTE = 60


# ------------------------------------------------------------------ schemas

@dataclass(frozen=True)
class SchemaEntry:
    """A Table Schema the portal holds a copy of."""

    name: str
    title: str
    version: str
    file: str
    urls: tuple[str, ...]
    sha256: str = ""

    def descriptor(self) -> dict[str, Any]:
        return json.loads(data_path("schemas", "scdl", *self.file.split("/")).read_text("utf-8"))


@dataclass(frozen=True)
class Claim:
    """What a ``conforms_to`` address names: a local schema (``entry``), or
    a Table Schema the portal has no copy of (``entry`` None, ``problem``
    says why)."""

    url: str
    entry: Optional[SchemaEntry] = None
    problem: Optional["Finding"] = None


@functools.lru_cache(maxsize=1)
def registry() -> tuple[SchemaEntry, ...]:
    """The schemas of ``schemas/scdl/index.json`` (read once)."""
    index = json.loads(data_path("schemas", "scdl", "index.json").read_text("utf-8"))
    return tuple(SchemaEntry(name=e["name"], title=e["title"], version=e["version"],
                             file=e["file"], urls=tuple(e.get("urls", ())),
                             sha256=e.get("sha256", ""))
                 for e in index["schemas"])


def _key(url: str) -> str:
    """An address without scheme, ``www.``, query, fragment and final slash,
    lower-cased host: the form addresses are compared in."""
    parts = urllib.parse.urlsplit(url.strip())
    host = parts.netloc.lower().removeprefix("www.")
    return f"{host}{parts.path.rstrip('/')}"


#: schema.data.gouv.fr's addresses of a SCDL schema: pages and files, a
#: version or ``latest`` (``/schemas/scdl/subventions/2.1.1/schema.json``,
#: ``/scdl/subventions/``...); and the schema's home on gitlab.
_SDG = re.compile(r"^schema\.data\.gouv\.fr(?:/schemas)?/scdl/(?P<name>[a-z0-9_-]+)"
                  r"(?:/(?P<version>latest|v?\d[\w.-]*))?(?:/schema\.json)?$")
_GITLAB = re.compile(r"^gitlab\.com/opendatafrance/scdl/(?P<name>[a-z0-9_-]+)"
                     r"(?:/-)?/raw/(?P<version>v?\d[\w.-]*|master|main)/schema\.json$")


def is_table_schema_claim(url: str) -> bool:
    """Whether a ``conforms_to`` address names a Table Schema (a copy we
    hold, an address of schema.data.gouv.fr, or a ``.json`` file), rather
    than a standard that is not checked this way (an INSPIRE regulation...)."""
    key = _key(url)
    if not key:
        return False
    return bool(resolve_claim(url).entry or key.startswith("schema.data.gouv.fr/")
                or key.endswith(".json"))


def resolve_claim(url: str, entries: Sequence[SchemaEntry] | None = None) -> Claim:
    """The local schema a ``conforms_to`` address names. Unknown schemas and
    unknown versions come back with ``problem`` set."""
    entries = registry() if entries is None else entries
    key = _key(url)
    for entry in entries:
        if key in {_key(u) for u in entry.urls}:
            return Claim(url, entry)
    match = _SDG.match(key) or _GITLAB.match(key)
    if match:
        name, version = match.group("name"), (match.group("version") or "latest")
        same_name = [e for e in entries if e.name == name]
        if same_name:
            if version in ("latest", "master", "main"):
                return Claim(url, same_name[0])
            wanted = version.lstrip("v")
            for entry in same_name:
                if entry.version == wanted:
                    return Claim(url, entry)
            return Claim(url, problem=Finding(UNKNOWN_VERSION, {
                "version": wanted, "title": same_name[0].title,
                "available": ", ".join(e.version for e in same_name)}, code="unknown-schema"))
    return Claim(url, problem=Finding(UNKNOWN_SCHEMA, {
        "url": url, "names": ", ".join(sorted(f"{e.title} {e.version}" for e in entries))},
        code="unknown-schema"))


def claims(value: Any) -> list[str]:
    """The addresses of a ``conforms_to`` value (a list, a JSON list, a string)."""
    return values.strings(value)


def choose_claim(resource_conforms_to: Any, dataset_conforms_to: Any, *,
                 resource_format: Any = None, resource_url: Any = None) -> Optional[Claim]:
    """The schema a resource is checked against: the first Table Schema
    claim of the resource, else (for a tabular resource only) of its
    dataset; None when nothing is to be checked."""
    own = [u for u in claims(resource_conforms_to) if is_table_schema_claim(u)]
    if own:
        return _best(own)
    if not is_tabular(resource_format, resource_url):
        return None
    inherited = [u for u in claims(dataset_conforms_to) if is_table_schema_claim(u)]
    return _best(inherited) if inherited else None


def _best(urls: Iterable[str]) -> Claim:
    resolved = [resolve_claim(u) for u in urls]
    return next((c for c in resolved if c.entry is not None), resolved[0])


def is_tabular(resource_format: Any, resource_url: Any = None) -> bool:
    """Whether a resource is a file we check (CSV by its format, else its
    address's extension)."""
    code = str(resource_format or "").strip().upper().lstrip(".")
    if code:
        return code in TABULAR_FORMATS or code == "TEXT/CSV"
    path = urllib.parse.urlsplit(str(resource_url or "")).path.lower()
    return path.endswith(".csv")


# ------------------------------------------------------------------ findings

@dataclass(frozen=True)
class Finding:
    """One thing to tell the steward: an English gettext id and its
    parameters; ``row`` is the file's line (the header is line 1),
    ``column`` the schema's field name; ``code`` frictionless' error type
    (or ours: ``unknown-schema``, ``too-large``...)."""

    msgid: str
    params: Mapping[str, Any] = field(default_factory=dict)
    row: Optional[int] = None
    column: Optional[str] = None
    code: str = ""
    hint: Optional[tuple[str, Mapping[str, Any]]] = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"msgid": self.msgid, "params": dict(self.params), "row": self.row,
                               "column": self.column, "code": self.code}
        if self.hint:
            out["hint"] = {"msgid": self.hint[0], "params": dict(self.hint[1])}
        return out


# Problems of the file or of the claim (the file was not checked).
UNKNOWN_SCHEMA = ("The schema {url} has no copy on the portal, so the file was not checked. "
                  "Schemas the portal knows: {names}.")
UNKNOWN_VERSION = ("Version {version} of the schema « {title} » has no copy on the portal "
                   "(versions available: {available}), so the file was not checked.")
UNSUPPORTED_FORMAT = ("Only CSV files are checked against a schema; this resource's format is "
                      "{format}. Publish the data as CSV (UTF-8, comma-separated).")
TOO_LARGE = ("The file is too large to be checked ({size}; the portal checks files up to "
             "{limit}).")
NO_FILE = "The file could not be read: {reason}."
EMPTY_FILE = "The file is empty."
NOT_UTF8 = ("The file is not encoded in UTF-8 (line {row}: {detail}). It was probably saved "
            "as « CSV (Windows) » or Latin-1: save it again as « CSV UTF-8 ».")
BINARY_FILE = ("The file is not a text file (it holds binary data at line {row}): is it really "
               "a CSV file?")
SEPARATOR = ("The columns are separated by « {found} », whereas the schema expects commas "
             "(« , »). Save the file as CSV with the comma as separator.")
UNREADABLE = "The file could not be read as CSV: {detail}."
SCHEMA_BROKEN = "The schema itself could not be read: {detail}."
INTERNAL = ("The check stopped on an unexpected error; the portal's administrators will find "
            "the details in the log of the jobs worker.")
TIMEOUT = "The check took too long and was stopped."

# Notes (the check ran).
ROWS_LIMITED = ("Only the first {rows} lines were checked (the portal's limit); the rest of "
                "the file was not.")
ERRORS_LIMITED = "The check stopped after {count} errors; correct them and publish the file again."
CHECKS_NOT_RUN = ("Checks of the schema the portal does not run (use validata.fr for them): "
                  "{checks}.")

# Findings in the file.
MISSING_COLUMN = "The column « {column} » of the schema is missing from the header."
EXTRA_COLUMN = "The column « {label} » (position {position}) is not in the schema."
WRONG_COLUMN = ("The column at position {position} is named « {label} », where the schema "
                "expects « {column} » (names and order must match the schema).")
DUPLICATE_COLUMN = "The column « {label} » appears more than once in the header."
BLANK_COLUMN = "The column at position {position} has no name in the header."
BLANK_HEADER = "The header line is empty."
NO_MATCHING_COLUMN = "None of the columns of the schema is in the header: is it the right file?"
BLANK_ROW = "The line is empty."
EXTRA_CELL = "The line has more values than the header has columns (position {position})."
MISSING_CELL = "The line has no value for the column « {column} » (fewer values than columns)."
DUPLICATE_ROW = "The line repeats another line."
DUPLICATE_KEY = "The line repeats the identifier of another line ({columns})."
REQUIRED = "The column « {column} » needs a value."
PATTERN = "« {value} » does not have the form the schema expects for « {column} »."
ENUM = "« {value} » is not an allowed value of « {column} »: {values}."
MIN_LENGTH = "« {value} » is too short for « {column} » (at least {limit} characters)."
MAX_LENGTH = "« {value} » is too long for « {column} » ({length} characters, at most {limit})."
MINIMUM = "« {value} » is below the minimum of « {column} » ({limit})."
MAXIMUM = "« {value} » is above the maximum of « {column} » ({limit})."
UNIQUE = "« {value} » appears on another line, whereas each value of « {column} » must be unique."
CONSTRAINT = "« {value} » does not meet the rule « {constraint} » of « {column} »."
OTHER = "{detail}"

#: Validata's custom checks of the SCDL schemas -> English label (msgid);
#: a list parameter is translated item by item and joined.
CUSTOM_CHECKS = {
    "french-siret-value": "check digit of the SIRET numbers",
    "one-of-required": "one of two columns filled in",
    "year-interval-value": "intervals of years",
    "cohesive-columns-value": "columns filled in together",
    "compare-columns-value": "comparisons between columns",
    "sum-columns-value": "sums of columns",
    "nomenclature-actes-value": "nomenclature of the acts",
}

TYPE_MESSAGES = {
    "integer": "« {value} » is not a whole number (column « {column} »).",
    "number": ("« {value} » is not a number (column « {column} »): use a point as decimal "
               "separator, without spaces or unit."),
    "date": "« {value} » is not a date in the form YYYY-MM-DD (column « {column} »).",
    "datetime": ("« {value} » is not a date and time in the form YYYY-MM-DDTHH:MM:SS "
                 "(column « {column} »)."),
    "time": "« {value} » is not a time in the form HH:MM:SS (column « {column} »).",
    "year": "« {value} » is not a year of four digits (column « {column} »).",
    "boolean": "« {value} » is not one of the allowed values of « {column} »: {values}.",
    "geopoint": "« {value} » is not a point « latitude,longitude » (column « {column} »).",
}
TYPE_OTHER = "« {value} » is not of the type {type} that « {column} » expects."
EXAMPLE = "Example of a valid value: {example}"


def _quote(value: Any) -> str:
    text = "" if value is None else str(value)
    text = text.replace("\r", " ").replace("\n", " ")
    return text if len(text) <= CELL_QUOTE else text[:CELL_QUOTE - 1] + "…"


def _constraint_name(note: str) -> str:
    match = re.match(r'constraint "(\w+)"', note or "")
    return match.group(1) if match else ""


def _schema_fields(descriptor: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {f.get("name"): f for f in descriptor.get("fields", []) if isinstance(f, Mapping)}


def _example_hint(spec: Mapping[str, Any]) -> Optional[tuple[str, Mapping[str, Any]]]:
    example = spec.get("example")
    if example in (None, ""):
        return None
    return EXAMPLE, {"example": _quote(example)}


def translate_error(error: Any, descriptor: Mapping[str, Any]) -> Finding:
    """A frictionless error as a :class:`Finding` a steward can act on."""
    kind = getattr(error, "type", "") or ""
    row = getattr(error, "row_number", None)
    name = getattr(error, "field_name", None) or None
    position = getattr(error, "field_number", None)
    label = getattr(error, "label", None)
    value = _quote(getattr(error, "cell", ""))
    note = getattr(error, "note", "") or ""
    spec = _schema_fields(descriptor).get(name or "", {})
    constraints = spec.get("constraints") or {}
    column = name or ""
    base = {"column": column, "value": value, "position": position, "label": _quote(label)}

    def found(msgid: str, hint=None, **params: Any) -> Finding:
        return Finding(msgid, {**base, **params}, row=row, column=name, code=kind, hint=hint)

    if kind == "type-error":
        field_type = str(spec.get("type") or note.split('"')[1].split("/")[0]
                         if '"' in note else spec.get("type") or "")
        if field_type == "boolean":
            allowed = [*spec.get("trueValues", ["true"]), *spec.get("falseValues", ["false"])]
            return found(TYPE_MESSAGES["boolean"], _example_hint(spec),
                         values=", ".join(f"« {v} »" for v in allowed))
        return found(TYPE_MESSAGES.get(field_type, TYPE_OTHER), _example_hint(spec),
                     type=field_type)
    if kind == "constraint-error":
        constraint = _constraint_name(note)
        limit = constraints.get(constraint)
        if constraint == "required":
            return found(REQUIRED, _example_hint(spec))
        if constraint == "pattern":
            return found(PATTERN, _example_hint(spec))
        if constraint == "enum":
            return found(ENUM, None, values=", ".join(f"« {v} »" for v in constraints.get("enum", [])))
        if constraint == "minLength":
            return found(MIN_LENGTH, None, limit=limit)
        if constraint == "maxLength":
            return found(MAX_LENGTH, None, limit=limit, length=len(str(getattr(error, "cell", ""))))
        if constraint in ("minimum", "exclusiveMinimum"):
            return found(MINIMUM, None, limit=limit)
        if constraint in ("maximum", "exclusiveMaximum"):
            return found(MAXIMUM, None, limit=limit)
        if constraint == "unique":
            return found(UNIQUE)
        return found(CONSTRAINT, _example_hint(spec), constraint=constraint or note)
    if kind == "unique-error":
        return found(UNIQUE)
    simple = {
        "missing-label": MISSING_COLUMN, "extra-label": EXTRA_COLUMN,
        "incorrect-label": WRONG_COLUMN, "duplicate-label": DUPLICATE_COLUMN,
        "blank-label": BLANK_COLUMN, "blank-header": BLANK_HEADER,
        "unmatched-header": NO_MATCHING_COLUMN, "blank-row": BLANK_ROW,
        "extra-cell": EXTRA_CELL, "missing-cell": MISSING_CELL, "duplicate-row": DUPLICATE_ROW,
    }
    if kind in simple:
        return found(simple[kind])
    if kind == "primary-key":
        keys = descriptor.get("primaryKey") or []
        keys = [keys] if isinstance(keys, str) else keys
        return found(DUPLICATE_KEY, columns=", ".join(keys))
    if kind == "encoding-error":
        return Finding(NOT_UTF8, {"row": "?", "detail": _quote(note)}, code=kind)
    if kind in ("format-error", "source-error", "scheme-error", "compression-error"):
        return Finding(UNREADABLE, {"detail": _quote(note)}, code=kind)
    if kind in ("schema-error", "field-error"):
        return Finding(SCHEMA_BROKEN, {"detail": _quote(note)}, code=kind)
    return found(OTHER, detail=_quote(getattr(error, "message", "") or note or kind))


# ------------------------------------------------------------------ checking

@dataclass
class Outcome:
    """The result of one check."""

    status: str
    findings: list[Finding] = field(default_factory=list)
    notes: list[Finding] = field(default_factory=list)
    problem: Optional[Finding] = None
    error_count: int = 0
    rows: int = 0
    truncated: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"status": self.status, "error_count": self.error_count, "rows": self.rows,
                "truncated": self.truncated,
                "problem": self.problem.as_dict() if self.problem else None,
                "notes": [n.as_dict() for n in self.notes],
                "errors": [f.as_dict() for f in self.findings]}


def not_checked(problem: Finding) -> Outcome:
    return Outcome(ERROR, problem=problem)


def human_size(size: int) -> str:
    """``52428800`` -> ``50 Mo`` (decimal-free units a steward reads)."""
    for unit, factor in (("Go", 1 << 30), ("Mo", 1 << 20), ("ko", 1 << 10)):
        if size >= factor:
            value = size / factor
            return f"{value:.0f} {unit}" if value >= 10 or value.is_integer() else f"{value:.1f} {unit}"
    return f"{size} o"


def _precheck(path: Path, max_bytes: int) -> Optional[Finding]:
    """Size, UTF-8 and separator, read in chunks (never the whole file in
    memory): the first problem, or None."""
    try:
        size = path.stat().st_size
    except OSError as error:
        return Finding(NO_FILE, {"reason": error.strerror or type(error).__name__}, code="no-file")
    if size > max_bytes:
        return Finding(TOO_LARGE, {"size": human_size(size), "limit": human_size(max_bytes)},
                       code="too-large")
    if size == 0:
        return Finding(EMPTY_FILE, code="empty")
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    line = 1
    header = ""
    with path.open("rb") as handle:
        while True:
            chunk = handle.read(1 << 16)
            final = not chunk
            try:
                text = decoder.decode(chunk, final=final)
            except UnicodeDecodeError as error:
                good = chunk[:error.start]
                line += good.count(b"\n")
                if b"\x00" in chunk[:error.end + 16]:
                    return Finding(BINARY_FILE, {"row": line}, row=line, code="encoding-error")
                byte = chunk[error.start:error.start + 1].hex().upper()
                return Finding(NOT_UTF8, {"row": line, "detail": f"octet 0x{byte}"}, row=line,
                               code="encoding-error")
            if "\x00" in text:
                line += text[:text.index("\x00")].count("\n")
                return Finding(BINARY_FILE, {"row": line}, row=line, code="encoding-error")
            if line == 1 and not header:
                header = text.split("\n", 1)[0] if "\n" in text else text
            line += text.count("\n")
            if final:
                break
    header = header.lstrip("\ufeff")
    if "," not in header:
        for separator, label in ((";", ";"), ("\t", "tabulation"), ("|", "|")):
            if separator in header:
                return Finding(SEPARATOR, {"found": label}, row=1, code="separator")
    return None


def check_file(path: Path | str, descriptor: Mapping[str, Any], *, max_bytes: int,
               max_rows: int, max_errors: int) -> Outcome:
    """Check the CSV file at ``path`` against the Table Schema
    ``descriptor``. Never raises for a bad file: the outcome says."""
    path = Path(path)
    problem = _precheck(path, max_bytes)
    if problem is not None:
        if problem.code in ("separator", "encoding-error"):
            return Outcome(INVALID, findings=[problem], error_count=1)
        return not_checked(problem)
    from frictionless import Resource, Schema, system
    from frictionless.exception import FrictionlessException

    custom = [c.get("name") for c in descriptor.get("custom_checks") or []
              if isinstance(c, Mapping)]
    schema_descriptor = {k: v for k, v in descriptor.items() if k != "custom_checks"}
    try:
        schema = Schema.from_descriptor(schema_descriptor)
    except FrictionlessException as error:
        return not_checked(Finding(SCHEMA_BROKEN, {"detail": _quote(error.error.message)},
                                   code="schema-error"))
    try:
        # trusted: the file is a local path the portal chose (frictionless
        # refuses absolute paths otherwise); nothing else is opened.
        with system.use_context(trusted=True):
            resource = Resource(path=str(path), schema=schema, format="csv",
                                encoding="utf-8-sig")
            report = resource.validate(limit_errors=max_errors, limit_rows=max_rows)
    except FrictionlessException as error:
        return Outcome(INVALID, findings=[translate_error(error.error, descriptor)],
                       error_count=1)
    except (csv_error(), ValueError, OverflowError, MemoryError) as error:
        return Outcome(INVALID, findings=[Finding(UNREADABLE, {"detail": _quote(error)},
                                                  code="format-error")], error_count=1)
    errors = [e for task in report.tasks for e in task.errors] + list(report.errors)
    findings = [translate_error(e, descriptor) for e in errors]
    task = report.tasks[0] if report.tasks else None
    stats = task.stats if task else {}
    rows = int((stats.get("rows") if isinstance(stats, Mapping) else 0) or 0)
    notes: list[Finding] = []
    truncated = False
    warnings = " ".join(task.warnings) if task else ""
    if "row limit" in warnings:
        notes.append(Finding(ROWS_LIMITED, {"rows": max_rows}, code="rows-limited"))
        truncated = True
    if len(findings) >= max_errors or "error limit" in warnings:
        notes.append(Finding(ERRORS_LIMITED, {"count": max_errors}, code="errors-limited"))
        truncated = True
    if custom:
        notes.append(Finding(CHECKS_NOT_RUN, {"checks": sorted(
            {CUSTOM_CHECKS.get(name, name) for name in custom if name})}, code="checks-not-run"))
    return Outcome(VALID if not findings else INVALID, findings=findings, notes=notes,
                   error_count=len(findings), rows=rows, truncated=truncated)


def csv_error() -> type:
    import csv

    return csv.Error

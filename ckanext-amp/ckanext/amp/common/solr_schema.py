"""CKAN's stock Solr schema, read from ``ckan/config/solr/schema.xml``.

The PostgreSQL engine stores and compares every field the way Solr would
with that schema (a ``string`` is matched exactly, a ``text`` is analysed, a
``date`` is compared as a date...), and :meth:`SolrSchema.check` tells
whether a document would be accepted by a stock Solr core, so that the
bundle stays switchable to Solr. Pure Python: no CKAN import.
"""
from __future__ import annotations

import datetime as dt
import fnmatch
import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, Optional
from xml.etree import ElementTree

from ckanext.amp.common.spatial_shapes import ShapeError, read_shape

# Solr field classes grouped by how the engine treats them.
STRING, TEXT, NGRAM, INTEGER, FLOAT, DATE, BOOLEAN, SPATIAL = (
    "string", "text", "ngram", "integer", "float", "date", "boolean", "spatial")

_KIND_BY_CLASS = {
    "solr.StrField": STRING,
    "solr.TextField": TEXT,
    "solr.BoolField": BOOLEAN,
    "solr.IntPointField": INTEGER,
    "solr.LongPointField": INTEGER,
    "solr.FloatPointField": FLOAT,
    "solr.DoublePointField": FLOAT,
    "solr.DatePointField": DATE,
    "solr.SpatialRecursivePrefixTreeFieldType": SPATIAL,
    "solr.RptWithGeometrySpatialField": SPATIAL,
}

#: What ckanext-spatial's documentation has a Solr administrator add to
#: CKAN's schema for its two backends (``solr-bbox``: the envelope as
#: floats; ``solr-spatial-field``: a multi-valued ``location_rpt`` field,
#: named by ``ckanext.spatial.solr_geom_field_name``). The engine's schema is
#: CKAN's stock one plus these fields, so that the strict check still means
#: "a Solr core set up as CKAN and ckanext-spatial document would accept it".
SPATIAL_BBOX_FIELDS = ("bbox_area", "maxx", "maxy", "minx", "miny")
DEFAULT_GEOMETRY_FIELD = "spatial_geom"

# Solr (on Java 12+) accepts an ISO 8601 instant with Z or a UTC offset.
_SOLR_DATE = re.compile(
    r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$")


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: str
    multi_valued: bool
    stored: bool
    indexed: bool


class DocumentRejected(ValueError):
    """A document a stock Solr core would refuse (one message per problem)."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class SolrSchema:
    fields: Mapping[str, FieldSpec]
    dynamic_fields: tuple[FieldSpec, ...]  # ordered: longest pattern first
    copy_fields: tuple[tuple[str, str], ...]
    unique_key: str
    required: frozenset[str]

    # -- reading -----------------------------------------------------------
    @classmethod
    def from_xml(cls, source: str | bytes) -> "SolrSchema":
        root = ElementTree.fromstring(source)
        kinds: dict[str, tuple[str, bool]] = {}
        for node in root.iter("fieldType"):
            kind = _KIND_BY_CLASS.get(node.get("class", ""), STRING)
            if any("NGram" in (tokenizer.get("class") or "") for tokenizer in node.iter("tokenizer")):
                kind = NGRAM
            kinds[node.get("name", "")] = (kind, _flag(node.get("multiValued")))

        def spec(node: ElementTree.Element) -> FieldSpec:
            kind, type_multi = kinds.get(node.get("type", ""), (STRING, False))
            multi = node.get("multiValued")
            return FieldSpec(
                name=node.get("name", ""),
                kind=kind,
                multi_valued=_flag(multi) if multi is not None else type_multi,
                stored=_flag(node.get("stored"), default=True),
                indexed=_flag(node.get("indexed"), default=True),
            )

        fields = {node.get("name", ""): spec(node) for node in root.iter("field")}
        dynamic = sorted(
            (spec(node) for node in root.iter("dynamicField")),
            key=lambda field: len(field.name.replace("*", "")), reverse=True)
        copies = tuple(
            (node.get("source", ""), node.get("dest", ""))
            for node in root.iter("copyField"))
        unique_key = (root.findtext("uniqueKey") or "id").strip()
        required = frozenset(
            node.get("name", "") for node in root.iter("field")
            if _flag(node.get("required")))
        return cls(fields, tuple(dynamic), copies, unique_key, required)

    def with_spatial_fields(self, geometry_field: str = DEFAULT_GEOMETRY_FIELD) -> "SolrSchema":
        """This schema plus the fields ckanext-spatial documents (unless defined)."""
        added = {name: FieldSpec(name, FLOAT, False, True, True) for name in SPATIAL_BBOX_FIELDS}
        added[geometry_field] = FieldSpec(geometry_field, SPATIAL, True, True, True)
        fields = dict(self.fields)
        for name, spec in added.items():
            fields.setdefault(name, spec)
        return SolrSchema(fields, self.dynamic_fields, self.copy_fields, self.unique_key,
                          self.required)

    # -- lookups -----------------------------------------------------------
    def field(self, name: str) -> Optional[FieldSpec]:
        """The definition Solr applies to ``name`` (static or dynamic)."""
        if name in self.fields:
            return self.fields[name]
        for dynamic in self.dynamic_fields:
            if fnmatch.fnmatchcase(name, dynamic.name):
                return FieldSpec(name, dynamic.kind, dynamic.multi_valued,
                                 dynamic.stored, dynamic.indexed)
        return None

    def copy_sources(self, dest: str) -> tuple[str, ...]:
        """Patterns of the fields Solr copies into ``dest``."""
        return tuple(source for source, target in self.copy_fields if target == dest)

    def copied_values(self, document: Mapping[str, Any], dest: str) -> Iterator[str]:
        """Every value Solr would copy into ``dest`` for this document."""
        patterns = self.copy_sources(dest)
        for name, value in document.items():
            if name != dest and any(fnmatch.fnmatchcase(name, p) for p in patterns):
                yield from (str(item) for item in _as_list(value) if item not in (None, ""))

    # -- documents ---------------------------------------------------------
    def normalise(self, document: Mapping[str, Any], strict: bool = False) -> dict[str, Any]:
        """Return the document with every value typed as Solr stores it.

        Single-valued fields hold one value, multi-valued fields a list;
        strings are strings, dates canonical ISO 8601 UTC. ``None`` and empty
        lists are dropped, as pysolr does. With ``strict`` any value a stock
        Solr core would reject raises :class:`DocumentRejected`; otherwise
        such a value is dropped (and reported by :meth:`check`).
        """
        problems: list[str] = []
        result: dict[str, Any] = {}
        for name, raw in document.items():
            field = self.field(name)
            if field is None:
                problems.append(f"{name}: no such field in the Solr schema")
                continue
            values = [value for value in _as_list(raw) if value is not None]
            if not values:
                continue
            if len(values) > 1 and not field.multi_valued:
                problems.append(
                    f"{name}: multiple values for a single-valued field ({field.kind})")
                if strict:
                    continue
                values = [" ".join(str(value) for value in values)] \
                    if field.kind in (STRING, TEXT, NGRAM) else values[:1]
            converted = []
            for value in values:
                try:
                    converted.append(_convert(field.kind, value))
                except ValueError as error:
                    problems.append(f"{name}: {error}")
            if not converted:
                continue
            result[name] = converted if field.multi_valued else converted[0]
        missing = sorted(name for name in self.required if name not in result)
        problems.extend(f"{name}: required field is missing" for name in missing)
        if strict and problems:
            raise DocumentRejected(problems)
        return result

    def check(self, document: Mapping[str, Any]) -> list[str]:
        """Problems a stock Solr core would report for this document."""
        try:
            self.normalise(document, strict=True)
        except DocumentRejected as rejected:
            return rejected.problems
        return []


def _flag(value: Optional[str], default: bool = False) -> bool:
    if value is None:
        return default
    return value.strip().lower() == "true"


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, (list, tuple, set, frozenset)):
        return list(value)
    return [value]


def _convert(kind: str, value: Any) -> Any:
    if isinstance(value, Mapping):
        # pysolr sends a dict as an atomic-update instruction, never as data.
        raise ValueError(f"a JSON object is not a Solr value: {json.dumps(value)[:80]}")
    if kind in (STRING, TEXT, NGRAM):
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (dt.datetime, dt.date)):
            return format_date(value)
        return str(value)
    if kind == BOOLEAN:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text not in ("true", "false"):
            raise ValueError(f"{value!r} is not a boolean")
        return text == "true"
    if kind == INTEGER:
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise ValueError(f"{value!r} is not an integer")
        try:
            return int(str(value).strip()) if not isinstance(value, (int, float)) else int(value)
        except ValueError:
            raise ValueError(f"{value!r} is not an integer") from None
    if kind == FLOAT:
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ValueError(f"{value!r} is not a number") from None
    if kind == SPATIAL:
        text = str(value)
        try:
            read_shape(text)
        except ShapeError as error:
            raise ValueError(f"{error} ({text[:80]!r})") from None
        return text
    if kind == DATE:
        return parse_solr_date(value)
    raise ValueError(f"unknown field kind {kind}")


def format_date(value: dt.date) -> str:
    """A date as Solr stores and returns it: UTC, millisecond precision."""
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    if value.tzinfo is not None:
        value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    millis = value.microsecond // 1000
    text = value.replace(microsecond=0).isoformat()
    return f"{text}.{millis:03d}Z" if millis else f"{text}Z"


def parse_solr_date(value: Any) -> str:
    """A date as Solr stores it (``1995-12-31T23:59:59Z``), or ValueError."""
    if isinstance(value, (dt.datetime, dt.date)):
        return format_date(value)
    text = str(value).strip()
    match = _SOLR_DATE.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a Solr date (YYYY-MM-DDThh:mm:ssZ)")
    seconds, fraction, zone = match.groups()
    try:
        parsed = dt.datetime.fromisoformat(seconds + (fraction or "")[:7]
                                           + ("+00:00" if zone == "Z" else zone))
    except ValueError:
        raise ValueError(f"{text!r} is not a valid date") from None
    return format_date(parsed)


def stock_schema_path() -> Path:
    """Path of the schema.xml shipped in the installed ckan package."""
    import importlib.util

    spec = importlib.util.find_spec("ckan")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the ckan package is not installed")
    return Path(list(spec.submodule_search_locations)[0]) / "config" / "solr" / "schema.xml"


@functools.lru_cache(maxsize=4)
def load_schema(path: Optional[str] = None,
                geometry_field: str = DEFAULT_GEOMETRY_FIELD) -> SolrSchema:
    """The schema at ``path``, parsed once; by default CKAN's stock schema
    with ckanext-spatial's fields (:meth:`SolrSchema.with_spatial_fields`)."""
    if path:
        return SolrSchema.from_xml(Path(path).read_bytes())
    stock = SolrSchema.from_xml(stock_schema_path().read_bytes())
    return stock.with_spatial_fields(geometry_field)


def stored_fields(schema: SolrSchema, names: Iterable[str]) -> list[str]:
    return [name for name in names if (spec := schema.field(name)) and spec.stored]

"""Facet counts from an in-memory column of each field's values (Solr's docValues).

Counting facets in SQL costs PostgreSQL's executor about a microsecond per
match and per facet (split the stored value, hash, group): at 100,000
datasets a word found in 72,000 of them took 600 ms for three facets
(docs/decisions/0005-search-performance.md). Solr counts from a column held
in memory. So does this module: for each facet field, the values of every
row of ``amp_search_match``, loaded once per process and kept up to date; a
search hands over the ``indexed_order`` of its matches (one bytea, 8 bytes a
match) and the counts come from numpy in a few milliseconds.

Why it cannot be stale: a row's ``indexed_order`` is given anew each time
the row is written (``_UPSERT_MATCH`` in engine.py). A row version, once
committed, never changes: what is loaded for an ``indexed_order`` stays
true. A search's matches are always row versions of its own snapshot; those
not loaded yet (written since, or committed late by a slower writer) are
read before counting. Deleted or replaced versions are no longer matched;
they only take memory, and the field is loaded afresh when they outnumber
the live rows. When the table is recreated or truncated (a new
``pg_relation_filenode``: tests, migrations, ``VACUUM FULL``), the orders
start again and everything loaded is dropped.

Counts are Solr's: a document holding a value twice counts once; a null
value is not a value. Values are read as PostgreSQL's ``jsonb_array_elements_text``
writes them (numbers as stored, ``true``/``false``), as the SQL counting did.
"""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Sequence

import numpy as np
import sqlalchemy as sa

#: A field is loaded afresh when it holds more row versions than this many
#: times the rows of its last full load (plus a thousand): replaced and
#: deleted versions are not kept for ever.
_GROWTH = 2


@dataclass
class _Column:
    """The values of one field for the row versions loaded so far."""
    orders: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))  # sorted
    #: Position in ``orders`` of each (row version, value) entry, and the value's code.
    entry_rows: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    entry_codes: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    values: list[str] = field(default_factory=list)
    codes: dict[str, int] = field(default_factory=dict)
    #: The highest order read by a scan: every version below it is loaded
    #: unless it was committed after that scan.
    scanned_to: int = 0
    #: Rows read by the first scan (the live rows then).
    first_scan: int = 0
    #: Whether a scan ran (an empty table is not scanned again at each search).
    scanned: bool = False

    def add(self, groups: "_Groups") -> None:
        """Add row versions, grouped by stored value.

        Each version is given once; a value it holds twice counts once.
        """
        if not len(groups.orders):
            return
        sizes = groups.sizes
        group_codes: list[int] = []
        code_counts = np.zeros(len(sizes), np.int64)
        for number, values in enumerate(groups.values):
            held = {value for value in values if value is not None}
            for value in held:
                code = self.codes.get(value)
                if code is None:
                    code = self.codes[value] = len(self.values)
                    self.values.append(value)
                group_codes.append(code)
            code_counts[number] = len(held)
        codes = np.asarray(group_codes, np.int64)
        starts = np.cumsum(code_counts) - code_counts
        # Every new row version gets its group's codes.
        group_of_row = np.repeat(np.arange(len(sizes)), sizes)
        per_row = code_counts[group_of_row]
        rows = np.repeat(np.arange(len(group_of_row)), per_row)
        first_entry = np.cumsum(per_row) - per_row
        within = np.arange(len(rows)) - np.repeat(first_entry, per_row)
        new_codes = codes[np.repeat(starts[group_of_row], per_row) + within]
        orders = np.concatenate([self.orders, groups.orders])
        entry_rows = np.concatenate([self.entry_rows, rows + len(self.orders)])
        entry_codes = np.concatenate([self.entry_codes, new_codes])
        if len(orders) > 1 and bool((orders[1:] < orders[:-1]).any()):
            # Keep ``orders`` sorted; entries follow their rows.
            sorting = np.argsort(orders, kind="stable")
            position = np.empty_like(sorting)
            position[sorting] = np.arange(len(sorting))
            orders, entry_rows = orders[sorting], position[entry_rows]
        self.orders, self.entry_rows, self.entry_codes = orders, entry_rows, entry_codes

    def positions(self, orders: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Positions of ``orders`` in the column, and those of ``orders`` not loaded."""
        if not len(self.orders):
            return np.empty(0, np.int64), orders
        positions = np.searchsorted(self.orders, orders)
        clipped = np.minimum(positions, len(self.orders) - 1)
        found = self.orders[clipped] == orders
        return positions[found], orders[~found]

    def counts(self, positions: np.ndarray) -> np.ndarray:
        """Number of the given row versions holding each value (by code)."""
        chosen = np.zeros(len(self.orders), dtype=bool)
        chosen[positions] = True
        return np.bincount(self.entry_codes[chosen[self.entry_rows]],
                           minlength=len(self.values))


class FacetIndex:
    """Every facet field's values, per row version; shared by a process's searches."""

    def __init__(self, table: str) -> None:
        """:param table: the SQL of the rows ``d`` searches read (engine.TABLE)."""
        self._table = table
        self._lock = threading.Lock()
        self._identity: Optional[str] = None
        self._columns: dict[str, _Column] = {}

    def count(self, connection: sa.engine.Connection, identity: str,
              facets: Mapping[str, str], matches: np.ndarray,
              ) -> dict[str, list[tuple[str, int]]]:
        """``{field: [(value, count), ...]}`` over the row versions ``matches``.

        :param identity: the table's identity (database and relation file,
            ``engine.IDENTITY``), read in the search's own statement.
        :param facets: each field and the SQL of its stored value for the
            row ``d`` (a jsonb scalar or array); ``:_facet_name`` in it is
            bound to the field's name.
        :param matches: the ``indexed_order`` of the matches.
        """
        with self._lock:
            if identity != self._identity:
                self._identity, self._columns = identity, {}
            result = {}
            highest = int(matches.max()) if len(matches) else 0
            for name, expression in facets.items():
                column = self._columns.get(name)
                if column is None or len(column.orders) > _GROWTH * column.first_scan + 1000:
                    column = self._columns[name] = _Column()
                if not column.scanned or highest > column.scanned_to:
                    self._scan(connection, column, name, expression)
                positions, missing = column.positions(matches)
                if len(missing):
                    column.add(self._read(connection, name, expression, "d.indexed_order = ANY(:orders)",
                                          {"orders": [int(order) for order in missing]}))
                    # Still missing: deleted since the search read them (counted
                    # as the table is now, as a later search would).
                    positions, missing = column.positions(matches)
                counts = column.counts(positions)
                held = np.nonzero(counts)[0]
                result[name] = [(column.values[code], int(counts[code])) for code in held]
            return result

    def _scan(self, connection: sa.engine.Connection, column: _Column, name: str,
              expression: str) -> None:
        """Load every row version above what the column has scanned."""
        since = column.scanned_to
        groups = self._read(connection, name, expression, "d.indexed_order > :since",
                            {"since": since})
        column.scanned = True
        if not len(groups.orders):
            return
        if not since:
            column.first_scan = len(groups.orders)
        highest = int(groups.orders.max())
        if len(column.orders):  # versions already read one by one are not added twice
            groups = groups.without(column.orders[column.orders > since])
        column.add(groups)
        column.scanned_to = max(since, highest)

    def _read(self, connection: sa.engine.Connection, name: str, expression: str, where: str,
              params: Mapping[str, object]) -> "_Groups":
        """The rows ``d`` meeting ``where``, grouped by stored value.

        Grouped in SQL: most values are shared by many datasets (an
        organisation, a format), and a row each through the driver is slow.
        """
        sql = (f"SELECT json_agg(j)::text, string_agg(orders, ''::bytea), "
               f"array_agg(length(orders) / 8) FROM (SELECT stored.j, "
               f"string_agg(int8send(d.indexed_order), ''::bytea) AS orders "
               f"FROM {self._table} AS d CROSS JOIN LATERAL (SELECT {expression} AS j) AS stored "
               f"WHERE {where} GROUP BY 1) AS grouped")
        stored, orders, sizes = connection.execute(
            sa.text(sql), dict(params, _facet_name=name)).one()
        if not stored:
            return _Groups(np.empty(0, np.int64), np.empty(0, np.int64), [])
        return _Groups(decode_orders(orders), np.asarray(sizes, np.int64),
                       [as_texts(value) for value in json.loads(
                           stored, parse_int=_Number, parse_float=_Number)])


@dataclass
class _Groups:
    """Row versions grouped by stored value: ``sizes[g]`` orders of ``orders``
    in turn hold ``values[g]``."""
    orders: np.ndarray
    sizes: np.ndarray
    values: list[list[Optional[str]]]

    def without(self, known: np.ndarray) -> "_Groups":
        """The same groups less the versions ``known``."""
        keep = ~np.isin(self.orders, known)
        group_of_row = np.repeat(np.arange(len(self.sizes)), self.sizes)
        return _Groups(self.orders[keep],
                       np.bincount(group_of_row[keep], minlength=len(self.sizes)), self.values)


class _Number(str):
    """A JSON number, kept as PostgreSQL wrote it."""


def as_texts(value: Any) -> list[Optional[str]]:
    """A stored value (decoded with numbers as :class:`_Number`) as PostgreSQL's
    ``jsonb_array_elements_text`` gives it: each element as text, null as None."""
    return [None if item is None else item if isinstance(item, str) else _json(item)
            for item in (value if isinstance(value, list) else [value])]


def _json(item: Any) -> str:
    """jsonb's text form of a decoded value (", " and ": " between items)."""
    if isinstance(item, _Number):
        return str(item)
    if isinstance(item, str):
        return json.dumps(item, ensure_ascii=False)
    if item is None:
        return "null"
    if isinstance(item, bool):
        return "true" if item else "false"
    if isinstance(item, list):
        return "[" + ", ".join(_json(element) for element in item) + "]"
    return "{" + ", ".join(f"{json.dumps(key, ensure_ascii=False)}: {_json(element)}"
                           for key, element in item.items()) + "}"


def decode_orders(packed: Optional[bytes]) -> np.ndarray:
    """The ``indexed_order`` values packed by ``string_agg(int8send(...), '')``."""
    if not packed:
        return np.empty(0, np.int64)
    return np.frombuffer(bytes(packed), dtype=">i8").astype(np.int64)

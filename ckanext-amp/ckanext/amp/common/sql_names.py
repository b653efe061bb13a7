"""The names a DataStore SQL query may refer to, found in its text.

CKAN's ``datastore_search_sql`` learns which tables a query reads from
PostgreSQL's plan (``EXPLAIN``), so a query that PostgreSQL cannot plan
fails before any access check, and its error (an unknown column, PostgreSQL's
hint naming the real ones, a value that cannot be cast) or its mere failure
tells about a table the caller may not read. Before CKAN plans it,
amp_access refuses a query whose text names such a table; this module says
which names a text may refer to. It over-approximates on purpose: a word
that is not a table costs a look-up, a table missed would be a leak.

Pure Python, no CKAN import.
"""
from __future__ import annotations

import re

__all__ = ["UUID", "OID_ALIAS_TYPES", "mentioned_names", "mentions_oid_alias_type"]

#: A resource id (CKAN names a resource's datastore table by it).
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)

#: Types whose input function looks a name up in the catalogue
#: (``'…'::regclass`` tells whether a table exists, without reading it).
OID_ALIAS_TYPES = frozenset({
    "regclass", "regcollation", "regconfig", "regdictionary", "regnamespace", "regoper",
    "regoperator", "regproc", "regprocedure", "regrole", "regtype"})

_WORD = re.compile(r"[A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*")
_QUOTED = re.compile(r'"((?:[^"]|"")*)"')
_UESCAPE = re.compile(r"uescape\s*'(.)'", re.I)


def _decode_unicode_escapes(text: str, mark: str) -> str:
    """``U&"…"`` / ``U&'…'`` escapes (``\\XXXX``, ``\\+XXXXXX``) decoded
    throughout ``text`` with the escape character ``mark``."""
    escaped = re.escape(mark)

    def char(found: re.Match[str]) -> str:
        try:
            return chr(int(found.group(1) or found.group(2), 16))
        except (ValueError, OverflowError):
            return found.group(0)

    return re.sub(escaped + r"(?:\+([0-9a-fA-F]{6})|([0-9a-fA-F]{4}))", char, text)


def _decode_c_escapes(text: str) -> str:
    """``E'…'`` escapes (``\\xHH``, ``\\ooo``, ``\\uXXXX``, ``\\UXXXXXXXX``)
    decoded throughout ``text``."""
    def char(found: re.Match[str]) -> str:
        raw = found.group(0)
        try:
            if raw[1] in "xX":
                return chr(int(raw[2:], 16))
            if raw[1] in "uU":
                return chr(int(raw[2:], 16))
            return chr(int(raw[1:], 8))
        except (ValueError, OverflowError):
            return raw

    return re.sub(r"\\(?:[xX][0-9a-fA-F]{1,2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{1,3})",
                  char, text)


def _readings(sql: str) -> list[str]:
    """``sql`` as written, and with each kind of escape decoded."""
    readings = [sql, _decode_c_escapes(sql)]
    for mark in {"\\", *_UESCAPE.findall(sql)}:
        readings.append(_decode_unicode_escapes(sql, mark))
    return readings


def mentioned_names(sql: str) -> set[str]:
    """Every name ``sql`` may refer to a table by: each resource id written
    anywhere in it (lower case), each quoted identifier's content and each
    bare word (lower case, as PostgreSQL folds them), escapes decoded."""
    names: set[str] = set()
    for text in _readings(sql):
        names.update(found.lower() for found in UUID.findall(text))
        for quoted in _QUOTED.findall(text):
            names.add(quoted.replace('""', '"'))
        names.update(word.lower() for word in _WORD.findall(text))
    return names


def mentions_oid_alias_type(sql: str) -> bool:
    """Whether ``sql`` names a type such as ``regclass`` (a catalogue
    look-up by name)."""
    return bool({name.lower() for name in mentioned_names(sql)} & OID_ALIAS_TYPES)

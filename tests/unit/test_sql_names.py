"""The names a DataStore SQL query may refer to (common/sql_names.py)."""
from __future__ import annotations

from ckanext.amp.common.sql_names import mentioned_names, mentions_oid_alias_type

TABLE = "075a659f-fece-4ceb-ab42-74bdca214eee"


def _escaped(mark: str) -> str:
    return "".join(f"{mark}{ord(char):04x}" for char in TABLE)


def test_a_table_is_found_however_its_name_is_written():
    for sql in (f'SELECT * FROM "{TABLE}"',
                f'SELECT * FROM "{TABLE.upper()}"',
                f'SELECT * FROM public."{TABLE}" x',
                f'WITH a AS (SELECT 1 FROM "{TABLE}") SELECT * FROM a',
                f'SELECT * FROM U&"{_escaped(chr(92))}"',
                f'SELECT * FROM U&"{_escaped("!")}" UESCAPE \'!\'',
                "SELECT E'" + "".join(f"\\x{ord(c):02x}" for c in TABLE) + "'::regclass",
                f"SELECT '{TABLE}'::regclass"):
        assert TABLE in mentioned_names(sql), sql


def test_words_and_quoted_identifiers_are_candidate_aliases():
    names = mentioned_names('SELECT a."Mesures ""2024""" FROM Mesures_Eau JOIN "Vue" USING (x)')
    assert {"mesures_eau", "Vue", 'Mesures "2024"', "select", "x"} <= names


def test_catalogue_look_ups_by_name_are_seen():
    assert mentions_oid_alias_type(f"SELECT '{TABLE}'::regclass")
    assert mentions_oid_alias_type(f"SELECT '{TABLE}'::RegClass::oid")
    assert mentions_oid_alias_type('SELECT \'x\'::U&"\\0072egclass"')
    assert not mentions_oid_alias_type(f'SELECT releve FROM "{TABLE}"')

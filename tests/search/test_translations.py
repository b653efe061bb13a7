"""Every message amp_search can show a user has its French translation."""
from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

from ckanext.amp.translation import source_directory

AMP = Path(__file__).resolve().parents[2] / "ckanext-amp" / "ckanext" / "amp"
SEARCH = AMP / "search"
#: The search engine's modules, and the pure module of its spatial shapes.
SOURCES = (*sorted(SEARCH.glob("*.py")), AMP / "common" / "spatial_shapes.py")
RAISERS = (r"(?:QuerySyntaxError|Unsupported|QueryTooComplexError|ShapeError|_error_token|_fail"
           r"|toolkit\._)")


def _message_ids() -> set[str]:
    ids = set()
    for source in SOURCES:
        text = source.read_text(encoding="utf-8")
        for call in re.finditer(RAISERS + r"\(\s*(?:[a-z_]+,\s*)?((?:\"(?:[^\"\\]|\\.)*\"\s*)+)", text):
            ids.add("".join(re.findall(r"\"((?:[^\"\\]|\\.)*)\"", call.group(1))))
    return ids


def test_search_messages_are_translated_to_french():
    with (source_directory() / "fr" / "LC_MESSAGES" / "ckanext-amp.po").open("rb") as po:
        catalogue = read_po(po)
    ids = _message_ids()
    assert len(ids) > 30
    missing = sorted(msgid for msgid in ids if not (catalogue.get(msgid) and catalogue.get(msgid).string))
    assert missing == []
    for msgid in ids:
        placeholders = set(re.findall(r"{(\w+)}", msgid))
        assert set(re.findall(r"{(\w+)}", catalogue.get(msgid).string)) == placeholders, msgid

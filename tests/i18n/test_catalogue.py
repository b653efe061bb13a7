"""Every message of the bundle that a person can read has its French
translation in the one shared catalogue, with the same placeholders.

The messages are found in the sources: the English msgids given to the
raisers of the pure modules (``InvalidValue``, ``TranslatableError`` and
their subclasses, ``Problem``/``MappedRecord.error``/``warn``), to CKAN's
``toolkit._`` / ``_`` in Python, and to ``_()`` in the templates.
"""
from __future__ import annotations

import builtins
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from ckanext.amp.translation import source_directory

PACKAGE = Path(__file__).resolve().parents[2] / "ckanext-amp" / "ckanext" / "amp"
# One string literal, or several adjacent ones (implicit concatenation).
_LITERALS = r"((?:\"(?:[^\"\\]|\\.)*\"\s*)+)"
PY_CALL = re.compile(
    r"(?:\b([A-Z]\w*(?:Error|Value|Licence|Problem)|_error_token|_fail|toolkit\._|_)|"
    r"\.(?:error|warn))\(\s*(?:[a-z_.]+,\s*|\"[a-z_]*\",\s*)?" + _LITERALS)
#: Exceptions for programmers, not people: Python's and CKAN's search layer's.
PROGRAMMER_ERRORS = {name for name in dir(builtins) if name.endswith("Error")} | {"SearchError", "SearchEngineError"}
TEMPLATE_CALL = re.compile(r"\b_\(\s*(['\"])((?:(?!\1).|\\.)*?)\1\s*[,)]")
#: Not messages: identifiers that look like calls.
NOT_MESSAGES = {""}


def _python_ids() -> dict[str, str]:
    ids = {}
    for source in PACKAGE.rglob("*.py"):
        if "stack" in source.relative_to(PACKAGE).parts:
            continue  # amp-stack talks French directly (a console tool)
        text = source.read_text(encoding="utf-8")
        for call in PY_CALL.finditer(text):
            if call.group(1) in PROGRAMMER_ERRORS:
                continue
            msgid = "".join(re.findall(r"\"((?:[^\"\\]|\\.)*)\"", call.group(2)))
            msgid = msgid.encode().decode("unicode_escape").encode("latin-1").decode("utf-8") \
                if "\\" in msgid else msgid
            # A bare snake_case word is a field name given to .error()/.warn().
            if msgid not in NOT_MESSAGES and re.search(r"[A-Za-z]{2}", msgid) \
                    and not re.fullmatch(r"[a-z_]+", msgid):
                ids.setdefault(msgid, str(source.relative_to(PACKAGE)))
    return ids


def _template_ids() -> dict[str, str]:
    ids = {}
    for template in PACKAGE.rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        for call in TEMPLATE_CALL.finditer(text):
            ids.setdefault(call.group(2), str(template.relative_to(PACKAGE)))
    return ids


@pytest.fixture(scope="module")
def catalogue():
    with (source_directory() / "fr" / "LC_MESSAGES" / "ckanext-amp.po").open("rb") as po:
        return read_po(po)


def _untranslated(catalogue, ids: dict[str, str]) -> list[str]:
    missing = []
    for msgid, where in sorted(ids.items()):
        message = catalogue.get(msgid)
        if not (message and message.string):
            missing.append(f"{where}: {msgid!r}")
            continue
        placeholders = set(re.findall(r"{(\w+)}", msgid))
        if set(re.findall(r"{(\w+)}", message.string)) != placeholders:
            missing.append(f"{where}: {msgid!r} (placeholders differ)")
    return missing


def test_python_messages_are_translated(catalogue):
    ids = _python_ids()
    assert len(ids) > 60
    assert _untranslated(catalogue, ids) == []


def test_template_messages_are_translated(catalogue):
    ids = _template_ids()
    # CKAN's own catalogue translates its msgids; ours must translate ours.
    assert _untranslated(catalogue, {k: v for k, v in ids.items()
                                     if not _ckan_translates(k)}) == []


def _ckan_translates(msgid: str) -> bool:
    """True for a msgid CKAN's own French catalogue already translates."""
    import ckan

    po_path = Path(ckan.__file__).parent / "i18n" / "fr" / "LC_MESSAGES" / "ckan.po"
    global _CKAN_FR
    try:
        known = _CKAN_FR
    except NameError:
        with po_path.open("rb") as po:
            known = _CKAN_FR = {m.id for m in read_po(po) if m.string}
    return msgid in known

"""Reading multi-valued fields whatever form CKAN hands them in. Pure Python."""
from __future__ import annotations

import json
from typing import Any


def stripped(value: Any) -> str:
    """A string value without its surrounding whitespace; "" for anything else."""
    return value.strip() if isinstance(value, str) else ""


def is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value in ([], {}, ())


def as_list(value: Any, split_commas: bool = True) -> list[Any]:
    """Several values from a list (form, API), a JSON list in a string (what
    ckanext-scheming stores) or, with ``split_commas``, a comma-separated
    string; empty items are dropped. Any other single value is one item."""
    if is_empty(value):
        return []
    if isinstance(value, (list, tuple)):
        return [item for item in value if not is_empty(item)]
    if not isinstance(value, str):
        return [value]
    text = value.strip()
    if text.startswith("["):
        try:
            loaded = json.loads(text)
        except ValueError:
            loaded = None
        if isinstance(loaded, list):
            return [item for item in loaded if not is_empty(item)]
    if not split_commas:
        return [text]
    return [part.strip() for part in text.split(",") if part.strip()]


def strings(value: Any) -> list[str]:
    """The non-empty strings of a multi-valued field, each stripped, commas
    kept (addresses such as ``conforms_to``'s may hold them)."""
    return [text for text in (str(item).strip() for item in as_list(value, split_commas=False))
            if text]

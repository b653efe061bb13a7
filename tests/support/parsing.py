"""A spy on amp_search's query parsers: which texts they are given.

The real parsers run; only the texts handed to them are recorded, to check
that each text of a search request is parsed once (search/request.py).
"""
from __future__ import annotations

from typing import Any

from ckanext.amp.search import lucene

#: The parsers search/request.py calls.
ENTRY_POINTS = ("parse_lucene", "parse_dismax", "parse_edismax", "parse_filter")


def spy_on_parsers(monkeypatch: Any) -> list[str]:
    """The texts given to the parsers from now on, in call order (a parser
    calling another, as ``parse_filter`` calls ``parse_lucene``, counts once)."""
    seen: list[str] = []
    depth = [0]
    for name in ENTRY_POINTS:
        original = getattr(lucene, name)

        def spy(text: str, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
            if not depth[0]:
                seen.append(str(text))
            depth[0] += 1
            try:
                return _original(text, *args, **kwargs)
            finally:
                depth[0] -= 1

        monkeypatch.setattr(lucene, name, spy)
    return seen

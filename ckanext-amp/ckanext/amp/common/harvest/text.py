"""Text as remote catalogues send it, made safe to store. Pure.

* :func:`plain` turns anything (``None``, numbers, lists, dicts with a
  language map) into one clean line or paragraph: control characters
  removed, Unicode normalised (NFC), surrounding space stripped.
* :func:`html_to_markdown` turns an HTML description (ODS, DKAN, ISO
  abstracts pasted from a CMS) into the Markdown CKAN renders: paragraphs,
  line breaks, list items and ``http(s)`` links are kept, every other tag is
  dropped and its text kept; ``<script>``, ``<style>`` and the like are
  dropped with their content. Nothing is ever executed or kept as markup.
* :func:`tag_name` makes a keyword a valid CKAN tag (letters, digits,
  spaces, ``-``, ``_``, ``.``; 2 to 100 characters).
* :func:`shorten` keeps messages readable when a value is huge.
"""
from __future__ import annotations

import html
import re
import unicodedata
from html.parser import HTMLParser
from typing import Any, Iterable

__all__ = [
    "MAX_NOTES",
    "MAX_TAG",
    "MAX_TITLE",
    "first_text",
    "html_to_markdown",
    "looks_like_html",
    "plain",
    "shorten",
    "tag_name",
    "unique",
]

#: Longest title and description kept (longer ones are cut, with a warning).
MAX_TITLE = 1_000
MAX_NOTES = 100_000
#: CKAN's limits on a tag name (``ckan.model.MAX_TAG_LENGTH`` / ``MIN_TAG_LENGTH``).
MAX_TAG = 100
MIN_TAG = 2

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\ufeff]")
_SPACES = re.compile(r"[ \t\u00a0\u202f\u2007]+")
_BLANK_LINES = re.compile(r"\n{3,}")
#: Language keys of multilingual values (ckanext-dcat's translated fields,
#: ODS language maps): French first.
_LANGUAGES = ("fr", "fr-FR", "fr_FR", "und", "", "en", "en-GB", "en-US")


def _from_mapping(value: dict[Any, Any]) -> Any:
    for key in _LANGUAGES:
        if key in value and value[key] not in (None, "", [], {}):
            return value[key]
    for key in ("@value", "value", "name", "label", "title"):
        if key in value:
            return value[key]
    for item in value.values():
        if isinstance(item, str) and item.strip():
            return item
    return None


def first_text(value: Any) -> Any:
    """The first meaningful scalar of ``value``: a list's first non-empty
    item, a language map's French (else English, else any) text."""
    for _ in range(8):  # nested lists of language maps, bounded
        if isinstance(value, dict):
            value = _from_mapping(value)
        elif isinstance(value, (list, tuple)):
            value = next((item for item in value if item not in (None, "", [], {})), None)
        else:
            return value
    return None


def plain(value: Any, *, multiline: bool = False) -> str:
    """One clean text from any value; ``""`` when there is none.

    Booleans and containers other than lists/language maps give ``""``
    (they are not text). With ``multiline``, line breaks are kept (at most
    one blank line in a row); otherwise every run of white space is one
    space.
    """
    value = first_text(value)
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if isinstance(value, float) and value != value:  # NaN
        return ""
    if isinstance(value, (dict, list, tuple, set)):
        return ""
    text = unicodedata.normalize("NFC", str(value))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    if multiline:
        lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
        text = _BLANK_LINES.sub("\n\n", "\n".join(lines))
    else:
        text = re.sub(r"\s+", " ", text)
    return text.strip()


def shorten(value: Any, width: int = 80) -> str:
    """``value`` as text, cut to ``width`` characters (for messages)."""
    text = value if isinstance(value, str) else repr(value)
    text = _CONTROL.sub("", text).replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"


# ---------------------------------------------------------------------------
# HTML

_HTML_HINT = re.compile(r"</?(p|br|div|span|a|ul|ol|li|strong|em|b|i|h[1-6]|table|tr|td|"
                        r"script|style|img|font|blockquote|pre|code)\b[^>]*>|&(nbsp|amp|lt|gt|"
                        r"quot|#\d+|#x[0-9a-f]+|[a-z]+);", re.IGNORECASE)
#: Elements dropped with everything inside them.
_DROPPED = frozenset({"script", "style", "head", "title", "iframe", "object", "embed",
                      "noscript", "template", "svg", "math", "form", "select", "textarea",
                      "button"})
_BLOCKS = frozenset({"p", "div", "section", "article", "header", "footer", "table", "tr",
                     "blockquote", "pre", "ul", "ol", "dl", "h1", "h2", "h3", "h4", "h5", "h6"})


def looks_like_html(text: str) -> bool:
    """True when ``text`` holds HTML tags or entities."""
    return bool(_HTML_HINT.search(text))


class _ToMarkdown(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0
        self.links: list[str | None] = []
        self.link_text: list[list[str]] = []

    def _out(self, text: str) -> None:
        if self.link_text:
            self.link_text[-1].append(text)
        else:
            self.parts.append(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROPPED:
            self.skip += 1
            return
        if self.skip:
            return
        if tag in _BLOCKS:
            self._out("\n\n")
        elif tag == "br":
            self._out("\n")
        elif tag == "li":
            self._out("\n- ")
        elif tag in ("td", "th"):
            self._out(" ")
        elif tag == "a":
            href = dict(attrs).get("href") or ""
            href = href.strip()
            self.links.append(href if re.match(r"^https?://[^\s()<>]+$", href) else None)
            self.link_text.append([])

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROPPED:
            self.skip = max(0, self.skip - 1)
            return
        if self.skip:
            return
        if tag in _BLOCKS:
            self._out("\n\n")
        elif tag == "a" and self.link_text:
            href = self.links.pop()
            text = re.sub(r"\s+", " ", "".join(self.link_text.pop())).strip()
            text = text.replace("[", "(").replace("]", ")")
            if href and text and text != href:
                self._out(f"[{text}]({href})")
            else:
                self._out(href or text)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br" and not self.skip:
            self._out("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self._out(re.sub(r"\s+", " ", data))

    def result(self) -> str:
        while self.link_text:  # unclosed <a>
            self.links.pop()
            self.parts.append("".join(self.link_text.pop()))
        return "".join(self.parts)


def html_to_markdown(text: str) -> str:
    """The text of an HTML fragment as Markdown (see the module's doc)."""
    parser = _ToMarkdown()
    try:
        parser.feed(text)
        parser.close()
        result = parser.result()
    except Exception:  # pragma: no cover - html.parser is lenient; belt and braces
        result = re.sub(r"<[^>]*>", " ", html.unescape(text))
    # Stray angle brackets left by broken markup are not markup any more.
    result = result.replace("<", "‹").replace(">", "›")
    return plain(result, multiline=True)


# ---------------------------------------------------------------------------
# tags

_TAG_FORBIDDEN = re.compile(r"[^\w \-.]+", re.UNICODE)


def tag_name(value: Any) -> str | None:
    """A CKAN tag name from a keyword, or ``None`` when nothing usable is left.

    Forbidden characters (``/``, ``,``, ``'``, ``&``...) become spaces; a
    keyword longer than 100 characters is cut at a word boundary.
    """
    text = plain(value)
    if not text:
        return None
    text = text.replace("’", " ").replace("'", " ")
    text = _TAG_FORBIDDEN.sub(" ", text)
    text = re.sub(r"\s+", " ", text).strip(" .-_")
    if len(text) > MAX_TAG:
        cut = text[:MAX_TAG]
        text = cut.rsplit(" ", 1)[0] if " " in cut[MAX_TAG // 2:] else cut
        text = text.strip(" .-_")
    if len(text) < MIN_TAG:
        return None
    return text


def unique(items: Iterable[Any]) -> list[Any]:
    """Items in first-seen order, duplicates dropped."""
    seen: list[Any] = []
    for item in items:
        if item not in seen:
            seen.append(item)
    return seen

"""Reading a partner's documents without trusting them. Pure (no CKAN).

* XML is parsed by lxml with external entities, DTD loading and network
  access disabled; a document that declares entities (XXE, "billion
  laughs") is refused before any other parser sees it (rdflib's RDF/XML
  parser runs on expat, which would expand internal entities).
* JSON-LD remote contexts are loaded through the harvester's
  :class:`~ckanext.amp.common.harvest.fetch.Fetcher` (same address checks
  and limits) and inlined, so that rdflib's JSON-LD parser, which would open
  any ``@context`` URL itself with ``urllib``, never goes on the network.
* JSON syntax errors, and documents too deeply nested for Python, become
  a :class:`DocumentError` naming the address and the line.
"""
from __future__ import annotations

import json
import re
from typing import Any, Callable
from urllib.parse import urljoin

from lxml import etree

from ckanext.amp.common.messages import TranslatableError

from .fetch import HarvestError, redact

__all__ = ["DocumentError", "guess_rdf_format", "inline_jsonld_contexts", "parse_json",
           "parse_xml", "rdf_graph"]

#: Remote JSON-LD contexts loaded for one document, at most.
MAX_CONTEXTS = 10
_ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.I)


class DocumentError(HarvestError):
    """A document that cannot or must not be read."""


def parse_json(data: bytes | str, url: str) -> Any:
    """The JSON value of ``data``; :class:`DocumentError` when it is not JSON."""
    try:
        return json.loads(data)
    except json.JSONDecodeError as error:
        raise DocumentError("{url} is not valid JSON (line {line}, column {column}: {reason})",
                            url=redact(url), line=error.lineno, column=error.colno,
                            reason=error.msg) from None
    except UnicodeDecodeError:
        raise DocumentError("{url} is not valid JSON (not UTF-8 text)", url=redact(url)) from None
    except RecursionError:
        raise DocumentError("{url} is nested too deeply to be read", url=redact(url)) from None


def _xml_parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           dtd_validation=False, huge_tree=False, remove_comments=True)


def parse_xml(data: bytes, url: str) -> etree._ElementTree:
    """The lxml tree of ``data``, parsed safely; a document that declares
    entities is refused (:class:`DocumentError`)."""
    if _ENTITY_DECLARATION.search(data[:1_000_000]):
        raise DocumentError("{url} declares XML entities, which are refused "
                            "(external entities and entity expansion are a known attack)",
                            url=redact(url))
    try:
        tree = etree.parse(_BytesSource(data), _xml_parser())
    except etree.XMLSyntaxError as error:
        raise DocumentError("{url} is not well-formed XML (line {line}: {reason})",
                            url=redact(url), line=error.lineno or 0,
                            reason=str(error.msg or error)) from None
    dtd = tree.docinfo.internalDTD
    if dtd is not None and list(dtd.iterentities()):
        raise DocumentError("{url} declares XML entities, which are refused "
                            "(external entities and entity expansion are a known attack)",
                            url=redact(url))
    return tree


class _BytesSource:
    """A file-like object for lxml (``etree.parse`` of bytes without BytesIO
    copies is not possible; this keeps the type explicit)."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._offset = 0

    def read(self, size: int = -1) -> bytes:
        if size < 0:
            size = len(self._data) - self._offset
        chunk = self._data[self._offset:self._offset + size]
        self._offset += len(chunk)
        return chunk


def inline_jsonld_contexts(document: Any, url: str,
                           load: Callable[[str], bytes]) -> Any:
    """``document`` with every remote ``@context`` (and JSON-LD 1.1
    ``@import``) replaced by the context it names, loaded with ``load``
    (the harvester's fetcher), at most :data:`MAX_CONTEXTS` of them."""
    cache: dict[str, Any] = {}

    def fetch_context(reference: str, base: str, depth: int) -> Any:
        target = urljoin(base, reference)
        if target in cache:
            return cache[target]
        if len(cache) >= MAX_CONTEXTS or depth > 3:
            raise DocumentError("{url} needs more than {count} JSON-LD contexts: refused",
                                url=redact(url), count=MAX_CONTEXTS)
        cache[target] = None
        try:
            loaded = parse_json(load(target), target)
        except TranslatableError as error:
            raise DocumentError("The JSON-LD context {context} of {url} could not be loaded: "
                                "{reason}", context=redact(target), url=redact(url),
                                reason=error) from None
        context = loaded.get("@context", {}) if isinstance(loaded, dict) else {}
        cache[target] = resolve(context, target, depth + 1)
        return cache[target]

    def resolve(context: Any, base: str, depth: int) -> Any:
        if isinstance(context, str):
            return fetch_context(context, base, depth)
        if isinstance(context, list):
            return [resolve(item, base, depth) for item in context]
        if isinstance(context, dict):
            resolved = walk(context, base, depth)
            imported = resolved.pop("@import", None)
            if imported is not None:
                base_context = fetch_context(str(imported), base, depth)
                merged = dict(base_context) if isinstance(base_context, dict) else {}
                merged.update(resolved)
                resolved = merged
            return resolved
        return context

    def walk(node: Any, base: str, depth: int) -> Any:
        # Scoped contexts (JSON-LD 1.1) sit inside term definitions: every
        # "@context" anywhere is resolved.
        if isinstance(node, list):
            return [walk(item, base, depth) for item in node]
        if isinstance(node, dict):
            return {key: resolve(value, base, depth) if key == "@context"
                    else walk(value, base, depth) for key, value in node.items()}
        return node

    inlined = walk(document, url, 0)
    if _remote_reference(inlined):  # pragma: no cover - defence in depth
        raise DocumentError("{url} needs more than {count} JSON-LD contexts: refused",
                            url=redact(url), count=MAX_CONTEXTS)
    return inlined


def _remote_reference(node: Any) -> bool:
    """True when a string ``@context`` or ``@import`` is left anywhere."""
    if isinstance(node, list):
        return any(_remote_reference(item) for item in node)
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("@context", "@import") and (
                    isinstance(value, str)
                    or (isinstance(value, list) and any(isinstance(v, str) for v in value))):
                return True
            if _remote_reference(value):
                return True
    return False


def guess_rdf_format(content_type: str, url: str, data: bytes, configured: str | None = None) -> str:
    """The rdflib format of a catalogue page: the source's configured
    format, else its media type, else its address's extension, else its
    first character."""
    if configured:
        return configured
    by_type = {
        "application/rdf+xml": "xml", "application/xml": "xml", "text/xml": "xml",
        "text/turtle": "turtle", "application/x-turtle": "turtle",
        "application/n-triples": "nt", "text/n3": "n3",
        "application/ld+json": "json-ld", "application/json": "json-ld",
    }
    if content_type in by_type:
        return by_type[content_type]
    path = url.split("?", 1)[0].lower()
    for suffix, rdf_format in ((".ttl", "turtle"), (".rdf", "xml"), (".xml", "xml"),
                               (".jsonld", "json-ld"), (".json", "json-ld"), (".nt", "nt"),
                               (".n3", "n3")):
        if path.endswith(suffix):
            return rdf_format
    start = data.lstrip()[:1]
    if start == b"<":
        return "xml"
    if start in (b"{", b"["):
        return "json-ld"
    return "turtle"


def rdf_graph(graph: Any, data: bytes, rdf_format: str, url: str,
              load: Callable[[str], bytes]) -> None:
    """Parse ``data`` into the rdflib ``graph`` safely (see the module
    docstring); :class:`DocumentError` when it is malformed."""
    if rdf_format in ("xml", "pretty-xml", "trix"):
        parse_xml(data, url)  # refuses entity declarations first
        payload: Any = data
    elif rdf_format == "json-ld":
        document = inline_jsonld_contexts(parse_json(data, url), url, load)
        payload = json.dumps(document)
    else:
        payload = data
    try:
        graph.parse(data=payload, format=rdf_format, publicID=url)
    except DocumentError:
        raise
    except Exception as error:  # rdflib raises many kinds (SAX, BadSyntax, TypeError…)
        reason = re.sub(r"\s+", " ", str(error)).strip()[:300]
        raise DocumentError("{url} could not be read as RDF ({format}): {reason}",
                            url=redact(url), format=rdf_format, reason=reason) from None

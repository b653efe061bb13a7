"""The requests an ``amp_csw`` harvester sends to a CSW 2.0.2 catalogue,
and how it pages. Pure (no CKAN, no network).

A page is a ``GetRecords`` in key-value pairs (OGC 07-006r1, §10.8.4):
ISO 19139 records (``outputSchema=http://www.isotc211.org/2005/gmd``),
``ElementSetName=full``, ``resultType=results``, ``startPosition`` (from 1)
and ``maxRecords``; a constraint only when the source has one (CQL text,
or an OGC Filter when it starts with ``<``). The answer's
``csw:SearchResults`` says how many records match and where the next page
starts (``nextRecord``, 0 when there is none).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from lxml import etree

__all__ = ["DEFAULT_MAX_RECORDS", "GMD", "MAX_MAX_RECORDS", "SearchResults",
           "exception_text", "getrecordbyid_url", "getrecords_url", "next_position",
           "search_results", "start_of"]

CSW = "http://www.opengis.net/cat/csw/2.0.2"
GMD = "http://www.isotc211.org/2005/gmd"
OWS = "http://www.opengis.net/ows"
DEFAULT_MAX_RECORDS = 50
MAX_MAX_RECORDS = 500
#: The parameters of the operation, which the source's own query replaces.
_OURS = {"service", "version", "request", "typenames", "namespace", "resulttype",
         "elementsetname", "outputschema", "startposition", "maxrecords", "constraintlanguage",
         "constraint_language_version", "constraint", "id"}


def _endpoint(url: str) -> tuple[str, list[tuple[str, str]]]:
    """The service address and the query parameters of the source's address
    that are not ours (a ``map=`` or a token of the partner's server)."""
    parts = urlsplit(url.strip())
    kept = [(key, value) for key, value in parse_qsl(parts.query, keep_blank_values=True)
            if key.lower() not in _OURS]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", "")), kept


def getrecords_url(source_url: str, start: int, max_records: int,
                   constraint: str | None = None) -> str:
    """One page of ``GetRecords`` (``start`` counts from 1)."""
    base, kept = _endpoint(source_url)
    params = kept + [
        ("service", "CSW"), ("version", "2.0.2"), ("request", "GetRecords"),
        ("typeNames", "csw:Record"), ("namespace", f"xmlns(csw={CSW})"),
        ("resultType", "results"), ("elementSetName", "full"), ("outputSchema", GMD),
        ("startPosition", str(start)), ("maxRecords", str(max_records)),
    ]
    if constraint and constraint.strip():
        language = "FILTER" if constraint.lstrip().startswith("<") else "CQL_TEXT"
        params += [("constraintLanguage", language), ("constraint_language_version", "1.1.0"),
                   ("constraint", constraint.strip())]
    return f"{base}?{urlencode(params)}"


def getrecordbyid_url(source_url: str, identifier: str) -> str:
    """The address of one record in ISO 19139 on the catalogue."""
    base, kept = _endpoint(source_url)
    params = kept + [("service", "CSW"), ("version", "2.0.2"), ("request", "GetRecordById"),
                     ("id", identifier), ("outputSchema", GMD), ("elementSetName", "full")]
    return f"{base}?{urlencode(params)}"


def start_of(url: str) -> int:
    """The ``startPosition`` of a ``GetRecords`` address (1 when absent)."""
    for key, value in parse_qsl(urlsplit(url).query):
        if key.lower() == "startposition" and value.isdigit():
            return max(1, int(value))
    return 1


@dataclass(frozen=True)
class SearchResults:
    matched: int | None
    returned: int | None
    next_record: int | None


def _integer(value: Any) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() else None


def search_results(root: etree._Element) -> SearchResults | None:
    """The ``csw:SearchResults`` of a ``GetRecordsResponse``, or None when
    the document has none."""
    node = root if root.tag == f"{{{CSW}}}SearchResults" else root.find(f".//{{{CSW}}}SearchResults")
    if node is None:
        return None
    return SearchResults(_integer(node.get("numberOfRecordsMatched")),
                         _integer(node.get("numberOfRecordsReturned")),
                         _integer(node.get("nextRecord")))


def exception_text(root: etree._Element) -> str | None:
    """The text of an ``ows:ExceptionReport`` (None for another document)."""
    if etree.QName(root).localname != "ExceptionReport":
        return None
    texts = [" ".join(node.xpath("string()").split())
             for node in root.iter(f"{{{OWS}}}ExceptionText", "{*}ExceptionText")]
    codes = [node.get("exceptionCode") for node in root.iter("{*}Exception")
             if node.get("exceptionCode")]
    return "; ".join(filter(None, texts)) or ", ".join(codes) or "?"


def next_position(start: int, results: SearchResults, records: int) -> int | None:
    """Where the page after the one at ``start`` begins, or None when it
    was the last: ``nextRecord`` when the server gives it (0: no more),
    else ``start`` plus the records returned while some remain."""
    matched = results.matched
    if results.next_record is not None:
        following = results.next_record
        if following == 0 or (matched is not None and following > matched):
            return None
        return following
    returned = results.returned if results.returned is not None else records
    following = start + returned
    if returned <= 0 or (matched is not None and following > matched):
        return None
    return following

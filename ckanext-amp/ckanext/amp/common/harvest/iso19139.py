"""ISO 19139 metadata records (CSW geocatalogues) onto our schema (source
type ``amp_csw``). Pure: lxml and ckanext-spatial's ``harvested_metadata``
module, which imports no CKAN.

* :func:`iso_documents` splits a CSW ``GetRecordsResponse`` (or a single
  ``gmd:MD_Metadata`` document) into its records, parsed safely: no
  network, no DTD, no entity expansion (a hostile catalogue's XXE or entity
  bomb is refused as malformed XML, :class:`MalformedXML`).
* :func:`read_iso_values` gives the values ckanext-spatial's harvester
  extracts (``ISODocument(...).read_values()``) plus ``legal-constraints``:
  the texts and links of every ``MD_LegalConstraints`` (``useLimitation``,
  ``otherConstraints``, in ``gco:CharacterString`` or ``gmx:Anchor``),
  where French catalogues write their licence and ckanext-spatial does not
  look.
* :func:`iso19139_to_record` maps those values.
"""
from __future__ import annotations

import re
from typing import Any, Mapping

from lxml import etree

from ckanext.amp.common.harvest.builder import RecordBuilder
from ckanext.amp.common.harvest.records import MappedRecord
from ckanext.amp.common.harvest.spatial import read_spatial
from ckanext.amp.common.harvest.text import plain
from ckanext.amp.common.values import as_list

__all__ = ["MalformedXML", "iso19139_to_record", "iso_documents", "read_iso_values"]

NAMESPACES = {
    "gmd": "http://www.isotc211.org/2005/gmd",
    "gco": "http://www.isotc211.org/2005/gco",
    "gmx": "http://www.isotc211.org/2005/gmx",
    "srv": "http://www.isotc211.org/2005/srv",
    "xlink": "http://www.w3.org/1999/xlink",
    "csw": "http://www.opengis.net/cat/csw/2.0.2",
}
_MD = f"{{{NAMESPACES['gmd']}}}MD_Metadata"

#: ISO CI_RoleCode -> where the party goes (others: qualified_attribution).
_ROLE_FIELDS = {"pointOfContact": "contact", "publisher": "publisher", "author": "creator"}
#: ISO online-resource functions / protocols that are pages about the record,
#: not its data.
_METADATA_PAGES = ("GetRecordById", "catalog.search#/metadata", "/metadata/")


_LICENCE_HINT = re.compile(r"licen|odbl|creative|cc[- ]by|cc0|etalab|ouverte|open ?data commons|"
                           r"^https?://", re.IGNORECASE)


class MalformedXML(ValueError):
    """The document is not well-formed XML, or uses DTD/entities (refused)."""


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           dtd_validation=False, huge_tree=False, remove_blank_text=True)


def iso_documents(xml: bytes | str) -> list[etree._Element]:
    """The ``gmd:MD_Metadata`` elements of a CSW answer or ISO document."""
    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    if b"<!DOCTYPE" in data[:4096].upper() or b"<!ENTITY" in data.upper():
        raise MalformedXML("DTDs and entities are refused")
    try:
        root = etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as error:
        raise MalformedXML(str(error)) from None
    if root is None:
        raise MalformedXML("empty document")
    if root.tag == _MD:
        return [root]
    return list(root.iter(_MD))


def _texts(element: etree._Element, path: str) -> list[str]:
    return [plain(node) for node in element.xpath(path, namespaces=NAMESPACES) if plain(node)]


def read_iso_values(element: etree._Element) -> dict[str, Any]:
    """ckanext-spatial's ISO values for one record, plus ``legal-constraints``
    (a list of ``{"text", "href"}``)."""
    from ckanext.spatial.harvested_metadata import ISODocument

    values = ISODocument(xml_tree=element).read_values()
    constraints = []
    for block in element.xpath(".//gmd:resourceConstraints/gmd:MD_LegalConstraints",
                               namespaces=NAMESPACES):
        for node in block.xpath("gmd:useLimitation/*|gmd:otherConstraints/*",
                                namespaces=NAMESPACES):
            text = plain(node.xpath("string()"))
            href = plain(node.get(f"{{{NAMESPACES['xlink']}}}href"))
            if text or href:
                constraints.append({"text": text, "href": href})
    values["legal-constraints"] = constraints
    return values


def _licence_candidates(values: Mapping[str, Any]) -> list[Any]:
    """Licence candidates, links first: an Anchor's href names a licence more
    surely than its free text; access limitations (INSPIRE
    LimitationsOnPublicAccess) are not licences."""
    candidates: list[Any] = []
    for item in values.get("legal-constraints") or []:
        if not isinstance(item, Mapping):
            continue
        href = plain(item.get("href"))
        if href and "LimitationsOnPublicAccess" not in href:
            candidates.append(href)
        text = plain(item.get("text"))
        if text and "LimitationsOnPublicAccess" not in href:
            candidates.append(text)
    for key in ("use-constraints", "limitations-on-public-access"):
        candidates.extend(as_list(values.get(key), split_commas=False))
    # what names a licence is tried (and reported) first
    return sorted(candidates, key=lambda text: 0 if _LICENCE_HINT.search(plain(text)) else 1)


def iso19139_to_record(iso_values: dict[str, Any], catalogue_url: str | None = None) -> MappedRecord:
    """Map one record's ISO values (:func:`read_iso_values`, or ckanext-spatial's
    ``read_values()``). ``remote_id`` is the record's ``fileIdentifier``;
    ``remote_url`` its first online resource that is a page about it, else
    the catalogue's address."""
    if not isinstance(iso_values, Mapping):
        builder = RecordBuilder(None)
        builder.record.error("", "The record is not an ISO 19139 record")
        return builder.finish()
    values = iso_values
    locators = [item for item in as_list(values.get("resource-locator")) if isinstance(item, Mapping)]
    pages = [plain(item.get("url")) for item in locators
             if any(mark in plain(item.get("url")) for mark in _METADATA_PAGES)
             and "GetRecordById" not in plain(item.get("url"))]
    builder = RecordBuilder(values.get("guid"), pages[0] if pages else catalogue_url)
    builder.title(values.get("title"))
    builder.notes(values.get("abstract"))

    keywords = []
    for group in as_list(values.get("keywords")):
        if isinstance(group, Mapping):
            keywords.extend(as_list(group.get("keyword"), split_commas=False))
    keywords = keywords or as_list(values.get("keyword-inspire-theme"), split_commas=False)
    builder.keywords(keywords)
    builder.themes(as_list(values.get("topic-category"), split_commas=False))
    # INSPIRE themes sit among the keywords: those that map become themes too.
    from ckanext.amp.common.harvest.themes import read_themes

    mapped = read_themes(keywords).themes
    if mapped:
        builder.dataset["theme"] = list(dict.fromkeys(builder.dataset.get("theme", []) + mapped))

    builder.licence(*_licence_candidates(values))

    by_type: dict[str, list[Any]] = {}
    for item in as_list(values.get("dataset-reference-date")):
        if isinstance(item, Mapping):
            by_type.setdefault(plain(item.get("type")), []).append(item.get("value"))
    builder.date("issued", *by_type.get("publication", []), *by_type.get("creation", []))
    builder.date("modified", *by_type.get("revision", []), values.get("metadata-date"))
    begins = as_list(values.get("temporal-extent-begin"))
    ends = as_list(values.get("temporal-extent-end"))
    for index in range(max(len(begins), len(ends))):
        builder.temporal(begins[index] if index < len(begins) else None,
                         ends[index] if index < len(ends) else None)
    builder.frequency(values.get("frequency-of-update"))
    builder.languages(values.get("dataset-language") or values.get("metadata-language"))

    parties = as_list(values.get("responsible-organisation")) or \
        as_list(values.get("metadata-point-of-contact"))
    for party in parties:
        if not isinstance(party, Mapping):
            continue
        role = plain(party.get("role"))
        field = _ROLE_FIELDS.get(role)
        if field:
            builder.agents(field, party)
        elif role:
            builder.attribution(party, role)
    if not builder.dataset.get("contact"):
        builder.agents("contact", [p for p in as_list(values.get("metadata-point-of-contact"))
                                   if isinstance(p, Mapping)])

    builder.spatial(read_spatial(zones=as_list(values.get("extent-free-text"), split_commas=False)
                                 + as_list(values.get("extent-controlled"), split_commas=False),
                                 bboxes=[b for b in as_list(values.get("bbox")) if isinstance(b, Mapping)]))
    resolution = plain(values.get("spatial-resolution"))
    if resolution and plain(values.get("spatial-resolution-units")) in ("", "m", "metre", "meter"):
        builder.number("spatial_resolution_in_meters", resolution)
    builder.text("identifier", values.get("unique-resource-identifier") or values.get("guid"),
                 limit=500)
    builder.text("provenance", values.get("lineage"), multiline=True)
    formats = [plain(item.get("name")) for item in as_list(values.get("data-format"))
               if isinstance(item, Mapping) and plain(item.get("name"))]

    for item in locators:
        url = plain(item.get("url"))
        if not url or any(mark in url for mark in _METADATA_PAGES):
            continue
        protocol = plain(item.get("protocol"))
        fmt = protocol if protocol.upper().startswith("OGC:") else None
        builder.resource(url=url, name=item.get("name") or item.get("description") or url,
                         description=item.get("description"),
                         fmt=fmt or (formats[0] if len(formats) == 1 else None))
    return builder.finish()

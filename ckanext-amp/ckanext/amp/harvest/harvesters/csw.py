"""``amp_csw``: a CSW 2.0.2 geocatalogue, ``GetRecords`` in ISO 19139 paged
by ``startPosition``/``maxRecords`` (:mod:`ckanext.amp.common.harvest.csw`),
records read by ckanext-spatial's ISO parsing and mapped by
:func:`~ckanext.amp.common.harvest.iso19139.iso19139_to_record`, keyed on
their ``fileIdentifier``.

The answer is parsed by :func:`~ckanext.amp.common.harvest.documents.parse_xml`
(no network, no DTD, entity declarations refused) before anything reads it.
"""
from __future__ import annotations

import logging

from ckanext.amp.common.harvest import csw, documents
from ckanext.amp.common.harvest.fetch import Response, redact
from ckanext.amp.common.harvest.iso19139 import (
    MalformedXML, iso19139_to_record, iso_documents, read_iso_values)
from ckanext.amp.common.harvest.records import MappedRecord
from ckanext.amp.common.harvest.sources import ConfigError, SourceConfig
from ckanext.amp.common.harvest.text import plain
from ckanext.amp.harvest.harvesters.base import AmpHarvester, JobContext, Page

log = logging.getLogger(__name__)


class AmpCswHarvester(AmpHarvester):
    source_type = "amp_csw"
    title = "CSW ISO 19139 (convention, MData)"
    description = ("Géocatalogue CSW 2.0.2 (GetRecords en ISO 19139, par pages), sous une "
                   "convention ou de données ouvertes seulement.")
    type_config_keys = frozenset({"max_records", "constraint", "credential_header",
                                  "credential_prefix"})
    accept = "application/xml, text/xml;q=0.9, */*;q=0.1"

    def check_type_config(self, config: SourceConfig) -> None:
        size = config.extra.get("max_records", csw.DEFAULT_MAX_RECORDS)
        if isinstance(size, bool) or not isinstance(size, int) \
                or not 1 <= size <= csw.MAX_MAX_RECORDS:
            raise ConfigError("The option {key} must be between {minimum} and {maximum}",
                              key="max_records", minimum=1, maximum=csw.MAX_MAX_RECORDS)
        if "constraint" in config.extra and not isinstance(config.extra["constraint"], str):
            raise ConfigError("The option {key} must be a text", key="constraint")

    def _url(self, context: JobContext, start: int) -> str:
        extra = context.config.extra
        return csw.getrecords_url(context.source_url, start,
                                  int(extra.get("max_records", csw.DEFAULT_MAX_RECORDS)),
                                  extra.get("constraint"))

    def first_url(self, context: JobContext) -> str:
        return self._url(context, 1)

    def parse_page(self, context: JobContext, url: str, response: Response) -> Page:
        root = documents.parse_xml(response.content, url).getroot()
        problem = csw.exception_text(root)
        if problem is not None:
            raise documents.DocumentError("{url} answered a CSW exception: {reason}",
                                          url=redact(url), reason=problem[:500])
        results = csw.search_results(root)
        if results is None:
            raise documents.DocumentError(
                "{url} is not a CSW GetRecords answer (no csw:SearchResults)", url=redact(url))
        try:
            elements = iso_documents(response.content)
        except MalformedXML as error:
            log.warning("amp_csw: %s refused: %s", redact(url), error)
            raise documents.DocumentError(
                "{url} declares a DTD or XML entities, which are refused (external entities "
                "and entity expansion are a known attack)", url=redact(url)) from None
        records = [self._record(context, element) for element in elements]
        start = csw.start_of(url)
        following = csw.next_position(start, results, len(elements))
        return Page(records, self._url(context, following) if following else None)

    def _record(self, context: JobContext, element: object) -> MappedRecord:
        identifier = plain(element.findtext(  # type: ignore[attr-defined]
            f"{{{csw.GMD}}}fileIdentifier/{{http://www.isotc211.org/2005/gco}}CharacterString"))
        page = csw.getrecordbyid_url(context.source_url, identifier) if identifier \
            else context.source_url
        try:
            values = read_iso_values(element)  # type: ignore[arg-type]
        except Exception as error:  # noqa: BLE001 - ckanext-spatial raises many kinds
            log.warning("amp_csw: record %s unreadable: %s", identifier, error)
            record = MappedRecord(remote_id=identifier, dataset={"title": identifier},
                                  remote_url=page)
            record.error("", "The ISO 19139 record could not be read: {reason}",
                         reason=str(error)[:300])
            return record
        return iso19139_to_record(values, catalogue_url=page)

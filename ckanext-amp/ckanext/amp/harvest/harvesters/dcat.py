"""``amp_dcat``: DCAT-AP catalogues (RDF/XML, Turtle, JSON-LD), paged with
hydra, read by ckanext-dcat's parser with the ``amp_dcat_ap_fr`` profile.

The document goes through :mod:`ckanext.amp.common.harvest.documents`
before rdflib sees it (entity declarations refused, JSON-LD contexts loaded
through the fetch guard); a ``hydra:next`` that leads back to a page
already read is caught by the base class.
"""
from __future__ import annotations

from urllib.parse import urljoin


from ckanext.dcat.processors import RDFParser

from ckanext.amp.common.harvest import documents
from ckanext.amp.common.harvest.dcat import dcat_dataset_to_record
from ckanext.amp.common.harvest.fetch import Response
from ckanext.amp.common.harvest.sources import ConfigError, SourceConfig
from ckanext.amp.harvest.harvesters.base import AmpHarvester, JobContext, Page

PROFILES = ["amp_dcat_ap_fr"]
FORMATS = ("xml", "turtle", "json-ld", "nt", "n3")


class AmpDcatHarvester(AmpHarvester):
    source_type = "amp_dcat"
    title = "DCAT-AP (convention, MData)"
    description = ("Catalogue DCAT-AP (RDF/XML, Turtle, JSON-LD, pages hydra), sous une "
                   "convention ou de données ouvertes seulement.")
    type_config_keys = frozenset({"rdf_format", "credential_header", "credential_prefix"})
    accept = ("text/turtle, application/rdf+xml;q=0.9, application/ld+json;q=0.8, "
              "application/xml;q=0.5, */*;q=0.1")

    def check_type_config(self, config: SourceConfig) -> None:
        rdf_format = config.extra.get("rdf_format")
        if rdf_format is not None and rdf_format not in FORMATS:
            raise ConfigError("The option rdf_format must be one of: {choices}",
                              choices=", ".join(FORMATS))

    def parse_page(self, context: JobContext, url: str, response: Response) -> Page:
        parser = RDFParser(profiles=PROFILES)
        rdf_format = documents.guess_rdf_format(response.content_type, response.url,
                                                response.content,
                                                context.config.extra.get("rdf_format"))

        def load(context_url: str) -> bytes:
            return context.fetcher.get(context_url, accept="application/ld+json").content

        documents.rdf_graph(parser.g, response.content, rdf_format, response.url, load)
        records = [dcat_dataset_to_record(dataset, catalogue_url=response.url)
                   for dataset in parser.datasets()]
        next_url = parser.next_page()
        return Page(records, urljoin(response.url, next_url) if next_url else None)

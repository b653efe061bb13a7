"""amp_dcat on a paged DCAT catalogue made from demo.ckan.org's real
Turtle export: first harvest, paging, unchanged re-harvest, the formats."""
from __future__ import annotations

import pytest

from ckan import model
from ckanext.harvest.model import HarvestObject

import catalogues
import harvest_helpers as hh
from partner_server import CATALOGUES

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", hh.PLUGINS),
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index", "clean_queues"),
]


class PagedCatalogue:
    """``/catalog.ttl?page=N`` over some of the demo datasets."""

    def __init__(self, server, datasets, per_page=4):
        self.server = server
        self.datasets = list(datasets)
        self.per_page = per_page
        server.route("/catalog.ttl", self.answer)

    def pages(self):
        return max(1, -(-len(self.datasets) // self.per_page))

    def answer(self, handler):
        number = int(handler.query.get("page", ["1"])[0])
        chunk = self.datasets[(number - 1) * self.per_page:number * self.per_page]
        url = self.server.url(f"/catalog.ttl?page={number}")
        next_url = self.server.url(f"/catalog.ttl?page={number + 1}") \
            if number < self.pages() else None
        handler.answer(200, catalogues.page(chunk, url, next_url), "text/turtle")


@pytest.fixture
def allow(partner, ckan_config):
    ckan_config["ckanext.amp.harvest.allowed_hosts"] = partner.host


@pytest.fixture
def catalogue(partner, allow):
    return PagedCatalogue(partner, catalogues.demo_datasets()[:10])


def test_a_paged_catalogue_is_harvested_and_an_unchanged_one_skipped(catalogue, sysadmin,
                                                                      organization):
    source = hh.create_source(sysadmin, organization, catalogue.server.url("/catalog.ttl"),
                              open_data_only=True)
    job = hh.run_job(source["id"])
    assert hh.gather_errors(job["id"]) == []
    assert hh.object_errors(job["id"]) == []
    datasets = hh.harvested(source["id"])
    assert len(datasets) == 10
    assert len(catalogue.server.requests_to("/catalog.ttl")) == 3
    uri = catalogues.remote_id(catalogues.demo_datasets()[0])
    dataset = datasets[uri]
    assert dataset["license_id"] == "lov2" and dataset["diffusion"] == "public"
    assert dataset["canonical_url"] and dataset["harvest_source"] == "partenaire"

    modified = {k: v["metadata_modified"] for k, v in datasets.items()}
    job = hh.run_job(source["id"])
    summary = hh.summary(job["id"])
    assert summary["counts"]["unchanged"] == 10 and summary["planned"]["pages_skipped"] == 3
    assert {k: v["metadata_modified"] for k, v in hh.harvested(source["id"]).items()} == modified
    assert model.Session.query(HarvestObject).filter_by(harvest_job_id=job["id"]).count() == 0


@pytest.mark.parametrize("name,content_type", [
    ("ckanext-dcat_catalog.rdf", "application/rdf+xml"),
    ("udata_catalog.xml", "application/rdf+xml"),
    ("ckanext-dcat_catalog_with_at_graph.jsonld", "application/ld+json"),
    ("udata_flat.jsonld", "application/ld+json"),
    ("ckanext-dcat_dataset_multilingual.ttl", "text/turtle"),
])
def test_real_catalogues_in_every_format_are_read(partner, allow, sysadmin, organization, name,
                                                  content_type):
    """Real files as they are: their records are read; those our schema
    refuses (no licence, no description) are errors on their objects."""
    url = partner.serve_file("/" + name, CATALOGUES / "dcat" / name, content_type)
    source = hh.create_source(sysadmin, organization, url, open_data_only=True)
    job = hh.run_job(source["id"])
    assert hh.gather_errors(job["id"]) == []
    counts = hh.summary(job["id"])["counts"]
    assert counts["created"] + counts["failed"] >= 1
    for message in hh.object_errors(job["id"]):
        assert "Licence" in message or "licence" in message or "Valeur manquante" in message \
            or "refusé" in message, message

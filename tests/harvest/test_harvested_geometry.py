"""A harvested geometry is found on the map: the ``dct:spatial`` of a
partner's DCAT record becomes the dataset's ``spatial_coverage``, which
amp_schema hands to ckanext-spatial's search at index time, so that
``ext_bbox`` finds the dataset (and a box elsewhere does not)."""
from __future__ import annotations

import pytest
from rdflib import BNode, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF

from ckan.tests import helpers

import catalogues
import harvest_helpers as hh

LOCN = Namespace("http://www.w3.org/ns/locn#")
GSP = Namespace("http://www.opengis.net/ont/geosparql#")

#: Roughly the commune of Gardanne (Bouches-du-Rhône).
GARDANNE = "POLYGON((5.42 43.43, 5.51 43.43, 5.51 43.49, 5.42 43.49, 5.42 43.43))"

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", hh.PLUGINS + " spatial_metadata spatial_query"),
    pytest.mark.ckan_config("ckanext.spatial.search_backend", "solr-bbox"),
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index", "clean_queues"),
]


@pytest.fixture
def source(partner, ckan_config, sysadmin, organization):
    ckan_config["ckanext.amp.harvest.allowed_hosts"] = partner.host
    located, elsewhere = catalogues.demo_datasets()[:2]
    place = BNode()
    extra = [(located[0], DCTERMS.spatial, place), (place, RDF.type, DCTERMS.Location),
             (place, LOCN.geometry, Literal(GARDANNE, datatype=GSP.wktLiteral))]
    partner.serve("/catalog.ttl", catalogues.page([located, elsewhere], extra=extra),
                  "text/turtle")
    created = hh.create_source(sysadmin, organization, partner.url("/catalog.ttl"),
                               open_data_only=True)
    return created, catalogues.remote_id(located), catalogues.remote_id(elsewhere)


def _found(bbox: str, **params) -> set[str]:
    result = helpers.call_action("package_search", context={"ignore_auth": True},
                                 ext_bbox=bbox, include_private=True, **params)
    return {dataset["harvest_remote_id"] for dataset in result["results"]}


def test_a_harvested_geometry_is_found_by_a_box_around_it_and_only_there(source):
    created, located, elsewhere = source
    job = hh.run_job(created["id"])
    assert hh.gather_errors(job["id"]) == [] and hh.object_errors(job["id"]) == []
    datasets = hh.harvested(created["id"])
    assert set(datasets) == {located, elsewhere}
    coverage = datasets[located]["spatial_coverage"]
    assert coverage and "geom" in coverage[0]

    assert _found("5.3,43.3,5.6,43.6") == {located}     # around Gardanne
    assert _found("5.45,43.44,5.47,43.46") == {located}  # inside it
    assert _found("4.6,43.6,4.8,43.8") == set()          # Arles, elsewhere
    assert _found("5.3,43.3,5.6,43.6", q="title:zzz-absent") == set()

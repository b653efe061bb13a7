"""DCAT: a dataset under a convention says so in the catalogue
(``dct:rights`` = the convention's public summary at its stable URI, with
its terms in words; ``dct:conformsTo`` the standard its data item names)."""
from __future__ import annotations

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS

from ckan.tests import helpers

from conventions_helpers import PLUGINS, dataset

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", PLUGINS + " dcat amp_dcat"),
    pytest.mark.ckan_config("ckanext.dcat.rdf.profiles", "amp_dcat_ap_fr"),
    pytest.mark.usefixtures("with_plugins", "clean_index", "french"),
]

STANDARD = "https://schema.data.gouv.fr/etalab/schema-exemple/latest.json"
SUMMARY = URIRef("http://test.ckan.net/conventions/SYMCRAU-AMP-2025")


def dataset_graph(app, name) -> tuple[Graph, URIRef]:
    response = app.get(f"/dataset/{name}.ttl", status=200)
    graph = Graph().parse(data=response.body, format="turtle")
    (subject,) = set(graph.subjects(DCTERMS.rights, None)) or {None}
    return graph, subject


def test_a_dataset_under_a_convention_in_force_carries_its_rights(app, symcrau, sysadmin, orgs):
    symcrau["items"][0]["conforms_to"] = STANDARD
    helpers.call_action("amp_convention_update", context={"user": sysadmin["name"]}, **symcrau)
    dataset(orgs["metropole-aix-marseille-provence"], sysadmin,
            name="volumes-produits-captages-crau", convention="SYMCRAU-AMP-2025",
            metadata_visibility="public")
    graph, subject = dataset_graph(app, "volumes-produits-captages-crau")
    assert subject is not None
    assert (subject, DCTERMS.rights, SUMMARY) in graph
    assert (SUMMARY, RDF.type, DCTERMS.RightsStatement) in graph
    (label,) = list(graph.objects(SUMMARY, RDFS.label))
    assert label.language == "fr"
    assert "Données mises à disposition au titre de la convention SYMCRAU-AMP-2025" in label
    assert "acte d’engagement" in label
    assert (subject, DCTERMS.conformsTo, URIRef(STANDARD)) in graph


def test_no_rights_statement_for_a_convention_not_in_force(app, sysadmin, orgs, symcrau_data):
    symcrau_data.pop("date_notified")
    helpers.call_action("amp_convention_create", context={"user": sysadmin["name"]}, **symcrau_data)
    dataset(orgs["metropole-aix-marseille-provence"], sysadmin,
            name="volumes-produits-captages-crau", convention="SYMCRAU-AMP-2025",
            metadata_visibility="public")
    graph, subject = dataset_graph(app, "volumes-produits-captages-crau")
    assert subject is None
    assert not list(graph.triples((None, DCTERMS.rights, SUMMARY)))

"""Catalogues for the harvest tests, made from the real fixture files.

:func:`demo_datasets` reads the real DCAT Turtle export of demo.ckan.org
(``udata_ckan-demo-ckan-org_catalog.ttl``: 100 datasets written by
ckanext-dcat) and keeps, for each dataset, its own triples and those of
its distributions and blank nodes. Two things are added so that the
records fit a public dataset of our schema, as a partner that fixed its
catalogue would: an open licence (Licence Ouverte 2.0) where there is none,
a description where it is missing, and no landing page that is not a web
address (one record says "hello"). :func:`page` writes some of them as
one Turtle page of a hydra-paged catalogue.
"""
from __future__ import annotations

import functools
from typing import Iterable

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF

from partner_server import CATALOGUES

HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
ETALAB = URIRef("http://publications.europa.eu/resource/authority/licence/ETALAB_2_0")


def _description(graph: Graph, node: object, seen: set) -> Iterable[tuple]:
    """The triples of ``node`` and of the nodes only it leads to
    (distributions, contact points, blank nodes), never another dataset."""
    for triple in graph.triples((node, None, None)):
        yield triple
        target = triple[2]
        if isinstance(target, (URIRef, BNode)) and target not in seen \
                and (target, RDF.type, DCAT.Dataset) not in graph \
                and (target, RDF.type, DCAT.Catalog) not in graph \
                and triple[1] != DCTERMS.publisher:
            seen.add(target)
            yield from _description(graph, target, seen)


@functools.lru_cache(maxsize=1)
def demo_datasets() -> tuple[tuple[URIRef, tuple[tuple, ...]], ...]:
    graph = Graph()
    graph.parse(CATALOGUES / "dcat" / "udata_ckan-demo-ckan-org_catalog.ttl", format="turtle")
    out = []
    for dataset in sorted(graph.subjects(RDF.type, DCAT.Dataset), key=str):
        triples = [t for t in _description(graph, dataset, {dataset})
                   if not (t[1] in (DCAT.landingPage, FOAF.homepage)
                           and not str(t[2]).startswith(("http://", "https://")))]
        if (dataset, DCTERMS.license, None) not in graph:
            triples.append((dataset, DCTERMS.license, ETALAB))
        if (dataset, DCTERMS.description, None) not in graph:
            title = graph.value(dataset, DCTERMS.title)
            triples.append((dataset, DCTERMS.description,
                            Literal(f"{title} : jeu de données de démonstration.")))
        out.append((dataset, tuple(triples)))
    return tuple(out)


def page(datasets: Iterable[tuple[URIRef, tuple[tuple, ...]]], url: str | None = None,
         next_url: str | None = None, fmt: str = "turtle",
         extra: Iterable[tuple] = ()) -> bytes:
    """One catalogue page (with a hydra view linking to ``next_url``)."""
    graph = Graph()
    graph.bind("dcat", DCAT)
    graph.bind("dct", DCTERMS)
    graph.bind("hydra", HYDRA)
    catalog = URIRef("http://demo.ckan.org/catalog")
    graph.add((catalog, RDF.type, DCAT.Catalog))
    for dataset, triples in datasets:
        graph.add((catalog, DCAT.dataset, dataset))
        for triple in triples:
            graph.add(triple)
    for triple in extra:
        graph.add(triple)
    if url:
        view = URIRef(url)
        graph.add((view, RDF.type, HYDRA.PartialCollectionView))
        if next_url:
            graph.add((view, HYDRA.next, URIRef(next_url)))
    return graph.serialize(format=fmt).encode("utf-8")


def remote_id(entry: tuple[URIRef, tuple[tuple, ...]]) -> str:
    """The id the harvester keys a dataset on: its ``dct:identifier``, else its URI."""
    dataset, triples = entry
    for subject, predicate, value in triples:
        if subject == dataset and predicate == DCTERMS.identifier:
            return str(value)
    return str(dataset)

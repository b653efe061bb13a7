"""Unit tests of common/dcat_fragments.py: the pieces of stored DCAT
fragments make documents of every format (no CKAN)."""
from __future__ import annotations

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, XSD

from ckanext.amp.common import dcat_fragments


def test_fragment_pieces_make_documents_of_every_format():
    """Header + links + bodies give the union graph, whatever the format."""
    catalogue = URIRef("http://example.org/")
    header = Graph()
    header.add((catalogue, RDF.type, DCAT.Catalog))
    direct = Graph()
    direct += header
    pieces: dict[str, list[str]] = {fmt: [] for fmt in dcat_fragments.FORMATS}
    for number in range(3):
        graph = Graph()
        ref = URIRef(f"http://example.org/dataset/{number}")
        node = BNode()
        graph.add((ref, RDF.type, DCAT.Dataset))
        graph.add((ref, DCTERMS.title, Literal(f"Titre <{number}> & « é »", lang="fr")))
        graph.add((ref, URIRef("http://example.org/odd#term"), Literal(number)))
        graph.add((ref, DCTERMS.publisher, node))
        graph.add((node, FOAF.name, Literal('Nom "cité"\nsur deux lignes')))
        graph.add((ref, DCTERMS.issued, Literal("2024-01-01", datatype=XSD.date)))
        fragment = dcat_fragments.fragment_from_graph(graph, dcat_fragments.seed_of(str(ref)))
        direct += graph
        direct.add((catalogue, DCAT.dataset, ref))
        for fmt in pieces:
            pieces[fmt] += [dcat_fragments.link(str(catalogue), str(ref), fmt), fragment.body(fmt)]
    head = dcat_fragments.header_fragment(header)
    for fmt, (_, parser) in dcat_fragments.FORMATS.items():
        text = "".join(dcat_fragments.document(fmt, head, pieces[fmt]))
        assert isomorphic(Graph().parse(data=text, format=parser), direct), fmt
    assert dcat_fragments.etag_matches('W/"a", "b"', '"b"')
    assert not dcat_fragments.etag_matches('"a"', '"b"')


def test_a_body_never_remaps_a_header_prefix():
    graph = Graph()
    graph.bind("dct", "http://example.org/not-dublin-core/", override=True, replace=True)
    graph.add((URIRef("http://example.org/a"), URIRef("http://example.org/not-dublin-core/p"),
               Literal("x")))
    fragment = dcat_fragments.fragment_from_graph(graph)
    text = "".join(dcat_fragments.document("ttl", dcat_fragments.EMPTY, [fragment.ttl]))
    assert isomorphic(Graph().parse(data=text, format="turtle"), graph)
    assert "@prefix dct: <http://example.org" not in fragment.ttl


def test_empty_fragment_and_etags():
    assert dcat_fragments.EMPTY.digest == dcat_fragments.fragment_from_graph(Graph()).digest
    assert dcat_fragments.strong_etag("a", 1) != dcat_fragments.strong_etag("a", 2)
    assert dcat_fragments.etag_matches("*", dcat_fragments.strong_etag("x"))


def test_the_same_triples_give_the_same_fragment():
    """Blank nodes are labelled from what they hold: a reindex that changes
    nothing changes no ETag."""
    def graph() -> Graph:
        g = Graph()
        ref = URIRef("http://example.org/dataset/1")
        for name in ("a", "b"):
            node = BNode()
            g.add((ref, DCTERMS.publisher, node))
            g.add((node, FOAF.name, Literal(name)))
        return g

    first, second = (dcat_fragments.fragment_from_graph(graph(), "s1") for _ in range(2))
    assert first == second and first.digest == second.digest
    assert "_:s1b0" in first.nt

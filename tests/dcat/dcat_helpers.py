"""Shared helpers of the amp_dcat tests: fixtures folder and SHACL shapes."""
from __future__ import annotations

from pathlib import Path

import pytest

#: The fixtures folder beside the repository checkout (CI has it).
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SHACL = FIXTURES / "shacl"
LICENCES = Path(__file__).resolve().parents[2] / "licences" / "ckan-licences.json"
SCHEMA = Path(__file__).resolve().parent / "amp_test_schema.yaml"


def require_fixtures(*parts: str) -> Path:
    path = FIXTURES.joinpath(*parts)
    if not path.exists():
        pytest.fail(f"fixture file missing: {path} (tests/fixtures/)")
    return path
"""Which SHACL files validate the catalogue, and how (offline).

DCAT-AP 3.0.1: the consolidated ``dcat-ap-SHACL.ttl`` (cardinalities,
vocabulary constraints) + ``ranges.ttl`` (class/node-kind ranges); the split
files repeat them. HVD 3.0.0: ``hvd-SHACL.ttl`` (the official file).
Vocabulary constraints need the EU concept schemes as data: the project's
vocabulary files are turned into ``skos:Concept``s ``skos:inScheme`` their
scheme, so nothing is fetched.
"""

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS

from ckanext.amp.common.vocabularies import VOCABULARIES, load_vocabulary



def shapes(hvd: bool) -> Graph:
    graph = Graph()
    base = require_fixtures("shacl", "dcat-ap-3.0.1")
    graph.parse(base / "dcat-ap-SHACL.ttl")
    graph.parse(base / "ranges.ttl")
    if hvd:
        graph.parse(require_fixtures("shacl", "dcat-ap-hvd-3.0.0") / "hvd-SHACL.ttl")
    # ranges.ttl of 3.0.1 lists property shapes it never defines (e.g.
    # dcat:DatasetShape/4918ff7a...): pyshacl refuses such dangling shapes.
    SH = URIRef("http://www.w3.org/ns/shacl#")
    prop, path = URIRef(SH + "property"), URIRef(SH + "path")
    for shape, node in list(graph.subject_objects(prop)):
        if (node, path, None) not in graph:
            graph.remove((shape, prop, node))
    return graph


def vocabularies() -> Graph:
    graph = Graph()
    for name in VOCABULARIES:
        vocabulary = load_vocabulary(name)
        scheme = vocabulary.header.get("scheme")
        if not scheme:
            continue
        graph.add((URIRef(scheme), RDF.type, SKOS.ConceptScheme))
        graph.add((URIRef(scheme), DCTERMS.title,
                   Literal(vocabulary.header.get("title", {}).get("en", name), lang="en")))
        for entry in vocabulary:
            if entry.uri:
                graph.add((URIRef(entry.uri), RDF.type, SKOS.Concept))
                graph.add((URIRef(entry.uri), SKOS.inScheme, URIRef(scheme)))
                graph.add((URIRef(entry.uri), SKOS.prefLabel, Literal(entry.label("en"), lang="en")))
    return graph


def validate(data: Graph, hvd: bool, background: bool = True):
    """SHACL validation of ``data``; ``background``: with the EU concept
    schemes built from schemas/vocabularies as background data (without
    it, the catalogue must describe its concepts itself)."""
    import pyshacl

    full = Graph()
    for triple in data:
        full.add(triple)
    if background:
        for triple in vocabularies():
            full.add(triple)
    conforms, report_graph, text = pyshacl.validate(
        full, shacl_graph=shapes(hvd), inference="none", allow_warnings=True,
        advanced=True, abort_on_first=False)
    return conforms, report_graph, text


def violations(report_graph: Graph) -> list[str]:
    SH = "http://www.w3.org/ns/shacl#"
    out = []
    for result in report_graph.subjects(RDF.type, URIRef(SH + "ValidationResult")):
        severity = report_graph.value(result, URIRef(SH + "resultSeverity"))
        if severity == URIRef(SH + "Violation"):
            out.append(" | ".join(str(report_graph.value(result, URIRef(SH + p)))
                                  for p in ("focusNode", "resultPath", "resultMessage")))
    return sorted(out)


def hvd_datasets_only(graph: Graph) -> Graph:
    """A copy of ``graph`` without its non-HVD datasets and their
    distributions: the DCAT-AP HVD shapes target every dcat:Dataset and
    dcat:Distribution, but the HVD profile applies to HVD datasets only."""
    from ckanext.amp.common.dcat_mapping import DCATAP
    from rdflib.namespace import DCAT

    hvd = Graph()
    hvd += graph
    for subject in list(hvd.subjects(RDF.type, DCAT.Dataset)):
        if (subject, DCATAP.hvdCategory, None) not in hvd:
            for distribution in list(hvd.objects(subject, DCAT.distribution)):
                hvd.remove((distribution, None, None))
            hvd.remove((subject, None, None))
            hvd.remove((None, None, subject))
    return hvd


def roundtrip(dataset: dict, profiles: list | None = None) -> tuple[str, dict]:
    """Serialise ``dataset`` to Turtle with the configured profiles, parse it
    back (with ``profiles`` if given): the text and the one parsed dataset."""
    from ckanext.dcat.processors import RDFParser, RDFSerializer

    text = RDFSerializer().serialize_dataset(dataset, _format="turtle")
    parser = RDFParser(profiles=profiles) if profiles else RDFParser()
    parser.parse(text, _format="turtle")
    parsed = list(parser.datasets())
    assert len(parsed) == 1, text
    return text, parsed[0]

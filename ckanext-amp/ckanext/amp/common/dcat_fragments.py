"""Stored DCAT fragments and the documents assembled from them (pure).

A dataset's RDF is computed once, when the dataset is indexed, and kept as
a *fragment*: the same triples written four ways, each a piece that can be
pasted into a larger document of its format without parsing anything
again (docs/decisions/0013-dcat-fragments.md):

* ``nt``: N-Triples lines;
* ``ttl``: a Turtle body written with the prefixes of :data:`PREFIXES`
  (declared once by the document's header) and full IRIs for the rest;
* ``xml``: RDF/XML node elements (``rdf:Description``), namespaces of
  :data:`PREFIXES` declared by the document's root, any other one declared
  on the property element that uses it;
* ``jsonld``: expanded JSON-LD node objects, comma-separated, for the
  document's ``@graph``.

Blank nodes keep their (random, rdflib-minted) labels, so that two
fragments never share one. The documents are generators: a header, then
each dataset's link to the catalogue and its fragment, then a footer; their
memory does not grow with the catalogue.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Iterable, Iterator, Mapping
from xml.sax.saxutils import escape, quoteattr

from rdflib import BNode, Graph, Literal, URIRef

__all__ = [
    "FORMATS",
    "Fragment",
    "PREFIXES",
    "document",
    "fragment_from_graph",
    "header_fragment",
    "link",
    "strong_etag",
]

#: Prefixes every assembled document declares (ckanext-dcat's and ours).
PREFIXES: dict[str, str] = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "dcatap": "http://data.europa.eu/r5r/",
    "adms": "http://www.w3.org/ns/adms#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "schema": "http://schema.org/",
    "time": "http://www.w3.org/2006/time#",
    "locn": "http://www.w3.org/ns/locn#",
    "gsp": "http://www.opengis.net/ont/geosparql#",
    "spdx": "http://spdx.org/rdf/terms#",
    "prov": "http://www.w3.org/ns/prov#",
    "eli": "http://data.europa.eu/eli/ontology#",
    "odrl": "http://www.w3.org/ns/odrl/2/",
    "cnt": "http://www.w3.org/2011/content#",
    "hydra": "http://www.w3.org/ns/hydra/core#",
    "amp": "https://data.ampmetropole.fr/def/amp#",
}

#: Formats of a fragment: (media type, rdflib name of the parser that reads it).
FORMATS: dict[str, tuple[str, str]] = {
    "ttl": ("text/turtle", "turtle"),
    "nt": ("application/n-triples", "nt"),
    "xml": ("application/rdf+xml", "xml"),
    "jsonld": ("application/ld+json", "json-ld"),
}

DCAT_DATASET = "http://www.w3.org/ns/dcat#dataset"
RDF_NS = PREFIXES["rdf"]
_NAMESPACE_PREFIX = {namespace: prefix for prefix, namespace in PREFIXES.items()}
_NCNAME = re.compile(r"^[A-Za-z_][\w.-]*$")


@dataclass(frozen=True)
class Fragment:
    """The same triples in the four pieces (see the module's docstring)."""

    nt: str
    ttl: str
    xml: str
    jsonld: str

    @property
    def digest(self) -> str:
        """SHA-1 of the N-Triples: changes when and only when the triples'
        text does (the ETags are made of it)."""
        return hashlib.sha1(self.nt.encode("utf-8")).hexdigest()

    def body(self, fmt: str) -> str:
        return getattr(self, fmt)


def _bound(graph: Graph, seed: str) -> Graph:
    """A copy of ``graph`` whose only prefixes are :data:`PREFIXES` and
    whose blank nodes are labelled ``<seed>b<n>``, numbered in the order of
    what they hold: computing the same triples again gives the same text
    (hence the same digest and ETag), and two fragments of different seeds
    never share a blank node."""
    copy = Graph(bind_namespaces="none")
    for prefix, namespace in PREFIXES.items():
        copy.bind(prefix, namespace, override=True, replace=True)
    signatures: dict[BNode, list[str]] = {}
    for s, p, o in graph:
        if isinstance(s, BNode):
            signatures.setdefault(s, []).append(f"> {p} {'_' if isinstance(o, BNode) else o.n3()}")
        if isinstance(o, BNode):
            signatures.setdefault(o, []).append(f"< {'_' if isinstance(s, BNode) else s.n3()} {p}")
    order = sorted(signatures, key=lambda node: sorted(signatures[node]))
    labels = {node: BNode(f"{seed}b{number}") for number, node in enumerate(order)}
    for s, p, o in graph:
        copy.add((labels.get(s, s), p, labels.get(o, o)))
    return copy


# -- Turtle ------------------------------------------------------------------

_PN_LOCAL = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
RDF_TYPE = URIRef(RDF_NS + "type")


def _turtle_term(term: object) -> str:
    """A term in Turtle: a prefixed name when :data:`PREFIXES` has its
    namespace, else the full IRI; blank nodes by their label."""
    if isinstance(term, BNode):
        return f"_:{term}"
    if isinstance(term, URIRef):
        text = str(term)
        cut = max(text.rfind("#"), text.rfind("/")) + 1
        prefix = _NAMESPACE_PREFIX.get(text[:cut]) if cut else None
        if prefix and _PN_LOCAL.match(text[cut:]):
            return f"{prefix}:{text[cut:]}"
        return term.n3()
    assert isinstance(term, Literal)
    if term.datatype is not None and not term.language:
        return Literal(str(term)).n3() + "^^" + _turtle_term(URIRef(term.datatype))
    return term.n3()


def _turtle_body(graph: Graph) -> str:
    """The graph's Turtle, one subject after the other, with the prefixes
    of :data:`PREFIXES` only (the document's header declares them)."""
    lines = []
    for subject in sorted(set(graph.subjects()), key=lambda s: (isinstance(s, BNode), str(s))):
        by_predicate: dict[str, list[str]] = {}
        for predicate, obj in graph.predicate_objects(subject):
            name = "a" if predicate == RDF_TYPE else _turtle_term(predicate)
            by_predicate.setdefault(name, []).append(_turtle_term(obj))
        names = sorted(by_predicate, key=lambda name: (name != "a", name))
        statements = [f"{name} {' , '.join(sorted(by_predicate[name]))}" for name in names]
        lines.append(f"{_turtle_term(subject)} " + " ;\n    ".join(statements) + " .\n")
    return "".join(lines)


# -- RDF/XML -----------------------------------------------------------------

def _split(uri: str) -> tuple[str, str]:
    """Namespace and local name of a predicate or class for RDF/XML."""
    for position in range(len(uri) - 1, -1, -1):
        if uri[position] in "#/:":
            local = uri[position + 1:]
            if _NCNAME.match(local):
                return uri[:position + 1], local
            break
    raise ValueError(f"no RDF/XML name for <{uri}>")


def _node_id(node: BNode) -> str:
    text = str(node)
    return text if _NCNAME.match(text) else "b" + hashlib.sha1(text.encode()).hexdigest()


def _xml_element(uri: str) -> tuple[str, str]:
    """``(qualified name, namespace declaration)`` of a property element."""
    namespace, local = _split(uri)
    prefix = _NAMESPACE_PREFIX.get(namespace)
    if prefix:
        return f"{prefix}:{local}", ""
    return f"ns0:{local}", f" xmlns:ns0={quoteattr(namespace)}"


def _xml_body(graph: Graph) -> str:
    lines = []
    subjects = sorted(set(graph.subjects()), key=lambda s: (isinstance(s, BNode), str(s)))
    for subject in subjects:
        about = (f"rdf:nodeID={quoteattr(_node_id(subject))}" if isinstance(subject, BNode)
                 else f"rdf:about={quoteattr(str(subject))}")
        lines.append(f"  <rdf:Description {about}>")
        for predicate, obj in sorted(graph.predicate_objects(subject), key=lambda po: (str(po[0]), str(po[1]))):
            name, declaration = _xml_element(str(predicate))
            if isinstance(obj, URIRef):
                lines.append(f"    <{name}{declaration} rdf:resource={quoteattr(str(obj))}/>")
            elif isinstance(obj, BNode):
                lines.append(f"    <{name}{declaration} rdf:nodeID={quoteattr(_node_id(obj))}/>")
            else:
                attributes = declaration
                if obj.language:
                    attributes += f" xml:lang={quoteattr(obj.language)}"
                elif obj.datatype is not None:
                    attributes += f" rdf:datatype={quoteattr(str(obj.datatype))}"
                lines.append(f"    <{name}{attributes}>{escape(str(obj))}</{name}>")
        lines.append("  </rdf:Description>")
    return "\n".join(lines) + ("\n" if lines else "")


# -- JSON-LD -----------------------------------------------------------------

def _jsonld_term(term: object) -> dict[str, str]:
    if isinstance(term, BNode):
        return {"@id": f"_:{term}"}
    if isinstance(term, URIRef):
        return {"@id": str(term)}
    assert isinstance(term, Literal)
    value = {"@value": str(term)}
    if term.language:
        value["@language"] = term.language
    elif term.datatype is not None:
        value["@type"] = str(term.datatype)
    return value


def _jsonld_body(graph: Graph) -> str:
    """Expanded, flattened JSON-LD node objects, in a stable order."""
    nodes: dict[str, dict[str, list]] = {}
    for subject, predicate, obj in graph:
        node_id = _jsonld_term(subject)["@id"]
        node = nodes.setdefault(node_id, {})
        if predicate == RDF_TYPE and not isinstance(obj, Literal):
            node.setdefault("@type", []).append(_jsonld_term(obj)["@id"])
        else:
            node.setdefault(str(predicate), []).append(_jsonld_term(obj))
    pieces = []
    for node_id in sorted(nodes):
        node: dict[str, object] = {"@id": node_id}
        for key in sorted(nodes[node_id]):
            values = nodes[node_id][key]
            node[key] = sorted(values) if key == "@type" else sorted(
                values, key=lambda v: json.dumps(v, sort_keys=True))
        pieces.append(json.dumps(node, ensure_ascii=False, separators=(",", ":")))
    return ",\n".join(pieces)


# -- fragments -----------------------------------------------------------------

def fragment_from_graph(graph: Graph, seed: str = "n") -> Fragment:
    """The four pieces of ``graph`` (a dataset's triples, or a header's);
    ``seed`` (letters and digits) starts its blank nodes' labels: one per
    fragment (:func:`seed_of`)."""
    bound = _bound(graph, seed)
    nt = bound.serialize(format="nt")
    nt = "\n".join(sorted(line for line in nt.splitlines() if line.strip()))
    nt = nt + "\n" if nt else ""
    return Fragment(nt=nt, ttl=_turtle_body(bound),
                    xml=_xml_body(bound), jsonld=_jsonld_body(bound))


#: An empty fragment: what is stored for a record the catalogue does not list.
EMPTY = Fragment(nt="", ttl="", xml="", jsonld="")


def seed_of(key: str) -> str:
    """The blank-node seed of the fragment of ``key`` (a dataset's id)."""
    return "d" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:12]


def header_fragment(graph: Graph) -> Fragment:
    """A catalogue header (the ``dcat:Catalog``, hydra paging) as a fragment."""
    return fragment_from_graph(graph, seed="catalogue")


def link(catalogue_uri: str, dataset_uri: str, fmt: str) -> str:
    """``<catalogue> dcat:dataset <dataset>`` as a piece of ``fmt``."""
    catalogue, dataset = URIRef(catalogue_uri), URIRef(dataset_uri)
    if fmt in ("ttl", "nt"):
        return f"{catalogue.n3()} <{DCAT_DATASET}> {dataset.n3()} .\n"
    if fmt == "xml":
        return (f"  <rdf:Description rdf:about={quoteattr(catalogue_uri)}>"
                f"<dcat:dataset rdf:resource={quoteattr(dataset_uri)}/></rdf:Description>\n")
    return json.dumps({"@id": catalogue_uri, DCAT_DATASET: [{"@id": dataset_uri}]},
                      ensure_ascii=False, separators=(",", ":"))


def _turtle_prefixes() -> str:
    return "".join(f"@prefix {prefix}: <{namespace}> .\n" for prefix, namespace in PREFIXES.items())


def _xml_root() -> str:
    declarations = "".join(f"\n   xmlns:{prefix}={quoteattr(namespace)}"
                           for prefix, namespace in PREFIXES.items() if prefix != "xml")
    return f'<?xml version="1.0" encoding="utf-8"?>\n<rdf:RDF{declarations}>\n'


def document(fmt: str, header: Fragment, pieces: Iterable[str]) -> Iterator[str]:
    """A whole document of ``fmt``: ``header``, then ``pieces`` (the bodies
    of fragments and links of that format, in order), as text chunks."""
    if fmt == "ttl":
        yield _turtle_prefixes() + "\n" + header.ttl
        for piece in pieces:
            if piece:
                yield "\n" + piece
    elif fmt == "nt":
        yield header.nt
        for piece in pieces:
            yield piece
    elif fmt == "xml":
        yield _xml_root() + header.xml
        for piece in pieces:
            yield piece
        yield "</rdf:RDF>\n"
    elif fmt == "jsonld":
        yield '{"@graph":[\n' + header.jsonld
        first = not header.jsonld
        for piece in pieces:
            if not piece:
                continue
            yield piece if first else ",\n" + piece
            first = False
        yield "\n]}\n"
    else:
        raise ValueError(f"unknown fragment format {fmt!r}")


def strong_etag(*parts: object) -> str:
    """A quoted strong ETag over ``parts`` (their ``str``)."""
    digest = hashlib.sha1()
    for part in parts:
        digest.update(str(part).encode("utf-8"))
        digest.update(b"\x00")
    return f'"{digest.hexdigest()}"'


def etag_matches(header: str | None, etag: str) -> bool:
    """Whether an ``If-None-Match`` header value names ``etag`` (weak
    comparison, as RFC 9110 asks for If-None-Match)."""
    if not header:
        return False
    if header.strip() == "*":
        return True
    wanted = etag.removeprefix("W/")
    return any(candidate.strip().removeprefix("W/") == wanted for candidate in header.split(","))


def freshness_key(values: Mapping[str, object]) -> str:
    """A short digest of what every fragment depends on beyond its dataset
    (profile version, site URL, licence register...)."""
    return hashlib.sha1(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()[:16]

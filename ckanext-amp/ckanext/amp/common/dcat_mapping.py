"""DCAT-AP-FR mapping of the fields the bundle adds to DCAT-AP 3 (pure).

The ``amp_dcat_ap_fr`` RDF profile (``ckanext.amp.dcat.profiles``) lets
ckanext-dcat's DCAT-AP 3 profile serialise and parse the fields that have a
DCAT-AP name (title, notes, themes, dates, resources...) and hands the rest
to this module: a dataset dict <-> rdflib Graph mapping with no CKAN import,
so that it is unit-tested fast and reused by the CSV export. The zones'
INSEE geography is :mod:`ckanext.amp.common.zones`; the reshaping of the
form's agents into ckanext-dcat's is :mod:`ckanext.amp.common.agents`.

What it maps (docs/decisions/0004-dcat-ap-fr-profile.md gives the reasons):

=====================  ==========================================================
field                  RDF
=====================  ==========================================================
identifier             ``dct:identifier`` (always one: identifier, else uri, else id)
diffusion              ``amp:diffusion`` + derived ``dct:accessRights`` (EU access-right)
access_rights          derived from diffusion, never read from the dict
diffusion_basis        ``amp:diffusionBasis`` (+ ``amp:diffusionBasisNote``, free text)
convention             ``amp:convention``
metadata_visibility    ``amp:metadataVisibility``
obligation             ``amp:obligation`` (code of common/obligations.py)
spatial_granularity    ``amp:spatialGranularity`` (OpenDataFrance COUV_SPAT_MAILLE)
spatial_zones          ``dct:spatial <http://id.insee.fr/geo/...>`` (a ``dct:Location``
                       with its label and bbox) + one derived ``dct:Location``
                       with the union of the bboxes as ``dcat:bbox``
producer               ``amp:producer`` (OpenDataFrance PRODUCTEUR_NOM)
producer_siret         publisher's ``adms:identifier`` (``skos:notation`` typed
                       ``amp:SIRET``, agency INSEE)
hvd_category           ``dcatap:hvdCategory`` (+ ELI of reg. 2023/138 as
                       ``dcatap:applicableLegislation``)
applicable_legislation ``dcatap:applicableLegislation`` (``eli:LegalResource``)
source_portal          ``amp:sourcePortal``
canonical_url          ``amp:canonicalURL``
license_id             ``dct:license`` of the distributions that have none, a
                       ``dct:LicenseDocument`` titled from the licence register
qualified_attribution  ``prov:qualifiedAttribution`` (``prov:agent``,
                       ``dcat:hadRole``): ckanext-dcat writes ``dcat:`` terms
provenance_activity    ``prov:wasGeneratedBy``, ``prov:startedAtTime`` typed
                       by precision
=====================  ==========================================================

Non-public datasets (restricted records listed with ``metadata_visibility``
public, or a member's own view of an internal one) never expose a resource
URL: :func:`redact_distributions` removes ``dcat:downloadURL`` and points
``dcat:accessURL`` at the landing page.
"""
from __future__ import annotations

import re
from typing import Any, Iterable, Mapping

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, PROV, RDF, RDFS, SKOS, XSD

from ckanext.amp.common import diffusion
from ckanext.amp.common.values import as_list, stripped as _text
from ckanext.amp.common.vocabularies import load_vocabulary
from ckanext.amp.common.zones import bbox_wkt, point_wkt, zone_bbox, zone_id_from_uri, zone_uri

__all__ = [
    "ACCESS_RIGHTS",
    "ADMS",
    "AMP",
    "DCATAP",
    "ELI_HVD",
    "LOCN",
    "GSP",
    "access_right_for",
    "dataset_from_graph",
    "diffusion_for_access_right",
    "graph_from_dataset",
    "licence_uri",
    "listed_in_catalogue",
    "redact_distributions",
]

#: The bundle's own terms, for what DCAT-AP and its French uses have no name.
AMP = Namespace("https://data.ampmetropole.fr/def/amp#")
DCATAP = Namespace("http://data.europa.eu/r5r/")
ADMS = Namespace("http://www.w3.org/ns/adms#")
LOCN = Namespace("http://www.w3.org/ns/locn#")
GSP = Namespace("http://www.opengis.net/ont/geosparql#")
ELI = Namespace("http://data.europa.eu/eli/ontology#")

#: ELI of Commission Implementing Regulation (EU) 2023/138 (high-value datasets).
ELI_HVD = "http://data.europa.eu/eli/reg_impl/2023/138/oj"

#: access_rights is derived from diffusion (common/diffusion.py).
ACCESS_RIGHTS = {code: diffusion.access_right_uri(code) for code in diffusion.LEVELS}

#: Scalar fields carried by an ``amp:`` term (literal, or URI for the URLs).
AMP_LITERALS = {
    "diffusion": AMP.diffusion,
    "diffusion_basis": AMP.diffusionBasis,
    "diffusion_basis_note": AMP.diffusionBasisNote,
    "convention": AMP.convention,
    "metadata_visibility": AMP.metadataVisibility,
    # The publication obligation the steward flagged (common/obligations.py).
    "obligation": AMP.obligation,
    "spatial_granularity": AMP.spatialGranularity,
    # OpenDataFrance PRODUCTEUR_NOM; its SIRET is the publisher's adms:identifier.
    "producer": AMP.producer,
}
AMP_URLS = {
    "source_portal": AMP.sourcePortal,
    "canonical_url": AMP.canonicalURL,
}



# -- small helpers ------------------------------------------------------------

def _as_list(value: Any) -> list[str]:
    """A list field given as a list, a JSON list string or a single value."""
    return [str(item).strip() for item in as_list(value, split_commas=False)]

def _node(value: str) -> URIRef | Literal:
    text = value.strip()
    if text.startswith(("http://", "https://")) and " " not in text:
        return URIRef(text)
    return Literal(text)


def _value(graph: Graph, subject: Any, predicate: URIRef) -> str | None:
    for obj in graph.objects(subject, predicate):
        return str(obj)
    return None


# -- access rights ------------------------------------------------------------

access_right_for = diffusion.access_right_uri
diffusion_for_access_right = diffusion.level_for_access_right
listed_in_catalogue = diffusion.listed_in_catalogue


def _wkt(text: str) -> Literal:
    return Literal(text, datatype=GSP.wktLiteral)


# -- licence -------------------------------------------------------------------

def licence_uri(license_id: Any, license_url: Any = None) -> str | None:
    """URI of a dataset's licence: the EU licence vocabulary's when it knows
    the id (code, alias or URI), else the licence URL, else a URI id."""
    entry = load_vocabulary("licence").get(license_id)
    if entry is not None and entry.uri:
        return entry.uri
    for candidate in (license_url, license_id):
        text = _text(candidate)
        if text.startswith(("http://", "https://")):
            return text
    return None


# -- provenance -----------------------------------------------------------------

def normalise_qualified_attributions(graph: Graph, dataset_ref: Any) -> None:
    """Write qualified attributions as DCAT-AP 3 and PROV-O say
    (``prov:qualifiedAttribution`` → ``prov:Attribution`` with ``prov:agent``
    and ``dcat:hadRole``). ckanext-dcat 2.4 writes them with ``dcat:``
    terms that do not exist, and reads them back with ``prov:`` ones."""
    for attribution in list(graph.objects(dataset_ref, DCAT.qualifiedAttribution)):
        graph.remove((dataset_ref, DCAT.qualifiedAttribution, attribution))
        graph.add((dataset_ref, PROV.qualifiedAttribution, attribution))
        if (attribution, RDF.type, DCAT.Attribution) in graph:
            graph.remove((attribution, RDF.type, DCAT.Attribution))
            graph.add((attribution, RDF.type, PROV.Attribution))
        for agent in list(graph.objects(attribution, DCAT.agent)):
            graph.remove((attribution, DCAT.agent, agent))
            graph.add((attribution, PROV.agent, agent))


_DATE_TYPES = ((re.compile(r"^\d{4}$"), XSD.gYear),
               (re.compile(r"^\d{4}-\d{2}$"), XSD.gYearMonth),
               (re.compile(r"^\d{4}-\d{2}-\d{2}$"), XSD.date))


def typed_date(text: str) -> Literal:
    """An ISO 8601 year, month, day or date-time with the XSD type of its
    precision (a bare date typed ``xsd:dateTime`` is an invalid literal)."""
    for pattern, datatype in _DATE_TYPES:
        if pattern.match(text):
            return Literal(text, datatype=datatype)
    return Literal(text, datatype=XSD.dateTime)


def type_activity_dates(graph: Graph, dataset_ref: Any, activities: Any) -> None:
    """``prov:startedAtTime`` of the dataset's activities, typed by the
    precision the steward gave (read from the dataset: rdflib has already
    turned a bare date typed ``xsd:dateTime`` into a midnight date-time)."""
    nodes = list(graph.objects(dataset_ref, PROV.wasGeneratedBy))
    for activity in activities if isinstance(activities, list) else []:
        started = _text(activity.get("startedAtTime")) if isinstance(activity, dict) else ""
        if not started:
            continue
        uri, label = _text(activity.get("uri")), _text(activity.get("label"))
        for node in nodes:
            if (URIRef(uri) == node) if uri else (
                    isinstance(node, BNode) and _text(graph.value(node, RDFS.label)) == label):
                graph.set((node, PROV.startedAtTime, typed_date(started)))


# -- dict -> graph ----------------------------------------------------------------

def dataset_identifier(dataset: Mapping[str, Any], dataset_ref: Any = None) -> str:
    """The ``dct:identifier`` (data.gouv.fr's harvester keys on it)."""
    for candidate in (dataset.get("identifier"), dataset.get("uri")):
        if _text(candidate):
            return _text(candidate)
    if isinstance(dataset_ref, URIRef):
        return str(dataset_ref)
    return _text(dataset.get("id")) or _text(dataset.get("name"))


def graph_from_dataset(
    graph: Graph,
    dataset_ref: URIRef | BNode,
    dataset: Mapping[str, Any],
    *,
    publisher_name: str | None = None,
    landing_page: str | None = None,
    licence_titles: Mapping[str, str] | None = None,
) -> None:
    """Add the bundle's triples of ``dataset`` to ``graph`` (idempotent).

    ``licence_titles`` (language → title, from the portal's licence register)
    name the licence document: CKAN's stock DCAT harvester finds a licence in
    its own register by URI or by title, and knows no EU licence URI.

    Triples that ckanext-dcat may have written for the same fields
    (``dct:identifier``, ``dct:accessRights``) are replaced so that each has
    exactly one, derived value.
    """
    graph.bind("amp", AMP)
    graph.bind("dcatap", DCATAP)
    graph.bind("adms", ADMS)
    graph.bind("locn", LOCN)
    graph.bind("gsp", GSP)
    graph.bind("eli", ELI)

    # Identifier: exactly one.
    graph.remove((dataset_ref, DCTERMS.identifier, None))
    graph.add((dataset_ref, DCTERMS.identifier, Literal(dataset_identifier(dataset, dataset_ref))))

    # Access rights, derived from diffusion.
    access = access_right_for(dataset.get("diffusion"))
    if access:
        for old in list(graph.objects(dataset_ref, DCTERMS.accessRights)):
            graph.remove((dataset_ref, DCTERMS.accessRights, old))
            if isinstance(old, BNode):
                graph.remove((old, None, None))
        graph.add((dataset_ref, DCTERMS.accessRights, URIRef(access)))
        graph.add((URIRef(access), RDF.type, DCTERMS.RightsStatement))

    for key, predicate in AMP_LITERALS.items():
        value = _text(dataset.get(key))
        if value:
            graph.set((dataset_ref, predicate, Literal(value)))
    for key, predicate in AMP_URLS.items():
        value = _text(dataset.get(key))
        if value:
            graph.set((dataset_ref, predicate, _node(value)))

    # HVD: categories and the applicable legislation.
    categories = _as_list(dataset.get("hvd_category"))
    legislation = _as_list(dataset.get("applicable_legislation"))
    if categories and ELI_HVD not in legislation:
        legislation.append(ELI_HVD)
    for uri in categories:
        graph.add((dataset_ref, DCATAP.hvdCategory, _node(uri)))
    for uri in legislation:
        node = _node(uri)
        graph.add((dataset_ref, DCATAP.applicableLegislation, node))
        if isinstance(node, URIRef):
            graph.add((node, RDF.type, ELI.LegalResource))

    _add_zones(graph, dataset_ref, _as_list(dataset.get("spatial_zones")))
    _add_producer(graph, dataset_ref, dataset, publisher_name)
    _add_licence(graph, dataset_ref, dataset, licence_titles or {})

    normalise_formats(graph, dataset_ref)
    normalise_qualified_attributions(graph, dataset_ref)
    type_activity_dates(graph, dataset_ref, dataset.get("provenance_activity"))
    if diffusion.Audience.EVERYONE not in diffusion.data_audience(dataset):
        redact_distributions(graph, dataset_ref, landing_page or dataset.get("url") or None)
    _type_objects(graph, dataset_ref)
    describe_concepts(graph, dataset_ref)
    if categories:
        # HVD: every distribution carries the legislation too.
        for distribution in graph.objects(dataset_ref, DCAT.distribution):
            graph.add((distribution, DCATAP.applicableLegislation, URIRef(ELI_HVD)))



def add_convention(graph: Graph, dataset_ref: Any, uri: str, statement: str,
                   lang: str = "fr", conforms_to: Iterable[str] = ()) -> None:
    """A dataset under a convention: ``dct:rights`` is the convention's
    public summary (its stable URI, a ``dct:RightsStatement`` labelled with
    its terms in words), ``dct:conformsTo`` the standards its data item
    names (amp_conventions)."""
    node = URIRef(uri)
    graph.add((dataset_ref, DCTERMS.rights, node))
    graph.add((node, RDF.type, DCTERMS.RightsStatement))
    graph.set((node, RDFS.label, Literal(statement, lang=lang or None)))
    for standard in conforms_to:
        standard_node = URIRef(standard)
        graph.add((dataset_ref, DCTERMS.conformsTo, standard_node))
        graph.add((standard_node, RDF.type, DCTERMS.Standard))

def _add_zones(graph: Graph, dataset_ref: Any, zones: list[str]) -> None:
    if not zones:
        return
    vocabulary = load_vocabulary("zones")
    for zone in zones:
        uri = zone_uri(zone)
        if not uri:
            continue
        ref = URIRef(uri)
        graph.add((dataset_ref, DCTERMS.spatial, ref))
        graph.add((ref, RDF.type, DCTERMS.Location))
        entry = vocabulary.get(zone)
        if entry is not None:
            graph.set((ref, SKOS.prefLabel, Literal(entry.label("fr"), lang="fr")))
            if entry.get("bbox"):
                graph.set((ref, DCAT.bbox, _wkt(bbox_wkt(list(entry["bbox"])))))
            if entry.get("centroid"):
                x, y = entry["centroid"]
                graph.set((ref, DCAT.centroid, _wkt(point_wkt(x, y))))
    bbox = zone_bbox(zones)
    if bbox:
        location = BNode()
        graph.add((dataset_ref, DCTERMS.spatial, location))
        graph.add((location, RDF.type, DCTERMS.Location))
        # The union box as a dcat:bbox WKT literal only. No locn:geometry:
        # DCAT-AP 3 ranges it to a locn:Geometry node, and stock
        # ckanext-dcat 2.4.4's parser (regional CKAN harvesters) fails on a
        # node, dropping the whole catalogue (tests/dcat/test_interop_stock_ckan.py).
        graph.add((location, DCAT.bbox, _wkt(bbox_wkt(bbox))))


def _add_producer(graph: Graph, dataset_ref: Any, dataset: Mapping[str, Any],
                  publisher_name: str | None) -> None:
    siret = re.sub(r"\s+", "", _text(dataset.get("producer_siret")))
    if not siret:
        return
    publisher = next(iter(graph.objects(dataset_ref, DCTERMS.publisher)), None)
    if publisher is None:
        publisher = BNode()
        graph.add((dataset_ref, DCTERMS.publisher, publisher))
        graph.add((publisher, RDF.type, FOAF.Agent))
        graph.add((publisher, FOAF.name, Literal(publisher_name or f"SIRET {siret}")))
    identifier = BNode()
    graph.add((publisher, ADMS.identifier, identifier))
    graph.add((identifier, RDF.type, ADMS.Identifier))
    graph.add((identifier, SKOS.notation, Literal(siret, datatype=AMP.SIRET)))
    graph.add((identifier, ADMS.schemaAgency, Literal("INSEE")))


def _add_licence(graph: Graph, dataset_ref: Any, dataset: Mapping[str, Any],
                 titles: Mapping[str, str]) -> None:
    uri = licence_uri(dataset.get("license_id"), dataset.get("license_url"))
    if uri:
        licence: URIRef | BNode = URIRef(uri)
    elif titles and _text(dataset.get("license_id")) not in ("", "notspecified"):
        # A licence of the register with no URI of its own (« Autre (non
        # ouverte) », a convention's licence): named by its titles.
        licence = BNode()
    else:
        return
    for distribution in graph.objects(dataset_ref, DCAT.distribution):
        if (distribution, DCTERMS.license, None) not in graph:
            graph.add((distribution, DCTERMS.license, licence))
            graph.add((licence, RDF.type, DCTERMS.LicenseDocument))
    if (None, DCTERMS.license, licence) in graph:
        for language, title in titles.items():
            if _text(title):
                graph.add((licence, DCTERMS.title, Literal(_text(title), lang=language)))


#: Controlled-vocabulary properties of a dataset (and of its distributions)
#: and the vocabulary (schemas/vocabularies/) of their values.
CONCEPT_PROPERTIES = ((DCAT.theme, "data-theme"), (DCTERMS.accrualPeriodicity, "frequency"),
                      (DCTERMS.language, "language"), (DCTERMS.accessRights, "access-right"),
                      (DCATAP.hvdCategory, "hvd-category"))
DISTRIBUTION_CONCEPT_PROPERTIES = ((DCTERMS["format"], "file-type"),
                                   (DCTERMS.language, "language"))


def _describe_concept(graph: Graph, node: Any, vocabulary_name: str) -> None:
    """``node`` (a URI of ``vocabulary_name``) as a ``skos:Concept`` of its
    scheme with its labels, and the scheme as a titled ``skos:ConceptScheme``:
    a validator given the DCAT-AP shapes alone, without the EU vocabularies
    as background data, finds the classes it checks."""
    if not isinstance(node, URIRef):
        return
    vocabulary = load_vocabulary(vocabulary_name)
    entry = vocabulary.get(str(node))
    scheme = vocabulary.header.get("scheme")
    if entry is None or not scheme:
        return
    scheme_ref = URIRef(scheme)
    graph.add((node, RDF.type, SKOS.Concept))
    graph.add((node, SKOS.inScheme, scheme_ref))
    for language in ("fr", "en"):
        label = entry.labels.get(language)
        if label:
            graph.add((node, SKOS.prefLabel, Literal(label, lang=language)))
    graph.add((scheme_ref, RDF.type, SKOS.ConceptScheme))
    title = (vocabulary.header.get("title") or {}).get("en") or vocabulary_name
    graph.add((scheme_ref, DCTERMS.title, Literal(title, lang="en")))


def describe_concepts(graph: Graph, subject: Any,
                      properties: Iterable[tuple[URIRef, str]] = CONCEPT_PROPERTIES) -> None:
    """Describe the controlled-vocabulary values of ``subject`` (a dataset,
    with its distributions, or the catalogue) with :func:`_describe_concept`."""
    for predicate, name in properties:
        for node in list(graph.objects(subject, predicate)):
            _describe_concept(graph, node, name)
    if properties is CONCEPT_PROPERTIES:
        for distribution in list(graph.objects(subject, DCAT.distribution)):
            describe_concepts(graph, distribution, DISTRIBUTION_CONCEPT_PROPERTIES)


RDFS_RESOURCE = URIRef("http://www.w3.org/2000/01/rdf-schema#Resource")
VCARD_HAS_EMAIL = URIRef("http://www.w3.org/2006/vcard/ns#hasEmail")
VCARD_HAS_URL = URIRef("http://www.w3.org/2006/vcard/ns#hasURL")


def _type_objects(graph: Graph, dataset_ref: Any) -> None:
    """Explicit classes the DCAT-AP/HVD range shapes check (no inference)."""
    for distribution in graph.objects(dataset_ref, DCAT.distribution):
        for predicate in (DCAT.accessURL, DCAT.downloadURL):
            for url in graph.objects(distribution, predicate):
                if isinstance(url, URIRef):
                    graph.add((url, RDF.type, RDFS_RESOURCE))
        for standard in graph.objects(distribution, DCTERMS.conformsTo):
            if isinstance(standard, URIRef):
                graph.add((standard, RDF.type, DCTERMS.Standard))
        for licence in graph.objects(distribution, DCTERMS.license):
            if isinstance(licence, URIRef):
                graph.add((licence, RDF.type, DCTERMS.LicenseDocument))
    for contact in graph.objects(dataset_ref, DCAT.contactPoint):
        for predicate in (VCARD_HAS_EMAIL, VCARD_HAS_URL):
            for address in graph.objects(contact, predicate):
                if isinstance(address, URIRef):
                    graph.add((address, RDF.type, RDFS_RESOURCE))


IANA_MEDIA_TYPES = "https://www.iana.org/assignments/media-types/"
FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"


def normalise_formats(graph: Graph, dataset_ref: Any) -> None:
    """DCAT-AP 3 ranges: ``dct:format`` an EU file type (``dct:MediaTypeOrExtent``),
    ``dcat:mediaType`` an IANA media type URI (``dct:MediaType``)."""
    file_types = load_vocabulary("file-type")
    for distribution in graph.objects(dataset_ref, DCAT.distribution):
        for fmt in list(graph.objects(distribution, DCTERMS["format"])):
            if isinstance(fmt, Literal):
                graph.remove((distribution, DCTERMS["format"], fmt))
                entry = file_types.get(str(fmt).strip())
                if entry is not None and entry.uri:
                    graph.add((distribution, DCTERMS["format"], URIRef(entry.uri)))
                    graph.add((URIRef(entry.uri), RDF.type, DCTERMS.MediaTypeOrExtent))
                elif "/" in str(fmt) and (distribution, DCAT.mediaType, None) not in graph:
                    graph.add((distribution, DCAT.mediaType, fmt))
        for media in list(graph.objects(distribution, DCAT.mediaType)):
            if isinstance(media, Literal):
                graph.remove((distribution, DCAT.mediaType, media))
                text = str(media).strip()
                if re.fullmatch(r"[\w.+-]+/[\w.+-]+", text):
                    uri = URIRef(IANA_MEDIA_TYPES + text)
                    graph.add((distribution, DCAT.mediaType, uri))
                    graph.add((uri, RDF.type, DCTERMS.MediaType))


def resource_format_from_rdf(resource: dict[str, Any]) -> dict[str, Any]:
    """Inverse of :func:`normalise_formats` on a parsed resource dict."""
    for key in ("format", "mimetype"):
        value = resource.get(key)
        if isinstance(value, str) and value.startswith(FILE_TYPE):
            resource[key] = value[len(FILE_TYPE):]
        elif isinstance(value, str) and value.startswith(IANA_MEDIA_TYPES):
            resource[key] = value[len(IANA_MEDIA_TYPES):]
    return resource


def redact_distributions(graph: Graph, dataset_ref: Any, landing_page: str | None) -> None:
    """Remove every resource URL of a non-public dataset's distributions.

    ``dcat:accessURL`` (mandatory in DCAT-AP) becomes the landing page,
    where access is requested; ``dcat:downloadURL`` is dropped.
    """
    removed = set()
    for distribution in list(graph.objects(dataset_ref, DCAT.distribution)):
        for predicate in (DCAT.downloadURL, DCAT.accessURL):
            removed.update(graph.objects(distribution, predicate))
            graph.remove((distribution, predicate, None))
        for service in list(graph.objects(distribution, DCAT.accessService)):
            for predicate in (DCAT.endpointURL, DCAT.endpointDescription):
                removed.update(graph.objects(service, predicate))
                graph.remove((service, predicate, None))
        target = landing_page or (str(dataset_ref) if isinstance(dataset_ref, URIRef) else None)
        if target:
            graph.add((distribution, DCAT.accessURL, URIRef(target)))
    for url in removed:
        if (None, None, url) not in graph:
            graph.remove((url, None, None))


# -- graph -> dict ----------------------------------------------------------------

def _siret_of(graph: Graph, agent: Any) -> str | None:
    for identifier in graph.objects(agent, ADMS.identifier):
        for notation in graph.objects(identifier, SKOS.notation):
            text = re.sub(r"\s+", "", str(notation))
            typed = isinstance(notation, Literal) and notation.datatype == AMP.SIRET
            if typed or (len(text) == 14 and text.isdigit()):
                return text
        if isinstance(identifier, Literal):
            text = re.sub(r"\s+", "", str(identifier))
            if len(text) == 14 and text.isdigit():
                return text
    return None


def derived_location(graph: Graph, node: Any, zones_bbox: list[float] | None) -> bool:
    """Whether ``node`` is the union Location :func:`graph_from_dataset` adds."""
    if not isinstance(node, BNode) or not zones_bbox:
        return False
    expected = bbox_wkt(zones_bbox)
    boxes = {str(o) for o in graph.objects(node, DCAT.bbox)}
    return (boxes == {expected}
            and (node, SKOS.prefLabel, None) not in graph
            and (node, RDFS.label, None) not in graph)


SKOS_NOTATION = SKOS.notation


def dataset_from_graph(graph: Graph, dataset_ref: Any) -> dict[str, Any]:
    """The bundle's fields of the dataset ``dataset_ref`` (only those found).

    ``spatial_zones`` are the INSEE URIs among ``dct:spatial``; a harvested
    record without ``amp:diffusion`` gets its diffusion from
    ``dct:accessRights`` (NON_PUBLIC -> internal).
    """
    result: dict[str, Any] = {}
    identifier = _value(graph, dataset_ref, DCTERMS.identifier)
    if identifier:
        result["identifier"] = identifier
    for key, predicate in {**AMP_LITERALS, **AMP_URLS}.items():
        value = _value(graph, dataset_ref, predicate)
        if value:
            result[key] = value

    access = None
    for obj in graph.objects(dataset_ref, DCTERMS.accessRights):
        if isinstance(obj, URIRef):
            access = str(obj)
            break
    if access:
        result["access_rights"] = access
        if "diffusion" not in result and diffusion_for_access_right(access):
            result["diffusion"] = diffusion_for_access_right(access)
    if result.get("diffusion") in ACCESS_RIGHTS:
        result["access_rights"] = ACCESS_RIGHTS[result["diffusion"]]

    for key, predicate in (("hvd_category", DCATAP.hvdCategory),
                           ("applicable_legislation", DCATAP.applicableLegislation)):
        values = sorted(str(o) for o in graph.objects(dataset_ref, predicate))
        if values:
            result[key] = values

    zones = []
    for obj in graph.objects(dataset_ref, DCTERMS.spatial):
        zone = zone_id_from_uri(obj) if isinstance(obj, URIRef) else None
        if zone and zone not in zones:
            zones.append(zone)
    if zones:
        result["spatial_zones"] = sorted(zones)

    for publisher in graph.objects(dataset_ref, DCTERMS.publisher):
        siret = _siret_of(graph, publisher)
        if siret:
            result["producer_siret"] = siret
            break
    return result


def flatten_geometries(graph: Graph) -> None:
    """Before parsing: ``locn:geometry`` nodes (DCAT-AP 3 form, ours included)
    become their WKT/GeoJSON literal, which ckanext-dcat's parser expects (it
    fails on a node). A node without a literal geometry is dropped."""
    for subject, node in list(graph.subject_objects(LOCN.geometry)):
        if isinstance(node, Literal):
            continue
        graph.remove((subject, LOCN.geometry, node))
        for predicate in (GSP.asWKT, GSP.asGeoJSON, LOCN.geometry):
            literal = graph.value(node, predicate)
            if isinstance(literal, Literal):
                graph.add((subject, LOCN.geometry, literal))
                break


def other_spatial(graph: Graph, dataset_ref: Any) -> list[dict[str, str]]:
    """``dct:spatial`` values that are neither zones nor the derived Location,
    as ckanext-dcat ``spatial_coverage`` items (uri, text, geom, bbox, centroid)."""
    zones = [zone_id_from_uri(o) for o in graph.objects(dataset_ref, DCTERMS.spatial)
             if isinstance(o, URIRef) and zone_id_from_uri(o)]
    union = zone_bbox(zones)
    items = []
    for obj in graph.objects(dataset_ref, DCTERMS.spatial):
        if isinstance(obj, URIRef) and zone_id_from_uri(obj):
            continue
        if derived_location(graph, obj, union):
            continue
        item: dict[str, str] = {}
        if isinstance(obj, URIRef):
            item["uri"] = str(obj)
        if isinstance(obj, Literal):
            item["text"] = str(obj)
        label = _value(graph, obj, SKOS.prefLabel) or _value(graph, obj, RDFS.label)
        if label:
            item["text"] = label
        for key, predicate in (("geom", LOCN.geometry), ("bbox", DCAT.bbox),
                               ("centroid", DCAT.centroid)):
            value = _value(graph, obj, predicate)
            node = graph.value(obj, predicate)
            if isinstance(node, BNode):
                value = _value(graph, node, GSP.asWKT)
            if value:
                item[key] = value
        if item:
            items.append(item)
    return items


# -- catalogue ---------------------------------------------------------------------

def graph_from_catalog(graph: Graph, catalog_ref: Any, catalog: Mapping[str, Any],
                       site_title: str | None, site_url: str | None) -> None:
    """Complete the ``dcat:Catalog`` for DCAT-AP 3 (publisher, description)."""
    if (catalog_ref, DCTERMS.publisher, None) not in graph:
        name = _text(catalog.get("publisher_name")) or site_title or "MData"
        uri = _text(catalog.get("publisher_uri"))
        publisher = URIRef(uri) if uri else BNode()
        graph.add((catalog_ref, DCTERMS.publisher, publisher))
        graph.add((publisher, RDF.type, FOAF.Agent))
        graph.add((publisher, FOAF.name, Literal(name)))
        siret = _text(catalog.get("publisher_siret"))
        if siret:
            identifier = BNode()
            graph.add((publisher, ADMS.identifier, identifier))
            graph.add((identifier, RDF.type, ADMS.Identifier))
            graph.add((identifier, SKOS.notation, Literal(siret, datatype=AMP.SIRET)))
    languages = load_vocabulary("language")
    for lang in list(graph.objects(catalog_ref, DCTERMS.language)):
        if isinstance(lang, Literal):
            graph.remove((catalog_ref, DCTERMS.language, lang))
            entry = languages.get(str(lang).split("_")[0])
            if entry is not None and entry.uri:
                graph.add((catalog_ref, DCTERMS.language, URIRef(entry.uri)))
                graph.add((URIRef(entry.uri), RDF.type, DCTERMS.LinguisticSystem))
    for page in graph.objects(catalog_ref, FOAF.homepage):
        graph.add((page, RDF.type, FOAF.Document))
    describe_concepts(graph, catalog_ref, ((DCTERMS.language, "language"),))
    if (catalog_ref, DCTERMS.description, None) not in graph:
        graph.add((catalog_ref, DCTERMS.description, Literal(site_title or "MData")))

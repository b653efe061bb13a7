"""amp_dcat with real CKAN: the profile through ckanext-dcat's serializer and
parser, SHACL validation, the catalogue endpoints and the SCDL CSV export.

The amp_schema scheming schema did not exist when these tests were written:
they use tests/dcat/amp_test_schema.yaml (ckanext-dcat's dcat_ap_full + the
fields of docs/dataset-contract.md).
"""
from __future__ import annotations

import json

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF

from ckan.tests import factories, helpers
from ckanext.dcat.processors import RDFParser

from ckanext.amp.common import dcat_mapping as m

import dcat_helpers as h

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins",
                            "amp_search dcat dcat_json_interface amp_dcat scheming_datasets"),
    pytest.mark.ckan_config("ckanext.dcat.rdf.profiles", "amp_dcat_ap_fr"),
    pytest.mark.ckan_config("scheming.dataset_schemas", h.SCHEMA.as_uri()),
    pytest.mark.ckan_config("scheming.presets",
                            "ckanext.scheming:presets.json ckanext.dcat.schemas:presets.yaml"),
    pytest.mark.ckan_config("ckanext.amp.dcat.publisher_siret", "20005480700017"),
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index"),
]

ETALAB = "http://publications.europa.eu/resource/authority/licence/ETALAB_2_0"
THEME = "http://publications.europa.eu/resource/authority/data-theme/"
FREQ = "http://publications.europa.eu/resource/authority/frequency/"
HVD_GEO = "http://data.europa.eu/bna/c_ac64a52d"


@pytest.fixture
def org():
    return factories.Organization(name="metropole-amp", title="Métropole d'Aix-Marseille-Provence")


def demo(org, name, diffusion="public", **extra):
    fields = dict(
        name=name, title=f"Jeu {name}", notes=f"Description de {name}.", owner_org=org["id"],
        license_id=ETALAB, diffusion=diffusion, identifier=f"amp-{name}",
        theme=[THEME + "GOVE"], language=["http://publications.europa.eu/resource/authority/language/FRA"],
        frequency=FREQ + "ANNUAL", issued="2024-01-15", modified="2024-06-01",
        tags=[{"name": "budget"}], spatial_zones=["fr:epci:200054807", "fr:commune:13055"],
        producer_siret="20005480700017", spatial_granularity="commune",
        provenance="Données issues du système financier.",
        contact=[{"name": "Service open data", "email": "opendata@ampmetropole.fr"}],
        publisher=[{"name": "Métropole d'Aix-Marseille-Provence",
                    "uri": "http://test.ckan.net/organization/metropole-amp"}],
        temporal_coverage=[{"start": "2024-01-01", "end": "2024-12-31"}],
        resources=[{"url": f"https://files.example.org/{name}.csv", "name": "Données CSV",
                    "format": "CSV", "description": "Le fichier",
                    "conforms_to": ["https://schema.data.gouv.fr/schemas/scdl/budget/0.8.3/schema.json"]}],
    )
    if diffusion != "public":
        fields["diffusion_basis"] = "convention"
        fields["convention"] = "CONV-2024-01"
    fields.update(extra)
    return factories.Dataset(**fields)


# -- profile -------------------------------------------------------------------------

FIELDS = ("title", "notes", "license_id", "theme", "language", "frequency", "issued", "modified",
          "identifier", "diffusion", "diffusion_basis", "convention", "metadata_visibility",
          "spatial_granularity", "producer_siret", "source_portal", "canonical_url",
          "hvd_category", "applicable_legislation", "access_rights", "provenance")


@pytest.mark.parametrize("diffusion, extra", [
    ("public", {"hvd_category": [HVD_GEO], "applicable_legislation": [m.ELI_HVD],
                "source_portal": "https://www.datasud.fr",
                "canonical_url": "https://www.datasud.fr/dataset/x"}),
    ("restricted", {"metadata_visibility": "public"}),
    ("internal", {}),
])
def test_serialise_then_parse_gives_back_every_field(org, diffusion, extra):
    dataset = demo(org, f"rt-{diffusion}", diffusion, **extra)
    text, parsed = h.roundtrip(dataset)
    for key in FIELDS:
        if dataset.get(key) not in (None, "", []):
            got, want = parsed.get(key), dataset[key]
            if isinstance(want, list):
                got, want = sorted(got or []), sorted(want)
            if key in ("issued", "modified"):
                got, want = str(got)[:10], str(want)[:10]
            assert got == want, key
    assert parsed["spatial_zones"] == sorted(dataset["spatial_zones"])
    assert parsed["tags"] == [{"name": "budget"}]
    assert parsed["temporal_coverage"][0]["start"][:10] == "2024-01-01"
    assert "spatial_coverage" not in parsed
    assert parsed["publisher"][0]["name"] == "Métropole d'Aix-Marseille-Provence"
    assert parsed["contact"][0]["email"] == "opendata@ampmetropole.fr"
    (resource,) = parsed["resources"]
    assert resource["name"] == "Données CSV" and resource["format"] == "CSV"
    assert json.loads(resource["conforms_to"]) == dataset["resources"][0]["conforms_to"] \
        if isinstance(resource["conforms_to"], str) else resource["conforms_to"]
    if diffusion == "public":
        assert resource["url"] == "https://files.example.org/rt-public.csv"
    else:
        assert "files.example.org" not in text


@pytest.fixture
def licence_register():
    """CKAN caches its licence register on the Package class: rebuild it from
    the configuration of the test, and forget it afterwards."""
    from ckan import model
    from ckanext.amp.schema.schemas import forget_licence_register

    forget_licence_register()
    yield model.Package.get_license_register()
    forget_licence_register()


@pytest.mark.ckan_config("licenses_group_url", h.LICENCES.as_uri())
@pytest.mark.parametrize("licence", ["lov2", "odc-odbl", "cc-by"])
def test_stock_profile_with_our_register_finds_the_licence(org, licence_register, licence):
    """A French CKAN (DataSud) that uses our licence register gets the
    dataset's licence with ckanext-dcat's stock profile: by the licence
    document's title, since the register knows no EU licence URI."""
    assert licence in licence_register
    dataset = demo(org, f"licence-{licence}", license_id=licence)
    text, parsed = h.roundtrip(dataset, profiles=["euro_dcat_ap_3"])
    assert parsed["license_id"] == licence, text


# -- SHACL ----------------------------------------------------------------------------

def _catalogue_graph(app, path="/catalog.ttl"):
    response = app.get(path)
    assert response.status_code == 200, response.body
    return Graph().parse(data=response.body, format="turtle")


def test_catalogue_has_zero_shacl_violations(app, org):
    pytest.importorskip("pyshacl")
    demo(org, "budget-2024")
    demo(org, "adresses", hvd_category=[HVD_GEO, "http://data.europa.eu/bna/c_9427236f"],
         applicable_legislation=[m.ELI_HVD])
    demo(org, "voirie-restreinte", "restricted", metadata_visibility="public")
    demo(org, "minimal", resources=[], spatial_zones=[], tags=[], producer_siret="")
    graph = _catalogue_graph(app)
    assert len(list(graph.subjects(RDF.type, DCAT.Dataset))) == 4
    conforms, report, text = h.validate(graph, hvd=False)
    assert h.violations(report) == [], text
    hvd = h.hvd_datasets_only(graph)
    assert len(list(hvd.subjects(RDF.type, DCAT.Dataset))) == 1
    conforms, report, text = h.validate(hvd, hvd=True)
    assert h.violations(report) == [], text


def test_shacl_catches_a_broken_dataset(app, org):
    pytest.importorskip("pyshacl")
    demo(org, "budget-2024")
    graph = _catalogue_graph(app)
    for s in list(graph.subjects(RDF.type, DCAT.Dataset)):
        graph.remove((s, DCTERMS.title, None))
        graph.remove((s, DCTERMS.description, None))
    conforms, report, text = h.validate(graph, hvd=False)
    assert h.violations(report)


# -- catalogue endpoints ---------------------------------------------------------------

def _names(graph):
    return sorted(str(graph.value(s, DCTERMS.identifier)).removeprefix("amp-")
                  for s in graph.subjects(RDF.type, DCAT.Dataset))


def test_catalogue_lists_only_listable_records(app, org):
    demo(org, "public-1")
    demo(org, "restricted-listed", "restricted", metadata_visibility="public")
    demo(org, "restricted-parties", "restricted", metadata_visibility="parties")
    demo(org, "internal-1", "internal")
    demo(org, "personal-1", "personal")
    demo(org, "private-1", private=True)
    for path in ("/catalog.ttl", "/catalog.ttl?q=diffusion:internal&fq=diffusion:internal",
                 "/catalog.ttl?fq=-diffusion:public"):
        graph = _catalogue_graph(app, path)
        names = _names(graph)
        assert set(names) <= {"public-1", "restricted-listed"}, path
        assert "files.example.org/restricted-listed" not in graph.serialize(format="nt")
    assert _names(_catalogue_graph(app)) == ["public-1", "restricted-listed"]
    for fmt in ("rdf", "jsonld"):
        body = app.get(f"/catalog.{fmt}").body
        assert "public-1" in body and "internal-1" not in body and "private-1" not in body
    listing = app.get("/dcat.json").body
    assert "public-1" in listing and "personal-1" not in listing
    # A chosen profile cannot undo the redaction.
    graph = _catalogue_graph(app, "/catalog.ttl?profiles=euro_dcat_ap_2")
    assert "files.example.org/restricted-listed" not in graph.serialize(format="nt")


def test_catalogue_hydra_paging_and_modified_since(app, org):
    import datetime

    for i in range(5):
        demo(org, f"page-{i}")
    demo(org, "hidden", "internal")
    with helpers.changed_config("ckanext.dcat.datasets_per_page", 2):
        seen = []
        for page in (1, 2, 3):
            graph = _catalogue_graph(app, f"/catalog.ttl?page={page}")
            seen += _names(graph)
            hydra = URIRef("http://www.w3.org/ns/hydra/core#totalItems")
            assert [int(o) for o in graph.objects(None, hydra)] == [5]
        assert sorted(seen) == [f"page-{i}" for i in range(5)]
    future = (datetime.datetime.utcnow() + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S")
    assert _names(_catalogue_graph(app, f"/catalog.ttl?modified_since={future}")) == []
    past = "2000-01-01T00:00:00"
    assert len(_names(_catalogue_graph(app, f"/catalog.ttl?modified_since={past}"))) == 5


def test_dataset_rdf_of_a_hidden_record_is_404_for_outsiders(app, org):
    member = factories.User()
    helpers.call_action("organization_member_create", id=org["id"], username=member["name"],
                        role="member")
    demo(org, "internal-1", "internal")
    demo(org, "private-1", private=True)
    demo(org, "public-1")
    outsider = factories.User()
    assert app.get("/dataset/public-1.rdf").status_code == 200
    for name in ("internal-1", "private-1"):
        assert app.get(f"/dataset/{name}.ttl").status_code == 404
        response = app.get(f"/dataset/{name}.ttl",
                           headers={"Authorization": factories.APIToken(user=outsider["name"])["token"]})
        assert response.status_code == 404
    response = app.get("/dataset/internal-1.ttl",
                       headers={"Authorization": factories.APIToken(user=member["name"])["token"]})
    assert response.status_code == 200 and "amp-internal-1" in response.body


def test_catalogue_csv_export(app, org, tmp_path):
    frictionless = pytest.importorskip("frictionless")
    demo(org, "budget-2024")
    demo(org, "internal-1", "internal")
    response = app.get("/catalog.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    lines = response.body.splitlines()
    assert lines[0].startswith("COLL_NOM,COLL_SIRET,ID,TITRE")
    assert len(lines) == 2 and "amp-budget-2024" in lines[1] and "internal-1" not in response.body
    path = tmp_path / "catalogue.csv"
    path.write_text(response.body, encoding="utf-8")
    from ckanext.amp.common import scdl_catalogue

    with frictionless.system.use_context(trusted=True):
        report = frictionless.validate(str(path), schema=str(scdl_catalogue.schema_path()))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "note"])


# -- real catalogue exports --------------------------------------------------------------

@pytest.mark.parametrize("name, fmt", [
    ("udata_catalog.xml", "xml"), ("udata_udata.xml", "xml"), ("udata_geonetwork.xml", "xml"),
    ("udata_bnodes.xml", "xml"), ("udata_series.xml", "xml"),
    ("udata_ckan-demo-ckan-org_catalog.ttl", "turtle"), ("ckanext-dcat_catalog.rdf", "xml"),
    ("ckanext-dcat_dataset.rdf", "xml"), ("ckanext-dcat_dataset_gob_es.ttl", "turtle"),
    ("ckanext-dcat_dataset_gov_de.rdf", "xml"), ("ckanext-dcat_dataset_multilingual.ttl", "turtle"),
    ("udata_datara--5a26b0f6-0ccf-46ad-ac58-734054b91977.rdf.xml", "xml"),
    ("udata_flat.jsonld", "json-ld"), ("udata_paged-collection-1.jsonld", "json-ld"),
    ("ckanext-dcat_catalog_with_at_graph.jsonld", "json-ld"),
])
def test_real_exports_parse_without_crash(name, fmt):
    path = h.require_fixtures("catalogues", "dcat", name)
    parser = RDFParser()
    parser.parse(path.read_bytes(), _format=fmt)
    datasets = list(parser.datasets())
    assert datasets, name
    for dataset in datasets:
        assert dataset.get("title"), name


def test_udata_catalogue_fields_on_a_sample():
    path = h.require_fixtures("catalogues", "dcat", "udata_catalog.xml")
    graph = Graph().parse(path, format="xml")
    parser = RDFParser()
    parser.g = graph
    datasets = {d.get("identifier") or d.get("uri"): d for d in parser.datasets()}
    # Compare with the graph itself, dataset by dataset.
    for ref in graph.subjects(RDF.type, DCAT.Dataset):
        ident = str(graph.value(ref, DCTERMS.identifier) or ref)
        dataset = datasets[ident]
        assert dataset["title"] == str(graph.value(ref, DCTERMS.title))
        if graph.value(ref, DCTERMS.description):
            assert dataset["notes"] == str(graph.value(ref, DCTERMS.description))
        themes = sorted(str(o) for o in graph.objects(ref, DCAT.theme))
        if themes:
            assert sorted(dataset["theme"]) == themes
        keywords = sorted(str(o) for o in graph.objects(ref, DCAT.keyword))
        assert sorted(t["name"] for t in dataset["tags"]) == keywords
        distributions = list(graph.objects(ref, DCAT.distribution))
        assert len(dataset["resources"]) == len(distributions)
        if graph.value(ref, DCTERMS.accrualPeriodicity):
            assert dataset["frequency"] == str(graph.value(ref, DCTERMS.accrualPeriodicity))
        if graph.value(ref, DCTERMS.modified):
            assert dataset["modified"][:10] == str(graph.value(ref, DCTERMS.modified))[:10]

"""The catalogue assembled from stored fragments (docs/decisions/0013), with
real CKAN, the real schema and the demo data:

* every demo dataset's document and the catalogue pages, in every format,
  are isomorphic to what the profile computes directly (ckanext-dcat's
  actions, which amp_dcat leaves computing), and so are the generated
  variations of the schema's property test;
* ETag, Last-Modified and 304 on pages and dataset documents;
* the whole catalogue in one document streams, or is refused above the
  operator's limit;
* a fragment never holds what the diffusion rules withhold, and follows
  the dataset, its organisation and its removal.
"""
from __future__ import annotations

import copy
import re
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings, strategies as st
from rdflib import BNode, Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, FOAF, RDF

from ckan.tests import factories, helpers

from ckanext.amp.common import dcat_mapping as m
from ckanext.amp.dcat import fragments

import test_real_schema
from test_real_schema import _demo_names, _show, _variations

#: The same CKAN as test_real_schema's: the real schema, amp_dcat, the demo data.
pytestmark = test_real_schema.pytestmark

HYDRA_PAGED_COLLECTION = URIRef("http://www.w3.org/ns/hydra/core#PagedCollection")
#: Endpoint format -> rdflib parser.
FORMATS = {"ttl": "turtle", "rdf": "xml", "xml": "xml", "jsonld": "json-ld", "n3": "turtle"}


def _graph(text: str, fmt: str) -> Graph:
    return Graph().parse(data=text, format=FORMATS[fmt])


def _get(app, path: str, **headers: str):
    response = app.get(path, headers=headers)
    response.body  # read a streamed document to its end (its request ends there)
    assert response.status_code in (200, 304), (path, response.status_code, response.body[:500])
    return response


# The profile's graph, computed directly by ckanext-dcat's actions, is read
# from their Turtle: rdflib's RDF/XML writer (pretty-xml) loses a blank node
# that several subjects share (one licence document of several
# distributions), the assembled RDF/XML does not.

def _direct_catalogue(app, path: str, **params: Any) -> Graph:
    """The page as ckanext-dcat computes it (same request URL: same hydra links)."""
    with app.flask_app.test_request_context(path):
        text = helpers.call_action("dcat_catalog_show", format="ttl", **params)
    return _graph(text, "ttl")


def _direct_dataset(name: str) -> Graph:
    return _graph(helpers.call_action("dcat_dataset_show", id=name, format="ttl"), "ttl")


def _components(graph: Graph) -> tuple[set, dict[str, list[Graph]]]:
    """The ground triples of ``graph`` and its blank-node components (the
    triples linked through blank nodes), keyed by their shape."""
    parent: dict[BNode, BNode] = {}

    def find(node: BNode) -> BNode:
        while parent.setdefault(node, node) != node:
            node = parent[node]
        return node

    ground, linked = set(), []
    for triple in graph:
        nodes = [term for term in (triple[0], triple[2]) if isinstance(term, BNode)]
        if not nodes:
            ground.add(triple)
            continue
        linked.append((triple, nodes[0]))
        if len(nodes) == 2:
            parent[find(nodes[0])] = find(nodes[1])
    groups: dict[BNode, Graph] = {}
    for triple, node in linked:
        groups.setdefault(find(node), Graph()).add(triple)
    shapes: dict[str, list[Graph]] = {}
    for component in groups.values():
        shape = repr(sorted(" ".join("_" if isinstance(t, BNode) else t.n3() for t in triple)
                            for triple in component))
        shapes.setdefault(shape, []).append(component)
    return ground, shapes


def _differences(assembled: Graph, direct: Graph) -> str:
    """Empty when the graphs are isomorphic (rdflib), else what differs.

    A graph isomorphism maps blank nodes only: the graphs are isomorphic
    when their ground triples are equal and their blank-node components
    can be paired off, each with one isomorphic to it. Comparing the small
    components one by one is what keeps rdflib's isomorphism fast on a
    catalogue of many alike blank nodes (one licence, one publisher...)."""
    ground_a, shapes_a = _components(assembled)
    ground_d, shapes_d = _components(direct)
    problems = [f"only assembled: {t}" for t in sorted(ground_a - ground_d)][:20]
    problems += [f"only direct: {t}" for t in sorted(ground_d - ground_a)][:20]
    for shape in sorted(set(shapes_a) | set(shapes_d)):
        left, right = list(shapes_a.get(shape, [])), list(shapes_d.get(shape, []))
        for component in left:
            match = next((i for i, other in enumerate(right) if isomorphic(component, other)), None)
            if match is None:
                problems.append("only assembled: " + component.serialize(format="nt")[:500])
            else:
                right.pop(match)
        problems += ["only direct: " + c.serialize(format="nt")[:500] for c in right]
    return "\n".join(problems[:40])


def _listed(names: list[str]) -> list[str]:
    return [name for name in names if m.listed_in_catalogue(_show(name))]


def _check_public_view_only(names: list[str]) -> None:
    """Hidden records keep no triples, restricted ones no resource URL."""
    datasets = [_show(name) for name in names]
    rows = fragments.light_rows([d["id"] for d in datasets])
    everything = fragments.bodies([d["id"] for d in datasets], "nt")
    assert len(rows) == len(datasets), "every indexed dataset has a fragment"
    seen_restricted = seen_hidden = False
    for dataset in datasets:
        row, nt = rows[dataset["id"]], everything[dataset["id"]]
        if not m.listed_in_catalogue(dataset):
            seen_hidden = True
            assert not row["listed"] and nt == "", dataset["name"]
            continue
        assert row["listed"] and f"<{row['dataset_uri']}>" in nt, dataset["name"]
        if dataset.get("diffusion") != "public":
            seen_restricted = True
            for resource in dataset["resources"]:
                if resource.get("url"):
                    assert resource["url"] not in nt, (dataset["name"], resource["url"])
    assert seen_hidden and seen_restricted, "the demo data lost its non-public records"


# -- isomorphism ------------------------------------------------------------------------

def test_demo_documents_and_pages_are_the_profile_s_output(app):
    names = _demo_names()
    _check_public_view_only(names)
    listed = _listed(names)
    assert len(listed) >= 30
    for name in listed:
        direct = _direct_dataset(name)
        for fmt in ("ttl", "rdf", "jsonld"):
            response = _get(app, f"/dataset/{name}.{fmt}")
            assert response.headers["ETag"], name
            assembled = _graph(response.body, fmt)
            difference = _differences(assembled, direct)
            assert not difference, (name, fmt, difference)
    for fmt in ("ttl", "rdf", "xml", "jsonld", "n3"):
        assembled = _graph(_get(app, f"/catalog.{fmt}").body, fmt)
        assert len(list(assembled.subjects(RDF.type, DCAT.Dataset))) == len(listed)
        difference = _differences(assembled, _direct_catalogue(app, f"/catalog.{fmt}"))
        assert not difference, (fmt, difference)
    # The comparison sees a blank node's missing triple.
    broken = Graph()
    broken += assembled
    broken.remove(next((s, p, o) for s, p, o in assembled if isinstance(o, BNode)))
    assert _differences(broken, _direct_catalogue(app, "/catalog.n3"))
    with helpers.changed_config("ckanext.dcat.datasets_per_page", 7):
        path = "/catalog.ttl?page=2&q=eau"
        assembled = _graph(_get(app, path).body, "ttl")
        direct = _direct_catalogue(app, path, page=2, q="eau")
        assert isomorphic(assembled, direct)
    # A search and a filter of the caller's cannot widen the catalogue.
    for query in ("fq=diffusion:internal", "q=diffusion:personal"):
        graph = _graph(_get(app, f"/catalog.ttl?{query}").body, "ttl")
        assert not list(graph.subjects(RDF.type, DCAT.Dataset)), query


@settings(max_examples=5, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_generated_variations_are_assembled_as_the_profile_writes_them(app, data):
    listed = sorted(_listed(_demo_names()))
    name = data.draw(st.sampled_from(listed), label="demo dataset")
    variation = data.draw(_variations, label="variation")
    dataset = copy.deepcopy(_show(name))
    dataset.update(variation)
    helpers.call_action("package_update", context={"ignore_auth": True}, **dataset)
    for fmt in ("ttl", "rdf", "jsonld"):
        assembled = _graph(_get(app, f"/dataset/{name}.{fmt}").body, fmt)
        assert not _differences(assembled, _direct_dataset(name)), fmt


# -- conditional requests ----------------------------------------------------------------

@pytest.fixture
def org():
    return factories.Organization(name="metropole-amp", title="Métropole d'Aix-Marseille-Provence")


def _dataset(org, name: str, **extra: Any) -> dict[str, Any]:
    fields = dict(name=name, title=f"Jeu {name}", notes=f"Description de {name}.",
                  owner_org=org["id"], license_id="lov2", diffusion="public",
                  identifier=f"amp-{name}", spatial_granularity="communale",
                  applicable_legislation=[m.ELI_HVD], language=["FRA"],
                  resources=[{"url": f"https://files.example.org/{name}.csv", "name": "CSV",
                              "format": "CSV"}])
    fields.update(extra)
    return helpers.call_action("package_create", context={"ignore_auth": True,
                                                          "user": factories.Sysadmin()["name"]},
                               **fields)


def test_etag_last_modified_and_304(app, org):
    first = _dataset(org, "budget-2024")
    _dataset(org, "voirie")
    for path in ("/catalog.ttl", "/catalog.jsonld?page=1", "/dataset/budget-2024.ttl",
                 "/catalog.rdf?page=all"):
        response = _get(app, path)
        etag, modified = response.headers["ETag"], response.headers["Last-Modified"]
        assert etag.startswith('"') and modified.endswith("GMT"), path
        again = _get(app, path, **{"If-None-Match": etag})
        assert again.status_code == 304 and again.body == "" and again.headers["ETag"] == etag
        assert _get(app, path, **{"If-Modified-Since": modified}).status_code == 304, path
        assert _get(app, path, **{"If-None-Match": '"other"'}).status_code == 200, path
    page = _get(app, "/catalog.ttl").headers["ETag"]
    document = _get(app, "/dataset/budget-2024.ttl").headers["ETag"]
    helpers.call_action("package_patch", context={"ignore_auth": True}, id=first["id"],
                        title="Budget primitif 2024")
    assert _get(app, "/catalog.ttl", **{"If-None-Match": page}).status_code == 200
    response = _get(app, "/dataset/budget-2024.ttl", **{"If-None-Match": document})
    assert response.status_code == 200 and "Budget primitif 2024" in response.body
    # Another dataset's document keeps its ETag.
    other = _get(app, "/dataset/voirie.ttl")
    assert _get(app, "/dataset/voirie.ttl",
                **{"If-None-Match": other.headers["ETag"]}).status_code == 304


# -- the whole catalogue ------------------------------------------------------------------

def test_whole_catalogue_streams_or_is_refused_above_the_limit(app, org):
    for number in range(5):
        _dataset(org, f"jeu-{number}")
    _dataset(org, "interne", diffusion="internal", diffusion_basis="commercial_secret",
             license_id="amp-internal")
    with helpers.changed_config("ckanext.dcat.datasets_per_page", 2):
        response = _get(app, "/catalog.ttl?page=all")
        graph = _graph(response.body, "ttl")
        assert len(list(graph.subjects(RDF.type, DCAT.Dataset))) == 5
        assert not list(graph.subjects(RDF.type, HYDRA_PAGED_COLLECTION))
        with helpers.changed_config("ckanext.amp.dcat.whole_catalogue_max_datasets", 4):
            refused = app.get("/catalog.ttl?page=all")
            assert refused.status_code == 403
            assert "/catalog.ttl?page=1" in refused.body and "5" in refused.body
            assert _get(app, "/catalog.ttl?page=3").status_code == 200


# -- invalidation ---------------------------------------------------------------------------

def test_fragments_follow_the_dataset_its_organisation_and_its_removal(app, org):
    dataset = _dataset(org, "eau-potable")
    (row,) = fragments.light_rows([dataset["id"]]).values()
    assert row["listed"] and row["context_key"] == fragments.context_key()
    nt = fragments.bodies([dataset["id"]], "nt")[dataset["id"]]
    assert "files.example.org/eau-potable.csv" in nt

    # Private: the fragment is emptied at once.
    helpers.call_action("package_patch", context={"ignore_auth": True}, id=dataset["id"],
                        private=True)
    (row,) = fragments.light_rows([dataset["id"]]).values()
    assert not row["listed"] and fragments.bodies([dataset["id"]], "nt")[dataset["id"]] == ""
    helpers.call_action("package_patch", context={"ignore_auth": True}, id=dataset["id"],
                        private=False)

    # The organisation renamed: its fragments are stale, then computed again.
    helpers.call_action("organization_patch", context={"ignore_auth": True}, id=org["id"],
                        title="Métropole AMP")
    assert fragments.light_rows([dataset["id"]])[dataset["id"]]["stale"]
    graph = _graph(_get(app, "/catalog.ttl").body, "ttl")
    names = {str(o) for o in graph.objects(None, FOAF.name)}
    assert "Métropole AMP" in names
    assert not fragments.light_rows([dataset["id"]])[dataset["id"]]["stale"]

    # Deleted: gone from the table and from the catalogue.
    helpers.call_action("package_delete", context={"ignore_auth": True}, id=dataset["id"])
    assert fragments.light_rows([dataset["id"]]) == {}
    assert app.get("/dataset/eau-potable.ttl").status_code == 404


def test_a_missing_or_outdated_fragment_is_computed_when_needed(app, org):
    dataset = _dataset(org, "capteurs")
    fragments.forget([dataset["id"]])
    graph = _graph(_get(app, "/dataset/capteurs.ttl").body, "ttl")
    assert list(graph.subjects(RDF.type, DCAT.Dataset))
    assert fragments.light_rows([dataset["id"]])[dataset["id"]]["listed"]
    # Another profile version (or site URL, licence register...): stale.
    with helpers.changed_config("ckan.site_url", "http://autre.example.org"):
        key = fragments.context_key()
        assert fragments.light_rows([dataset["id"]])[dataset["id"]]["context_key"] != key
        text = _get(app, "/catalog.ttl").body
        assert "http://autre.example.org/dataset/" in text
        assert fragments.light_rows([dataset["id"]])[dataset["id"]]["context_key"] == key


def test_a_reindex_computes_only_the_fragments_whose_source_changed(app, org):
    import ckan.lib.search as search

    dataset = _dataset(org, "reindex-garde")
    package_id = dataset["id"]

    def row() -> dict[str, Any]:
        return fragments.light_rows([package_id])[package_id]

    first = row()
    assert first["source_digest"]
    search.rebuild(package_id)  # the same dataset, indexed again: left as it is
    assert row()["updated"] == first["updated"]
    assert row()["source_digest"] == first["source_digest"]

    # A row written before the digest existed: computed again, same digest.
    fragments._run(lambda connection: connection.execute(
        fragments.table.update().where(fragments.table.c.package_id == package_id)
        .values(source_digest=None)))
    search.rebuild(package_id)
    assert row()["updated"] > first["updated"]
    assert row()["source_digest"] == first["source_digest"]

    # Its organisation edited (stale), or another context: computed again.
    second = row()
    fragments.mark_organisation_stale(org["id"])
    search.rebuild(package_id)
    assert not row()["stale"] and row()["updated"] > second["updated"]
    third = row()
    with helpers.changed_config("ckan.site_url", "http://autre.example.org"):
        search.rebuild(package_id)
        assert row()["context_key"] == fragments.context_key() != third["context_key"]
        assert "http://autre.example.org/dataset/" in fragments.bodies([package_id],
                                                                       "ttl")[package_id]

    # The dataset changed: its public view did, and so does the fragment.
    helpers.call_action("package_patch", context={"ignore_auth": True}, id=package_id,
                        title="Un autre titre")
    assert "Un autre titre" in fragments.bodies([package_id], "nt")[package_id]
    assert row()["source_digest"] != first["source_digest"]


def test_the_fragments_command_brings_every_fragment_up_to_date_without_a_reindex(app, org):
    from click.testing import CliRunner

    from ckanext.amp.dcat import cli

    kept, missing, outdated = (_dataset(org, name)["id"] for name in ("garde", "manquant",
                                                                       "perime"))
    fragments.forget([missing])
    fragments.store([dict(fragments.row_for(helpers.call_action("package_show", id=kept)),
                          package_id="disparu-0000")])  # a dataset that is gone
    with helpers.changed_config("ckan.site_url", "http://autre.example.org"):
        key = fragments.context_key()
        fragments.store([fragments.row_for(helpers.call_action("package_show", id=outdated),
                                           key)])
        fragments.store([fragments.row_for(helpers.call_action("package_show", id=kept),
                                           key)])
    # ``outdated`` and ``kept`` now hold another site's key: both are stale here.
    with app.flask_app.test_request_context():
        result = CliRunner().invoke(cli.dcat, ["fragments", "--chunk", "2"])
    assert result.exit_code == 0, result.output
    # Removed: "disparu-0000", and rows earlier tests' datasets left (clean_db
    # drops CKAN's tables, not this one), as a purged dataset's would be.
    assert re.search(r"3 calculé\(s\), 0 déjà à jour, [1-9]\d* supprimé\(s\)",
                     result.output), result.output
    assert "3 / 3 jeux de données" in result.output
    stored = fragments._run(lambda connection: connection.execute(
        sa.select(fragments.table.c.package_id)).scalars().all())
    assert set(stored) == {kept, missing, outdated}
    rows = fragments.light_rows(stored)
    assert {row["context_key"] for row in rows.values()} == {fragments.context_key()}
    with app.flask_app.test_request_context():
        again = CliRunner().invoke(cli.dcat, ["fragments"])
        forced = CliRunner().invoke(cli.dcat, ["fragments", "--force"])
    assert "0 calculé(s), 3 déjà à jour, 0 supprimé(s)" in again.output, again.output
    assert "3 calculé(s), 0 déjà à jour" in forced.output, forced.output

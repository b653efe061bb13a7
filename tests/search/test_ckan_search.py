"""amp_search driven through real CKAN: actions, API and pages.

CKAN builds the index documents and the Solr parameters (permission labels
included); these tests check that what CKAN users see is right.
"""
from __future__ import annotations

import pytest

import ckan.lib.search as search
import ckan.model as model
from ckan.tests import factories, helpers

from ckanext.amp.search import validation
from ckanext.amp.search.compiler import QueryCompiler
from support.parsing import spy_on_parsers

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", "amp_search"),
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index"),
]


@pytest.fixture
def organization():
    return factories.Organization(name="metropole-amp")


def _names(result):
    return sorted(dataset["name"] for dataset in result["results"])


def test_created_dataset_is_found_with_or_without_accents(organization):
    factories.Dataset(name="deliberations-2023", title="Délibérations du conseil 2023",
                      notes="Actes adoptés en séance.", owner_org=organization["id"],
                      tags=[{"name": "délibérations"}])
    factories.Dataset(name="budget-2024", title="Budget primitif 2024", owner_org=organization["id"])
    for text in ("délibérations", "deliberation", "Délibération"):
        result = helpers.call_action("package_search", q=text)
        assert _names(result) == ["deliberations-2023"], text
    assert helpers.call_action("package_search", q="tags:délibérations")["count"] == 1
    assert helpers.call_action("package_search", q="")["count"] == 2


def test_private_datasets_never_reach_outsiders_in_results_counts_or_facets():
    owner = factories.User()
    outsider = factories.User()
    organization = factories.Organization(users=[{"name": owner["name"], "capacity": "editor"}])
    factories.Dataset(name="captages-crau", owner_org=organization["id"], private=True,
                      tags=[{"name": "eau"}], user=owner)
    factories.Dataset(name="eau-publique", owner_org=organization["id"], tags=[{"name": "eau"}])
    for user in (outsider, None):
        context = {"user": user["name"] if user else "", "ignore_auth": False}
        result = helpers.call_action("package_search", context=context, q="tags:eau",
                                     include_private=True, **{"facet.field": '["tags", "organization"]'})
        assert _names(result) == ["eau-publique"]
        assert result["count"] == 1
        assert result["facets"]["tags"] == {"eau": 1}
    member = helpers.call_action("package_search", context={"user": owner["name"]},
                                 q="tags:eau", include_private=True)
    assert _names(member) == ["captages-crau", "eau-publique"]


def test_portal_pages_work_without_solr(app):
    sysadmin = factories.Sysadmin()
    organization = helpers.call_action("organization_create", context={"user": sysadmin["name"]},
                                       name="region-sud", title="Région Sud")
    helpers.call_action("package_create", context={"user": sysadmin["name"]},
                        name="mobilite-velos", title="Comptages vélos", owner_org=organization["id"])
    assert app.get("/", status=200)
    page = app.get("/dataset/", status=200)
    assert "Comptages vélos" in page.body
    assert "Comptages vélos" in app.get("/dataset/?q=velos", status=200).body
    assert app.get("/organization/region-sud", status=200)


@pytest.mark.parametrize("params, status, message", [
    ({"q": "title:(unbalanced"}, 409,
     "Requête de recherche invalide : Parenthèse non équilibrée à la position 6"),
    ({"q": 'notes:"no end'}, 409,
     "Requête de recherche invalide : Expression entre guillemets non terminée"),
    ({"fq": "name:[a TO"}, 409, "Filtre de recherche invalide : Intervalle non terminé"),
    ({"q": "*:*", "sort": "title_string sideways"}, 400, "sort"),
])
def test_malformed_queries_get_a_readable_client_error(app, params, status, message):
    response = app.get("/api/3/action/package_search", params=params, status=status)
    error = response.json["error"]
    assert response.json["success"] is False
    text = str(error)
    assert message in text
    assert "Traceback" not in text and "psycopg2" not in text and "SELECT" not in text


def test_each_text_of_a_search_is_read_once(monkeypatch, organization):
    # Validation reads q and fq_list (before_dataset_search); the engine
    # compiles those very trees, and reads only the filters CKAN builds.
    factories.Dataset(name="budget-eau", title="Budget de l'eau", owner_org=organization["id"],
                      tags=[{"name": "eau"}])
    factories.Dataset(name="budget-air", title="Budget de l'air", owner_org=organization["id"])
    validated = []
    read_search_params = validation.read_search_params

    def validate(params):
        params = read_search_params(params)
        validated.extend([params["q"].reading.tree, params["fq_list"][0].reading.tree])
        return params

    compiled = []
    condition = QueryCompiler.condition

    def compile_condition(self, query, *args, **kwargs):
        compiled.append(query)
        return condition(self, query, *args, **kwargs)

    monkeypatch.setattr(validation, "read_search_params", validate)
    monkeypatch.setattr(QueryCompiler, "condition", compile_condition)
    parsed = spy_on_parsers(monkeypatch)
    result = helpers.call_action("package_search", q="title:budget", fq_list=["tags:eau"],
                                 fq="name:budget*")
    assert _names(result) == ["budget-eau"]
    assert parsed.count("title:budget") == 1 and parsed.count("tags:eau") == 1
    assert len(validated) == 2 and all(any(tree is seen for seen in compiled) for tree in validated)
    # The fq is read alone by validation, then within CKAN's +capacity:public filter.
    assert parsed.count("name:budget*") == 1
    assert any("+capacity:public name:budget*" in text for text in parsed)


@pytest.mark.parametrize("params, found", [
    ({"q": "'; DROP TABLE amp_search_document; --"}, 0),
    ({"q": "name:\"x') OR 1=1 --\""}, 0),
    ({"fq": "+organization:\"'; DELETE FROM package; --\""}, 0),
    ({"q": "*:*", "facet.field": '["tags\\"); DROP TABLE package; --"]'}, 1),
    ({"q": "*:*", "sort": "metadata_modified desc; DROP TABLE package"}, None),
])
def test_sql_metacharacters_in_search_parameters_are_inert(app, params, found, organization):
    factories.Dataset(name="survivor", owner_org=organization["id"])
    response = app.get("/api/3/action/package_search", params=params)
    if found is None:
        assert response.status_code in (400, 409)
    else:
        assert response.status_code == 200
        assert response.json["result"]["count"] == found
    assert helpers.call_action("package_search", q="name:survivor")["count"] == 1
    assert model.Session.query(model.Package).count() == 1


def test_search_index_rebuild_restores_the_index(organization):
    dataset = factories.Dataset(name="velos-comptages", title="Comptages vélos",
                                owner_org=organization["id"])
    search.clear_all()
    assert helpers.call_action("package_search", q="velos")["count"] == 0
    search.rebuild()
    result = helpers.call_action("package_search", q="vélos")
    assert [d["id"] for d in result["results"]] == [dataset["id"]]


def test_deleted_dataset_leaves_the_index(organization):
    dataset = factories.Dataset(name="ephemere", owner_org=organization["id"])
    assert helpers.call_action("package_search", q="name:ephemere")["count"] == 1
    helpers.call_action("package_delete", id=dataset["id"])
    assert helpers.call_action("package_search", q="name:ephemere")["count"] == 0
    # ckan.search.remove_deleted_packages (default true) drops it from the index.
    assert helpers.call_action("package_search", q="name:ephemere", include_deleted=True)["count"] == 0


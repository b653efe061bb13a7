"""The PostgreSQL engine against a real database, fed Solr documents and
Solr parameters shaped exactly as CKAN sends them (no CKAN needed here;
tests/search/test_ckan_search.py drives the same engine through CKAN)."""
from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa

from ckanext.amp.search import query_ast as ast
from ckanext.amp.search.engine import PostgresSearchEngine, SearchEngineError
from ckanext.amp.common.solr_schema import DocumentRejected, load_schema
from support.solr_documents import SITE, solr_document

CATALOGUE = [
    solr_document("deliberations-conseil-2023", "Délibérations du conseil métropolitain 2023",
                  "Les délibérations adoptées par le conseil de la Métropole Aix-Marseille-Provence.",
                  tags=("délibérations", "conseil"), modified_days_ago=3),
    solr_document("budget-primitif-2024", "Budget primitif 2024",
                  "Budget primitif voté, au format SCDL.", tags=("budget", "finances"),
                  # Two CSV resources: the dataset still counts once under CSV, as in Solr.
                  formats=("CSV", "JSON", "CSV"), modified_days_ago=10),
    solr_document("captages-crau-volumes", "Volumes prélevés aux captages de la Crau",
                  "Moyennes journalières de production des neuf captages, livrées chaque semestre.",
                  tags=("eau potable", "nappe de crau"), organization="symcrau",
                  private=True, labels=("member-symcrau",), modified_days_ago=30),
    solr_document("qualite-eau-crau", "Water quality of the Crau aquifer",
                  "Two sampling campaigns a year on ten sites.", tags=("eau potable",),
                  organization="symcrau", modified_days_ago=400),
    solr_document("capteurs-bruit", "Capteurs de bruit Smart Métropole",
                  "Mesures horaires des capteurs installés sur le mobilier urbain.",
                  tags=("capteurs",), organization=None, extras={"source": "smart-metropole"},
                  modified_days_ago=2, minx=5.30, maxx=5.45, miny=43.25, maxy=43.35, bbox_area=0.015),
]

PUBLIC = '+permission_labels:("public")'


@pytest.fixture(scope="module")
def engine(search_database: sa.engine.Engine) -> PostgresSearchEngine:
    search = PostgresSearchEngine(search_database, load_schema(), strict=True)
    search.add(CATALOGUE)
    return search


def names(response: dict[str, Any]) -> list[str]:
    return [doc["name"] for doc in response["response"]["docs"]]


def run(engine: PostgresSearchEngine, **params: Any) -> dict[str, Any]:
    params.setdefault("fl", "name")
    params.setdefault("rows", 100)
    return engine.search(params)


def test_match_all_counts_every_document(engine):
    assert run(engine, q="*:*")["response"]["numFound"] == len(CATALOGUE)


def test_free_text_folds_accents_and_stems_french(engine):
    for text in ("délibérations", "deliberations", "DELIBERATION", "délibération"):
        response = run(engine, q=text, defType="dismax", qf="name^4 title^4 tags^2 groups^2 text")
        assert names(response) == ["deliberations-conseil-2023"], text


def test_free_text_stems_english(engine):
    response = run(engine, q="campaign samples", defType="dismax", qf="text", mm="1")
    assert names(response) == ["qualite-eau-crau"]


def test_dismax_minimum_match_requires_all_of_two_words(engine):
    assert names(run(engine, q="budget primitif", defType="dismax", qf="text",
                     mm="2<-1 5<80%")) == ["budget-primitif-2024"]
    assert names(run(engine, q="budget crau", defType="dismax", qf="text", mm="2<-1 5<80%")) == []


def test_string_fields_match_exactly(engine):
    assert sorted(names(run(engine, q='tags:"eau potable"'))) == [
        "captages-crau-volumes", "qualite-eau-crau"]
    assert names(run(engine, q="tags:eau")) == []
    assert names(run(engine, q='tags:"Eau potable"')) == []


def test_boolean_operators_and_filters(engine):
    response = run(engine, q='organization:symcrau AND -capacity:private')
    assert names(response) == ["qualite-eau-crau"]
    response = run(engine, q="organization:symcrau OR tags:budget", fq="+capacity:public")
    assert sorted(names(response)) == ["budget-primitif-2024", "qualite-eau-crau"]
    response = run(engine, q="*:*", fq=["-organization:*"])
    assert names(response) == ["capteurs-bruit"]


def test_permission_labels_hide_documents_from_results_counts_and_facets(engine):
    response = run(engine, q='tags:"eau potable"', fq=[PUBLIC], facet="true",
                   **{"facet.field": ["organization", "tags"]})
    assert names(response) == ["qualite-eau-crau"]
    assert response["response"]["numFound"] == 1
    assert response["facet_counts"]["facet_fields"]["organization"] == ["symcrau", 1]
    member = run(engine, q='tags:"eau potable"',
                 fq=['+permission_labels:("public" OR "member-symcrau")'])
    assert member["response"]["numFound"] == 2


def test_facets_limit_mincount_and_sort(engine):
    response = run(engine, q="*:*", facet="true", **{
        "facet.field": ["res_format", "organization"], "facet.limit": 1, "facet.mincount": 1})
    facets = response["facet_counts"]["facet_fields"]
    assert facets["res_format"] == ["CSV", 5]
    assert facets["organization"] == ["metropole-amp", 2]
    # A dataset without organisation adds no empty bucket.
    everything = run(engine, q="*:*", facet="true", **{"facet.field": "organization"})
    assert None not in everything["facet_counts"]["facet_fields"]["organization"]
    by_index = run(engine, q="*:*", facet="true", **{
        "facet.field": "tags", "facet.sort": "index", "facet.limit": -1})
    tags = by_index["facet_counts"]["facet_fields"]["tags"][0::2]
    assert tags == sorted(tags)
    assert len(tags) == 7


def test_date_ranges_with_date_math(engine):
    recent = run(engine, q="metadata_modified:[NOW-7DAYS TO NOW]")
    assert sorted(names(recent)) == ["capteurs-bruit", "deliberations-conseil-2023"]
    old = run(engine, q="metadata_modified:{* TO NOW-1YEAR}")
    assert names(old) == ["qualite-eau-crau"]


def test_sorting(engine):
    by_date = names(run(engine, q="*:*", sort="metadata_modified desc"))
    assert by_date == ["capteurs-bruit", "deliberations-conseil-2023", "budget-primitif-2024",
                       "captages-crau-volumes", "qualite-eau-crau"]
    by_title = names(run(engine, q="*:*", sort="title_string asc"))
    assert by_title[0] == "budget-primitif-2024"
    with pytest.raises(SearchEngineError, match="Sort Order"):
        run(engine, q="*:*", sort="title_string sideways")
    with pytest.raises(SearchEngineError, match="multivalued"):
        run(engine, q="*:*", sort="tags asc")


def test_relevance_puts_title_matches_first(engine):
    response = run(engine, q="crau", defType="dismax", qf="name^4 title^4 tags^2 groups^2 text",
                   sort="score desc, metadata_modified desc", fl="name,score")
    docs = response["response"]["docs"]
    assert {doc["name"] for doc in docs} == {"captages-crau-volumes", "qualite-eau-crau"}
    assert docs[0]["score"] >= docs[1]["score"] > 0


def test_paging(engine):
    everything = names(run(engine, q="*:*", sort="name asc"))
    assert names(run(engine, q="*:*", sort="name asc", rows=2, start=2)) == everything[2:4]
    beyond = run(engine, q="*:*", rows=2, start=50)
    assert beyond["response"]["numFound"] == 5 and names(beyond) == []


def test_field_list_returns_stored_fields_only(engine):
    doc = run(engine, q="name:budget-primitif-2024", fl="*")["response"]["docs"][0]
    assert json.loads(doc["validated_data_dict"])["name"] == "budget-primitif-2024"
    assert "permission_labels" not in doc and "text" not in doc and "title_string" not in doc
    assert doc["tags"] == ["budget", "finances"]
    only = run(engine, q="name:budget-primitif-2024", fl="id validated_data_dict")
    assert set(only["response"]["docs"][0]) == {"id", "validated_data_dict"}


def test_wildcards(engine):
    assert sorted(names(run(engine, q="name:capt*"))) == ["captages-crau-volumes", "capteurs-bruit"]
    assert names(run(engine, q="title:délib*")) == ["deliberations-conseil-2023"]
    assert names(run(engine, q="extras_source:*")) == ["capteurs-bruit"]


def test_spatial_bbox_filter_from_ckanext_spatial(engine):
    # The exact parameters ckanext-spatial's solr-bbox backend sends for a
    # bounding box around Marseille.
    bf = ("div(mul(mul(max(0,sub(min(5.5,maxx),max(5.2,minx))),max(0,sub(min(43.4,maxy),"
          "max(43.2,miny)))),2),add(0.06,mul(sub(maxy,miny),sub(maxx,minx))))")
    response = run(engine, q="*:*", defType="edismax", bf=bf,
                   fq=["{!frange incl=false l=0 u=1}" + bf])
    assert names(response) == ["capteurs-bruit"]
    elsewhere = bf.replace("5.5", "2.5").replace("5.2", "2.2")
    assert names(run(engine, q="*:*", fq=["{!frange incl=false l=0 u=1}" + elsewhere])) == []


def test_unknown_field_finds_nothing_without_error(engine):
    assert run(engine, q="no_such_field:value")["response"]["numFound"] == 0


@pytest.mark.parametrize("hostile", [
    "'; DROP TABLE amp_search_document; --",
    'name:"x\'); DELETE FROM amp_search_document; --"',
    "title:\"' OR 1=1 --\"",
    "tags:%_%",
    "name\\:\\'x:y",
])
def test_sql_metacharacters_are_inert(engine, hostile):
    response = run(engine, q=hostile, defType="dismax" if ":" not in hostile else "lucene")
    assert response["response"]["numFound"] == 0
    assert run(engine, q="*:*")["response"]["numFound"] == len(CATALOGUE)


def test_hostile_field_names_and_sort_are_inert(engine):
    response = run(engine, q="x\\'y\\;z:1 OR name:budget-primitif-2024", fl="name")
    assert names(response) == ["budget-primitif-2024"]
    with pytest.raises(SearchEngineError):
        run(engine, q="*:*", sort="name; DROP TABLE amp_search_document asc")
    assert engine.count() == len(CATALOGUE)


@pytest.mark.parametrize("malformed", ["title:(foo", 'notes:"unterminated', "name:[a TO", "AND"])
def test_malformed_lucene_query_raises_syntax_error(engine, malformed):
    with pytest.raises(ast.QuerySyntaxError):
        run(engine, q=malformed)


def test_bad_numbers_are_refused(engine):
    with pytest.raises(SearchEngineError):
        run(engine, q="*:*", rows="ten")
    with pytest.raises(SearchEngineError):
        run(engine, q="*:*", start=-1)


def test_update_replaces_and_delete_by_ckan_query_removes(engine):
    changed = dict(CATALOGUE[1], title="Budget primitif 2024 (rectifié)")
    engine.add([changed])
    assert run(engine, q="*:*")["response"]["numFound"] == len(CATALOGUE)
    assert names(run(engine, q="rectifie", defType="dismax", qf="text")) == ["budget-primitif-2024"]
    query = ('+entity_type:package AND +(id:"%s" OR name:"%s") AND +site_id:"%s"'
             % (changed["id"], changed["id"], SITE))
    assert engine.delete(query=query) == 1
    assert run(engine, q="name:budget-primitif-2024")["response"]["numFound"] == 0
    engine.add([CATALOGUE[1]])


def test_strict_schema_refuses_what_stock_solr_refuses(search_database):
    strict = PostgresSearchEngine(search_database, load_schema(), strict=True)
    bad = solr_document("bad", "Bad", metadata_modified="yesterday")
    with pytest.raises(DocumentRejected, match="metadata_modified"):
        strict.add([bad])
    multi = solr_document("multi", "Multi", theme=["a", "b"])
    with pytest.raises(DocumentRejected, match="theme"):
        strict.add([multi])
    lenient = PostgresSearchEngine(search_database, load_schema(), strict=False)
    lenient.add([multi])
    assert lenient.search({"q": "name:multi", "fl": "name"})["response"]["numFound"] == 1
    lenient.delete(query="name:multi")

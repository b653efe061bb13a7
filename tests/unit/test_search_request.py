"""One reading of each Solr request (ckanext.amp.search.request): no CKAN, no database.

The parser table, the options CKAN sends ``q`` with, and the hand-over of a
reading from validation to the engine: the tree the engine compiles is the
object validation read, and a text is parsed once.
"""
from __future__ import annotations

import json

import pytest

from ckanext.amp.search import lucene, request
from ckanext.amp.search import query_ast as ast
from ckanext.amp.search.request import Parser, SearchRequest
from support.parsing import spy_on_parsers


@pytest.fixture
def parses(monkeypatch):
    return spy_on_parsers(monkeypatch)


@pytest.mark.parametrize("q, def_type, parser", [
    ("", None, Parser.MATCH_ALL),
    ("  ", "dismax", Parser.MATCH_ALL),
    ("*:*", "edismax", Parser.MATCH_ALL),
    ("*:*", "nonsense", Parser.MATCH_ALL),
    ("{!field f=spatial_geom}Intersects(ENVELOPE(5,6,44,43))", None, Parser.LOCAL),
    ("{!lucene q.op=AND}title:budget tags:eau", "dismax", Parser.LOCAL),
    ("title:budget", None, Parser.LUCENE),
    ("budget", "lucene", Parser.LUCENE),
    ("budget", "Lucene", Parser.LUCENE),
    ("budget", "dismax", Parser.DISMAX),
    ("budget", "DISMAX", Parser.DISMAX),
    ("title:budget", "edismax", Parser.EDISMAX),
])
def test_the_parser_of_q_is_chosen_from_the_text_and_deftype(q, def_type, parser):
    params = {"q": q} if def_type is None else {"q": q, "defType": def_type}
    reading = request.read_query(params)
    assert reading.parser is parser and reading.error is None


def test_an_unknown_deftype_is_a_syntax_error_of_q():
    reading = request.read_query({"q": "budget", "defType": "surround"})
    assert reading.parser is None
    assert reading.error.msgid == "Unsupported query parser '{parser}'"
    with pytest.raises(ast.QuerySyntaxError):
        SearchRequest.from_params({"q": "budget", "defType": "surround"})


@pytest.mark.parametrize("params, sent", [
    # No colon: dismax, CKAN's mm, q.op AND.
    ({"q": "budget"}, {"q": "budget", "defType": "dismax", "mm": request.CKAN_MM, "q.op": "AND"}),
    # A colon: a fielded search, left to Solr's default parser (lucene).
    ({"q": "title:budget"}, {"q": "title:budget", "q.op": "AND"}),
    # An empty q is everything.
    ({"q": ""}, {"q": "*:*", "q.op": "AND"}),
    ({"q": '""'}, {"q": "*:*", "q.op": "AND"}),
    ({}, {"q": "*:*", "q.op": "AND"}),
    # edismax always gets mm; the caller's mm and q.op are kept.
    ({"q": "title:budget", "defType": "edismax", "mm": "1", "q.op": "OR"},
     {"q": "title:budget", "defType": "edismax", "mm": "1", "q.op": "OR"}),
    # An explicit defType with a colon is sent as it is, without mm.
    ({"q": "title:budget", "defType": "dismax"},
     {"q": "title:budget", "defType": "dismax", "q.op": "AND"}),
    ({"q": "budget", "defType": "lucene"},
     {"q": "budget", "defType": "lucene", "mm": request.CKAN_MM, "q.op": "AND"}),
])
def test_validation_reads_q_with_the_options_ckan_will_send(params, sent):
    assert request.as_ckan_sends(params) == sent


@pytest.mark.parametrize("q, parser", [
    ("budget primitif", Parser.DISMAX),
    ("title:budget AND tags:eau", Parser.LUCENE),
    ("{!field f=name}budget-2024", Parser.LOCAL),
])
def test_the_engine_compiles_the_tree_validation_read(parses, q, parser):
    reading = request.read_query(request.as_ckan_sends({"q": q}))
    assert reading.parser is parser and parses == [q]
    # CKAN passes q on unchanged and adds its own options to it.
    solr_params = dict(request.as_ckan_sends({"q": q}), q=request.carry(q, reading),
                       qf="name^4 title^4 tags^2 groups^2 text", df="text")
    assert SearchRequest.from_params(solr_params).query is reading.tree
    assert parses == [q]


def test_a_carried_filter_is_not_parsed_again(parses):
    operator = ast.Occur.MUST
    read = request.read_filter("tags:eau OR tags:air", operator)
    carried = request.carry("tags:eau OR tags:air", read)
    solr_params = {"q": "*:*", "q.op": "AND",
                   "fq": ["+capacity:public  +state:(active)", carried, '+site_id:"default"']}
    built = SearchRequest.from_params(solr_params)
    assert built.filters[1] is read.tree
    # CKAN's own filters are plain texts: read by the engine, once each.
    assert parses == ["tags:eau OR tags:air", "+capacity:public  +state:(active)",
                      '+site_id:"default"']


def test_a_text_read_under_other_options_is_read_again(parses):
    # ckanext-spatial's solr-bbox backend switches to edismax after validation.
    carried = request.carry("budget crau", request.read_query(
        {"q": "budget crau", "defType": "dismax", "mm": "1"}))
    built = SearchRequest.from_params({"q": carried, "defType": "edismax", "mm": "1"})
    assert built.query == lucene.parse_edismax("budget crau", "1")
    assert built.query is not carried.reading.tree
    # Another q.op is another reading too.
    lucene_reading = request.read_query({"q": "a:b c:d", "q.op": "AND"})
    again = SearchRequest.from_params({"q": request.carry("a:b c:d", lucene_reading)})
    assert again.query != lucene_reading.tree


def test_a_carried_syntax_error_is_raised_by_the_engine_without_parsing_again(parses):
    reading = request.read_query({"q": "title:(budget", "defType": "edismax", "mm": "bad"})
    assert reading.error is not None
    with pytest.raises(ast.QuerySyntaxError) as raised:
        SearchRequest.from_params({"q": request.carry("title:(budget", reading),
                                   "defType": "edismax", "mm": "bad"})
    assert raised.value is reading.error and parses == ["title:(budget"]


def test_a_carried_text_is_still_the_text():
    text = request.carry(" title:budget ", request.read_query({"q": "title:budget"}))
    assert text == " title:budget " and ":" in text and text.strip() == "title:budget"
    assert json.dumps({"q": text}) == '{"q": " title:budget "}'
    assert type(text + " +state:active") is str  # a rebuilt text carries nothing


def test_the_request_reads_the_rest_as_before():
    built = SearchRequest.from_params({
        "q": "budget", "defType": "dismax", "qf": "name^4 text", "fq": ["", "tags:eau"],
        "bf": "div(1,2)", "rows": ["5", "7"], "start": "3", "fl": "id name, score",
        "facet": "true", "facet.field": ["tags", "tags", "res_format"], "facet.sort": "index"})
    assert built.default_fields == (("name", 4.0), ("text", 1.0))
    assert built.filters == (ast.Term("tags", "eau"),)
    assert built.rows == 7 and built.start == 3
    assert built.field_list == ("id", "name", "score")
    assert built.facet_fields == ("tags", "res_format") and not built.facet_sort_by_count
    lucene_request = SearchRequest.from_params({"q": "title:budget", "df": "notes"})
    assert lucene_request.default_fields == (("notes", 1.0),)
    with pytest.raises(request.SearchEngineError, match="rows"):
        SearchRequest.from_params({"q": "*:*", "rows": "many"})

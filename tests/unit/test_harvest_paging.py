"""How amp_ods and amp_csw page: the Explore API v2.1 addresses and the
switch to the catalogue export at the 10,000 window; the CSW GetRecords
requests and nextRecord."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from ckanext.amp.common.harvest import csw, documents, explore

CSW_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "catalogues" / "csw"


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


# ---------------------------------------------------------------------------
# OpenDataSoft

@pytest.mark.parametrize("url", [
    "https://www.herault-data.fr", "https://www.herault-data.fr/",
    "https://www.herault-data.fr/api/explore/v2.1",
    "https://www.herault-data.fr/api/explore/v2.1/catalog/datasets?limit=10",
    "https://www.herault-data.fr/explore/",
])
def test_the_portal_of_a_source_address(url):
    assert explore.portal_of(url) == "https://www.herault-data.fr"


def test_a_page_address_is_ordered_and_keeps_the_filters():
    url = explore.datasets_url("https://p.fr", 50, 100, "modified > date'2024'",
                               ['theme:"Environnement"', "publisher:Hérault"])
    assert url.startswith("https://p.fr/api/explore/v2.1/catalog/datasets?")
    assert _query(url) == {"limit": ["50"], "offset": ["100"], "order_by": ["dataset_id"],
                           "where": ["modified > date'2024'"],
                           "refine": ['theme:"Environnement"', "publisher:Hérault"]}
    assert explore.offset_of(url) == 100
    export = explore.export_url("https://p.fr", None, ["a:b"])
    assert export.startswith("https://p.fr/api/explore/v2.1/catalog/exports/json?")
    assert _query(export) == {"order_by": ["dataset_id"], "refine": ["a:b"]}


def test_refinements():
    assert explore.refinements(None) == [] and explore.refinements(" ") == []
    assert explore.refinements("a:b") == ["a:b"]
    assert explore.refinements(["a:b", "", 3, "c:d"]) == ["a:b", "c:d"]


@pytest.mark.parametrize("total,limit,expected", [
    (0, 100, False), (3, 100, False), (9_900, 100, False), (9_901, 100, True),
    (10_000, 100, True), (250_000, 100, True), (9_990, 10, False), (9_991, 10, True),
])
def test_the_window_of_the_api(total, limit, expected):
    # The last request is at offset ceil(total/limit)*limit - limit; it must
    # keep offset + limit below 10,000.
    assert explore.MAX_WINDOW == 10_000
    assert explore.needs_export(total, limit) is expected


def test_paging_until_the_last_page():
    assert explore.next_step(0, 100, 100, 250) == explore.Step("page", 100)
    assert explore.next_step(100, 100, 100, 250) == explore.Step("page", 200)
    assert explore.next_step(200, 100, 50, 250) == explore.Step("done")
    assert explore.next_step(0, 3, 3, 3) == explore.Step("done")  # exactly one full page
    assert explore.next_step(0, 3, 3, None) == explore.Step("page", 3)  # no count: go on
    assert explore.next_step(3, 3, 0, None) == explore.Step("done")
    assert explore.next_step(9_700, 100, 100, 9_900) == explore.Step("page", 9_800)
    assert explore.next_step(9_800, 100, 100, 9_900) == explore.Step("done")


def test_a_catalogue_too_large_for_the_window_is_read_from_its_export():
    assert explore.next_step(0, 100, 100, 10_050) == explore.Step("export")
    assert explore.next_step(0, 100, 100, 9_901) == explore.Step("export")
    # a small window, for the same rule
    assert explore.next_step(0, 2, 2, 5, window=6) == explore.Step("export")
    assert explore.next_step(0, 2, 2, 4, window=6) == explore.Step("page", 2)


def test_a_catalogue_that_grows_past_the_window_while_read_stops():
    # The first page said 9,900; the page at 9,800 is full and says more.
    assert explore.next_step(9_800, 100, 100, 10_200) == explore.Step("overflow")
    assert explore.next_step(9_800, 100, 100, None) == explore.Step("overflow")


# ---------------------------------------------------------------------------
# CSW

def test_getrecords_asks_for_iso19139_pages():
    url = csw.getrecords_url("https://geo.fr/csw/harvestable?map=a&service=WMS&startPosition=9",
                             11, 25)
    query = _query(url)
    assert url.startswith("https://geo.fr/csw/harvestable?")
    assert query == {"map": ["a"], "service": ["CSW"], "version": ["2.0.2"],
                     "request": ["GetRecords"], "typeNames": ["csw:Record"],
                     "namespace": ["xmlns(csw=http://www.opengis.net/cat/csw/2.0.2)"],
                     "resultType": ["results"], "elementSetName": ["full"],
                     "outputSchema": ["http://www.isotc211.org/2005/gmd"],
                     "startPosition": ["11"], "maxRecords": ["25"]}
    assert csw.start_of(url) == 11


def test_a_constraint_is_sent_only_when_given():
    cql = csw.getrecords_url("https://geo.fr/csw", 1, 10, "OrganisationName = 'DDT 13'")
    assert _query(cql)["constraintLanguage"] == ["CQL_TEXT"]
    assert _query(cql)["constraint"] == ["OrganisationName = 'DDT 13'"]
    assert _query(cql)["constraint_language_version"] == ["1.1.0"]
    ogc = csw.getrecords_url("https://geo.fr/csw", 1, 10, "<ogc:Filter/>")
    assert _query(ogc)["constraintLanguage"] == ["FILTER"]
    assert "constraint" not in _query(csw.getrecords_url("https://geo.fr/csw", 1, 10, "  "))


def test_getrecordbyid():
    url = csw.getrecordbyid_url("https://geo.fr/csw?map=a", "fr-1 2")
    assert _query(url)["id"] == ["fr-1 2"] and _query(url)["request"] == ["GetRecordById"]


@pytest.mark.parametrize("name,expected", [
    ("geo-ide_csw-ddt24_GetRecords_iso19139_response.xml", csw.SearchResults(4, 4, 0)),
    ("udata_geonetwork-iso19139-page-1.xml", csw.SearchResults(6, 2, 3)),
])
def test_search_results_of_real_answers(name, expected):
    data = (CSW_FIXTURES / name).read_bytes()
    root = documents.parse_xml(data, name).getroot()
    assert csw.search_results(root) == expected
    assert csw.exception_text(root) is None


def test_next_position():
    assert csw.next_position(1, csw.SearchResults(6, 2, 3), 2) == 3
    assert csw.next_position(1, csw.SearchResults(4, 4, 0), 4) is None
    assert csw.next_position(5, csw.SearchResults(6, 2, 7), 2) is None  # past the matches
    assert csw.next_position(1, csw.SearchResults(6, 2, None), 2) == 3  # no nextRecord
    assert csw.next_position(5, csw.SearchResults(6, 2, None), 2) is None
    assert csw.next_position(1, csw.SearchResults(None, None, None), 0) is None


def test_an_ows_exception_is_read():
    data = (b'<ows:ExceptionReport xmlns:ows="http://www.opengis.net/ows" version="1.2.0">'
            b'<ows:Exception exceptionCode="InvalidParameterValue" locator="outputSchema">'
            b"<ows:ExceptionText>Unknown output schema</ows:ExceptionText></ows:Exception>"
            b"</ows:ExceptionReport>")
    root = documents.parse_xml(data, "u").getroot()
    assert csw.exception_text(root) == "Unknown output schema"
    assert csw.search_results(root) is None

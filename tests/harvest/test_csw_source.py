"""amp_csw against a local CSW 2.0.2 catalogue: a real GetRecords answer
of Géo-IDE served as it is, then a paged catalogue of the real ISO 19139
records of the shared fixtures (nextRecord), an unchanged re-harvest,
the constraint, and broken or hostile XML (XXE, billion laughs, a remote
DTD, an exception report): one clear French error, nothing changed."""
from __future__ import annotations

from lxml import etree

import pytest

from ckan import model
from ckanext.harvest.model import HarvestObject

import harvest_helpers as hh
from partner_server import CATALOGUES

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", hh.PLUGINS),
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index", "clean_queues"),
]

CSW = CATALOGUES / "csw"
GEO_IDE = "geo-ide_csw-ddt24_GetRecords_iso19139_response.xml"
GMD = "http://www.isotc211.org/2005/gmd"
GCO = "http://www.isotc211.org/2005/gco"
#: Records with a licence the portal takes for public data (Licence Ouverte
#: 1.0 once the operator allows it): one of Géo-IDE's answer and the others.
OPEN = ["fr-120066022-jdd-912496f5-2ee6-4cf2-b2f9-ab030d646168",
        "fr-120066022-ldd-3f4cc8c8-5c3e-4a0e-8b56-0a569a7e12f6",
        "fr-120066022-ldd-56fce164-04b2-41ae-be87-9f256f39dd44",
        "fr-120066022-ldd-777b1c6b-36a7-4650-befa-e4be638cd694", "IGNF_RPG"]


def _identifier(element) -> str:
    return element.findtext(f"{{{GMD}}}fileIdentifier/{{{GCO}}}CharacterString").strip()


def real_records() -> dict[str, bytes]:
    """Every ISO 19139 record of the shared CSW fixtures, by fileIdentifier."""
    out = {}
    for name in (GEO_IDE, "udata_geoide-iso19139-single-dataset.xml",
                 "udata_geonetwork-iso19139-page-1.xml", "udata_geoplateforme-iso19139-IGNF_RPG.xml"):
        root = etree.fromstring((CSW / name).read_bytes())
        for element in root.iter(f"{{{GMD}}}MD_Metadata"):
            out[_identifier(element)] = etree.tostring(element)
    return out


def response(records: list[bytes], matched: int, next_record: int) -> bytes:
    return (b'<?xml version="1.0" encoding="UTF-8"?>\n'
            b'<csw:GetRecordsResponse xmlns:csw="http://www.opengis.net/cat/csw/2.0.2" '
            b'version="2.0.2"><csw:SearchStatus timestamp="2025-07-30T11:24:49"/>'
            + f'<csw:SearchResults numberOfRecordsMatched="{matched}" '
              f'numberOfRecordsReturned="{len(records)}" elementSet="full" '
              f'nextRecord="{next_record}">'.encode()
            + b"".join(records) + b"</csw:SearchResults></csw:GetRecordsResponse>")


class Catalogue:
    """``/csw``: GetRecords paged by startPosition/maxRecords over records,
    or a fixed answer (``body``)."""

    def __init__(self, server, records):
        self.server = server
        self.records = records
        self.body: bytes | None = None
        server.route("/csw", self.answer)

    def answer(self, handler):
        if self.body is not None:
            handler.answer(200, self.body, "application/xml")
            return
        start = int(handler.query.get("startPosition", ["1"])[0])
        size = int(handler.query.get("maxRecords", ["10"])[0])
        chunk = self.records[start - 1:start - 1 + size]
        following = start + len(chunk)
        handler.answer(200, response(chunk, len(self.records),
                                     following if following <= len(self.records) else 0),
                       "application/xml")

    def starts(self) -> list[int]:
        return [int(seen.query["startPosition"][0]) for seen in self.server.requests_to("/csw")]


@pytest.fixture
def catalogue(partner, ckan_config):
    ckan_config["ckanext.amp.harvest.allowed_hosts"] = partner.host
    ckan_config["ckanext.amp.schema.public_extra_licences"] = "fr-lo"
    records = real_records()
    return Catalogue(partner, [records[key] for key in OPEN])


def csw_source(catalogue, sysadmin, organization, **config):
    settings = {"open_data_only": True, "grace_days": 0, "max_withdraw_share": 0.5}
    settings.update(config)
    return hh.create_source(sysadmin, organization, catalogue.server.url("/csw"),
                            source_type="amp_csw", name="geo-ide", **settings)


def package_rows():
    return {row.id: row.metadata_modified for row in model.Session.query(model.Package)
            .filter(model.Package.type == "dataset")}


def test_a_real_getrecords_answer_is_harvested_with_its_provenance(catalogue, sysadmin,
                                                                   organization):
    catalogue.body = (CSW / GEO_IDE).read_bytes()
    source = csw_source(catalogue, sysadmin, organization)
    job = hh.run_job(source["id"])
    assert hh.gather_errors(job["id"]) == []
    [seen] = catalogue.server.requests_to("/csw")
    assert {key: value[0] for key, value in seen.query.items()} == {
        "service": "CSW", "version": "2.0.2", "request": "GetRecords", "typeNames": "csw:Record",
        "namespace": "xmlns(csw=http://www.opengis.net/cat/csw/2.0.2)",
        "resultType": "results", "elementSetName": "full", "outputSchema": GMD,
        "startPosition": "1", "maxRecords": "50"}
    datasets = hh.harvested(source["id"])
    assert set(datasets) == {OPEN[0]}
    noise = datasets[OPEN[0]]
    assert noise["harvest_source"] == "geo-ide" and noise["owner_org"] == organization["id"]
    assert noise["license_id"] == "lov2" and noise["diffusion"] == "public"
    assert noise["source_portal"] == catalogue.server.url("/")
    assert noise["canonical_url"].endswith("catalog.search#/metadata/" + OPEN[0])
    assert {"uri": "http://id.insee.fr/geo/departement/24"} in noise["spatial_coverage"]
    # the three others name no licence the registry knows: errors on their objects, in
    # French (the others are the warnings of the one written: a bounding box, a zone)
    errors = [e for e in hh.object_errors(job["id"]) if e.startswith("license_id : ")]
    assert len(errors) == 3 and all("registre des licences" in e for e in errors), errors
    counts = hh.summary(job["id"])["counts"]
    assert (counts["created"], counts["failed"]) == (1, 3)


def test_paging_with_next_record_and_an_unchanged_catalogue_writes_nothing(catalogue, sysadmin,
                                                                         organization):
    source = csw_source(catalogue, sysadmin, organization, max_records=2)
    job = hh.run_job(source["id"])
    assert hh.gather_errors(job["id"]) == []
    counts = hh.summary(job["id"])["counts"]
    assert (counts["created"], counts["failed"]) == (5, 0)
    assert set(hh.harvested(source["id"])) == set(OPEN)
    assert catalogue.starts() == [1, 3, 5]
    rpg = hh.harvested(source["id"])["IGNF_RPG"]
    assert rpg["resources"][0]["url"] == "https://data.geopf.fr/telechargement/resource/RPG"

    before = package_rows()
    job = hh.run_job(source["id"])
    assert package_rows() == before
    summary = hh.summary(job["id"])
    assert summary["counts"]["unchanged"] == 5 and summary["planned"]["pages_skipped"] == 3
    assert model.Session.query(HarvestObject).filter_by(harvest_job_id=job["id"]).count() == 0


def test_the_constraint_is_sent(catalogue, sysadmin, organization):
    source = csw_source(catalogue, sysadmin, organization,
                        constraint="OrganisationName LIKE '%DDT%'")
    hh.run_job(source["id"])
    seen = catalogue.server.requests_to("/csw")[0]
    assert seen.query["constraintLanguage"] == ["CQL_TEXT"]
    assert seen.query["constraint"] == ["OrganisationName LIKE '%DDT%'"]


def test_a_next_record_that_leads_back_withdraws_nothing(catalogue, sysadmin, organization):
    source = csw_source(catalogue, sysadmin, organization, max_records=2)
    hh.run_job(source["id"])
    before = hh.harvested(source["id"])
    records = catalogue.records
    catalogue.body = response(records[:2], 5, 1)  # the first page again, for ever
    job = hh.run_job(source["id"])
    errors = hh.gather_errors(job["id"])
    assert len(errors) == 1 and "boucle" in errors[0], errors
    after = hh.harvested(source["id"])
    assert set(after) == set(before) and not any(d["private"] for d in after.values())


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE csw:GetRecordsResponse [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<csw:GetRecordsResponse xmlns:csw="http://www.opengis.net/cat/csw/2.0.2">
<csw:SearchResults numberOfRecordsMatched="1" numberOfRecordsReturned="1" nextRecord="0">
<gmd:MD_Metadata xmlns:gmd="http://www.isotc211.org/2005/gmd">&xxe;</gmd:MD_Metadata>
</csw:SearchResults></csw:GetRecordsResponse>"""

LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>
<csw:GetRecordsResponse xmlns:csw="http://www.opengis.net/cat/csw/2.0.2">
<csw:SearchResults numberOfRecordsMatched="1" numberOfRecordsReturned="1" nextRecord="0">
<gmd:MD_Metadata xmlns:gmd="http://www.isotc211.org/2005/gmd">&d;</gmd:MD_Metadata>
</csw:SearchResults></csw:GetRecordsResponse>"""

REMOTE_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE csw:GetRecordsResponse SYSTEM "{dtd}">
<csw:GetRecordsResponse xmlns:csw="http://www.opengis.net/cat/csw/2.0.2">
<csw:SearchResults numberOfRecordsMatched="0" numberOfRecordsReturned="0" nextRecord="0"/>
</csw:GetRecordsResponse>"""

EXCEPTION = b"""<?xml version="1.0" encoding="UTF-8"?>
<ows:ExceptionReport xmlns:ows="http://www.opengis.net/ows" version="1.2.0">
<ows:Exception exceptionCode="InvalidParameterValue" locator="outputSchema">
<ows:ExceptionText>Output schema not supported</ows:ExceptionText></ows:Exception>
</ows:ExceptionReport>"""


@pytest.mark.parametrize("name,body,expected", [
    ("XXE", XXE, "déclare des entités XML"),
    ("billion laughs", LAUGHS, "déclare des entités XML"),
    ("remote DTD", REMOTE_DTD, "déclare une DTD ou des entités XML"),
    ("malformed", b"<csw:GetRecordsResponse><csw:SearchResults>", "n’est pas du XML bien formé"),
    ("HTML", b"<html><body>Maintenance</body></html>", "n’est pas une réponse GetRecords de CSW"),
    ("exception", EXCEPTION, "a répondu par une exception CSW : Output schema not supported"),
])
def test_hostile_or_broken_xml_is_one_french_error_and_changes_nothing(
        catalogue, sysadmin, organization, app, name, body, expected):
    source = csw_source(catalogue, sysadmin, organization)
    hh.run_job(source["id"])
    before = hh.harvested(source["id"])
    rows = package_rows()
    assert len(before) == 5
    catalogue.body = body.replace(b"{dtd}", catalogue.server.url("/evil.dtd").encode())
    job = hh.run_job(source["id"])
    errors = hh.gather_errors(job["id"])
    assert len(errors) == 1 and expected in errors[0], (name, errors)
    page = hh.job_page(app, sysadmin, source["name"], job["id"])
    assert expected.split(" : ")[0] in page
    assert "root:" not in page  # /etc/passwd never read
    assert hh.harvested(source["id"]) == before and package_rows() == rows
    assert catalogue.server.requests_to("/evil.dtd") == []


def test_the_options_are_checked(catalogue, sysadmin, organization):
    from ckan.tests import helpers

    for config in ({"max_records": 0}, {"max_records": 501}, {"constraint": 3}):
        with pytest.raises(helpers.logic.ValidationError) as error:
            csw_source(catalogue, sysadmin, organization, **config)
        assert list(config)[0] in str(error.value.error_dict), config

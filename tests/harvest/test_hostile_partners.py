"""Hostile and broken partners. Each scenario harvests a good catalogue
first, then serves a broken or hostile variant of it and harvests again:
the steward reads a clear French error on the job page, and every dataset
harvested before is intact (same content, still public)."""
from __future__ import annotations

import functools
import gzip
import io
from dataclasses import dataclass
from typing import Callable

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF

import catalogues
import harvest_helpers as hh

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", hh.PLUGINS),
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index", "clean_queues"),
]

MB = 1024 * 1024
GOOD = catalogues.demo_datasets()[10:14]


@dataclass
class Partner:
    """A partner whose catalogue (``/catalog.ttl``) can be swapped."""

    server: object
    behaviour: Callable | None = None

    def good(self, handler):
        handler.answer(200, good_text(), "text/turtle")

    def answer(self, handler):
        (self.behaviour or self.good)(handler)


@pytest.fixture
def hostile(partner, ckan_config, sysadmin, organization):
    ckan_config["ckanext.amp.harvest.allowed_hosts"] = partner.host
    ckan_config["ckanext.amp.harvest.max_response_bytes"] = str(5 * MB)
    ckan_config["ckanext.amp.harvest.read_timeout"] = "2"
    ckan_config["ckanext.amp.harvest.request_timeout"] = "3"
    ckan_config["ckanext.amp.harvest.connect_timeout"] = "2"
    state = Partner(partner)
    partner.route("/catalog.ttl", state.answer)
    source = hh.create_source(sysadmin, organization, partner.url("/catalog.ttl"),
                              open_data_only=True, grace_days=0)
    job = hh.run_job(source["id"])
    assert hh.gather_errors(job["id"]) == [] and hh.object_errors(job["id"]) == []
    before = hh.harvested(source["id"])
    assert len(before) == len(GOOD)
    return state, source, before


def harvest_again(hostile, app, sysadmin, behaviour, changed=()):
    """Re-harvest with ``behaviour``: the job page's text, and a check that
    nothing harvested before was damaged (but the ``changed`` records)."""
    state, source, before = hostile
    state.behaviour = behaviour
    job = hh.run_job(source["id"])
    after = hh.harvested(source["id"])
    assert set(after) == set(before)
    for remote_id, dataset in before.items():
        if remote_id in changed:
            continue
        for key in ("title", "notes", "license_id", "diffusion", "private", "metadata_modified",
                    "resources"):
            assert after[remote_id][key] == dataset[key], (remote_id, key)
    return job, hh.job_page(app, sysadmin, source["name"], job["id"])


def static(body: bytes, content_type: str = "text/turtle", **headers):
    return lambda handler: handler.answer(200, body, content_type, headers)


@functools.lru_cache(maxsize=1)
def good_text() -> bytes:
    return catalogues.page(GOOD)


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns:dct="http://purl.org/dc/terms/" xmlns:dcat="http://www.w3.org/ns/dcat#">
  <dcat:Dataset rdf:about="http://demo.ckan.org/dataset/x"><dct:title>&xxe;</dct:title></dcat:Dataset>
</rdf:RDF>"""

LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns:dct="http://purl.org/dc/terms/" xmlns:dcat="http://www.w3.org/ns/dcat#">
  <dcat:Dataset rdf:about="http://demo.ckan.org/dataset/x"><dct:title>&d;</dct:title></dcat:Dataset>
</rdf:RDF>"""


def gzip_bytes(data: bytes) -> bytes:
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb") as out:
        out.write(data)
    return buffer.getvalue()


def announced_2gb(handler):
    handler.send_response(200)
    handler.send_header("Content-Type", "text/turtle")
    handler.send_header("Content-Length", str(2 * 1024 ** 3))
    handler.end_headers()
    handler.wfile.write(good_text())
    handler.wait(10)


def endless(handler):
    handler.send_response(200)
    handler.send_header("Content-Type", "text/turtle")
    handler.send_header("Connection", "close")
    handler.end_headers()
    handler.wfile.write(good_text())
    while not handler.partner.stopping.is_set():
        handler.wfile.write(b"# " + b"x" * 65536 + b"\n")


def silent(handler):
    handler.wait(10)


def trickle(handler):
    handler.send_response(200)
    handler.send_header("Content-Type", "text/turtle")
    handler.send_header("Content-Length", "1000000")
    handler.end_headers()
    while not handler.wait(0.2):
        handler.wfile.write(b"#")
        handler.wfile.flush()


@pytest.mark.parametrize("name,behaviour,expected", [
    ("malformed RDF/XML", lambda: static(b"<rdf:RDF><dcat:Dataset></rdf:RDF>", "application/rdf+xml"),
     "n’est pas du XML bien formé"),
    ("malformed Turtle", lambda: static(good_text()[:-200]), "n’a pas pu être lu en RDF (turtle)"),
    ("malformed JSON-LD", lambda: static(b'{"@graph": [{"@id": ', "application/ld+json"),
     "n’est pas du JSON valide"),
    ("XXE", lambda: static(XXE, "application/rdf+xml"), "déclare des entités XML"),
    ("billion laughs", lambda: static(LAUGHS, "application/rdf+xml"), "déclare des entités XML"),
    ("2 GB announced", lambda: announced_2gb, "annonce 2147483648 octets"),
    ("streamed past the limit", lambda: endless, "a envoyé plus de 5242880 octets"),
    ("compressed bomb", lambda: static(gzip_bytes(good_text() + b"#" * (20 * MB)),
                                       **{"Content-Encoding": "gzip"}),
     "une fois décompressé"),
    ("never answers", lambda: silent, "n’a rien envoyé pendant 2 secondes"),
    ("trickles bytes", lambda: trickle, "a mis plus de 3 secondes à répondre"),
])
def test_broken_and_hostile_documents(hostile, app, sysadmin, name, behaviour, expected):
    job, page = harvest_again(hostile, app, sysadmin, behaviour())
    errors = hh.gather_errors(job["id"])
    assert len(errors) == 1 and expected in errors[0], (name, errors)
    assert expected in page, name
    assert "/etc/passwd" not in page.replace("file:///etc/passwd", "") or name != "XXE"


@pytest.mark.parametrize("target", [
    "http://127.0.0.1:{other}/secret", "http://10.0.0.8/catalog.ttl",
    "http://169.254.169.254/latest/meta-data/", "http://[::1]:{other}/secret",
    "file:///etc/passwd", "gopher://127.0.0.1:6379/_FLUSHALL",
])
def test_redirects_inside_the_network_are_refused(hostile, app, sysadmin, target):
    from partner_server import PartnerServer

    with PartnerServer() as other:
        other.serve("/secret", b"internal", "text/plain")
        location = target.format(other=other.port)
        job, page = harvest_again(hostile, app, sysadmin, lambda handler: handler.answer(
            302, b"", "text/plain", {"Location": location}))
        assert other.requests_to("/secret") == []
    errors = hh.gather_errors(job["id"])
    assert len(errors) == 1 and "a été refusée" in errors[0], errors
    assert "a été refusée" in page


def test_a_hydra_next_that_loops_back_stops_reading_and_withdraws_nothing(hostile, app,
                                                                          sysadmin):
    state, source, before = hostile
    server = state.server

    def looping(handler):
        number = int(handler.query.get("page", ["1"])[0])
        url = server.url(f"/catalog.ttl?page={number}")
        chunk = GOOD[:2] if number == 1 else GOOD[2:]
        # page 2 says its next page is page 1
        next_url = server.url("/catalog.ttl?page=2" if number == 1 else "/catalog.ttl?page=1")
        handler.answer(200, catalogues.page(chunk, url, next_url), "text/turtle")

    job, page = harvest_again(hostile, app, sysadmin, looping)
    errors = hh.gather_errors(job["id"])
    assert len(errors) == 1 and "la pagination boucle" in errors[0]
    assert "la pagination boucle" in page


def test_duplicate_identifiers_are_reported_and_the_first_record_kept(hostile, app, sysadmin):
    state, source, before = hostile
    server = state.server
    twice = GOOD[0]

    def duplicated(handler):
        number = int(handler.query.get("page", ["1"])[0])
        url = server.url(f"/catalog.ttl?page={number}")
        if number == 1:
            body = catalogues.page(GOOD, url, server.url("/catalog.ttl?page=2"))
        else:
            title = (twice[0], DCTERMS.title, Literal("Le même identifiant, un autre titre"))
            body = catalogues.page([(twice[0], tuple(t for t in twice[1]
                                                     if t[1] != DCTERMS.title) + (title,))], url)
        handler.answer(200, body, "text/turtle")

    job, page = harvest_again(hostile, app, sysadmin, duplicated)
    messages = hh.object_errors(job["id"])
    assert len(messages) == 1 and "figure plusieurs fois dans le catalogue" in messages[0]
    key = catalogues.remote_id(twice)
    assert key in page and "figure plusieurs fois" in page
    assert hh.harvested(source["id"])[key]["title"] == before[key]["title"]


def test_invalid_dates_licences_codes_and_thousands_of_distributions(hostile, app, sysadmin):
    state, source, before = hostile
    broken = []
    for number, (dataset, triples) in enumerate(GOOD):
        kept = [t for t in triples if t[1] not in (DCTERMS.license, DCTERMS.issued)]
        if number == 0:
            kept += [(dataset, DCTERMS.license, URIRef("http://example.org/licences/maison-v3"))]
        elif number == 1:
            kept += [(dataset, DCTERMS.license, catalogues.ETALAB),
                     (dataset, DCTERMS.issued, Literal("31/02/2020"))]
        elif number == 2:
            kept += [(dataset, DCTERMS.license, catalogues.ETALAB),
                     (dataset, DCAT.theme, URIRef("http://example.org/themes/NOPE"))]
        else:
            kept += [(dataset, DCTERMS.license, catalogues.ETALAB)]
            many = 3000 + sum(1 for t in kept if t[1] == DCAT.distribution)
            for index in range(3000):
                distribution = URIRef(f"{dataset}/distribution/{index}")
                kept += [(dataset, DCAT.distribution, distribution),
                         (distribution, RDF.type, DCAT.Distribution),
                         (distribution, DCAT.accessURL, URIRef(f"https://p.example/{index}.csv"))]
        broken.append((dataset, tuple(kept)))
    # An invalid date is dropped, a theme outside the EU list kept as a keyword,
    # distributions past the 500th left out, each with a warning
    # (docs/decisions/0009): those records change; an unknown licence is an error.
    dated, themed, crowded = (catalogues.remote_id(GOOD[n]) for n in (1, 2, 3))
    job, page = harvest_again(hostile, app, sysadmin, static(catalogues.page(broken)),
                              changed={dated, themed, crowded})
    summary = hh.summary(job["id"])
    failed = {r["remote_id"]: " ".join(e["message"] for e in r["errors"])
              for r in summary["records"] if r["status"] == "failed"}
    assert list(failed) == [catalogues.remote_id(GOOD[0])], failed
    assert "registre des licences" in failed[catalogues.remote_id(GOOD[0])]
    assert "http://example.org/licences/maison-v3" in failed[catalogues.remote_id(GOOD[0])]
    updated = {r["remote_id"]: " ".join(e["message"] for e in r["errors"])
               for r in summary["records"] if r["status"] == "updated"}
    assert sorted(updated) == sorted([dated, themed, crowded])
    assert "31/02/2020" in updated[dated]
    assert "http://example.org/themes/NOPE" in updated[themed]
    assert f"{many} ressources" in updated[crowded]
    after = hh.harvested(source["id"])
    assert "issued" not in after[dated] and len(after[crowded]["resources"]) == 500
    for fragment in ("maison-v3", f"{many} ressources", "31/02/2020", "themes/NOPE"):
        assert fragment in page


def test_the_zero_datasets_catalogue_stops_the_job(hostile, app, sysadmin):
    job, page = harvest_again(hostile, app, sysadmin, static(catalogues.page([])))
    errors = hh.gather_errors(job["id"])
    assert len(errors) == 1 and "ne liste aucun jeu de données" in errors[0]
    assert "ne liste aucun jeu de données" in page

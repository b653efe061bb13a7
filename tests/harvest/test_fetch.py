"""Safe fetching and reading (common/harvest/fetch.py, documents.py) against
local HTTP servers that misbehave: SSRF, sizes, bombs, slow servers,
retries, XML and JSON-LD attacks. No CKAN needed."""
from __future__ import annotations

import gzip
import io
import json
import socket
import time
import zipfile

import pytest
import rdflib

from ckanext.amp.common.harvest import documents
from ckanext.amp.common.harvest.fetch import (
    FetchError, FetchPolicy, Fetcher, address_problem, decompress_file, host_allowed, redact)

from partner_server import CATALOGUES, PartnerServer

MB = 1024 * 1024


@pytest.fixture(scope="module")
def partner():
    with PartnerServer() as server:
        yield server


@pytest.fixture(scope="module")
def other():
    """A second server on another port of 127.0.0.1 (never allowed)."""
    with PartnerServer() as server:
        server.serve("/secret", b"internal data", "text/plain")
        yield server


def policy_for(*servers, **options) -> FetchPolicy:
    return FetchPolicy.from_options([s.host for s in servers], **options)


def fetch(url, policy, **kwargs):
    with Fetcher(policy) as fetcher:
        return fetcher.get(url, **kwargs)


def message(error: FetchError) -> str:
    return error.value.translate(lambda text: text)


# -- addresses ------------------------------------------------------------------

@pytest.mark.parametrize("address,kind", [
    ("127.0.0.1", "loopback"), ("127.1.2.3", "loopback"), ("::1", "loopback"),
    ("10.1.2.3", "private"), ("172.16.0.1", "private"), ("192.168.1.1", "private"),
    ("fc00::1", "private"), ("169.254.169.254", "link-local"), ("fe80::1", "link-local"),
    ("224.0.0.1", "multicast"), ("ff02::1", "multicast"), ("0.0.0.0", "unspecified"),
    ("::", "unspecified"), ("100.64.0.1", "non-public"),
    # IPv6 forms that carry an IPv4 address are judged by it
    ("::ffff:127.0.0.1", "loopback"), ("::ffff:10.0.0.1", "private"),
    ("64:ff9b::a9fe:a9fe", "link-local"), ("2002:7f00:1::", "loopback"),
])
def test_internal_addresses_are_refused(address, kind):
    assert address_problem(address) == kind


@pytest.mark.parametrize("address", ["8.8.8.8", "2001:4860:4860::8888", "::ffff:8.8.8.8",
                                     "193.51.24.1"])
def test_public_addresses_are_allowed(address):
    assert address_problem(address) is None


def test_allow_list_matches_host_or_host_and_port():
    allowed = frozenset({"data.example.org", "127.0.0.1:8080", "[::1]:9000"})
    assert host_allowed("DATA.example.org.", 443, allowed)
    assert host_allowed("127.0.0.1", 8080, allowed)
    assert not host_allowed("127.0.0.1", 8081, allowed)
    assert host_allowed("::1", 9000, allowed)
    assert not host_allowed("::1", 80, allowed)


def test_redact_removes_credentials():
    assert redact("https://user:secret@example.org/api?api_key=abc&q=1&token=t") == \
        "https://example.org/api?api_key=***&q=1&token=***"


# -- schemes and SSRF -------------------------------------------------------------

@pytest.mark.parametrize("url", ["file:///etc/passwd", "gopher://127.0.0.1:6379/_INFO",
                                 "ftp://example.org/x", "dict://127.0.0.1:11211/"])
def test_other_schemes_are_refused_before_anything_is_sent(url):
    with pytest.raises(FetchError) as error:
        fetch(url, FetchPolicy())
    assert "Only http and https" in message(error)


def test_loopback_is_refused_unless_allowed(partner):
    partner.serve("/ok", b"hello", "text/plain")
    with pytest.raises(FetchError) as error:
        fetch(partner.url("/ok"), FetchPolicy())
    assert "a loopback address" in message(error)
    assert fetch(partner.url("/ok"), policy_for(partner)).content == b"hello"


def test_allowing_one_port_does_not_allow_another(partner, other):
    with pytest.raises(FetchError) as error:
        fetch(other.url("/secret"), policy_for(partner))
    assert "loopback" in message(error)
    assert other.requests_to("/secret") == []


@pytest.mark.parametrize("target,expected", [
    ("http://127.0.0.1:{other}/secret", "loopback"),
    ("http://2130706433:{other}/secret", "loopback"),       # decimal 127.0.0.1
    ("http://0177.0.0.1:{other}/secret", "loopback"),       # octal 127.0.0.1
    ("http://[::1]:{other}/secret", "loopback"),
    ("http://[::ffff:127.0.0.1]:{other}/secret", "loopback"),
    ("http://localhost:{other}/secret", "loopback"),
    ("http://10.0.0.1/", "private"),
    ("http://169.254.169.254/latest/meta-data/", "link-local"),
    ("file:///etc/passwd", "Only http and https"),
    ("gopher://127.0.0.1:6379/_FLUSHALL", "Only http and https"),
])
def test_redirects_to_the_inside_are_refused(partner, other, target, expected):
    location = target.format(other=other.port)
    url = partner.redirect(f"/redirect-{abs(hash(target))}", location)
    with pytest.raises(FetchError) as error:
        fetch(url, policy_for(partner, connect_timeout=2))
    assert expected in message(error)
    assert other.requests_to("/secret") == []


def test_redirects_are_followed_and_counted(partner):
    partner.serve("/final", b"arrived", "text/plain")
    partner.redirect("/hop2", "/final", 301)
    partner.redirect("/hop1", partner.url("/hop2"), 307)
    response = fetch(partner.url("/hop1"), policy_for(partner))
    assert response.content == b"arrived"
    assert response.url == partner.url("/final")
    assert len(response.history) == 2
    partner.redirect("/loop", "/loop")
    with pytest.raises(FetchError) as error:
        fetch(partner.url("/loop"), policy_for(partner, max_redirects=3))
    assert "redirected more than 3 times" in message(error)


def test_credentials_do_not_follow_a_redirect_to_another_host(partner, other):
    other.serve("/landing", b"ok", "text/plain")
    partner.redirect("/away", other.url("/landing"))
    fetch(partner.url("/away"), policy_for(partner, other), headers={"Authorization": "Apikey s3cr3t"})
    assert partner.requests_to("/away")[-1].headers.get("Authorization") == "Apikey s3cr3t"
    assert "Authorization" not in other.requests_to("/landing")[-1].headers


# -- sizes and bombs ------------------------------------------------------------------

def test_an_announced_huge_body_is_refused_without_reading(partner):
    def huge(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "text/turtle")
        handler.send_header("Content-Length", str(2 * 1024 ** 3))
        handler.end_headers()
        handler.wfile.write(b"x" * 1024)
        handler.wait(30)
    url = partner.route("/announced-2gb", huge)
    started = time.monotonic()
    with pytest.raises(FetchError) as error:
        fetch(url, policy_for(partner, max_bytes=10 * MB))
    assert "announces 2147483648 bytes" in message(error)
    assert time.monotonic() - started < 10


def test_a_streamed_body_is_cut_at_the_limit(partner):
    def endless(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "text/turtle")
        handler.send_header("Connection", "close")
        handler.end_headers()
        chunk = b"<a> <b> <c> .\n" * 4096
        while not handler.partner.stopping.is_set():
            handler.wfile.write(chunk)
    url = partner.route("/endless", endless)
    with pytest.raises(FetchError) as error:
        fetch(url, policy_for(partner, max_bytes=2 * MB))
    assert f"sent more than {2 * MB} bytes" in message(error)


def gzip_bytes(data: bytes) -> bytes:
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb") as out:
        out.write(data)
    return buffer.getvalue()


def test_a_gzip_body_is_decompressed(partner):
    text = (CATALOGUES / "dcat" / "ckanext-dcat_dataset_multilingual.ttl").read_bytes()
    url = partner.serve("/gz.ttl", gzip_bytes(text), "text/turtle", headers={"Content-Encoding": "gzip"})
    assert fetch(url, policy_for(partner)).content == text


def test_a_gzip_bomb_is_stopped(partner):
    bomb = gzip_bytes(b"\0" * (60 * MB))  # ~60 KB on the wire
    url = partner.serve("/bomb", bomb, "application/rdf+xml", headers={"Content-Encoding": "gzip"})
    with pytest.raises(FetchError) as error:
        fetch(url, policy_for(partner, max_bytes=20 * MB))
    assert "decompresses to more than" in message(error)
    with pytest.raises(FetchError) as error:
        fetch(url, policy_for(partner, max_bytes=200 * MB, max_ratio=100))
    assert "times its size" in message(error)


def test_delivered_archives_are_bounded():
    policy = FetchPolicy(max_bytes=20 * MB, max_ratio=100)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.csv", "a;b\n1;2\n")
    assert decompress_file(buffer.getvalue(), "livraison.zip", policy) == {"data.csv": b"a;b\n1;2\n"}
    assert decompress_file(gzip_bytes(b"x;y\n"), "livraison.csv.gz", policy) == \
        {"livraison.csv": b"x;y\n"}

    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("zeros.csv", b"\0" * (30 * MB))
    with pytest.raises(FetchError) as error:
        decompress_file(bomb.getvalue(), "bomb.zip", policy)
    assert "decompresses to more than" in message(error)

    evil = io.BytesIO()
    with zipfile.ZipFile(evil, "w") as archive:
        archive.writestr("../../etc/cron.d/x", "* * * * * root id")
    with pytest.raises(FetchError) as error:
        decompress_file(evil.getvalue(), "evil.zip", policy)
    assert "unsafe name" in message(error)


# -- slow servers ---------------------------------------------------------------------

def test_a_server_that_never_answers_times_out(partner):
    partner.route("/silent", lambda handler: handler.wait(60))
    started = time.monotonic()
    with pytest.raises(FetchError) as error:
        fetch(partner.url("/silent"), policy_for(partner, read_timeout=0.5, deadline=5))
    assert "sent nothing for 0.5 seconds" in message(error)
    assert time.monotonic() - started < 5


def test_a_server_that_trickles_bytes_is_cut_at_the_deadline(partner):
    def trickle(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "text/turtle")
        handler.send_header("Content-Length", "100000")
        handler.end_headers()
        while not handler.wait(0.1):
            handler.wfile.write(b"#")
            handler.wfile.flush()
    partner.route("/trickle", trickle)
    started = time.monotonic()
    with pytest.raises(FetchError) as error:
        fetch(partner.url("/trickle"), policy_for(partner, read_timeout=1, deadline=1.5))
    assert "took more than 1.5 seconds" in message(error)
    assert time.monotonic() - started < 5


def test_trickled_headers_are_cut_at_the_deadline(partner):
    def slow_headers(handler):
        for byte in b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Slow: " + b"a" * 1000:
            if handler.wait(0.1):
                return
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()
    partner.route("/slow-headers", slow_headers)
    with pytest.raises(FetchError) as error:
        fetch(partner.url("/slow-headers"), policy_for(partner, read_timeout=1, deadline=1.5))
    assert "took more than 1.5 seconds" in message(error)


# -- retries ------------------------------------------------------------------------------

def test_429_is_retried_honouring_retry_after(partner):
    calls = []

    def quota(handler):
        calls.append(1)
        if len(calls) < 3:
            handler.answer(429, b"slow down", "text/plain", {"Retry-After": "0"})
        else:
            handler.json({"ok": True})
    partner.route("/quota", quota)
    waits = []
    with Fetcher(policy_for(partner), sleep=waits.append) as fetcher:
        assert json.loads(fetcher.get(partner.url("/quota")).content) == {"ok": True}
    assert len(calls) == 3 and waits == [0.0, 0.0]


def test_retry_after_is_capped_and_retries_end(partner):
    partner.serve("/down", b"maintenance", "text/plain", status=503,
                  headers={"Retry-After": "3600"})
    waits = []
    with Fetcher(policy_for(partner, max_retries=2, retry_after_cap=0.05), sleep=waits.append) \
            as fetcher, pytest.raises(FetchError) as error:
        fetcher.get(partner.url("/down"))
    assert waits == [0.05, 0.05]
    assert len(partner.requests_to("/down")) == 3
    assert "answered HTTP 503" in message(error)


# -- documents ----------------------------------------------------------------------------

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns:dct="http://purl.org/dc/terms/" xmlns:dcat="http://www.w3.org/ns/dcat#">
  <dcat:Dataset rdf:about="http://example.org/d"><dct:title>&xxe;</dct:title></dcat:Dataset>
</rdf:RDF>"""

LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description>&lol9;</rdf:Description></rdf:RDF>"""


@pytest.mark.parametrize("data", [XXE, LAUGHS], ids=["xxe", "billion-laughs"])
def test_xml_declaring_entities_is_refused(data):
    with pytest.raises(documents.DocumentError) as error:
        documents.rdf_graph(rdflib.Graph(), data, "xml", "http://partner.example/catalog.rdf",
                            load=lambda url: b"")
    assert "declares XML entities" in message(error)
    with pytest.raises(documents.DocumentError):
        documents.parse_xml(data, "http://partner.example/catalog.rdf")


def test_malformed_documents_say_where():
    with pytest.raises(documents.DocumentError) as error:
        documents.parse_xml(b"<rdf:RDF><unclosed></rdf:RDF>", "http://p.example/c.rdf")
    assert "not well-formed XML (line 1" in message(error)
    with pytest.raises(documents.DocumentError) as error:
        documents.parse_json(b'{"result": [1, 2,, 3]}', "http://p.example/api?api_key=k")
    assert message(error).startswith("http://p.example/api?api_key=*** is not valid JSON (line 1")
    with pytest.raises(documents.DocumentError) as error:
        documents.parse_json(b"[" * 100000 + b"]" * 100000, "http://p.example/deep")
    assert "nested too deeply" in message(error)
    with pytest.raises(documents.DocumentError) as error:
        documents.rdf_graph(rdflib.Graph(), b"@prefix dct: <http://purl.org/dc/terms/> .\n<a> dct:title",
                            "turtle", "http://p.example/c.ttl", load=lambda url: b"")
    assert "could not be read as RDF (turtle)" in message(error)


@pytest.mark.parametrize("name,rdf_format", [
    ("ckanext-dcat_catalog.rdf", "xml"), ("udata_catalog.xml", "xml"),
    ("ckanext-dcat_dataset_multilingual.ttl", "turtle"),
    ("ckanext-dcat_catalog_with_at_graph.jsonld", "json-ld"), ("udata_flat.jsonld", "json-ld"),
])
def test_real_catalogues_still_parse(name, rdf_format):
    graph = rdflib.Graph()
    documents.rdf_graph(graph, (CATALOGUES / "dcat" / name).read_bytes(), rdf_format,
                        "http://p.example/" + name, load=lambda url: b"")
    dcat = rdflib.URIRef("http://www.w3.org/ns/dcat#Dataset")
    assert list(graph.subjects(rdflib.RDF.type, dcat))


def test_remote_jsonld_contexts_are_fetched_through_the_guard(partner):
    context = {"@context": {"dct": "http://purl.org/dc/terms/", "dcat": "http://www.w3.org/ns/dcat#",
                            "title": "dct:title"}}
    partner.serve("/context.jsonld", json.dumps(context), "application/ld+json")
    document = {"@context": partner.url("/context.jsonld"),
                "@id": "http://p.example/d/1", "@type": "dcat:Dataset", "title": "Parkings"}
    with Fetcher(policy_for(partner)) as fetcher:
        graph = rdflib.Graph()
        documents.rdf_graph(graph, json.dumps(document).encode(), "json-ld", partner.url("/c.jsonld"),
                            load=lambda url: fetcher.get(url).content)
    assert str(graph.value(rdflib.URIRef("http://p.example/d/1"),
                           rdflib.URIRef("http://purl.org/dc/terms/title"))) == "Parkings"

    evil = {"@context": "http://169.254.169.254/latest/meta-data/", "@id": "http://p.example/d/2"}
    with Fetcher(policy_for(partner)) as fetcher, pytest.raises(documents.DocumentError) as error:
        documents.rdf_graph(rdflib.Graph(), json.dumps(evil).encode(), "json-ld",
                            partner.url("/c.jsonld"), load=lambda url: fetcher.get(url).content)
    text = message(error)
    assert "JSON-LD context http://169.254.169.254/latest/meta-data/" in text
    assert "link-local" in text

    scoped = {"@context": {"p": {"@id": "http://p.example/p",
                                 "@context": "http://169.254.169.254/ctx"}},
              "@id": "http://p.example/d/3", "p": {"x": 1}}
    with Fetcher(policy_for(partner)) as fetcher, pytest.raises(documents.DocumentError):
        documents.rdf_graph(rdflib.Graph(), json.dumps(scoped).encode(), "json-ld",
                            partner.url("/c.jsonld"), load=lambda url: fetcher.get(url).content)


def test_a_refused_host_never_sees_a_connection():
    """The connection goes to the address that was checked: a listening
    socket on loopback gets no connection attempt."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(0.3)
    port = listener.getsockname()[1]
    try:
        with pytest.raises(FetchError):
            fetch(f"http://127.0.0.1:{port}/", FetchPolicy())
        with pytest.raises(socket.timeout):
            listener.accept()
    finally:
        listener.close()

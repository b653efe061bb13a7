"""A partner portal for the tests: a threaded ``http.server`` on a free port
of 127.0.0.1, serving real fixture files and broken or hostile variants.

Routes are keyed by path (without the query string). A route is either a
static answer (:meth:`PartnerServer.serve`) or a function given the
request handler (:meth:`PartnerServer.route`) for behaviours no file can
have: a server that never answers, one that trickles bytes, a redirect, a
body larger than announced. :meth:`PartnerServer.stop` releases every
handler still waiting.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable
from urllib.parse import parse_qs, urlsplit

#: The fixtures folder beside the repository checkout.
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CATALOGUES = FIXTURES / "catalogues"


@dataclass
class Seen:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]


@dataclass
class _Static:
    body: bytes
    content_type: str
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


class PartnerServer:
    def __init__(self) -> None:
        self.routes: dict[str, _Static | Callable[["Handler"], None]] = {}
        self.seen: list[Seen] = []
        self.stopping = threading.Event()
        server = self

        class Bound(Handler):
            partner = server

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Bound)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    # -- lifecycle ---------------------------------------------------------
    def start(self) -> "PartnerServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> "PartnerServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- addresses -----------------------------------------------------------
    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def host(self) -> str:
        """``127.0.0.1:<port>``, the entry of an allow-list."""
        return f"127.0.0.1:{self.port}"

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    # -- routes --------------------------------------------------------------
    def serve(self, path: str, body: bytes | str, content_type: str = "application/octet-stream",
              status: int = 200, headers: dict[str, str] | None = None) -> str:
        if isinstance(body, str):
            body = body.encode("utf-8")
        self.routes[path] = _Static(body, content_type, status, dict(headers or {}))
        return self.url(path)

    def serve_file(self, path: str, file: Path, content_type: str) -> str:
        return self.serve(path, file.read_bytes(), content_type)

    def route(self, path: str, function: Callable[["Handler"], None]) -> str:
        self.routes[path] = function
        return self.url(path)

    def redirect(self, path: str, location: str, status: int = 302) -> str:
        return self.serve(path, b"", "text/plain", status, {"Location": location})

    def requests_to(self, path: str) -> list[Seen]:
        return [seen for seen in self.seen if seen.path == path]


class Handler(BaseHTTPRequestHandler):
    partner: PartnerServer
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:  # quiet
        pass

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.path).query, keep_blank_values=True)

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        parts = urlsplit(self.path)
        self.partner.seen.append(Seen(parts.path, parse_qs(parts.query, keep_blank_values=True),
                                      dict(self.headers.items())))
        route = self.partner.routes.get(parts.path)
        if route is None:
            self.answer(404, b"not found", "text/plain")
        elif isinstance(route, _Static):
            self.answer(route.status, route.body, route.content_type, route.headers)
        else:
            try:
                route(self)
            except (BrokenPipeError, ConnectionResetError):
                pass

    do_HEAD = do_GET

    def answer(self, status: int, body: bytes, content_type: str,
               headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        if "Content-Length" not in (headers or {}):
            self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def json(self, value: object, status: int = 200) -> None:
        import json

        self.answer(status, json.dumps(value).encode("utf-8"), "application/json")

    def wait(self, seconds: float) -> bool:
        """Sleep, or return True at once when the server stops."""
        return self.partner.stopping.wait(seconds)

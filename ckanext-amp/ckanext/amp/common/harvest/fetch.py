"""Fetching a partner's documents without trusting the partner. Pure (no CKAN).

Every harvester downloads through a :class:`Fetcher`, which enforces a
:class:`FetchPolicy`:

* only ``http`` and ``https`` addresses (``file:``, ``gopher:``, ``ftp:``…
  are refused before anything is sent);
* the host is resolved and the connection is made to the address that was
  checked (no second resolution an attacker could change): loopback,
  private, link-local, multicast, reserved, unspecified and other
  non-public addresses are refused, IPv4 and IPv6 alike (IPv4-mapped, 6to4,
  Teredo and NAT64 IPv6 addresses are judged by the IPv4 address they
  carry; decimal and octal spellings such as ``2130706433`` resolve to the
  address they mean and are judged by it), unless the host, or host:port, is
  in the operator's allow-list;
* redirects are followed by hand, each hop checked the same way, at most
  ``max_redirects`` of them; credentials never follow a redirect to another
  host;
* connect and read timeouts, and a total deadline per request enforced by a
  watchdog that closes the connection (a server that trickles one byte a
  second ends too, headers included);
* a maximum response size, refused from ``Content-Length`` before reading,
  and enforced while streaming;
* ``gzip``/``deflate`` bodies are decompressed here, with the size limit on
  the decompressed bytes and a maximum ratio (compressed bombs);
* HTTP 429 and 503 answers are retried with an exponential backoff that
  honours ``Retry-After`` (capped), within the deadline.

Errors are :class:`FetchError` (a :class:`TranslatableError`: English msgid
and parameters, translated by the CKAN layer); the address in a message
never carries credentials (:func:`redact`).

A :class:`Fetcher` is not thread-safe: one per job (or per thread).
"""
from __future__ import annotations

import email.utils
import io
import ipaddress
import re
import socket
import threading
import time
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, Mapping
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
from urllib3.util.timeout import _DEFAULT_TIMEOUT

from ckanext.amp.common.messages import TranslatableError

__all__ = [
    "FetchError",
    "HarvestError",
    "FetchPolicy",
    "Fetcher",
    "Response",
    "address_problem",
    "check_scheme",
    "decompress_file",
    "host_allowed",
    "redact",
]

MB = 1024 * 1024
ALLOWED_SCHEMES = ("http", "https")
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
RETRY_STATUSES = frozenset({429, 503})
CHUNK = 64 * 1024
#: Ratio checks start once this much has been decompressed (small bodies
#: legitimately compress a lot).
RATIO_FLOOR = 1 * MB

#: Query parameters whose value is a secret (kept out of messages and logs).
_SECRET_PARAMS = re.compile(r"(key|token|secret|passw|auth|sig|session|credential)", re.I)


class HarvestError(TranslatableError):
    """An error of harvesting whose parameters may be errors themselves
    (translated too: a redirect refused *because* its target is refused)."""

    def translate(self, gettext: Callable[[str], str]) -> str:
        params = {key: (value.translate(gettext) if isinstance(value, TranslatableError)
                        else value) for key, value in self.params.items()}
        return gettext(self.msgid).format(**params)


class FetchError(HarvestError):
    """A download refused or failed; parameters hold redacted addresses."""


@dataclass(frozen=True)
class FetchPolicy:
    """What a harvester may download. Sizes in bytes, durations in seconds."""

    allowed_hosts: frozenset[str] = frozenset()
    max_bytes: int = 200 * MB
    max_redirects: int = 5
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    deadline: float = 300.0
    max_retries: int = 3
    retry_after_cap: float = 60.0
    max_ratio: int = 100
    user_agent: str = "ckanext-amp-harvester/1.0"

    @classmethod
    def from_options(cls, allowed_hosts: Iterable[str] = (), **options: Any) -> "FetchPolicy":
        hosts = frozenset(normalise_host_entry(entry) for entry in allowed_hosts if entry.strip())
        return cls(allowed_hosts=hosts, **{k: v for k, v in options.items() if v is not None})


@dataclass
class Response:
    """A complete, checked answer."""

    url: str
    status: int
    headers: Mapping[str, str]
    content: bytes
    history: list[str] = field(default_factory=list)

    @property
    def content_type(self) -> str:
        return (self.headers.get("Content-Type") or "").split(";", 1)[0].strip().lower()

    @property
    def charset(self) -> str | None:
        match = re.search(r"charset=([\w.-]+)", self.headers.get("Content-Type") or "", re.I)
        return match.group(1) if match else None

    def text(self) -> str:
        try:
            return self.content.decode(self.charset or "utf-8")
        except (LookupError, UnicodeDecodeError):
            return self.content.decode("utf-8", errors="replace")


# ---------------------------------------------------------------------------
# addresses


def redact(url: str) -> str:
    """``url`` without its user information and with the values of secret
    query parameters (``api_key``, ``token``…) replaced by ``***``."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<invalid address>"
    netloc = parts.netloc.rsplit("@", 1)[-1]
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode([(k, "***" if _SECRET_PARAMS.search(k) else v) for k, v in pairs],
                          safe="*:/")
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def normalise_host_entry(entry: str) -> str:
    """An allow-list entry as compared: lower case, no trailing dot, IPv6
    without brackets (``[::1]:8080`` -> ``::1:8080`` is ambiguous, so an
    IPv6 entry with a port keeps its brackets)."""
    text = entry.strip().lower().rstrip(".")
    return text


def _host_and_port(parts: Any) -> tuple[str, int]:
    host = (parts.hostname or "").rstrip(".").lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is None:
        port = 443 if parts.scheme == "https" else 80
    return host, port


def host_allowed(host: str, port: int, allowed: frozenset[str]) -> bool:
    """True when ``host`` (or ``host:port``) is in the allow-list."""
    if not allowed:
        return False
    host = host.rstrip(".").lower()
    bracketed = f"[{host}]" if ":" in host else host
    return bool({host, bracketed, f"{bracketed}:{port}"} & allowed)


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in ipaddress.IPv6Network("64:ff9b::/96"):  # NAT64
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address in ipaddress.IPv6Network("::/96") and int(address) > 1:  # IPv4-compatible
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def address_problem(address: str | ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why a harvester must not connect to ``address`` (``"loopback"``,
    ``"private"``…), or None for a public address."""
    ip = ipaddress.ip_address(str(address).split("%", 1)[0]) if isinstance(address, str) else address
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            return address_problem(embedded)
    for kind, flag in (("unspecified", ip.is_unspecified), ("loopback", ip.is_loopback),
                       ("link-local", ip.is_link_local), ("multicast", ip.is_multicast),
                       ("private", ip.is_private), ("reserved", ip.is_reserved)):
        if flag:
            return kind
    if not ip.is_global:
        return "non-public"
    return None


def check_scheme(url: str) -> None:
    """Refuse anything but an absolute http(s) address with a host."""
    try:
        parts = urlsplit(url)
    except ValueError:
        raise FetchError("{url} is not a valid web address", url=redact(url)) from None
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        raise FetchError("Only http and https addresses can be harvested: {url} was refused",
                         url=redact(url))
    if not parts.hostname:
        raise FetchError("{url} is not a valid web address", url=redact(url))
    try:
        parts.port
    except ValueError:
        raise FetchError("{url} is not a valid web address", url=redact(url)) from None


class _Guard:
    """Shared by the connections of one :class:`Fetcher`: checks every
    address before connecting, and closes the sockets at the deadline."""

    def __init__(self, policy: FetchPolicy) -> None:
        self.policy = policy
        self.url = ""
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def addresses(self, host: str, port: int) -> list[tuple[int, tuple[Any, ...]]]:
        host = host.strip("[]")
        try:
            infos = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)
        except socket.gaierror as error:
            raise FetchError("{url}: the host {host} could not be found ({reason})",
                             url=redact(self.url), host=host, reason=error.strerror or error) \
                from None
        if not host_allowed(host, port, self.policy.allowed_hosts):
            for _family, _type, _proto, _name, sockaddr in infos:
                problem = address_problem(sockaddr[0])
                if problem:
                    raise FetchError(
                        "{url} was refused: {host} is at {address}, a {kind} address inside "
                        "the machine or its network (an operator can allow a partner's host "
                        "in ckanext.amp.harvest.allowed_hosts)",
                        url=redact(self.url), host=host, address=sockaddr[0], kind=problem)
        return [(family, sockaddr) for family, _type, _proto, _name, sockaddr in infos]

    def register(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets = [s for s in self._sockets if s.fileno() != -1]
            self._sockets.append(sock)
            if self.expired:
                self._close(sock)

    def expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                self._close(sock)

    @staticmethod
    def _close(sock: socket.socket) -> None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class _GuardedConnection:
    """Mixin for urllib3 connections: resolve, check, connect to the checked
    address (TLS still verifies the host name)."""

    amp_guard: _Guard

    def _new_conn(self) -> socket.socket:  # type: ignore[override]
        guard = self.amp_guard
        last_error: OSError | None = None
        for family, sockaddr in guard.addresses(self._dns_host, self.port):  # type: ignore[attr-defined]
            sock = socket.socket(family, socket.SOCK_STREAM)
            try:
                for option in self.socket_options or ():  # type: ignore[attr-defined]
                    sock.setsockopt(*option)
                if self.timeout is not _DEFAULT_TIMEOUT:  # type: ignore[attr-defined]
                    sock.settimeout(self.timeout)  # type: ignore[attr-defined]
                guard.register(sock)
                sock.connect(sockaddr)
                return sock
            except socket.timeout as error:
                sock.close()
                raise ConnectTimeoutError(self, f"Connection to {self.host} timed out") \
                    from error  # type: ignore[attr-defined]
            except OSError as error:
                sock.close()
                last_error = error
        raise NewConnectionError(self, f"Failed to establish a new connection: {last_error}")


class _GuardedAdapter(HTTPAdapter):
    def __init__(self, guard: _Guard) -> None:
        self._amp_guard = guard
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        guard = self._amp_guard
        http = type("AmpHTTPConnection", (_GuardedConnection, urllib3.connection.HTTPConnection),
                    {"amp_guard": guard})
        https = type("AmpHTTPSConnection",
                     (_GuardedConnection, urllib3.connection.HTTPSConnection),
                     {"amp_guard": guard})
        self.poolmanager.pool_classes_by_scheme = {
            "http": type("AmpHTTPPool", (HTTPConnectionPool,), {"ConnectionCls": http}),
            "https": type("AmpHTTPSPool", (HTTPSConnectionPool,), {"ConnectionCls": https}),
        }

    def proxy_manager_for(self, *args: Any, **kwargs: Any) -> Any:  # pragma: no cover
        raise FetchError("Harvesting through a proxy is not supported")


# ---------------------------------------------------------------------------
# decompression


class _Decoder:
    """Incremental gzip/deflate decoder bounded in size and ratio."""

    def __init__(self, encoding: str, url: str, policy: FetchPolicy) -> None:
        self.url = url
        self.policy = policy
        self.encoding = encoding
        self.raw = 0
        self.decoded = 0
        self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS if encoding in ("gzip", "x-gzip")
                                        else zlib.MAX_WBITS)
        self._tried_raw_deflate = encoding != "deflate"

    def feed(self, chunk: bytes) -> Iterator[bytes]:
        self.raw += len(chunk)
        data = chunk
        while data:
            budget = self.policy.max_bytes - self.decoded + 1
            try:
                out = self._zlib.decompress(data, budget)
            except zlib.error:
                if not self._tried_raw_deflate and self.decoded == 0:
                    # "deflate" is sometimes sent without its zlib header.
                    self._tried_raw_deflate = True
                    self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
                    continue
                raise FetchError("{url} sent a damaged compressed answer", url=redact(self.url)) \
                    from None
            self._tried_raw_deflate = True
            self._account(len(out))
            if out:
                yield out
            data = self._zlib.unconsumed_tail
            if self._zlib.eof:
                break

    def finish(self) -> bytes:
        out = self._zlib.flush()
        self._account(len(out))
        return out

    def _account(self, size: int) -> None:
        self.decoded += size
        if self.decoded > self.policy.max_bytes:
            raise FetchError(
                "{url} decompresses to more than {limit} bytes: download stopped",
                url=redact(self.url), limit=self.policy.max_bytes)
        if self.decoded > RATIO_FLOOR and self.decoded > self.policy.max_ratio * max(self.raw, 1):
            raise FetchError(
                "{url} decompresses to more than {ratio} times its size (a compressed bomb?): "
                "download stopped", url=redact(self.url), ratio=self.policy.max_ratio)


def decompress_file(data: bytes, name: str, policy: FetchPolicy) -> dict[str, bytes]:
    """The files of a delivered archive (``.zip``, ``.gz``), each bounded by
    the policy's size and ratio limits; any other file is returned as is
    (``{name: data}``). Member names with ``..`` or an absolute path are
    refused."""
    lower = name.lower()
    if data[:2] == b"\x1f\x8b" or lower.endswith(".gz"):
        decoder = _Decoder("gzip", name, policy)
        out = b"".join(decoder.feed(data)) + decoder.finish()
        inner = name[:-3] if lower.endswith(".gz") else name
        return {inner: out}
    if data[:4] == b"PK\x03\x04" or lower.endswith(".zip"):
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
        except zipfile.BadZipFile:
            raise FetchError("{url} is not a readable zip archive", url=name) from None
        files: dict[str, bytes] = {}
        total = 0
        for info in archive.infolist():
            if info.is_dir():
                continue
            if info.filename.startswith(("/", "\\")) or ".." in re.split(r"[/\\]", info.filename):
                raise FetchError("{url} holds a file with an unsafe name ({member}): refused",
                                 url=name, member=info.filename)
            if info.file_size > policy.max_bytes or total + info.file_size > policy.max_bytes:
                raise FetchError(
                    "{url} decompresses to more than {limit} bytes: download stopped",
                    url=name, limit=policy.max_bytes)
            if info.file_size > RATIO_FLOOR and \
                    info.file_size > policy.max_ratio * max(info.compress_size, 1):
                raise FetchError(
                    "{url} decompresses to more than {ratio} times its size (a compressed "
                    "bomb?): download stopped", url=name, ratio=policy.max_ratio)
            # The declared sizes may lie: read with a bound.
            with archive.open(info) as member:
                content = member.read(policy.max_bytes - total + 1)
            total += len(content)
            if total > policy.max_bytes:
                raise FetchError(
                    "{url} decompresses to more than {limit} bytes: download stopped",
                    url=name, limit=policy.max_bytes)
            files[info.filename] = content
        return files
    if len(data) > policy.max_bytes:
        raise FetchError("{url} sent more than {limit} bytes: download stopped",
                         url=name, limit=policy.max_bytes)
    return {name: data}


# ---------------------------------------------------------------------------
# the fetcher


def _retry_delay(value: str | None, attempt: int, cap: float) -> float:
    """Seconds to wait before retry ``attempt`` (0-based)."""
    delay: float | None = None
    if value:
        value = value.strip()
        if value.isdigit():
            delay = float(value)
        else:
            try:
                moment = email.utils.parsedate_to_datetime(value)
            except (TypeError, ValueError):
                moment = None
            if moment is not None:
                delay = moment.timestamp() - time.time()
    if delay is None:
        delay = float(2 ** attempt)
    return max(0.0, min(delay, cap))


class Fetcher:
    """Downloads under a :class:`FetchPolicy` (see the module docstring).

    ``sleep`` waits between retries (``time.sleep``)."""

    def __init__(self, policy: FetchPolicy, sleep: Callable[[float], None] = time.sleep) -> None:
        self.policy = policy
        self._sleep = sleep
        self._guard = _Guard(policy)
        self._session = requests.Session()
        self._session.trust_env = False  # no proxies, no ~/.netrc credentials
        adapter = _GuardedAdapter(self._guard)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> "Fetcher":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def get(self, url: str, *, headers: Mapping[str, str] | None = None,
            params: Mapping[str, Any] | None = None, accept: str | None = None) -> Response:
        """GET ``url`` and return the whole checked body; raises
        :class:`FetchError`. ``headers`` (credentials included) are sent to
        the first host only."""
        if params:
            parts = urlsplit(url)
            query = "&".join(filter(None, [parts.query, urlencode(params, doseq=True)]))
            url = urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))
        started = time.monotonic()
        attempt = 0
        while True:
            response = self._get_following_redirects(url, headers, accept, started)
            if response.status not in RETRY_STATUSES or attempt >= self.policy.max_retries:
                break
            delay = _retry_delay(response.headers.get("Retry-After"), attempt,
                                 self.policy.retry_after_cap)
            if time.monotonic() - started + delay > self.policy.deadline:
                break
            self._sleep(delay)
            attempt += 1
        if response.status >= 400:
            raise FetchError("{url} answered HTTP {status}", url=redact(response.url),
                             status=response.status)
        return response

    # -- one request, redirects followed by hand -------------------------
    def _get_following_redirects(self, url: str, headers: Mapping[str, str] | None,
                                 accept: str | None, started: float) -> Response:
        first_host = urlsplit(url).netloc.lower()
        history: list[str] = []
        current = url
        while True:
            check_scheme(current)
            same_host = urlsplit(current).netloc.lower() == first_host
            sent = {"User-Agent": self.policy.user_agent,
                    "Accept-Encoding": "gzip, deflate"}
            if accept:
                sent["Accept"] = accept
            if headers and same_host:
                sent.update(headers)
            status, response_headers, body = self._one_request(current, sent, started)
            if status in REDIRECT_STATUSES and response_headers.get("Location"):
                target = urljoin(current, response_headers["Location"].strip())
                history.append(redact(current))
                if len(history) > self.policy.max_redirects:
                    raise FetchError("{url} redirected more than {count} times",
                                     url=redact(url), count=self.policy.max_redirects)
                try:
                    check_scheme(target)
                except FetchError as reason:
                    raise FetchError("{url} redirected to {target}, which was refused: {reason}",
                                     url=redact(current), target=redact(target),
                                     reason=reason) from None
                current = target
                continue
            return Response(url=current, status=status, headers=response_headers,
                            content=body, history=history)

    def _one_request(self, url: str, headers: Mapping[str, str],
                     started: float) -> tuple[int, Mapping[str, str], bytes]:
        policy = self.policy
        remaining = policy.deadline - (time.monotonic() - started)
        if remaining <= 0:
            raise FetchError("{url} took more than {seconds} seconds to answer: download stopped",
                             url=redact(url), seconds=_seconds(policy.deadline))
        guard = self._guard
        guard.url = url
        guard.expired = False
        timer = threading.Timer(remaining, guard.expire)
        timer.daemon = True
        timer.start()
        try:
            try:
                answer = self._session.get(
                    url, headers=dict(headers), stream=True, allow_redirects=False,
                    timeout=(policy.connect_timeout, policy.read_timeout))
            except FetchError:
                raise
            except requests.exceptions.ConnectTimeout:
                raise FetchError("{url} did not answer within {seconds} seconds",
                                 url=redact(url), seconds=_seconds(policy.connect_timeout)) from None
            except requests.exceptions.ReadTimeout:
                raise self._late(url, guard, policy.read_timeout) from None
            except requests.exceptions.RequestException as error:
                if guard.expired:
                    raise self._late(url, guard) from None
                raise FetchError("{url} could not be reached ({reason})", url=redact(url),
                                 reason=_reason(error)) from None
            try:
                body = self._read_body(url, answer, guard)
            finally:
                answer.close()
            return answer.status_code, answer.headers, body
        finally:
            timer.cancel()

    def _late(self, url: str, guard: _Guard, read_timeout: float | None = None) -> FetchError:
        if guard.expired or read_timeout is None:
            return FetchError("{url} took more than {seconds} seconds to answer: download stopped",
                              url=redact(url), seconds=_seconds(self.policy.deadline))
        return FetchError("{url} sent nothing for {seconds} seconds: download stopped",
                          url=redact(url), seconds=_seconds(read_timeout))

    def _read_body(self, url: str, answer: requests.Response, guard: _Guard) -> bytes:
        policy = self.policy
        if answer.status_code in REDIRECT_STATUSES:
            return b""
        announced = answer.headers.get("Content-Length")
        if announced and announced.strip().isdigit() and int(announced) > policy.max_bytes:
            raise FetchError(
                "{url} announces {size} bytes, more than the limit of {limit} bytes: "
                "not downloaded", url=redact(url), size=int(announced), limit=policy.max_bytes)
        encoding = (answer.headers.get("Content-Encoding") or "identity").strip().lower()
        if encoding not in ("identity", "gzip", "x-gzip", "deflate"):
            raise FetchError("{url} sent its answer in an unsupported encoding ({encoding})",
                             url=redact(url), encoding=encoding)
        decoder = _Decoder(encoding, url, policy) if encoding != "identity" else None
        parts: list[bytes] = []
        size = 0
        try:
            for chunk in answer.raw.stream(CHUNK, decode_content=False):
                size += len(chunk)
                if size > policy.max_bytes:
                    raise FetchError("{url} sent more than {limit} bytes: download stopped",
                                     url=redact(url), limit=policy.max_bytes)
                if decoder is None:
                    parts.append(chunk)
                else:
                    parts.extend(decoder.feed(chunk))
            if decoder is not None:
                parts.append(decoder.finish())
        except FetchError:
            raise
        except (urllib3.exceptions.HTTPError, requests.exceptions.RequestException, OSError) \
                as error:
            if guard.expired:
                raise self._late(url, guard) from None
            if isinstance(error, (urllib3.exceptions.ReadTimeoutError, socket.timeout)):
                raise self._late(url, guard, policy.read_timeout) from None
            raise FetchError("{url} could not be read to the end ({reason})", url=redact(url),
                             reason=_reason(error)) from None
        if guard.expired:
            raise self._late(url, guard)
        return b"".join(parts)


def _seconds(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _reason(error: BaseException) -> str:
    """A short technical reason, without the address (which may carry
    credentials in its query)."""
    text = str(error)
    text = re.sub(r"https?://\S+", "", text)
    text = re.sub(r"\(Caused by [A-Za-z]+\(", "(", text)
    text = re.sub(r"HTTP(S)?ConnectionPool\(host='[^']*', port=\d+\): Max retries exceeded with "
                  r"url: \S+", "", text)
    return re.sub(r"\s+", " ", text).strip(" :()") or error.__class__.__name__

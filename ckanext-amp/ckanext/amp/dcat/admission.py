"""Admission of catalogue reads (docs/decisions/0013-dcat-fragments.md,
"A search user while harvesters read the catalogue").

Catalogue pages are cheap since they are assembled from the stored
fragments, but harvesters that read page after page without pausing keep
every web worker busy, and a visitor's search queues behind them. So at most
``ckanext.amp.dcat.catalogue_concurrency`` catalogue documents
(``/catalog.{ttl,rdf,jsonld,…}``, paged or whole) are served at once across
all the workers and processes of the portal. A read over that cap waits its
turn (``ckanext.amp.dcat.catalogue_wait`` seconds at most, sleeping: it holds
a worker but no CPU) if fewer than ``ckanext.amp.dcat.catalogue_queue`` reads
are waiting already, so that two harvesters passing at the same hour are both
served (ckanext-dcat's harvester does not retry a refused page); beyond, it
is answered at once ``429 Too Many Requests`` with ``Retry-After``, before
Flask, the session or the database are touched, so that refusing costs
almost nothing. A dataset's own document and every other page are never
capped.

The slots are a Redis sorted set (CKAN's Redis, key named after
``ckan.site_id``): a member per request being served, scored with the moment
its lease ends, so that a worker killed in the middle of a request (gunicorn's
timeout) frees its slot when the lease ends. If Redis cannot be reached the
read is served (admission is a protection, not a dependency) and the log
says why.
"""
from __future__ import annotations

import logging
import os
import re
import time
import uuid
from typing import Any, Callable, Iterable, Iterator, Optional

from ckan.plugins import toolkit

log = logging.getLogger(__name__)

CONCURRENCY_OPTION = "ckanext.amp.dcat.catalogue_concurrency"
QUEUE_OPTION = "ckanext.amp.dcat.catalogue_queue"
WAIT_OPTION = "ckanext.amp.dcat.catalogue_wait"
RETRY_AFTER_OPTION = "ckanext.amp.dcat.catalogue_retry_after"
LEASE_OPTION = "ckanext.amp.dcat.catalogue_slot_lease"

#: The catalogue documents ckanext-dcat routes (``/catalog.<format>``).
CATALOGUE_PATH = re.compile(r"^/catalog\.(?:ttl|n3|nt|rdf|xml|jsonld)$")

#: KEYS: slots, waiters. ARGV: now, cap, lease end, token, key expiry, queue
#: (0: do not queue). Returns 1 (slot taken; the token leaves the waiters),
#: 2 (queued, or still queued) or 0 (refused).
_ACQUIRE = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZREM', KEYS[2], ARGV[4])
  redis.call('ZADD', KEYS[1], ARGV[3], ARGV[4])
  redis.call('EXPIRE', KEYS[1], ARGV[5])
  return 1
end
if redis.call('ZSCORE', KEYS[2], ARGV[4]) then
  return 2
end
if redis.call('ZCARD', KEYS[2]) < tonumber(ARGV[6]) then
  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
  redis.call('EXPIRE', KEYS[2], ARGV[5])
  return 2
end
return 0
"""

#: Seconds between two tries of a waiting read.
POLL = 0.05

REFUSAL = ("Trop de lectures simultanées du catalogue : réessayez dans {seconds} s "
           "(en-tête Retry-After).\n"
           "Too many concurrent catalogue reads: retry in {seconds} s "
           "(Retry-After header).\n")


def concurrency(configured: int, cores: Optional[int] = None) -> int:
    """The cap: the option, or (0) half the machine's cores, at least one."""
    if configured > 0:
        return configured
    return max(1, (cores or os.cpu_count() or 1) // 2)


def is_catalogue_read(environ: dict[str, Any]) -> bool:
    return environ.get("REQUEST_METHOD", "GET") in ("GET", "HEAD") and \
        bool(CATALOGUE_PATH.match(environ.get("PATH_INFO") or ""))


class Slots:
    """At most ``limit`` leases alive at once in one Redis sorted set, and
    at most ``queue`` requests waiting for one in another."""

    def __init__(self, redis: Any, key: str, limit: int, lease: int,
                 queue: int = 0, wait: float = 0.0) -> None:
        self.redis, self.key, self.limit, self.lease = redis, key, limit, lease
        self.queue, self.wait = queue, wait
        self.waiting_key = key + ":waiting"
        self._acquire = redis.register_script(_ACQUIRE)

    def _try(self, token: str, queue: int) -> int:
        now = time.time()
        return int(self._acquire(keys=[self.key, self.waiting_key], args=[
            now, self.limit, now + self.lease, token, self.lease + 60, queue]))

    def acquire(self) -> Optional[str]:
        """A token once a slot is taken (at once, or after waiting in the
        queue at most ``wait`` seconds), else None."""
        token = uuid.uuid4().hex
        outcome = self._try(token, self.queue)
        deadline = time.monotonic() + self.wait
        while outcome == 2 and time.monotonic() < deadline:
            time.sleep(POLL)
            outcome = self._try(token, self.queue)
        if outcome == 1:
            return token
        if outcome == 2:  # waited long enough
            self.redis.zrem(self.waiting_key, token)
        return None

    def release(self, token: str) -> None:
        self.redis.zrem(self.key, token)

    def busy(self) -> int:
        return int(self.redis.zcount(self.key, time.time(), "+inf"))

    def waiting(self) -> int:
        return int(self.redis.zcount(self.waiting_key, time.time(), "+inf"))

    def clear(self) -> None:
        self.redis.delete(self.key, self.waiting_key)


def slots_from_config() -> Slots:
    from ckan.lib.redis import connect_to_redis

    site = toolkit.config.get("ckan.site_id") or "default"
    cap = concurrency(toolkit.asint(toolkit.config.get(CONCURRENCY_OPTION, 0)))
    queue = toolkit.asint(toolkit.config.get(QUEUE_OPTION, -1))
    return Slots(connect_to_redis(), f"{site}:amp_dcat:catalogue_slots", cap,
                 toolkit.asint(toolkit.config.get(LEASE_OPTION, 300)),
                 queue=cap if queue < 0 else queue,
                 wait=float(toolkit.config.get(WAIT_OPTION, 10)))


class _Released:
    """The response's body; the slot is given back when the body is done
    (read to the end, or closed by the server), whichever comes first, or
    at the latest when the body is dropped unread (a WSGI server always
    closes it; a test client may not)."""

    def __init__(self, body: Iterable[bytes], release: Callable[[], None]) -> None:
        self._body, self._release = body, release

    def __iter__(self) -> Iterator[bytes]:
        try:
            yield from self._body
        finally:
            self._done()

    def close(self) -> None:
        try:
            close = getattr(self._body, "close", None)
            if close is not None:
                close()
        finally:
            self._done()

    def __del__(self) -> None:
        self._done()

    def _done(self) -> None:
        release, self._release = getattr(self, "_release", None), None
        if release is not None:
            release()


class CatalogueAdmission:
    """WSGI middleware around CKAN's Flask application (``app.wsgi_app``)."""

    def __init__(self, app: Callable[..., Any], slots: Callable[[], Slots],
                 retry_after: int) -> None:
        self.app, self._slots, self.retry_after = app, slots, retry_after
        self._cached: Optional[Slots] = None

    def slots(self) -> Slots:
        if self._cached is None:
            self._cached = self._slots()
        return self._cached

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if not is_catalogue_read(environ):
            return self.app(environ, start_response)
        try:
            slots = self.slots()
            token = slots.acquire()
        except Exception as error:  # Redis down: serve, say so.
            log.warning("amp_dcat: catalogue admission unavailable (%s: %s), read served",
                        type(error).__name__, error)
            return self.app(environ, start_response)
        if token is None:
            body = REFUSAL.format(seconds=self.retry_after).encode("utf-8")
            start_response("429 Too Many Requests", [
                ("Content-Type", "text/plain; charset=utf-8"),
                ("Content-Length", str(len(body))),
                ("Retry-After", str(self.retry_after))])
            return [body]

        def release() -> None:
            try:
                slots.release(token)
            except Exception as error:  # the lease ends it anyway
                log.warning("amp_dcat: catalogue slot not released (%s), its lease "
                            "will end it", error)

        try:
            return _Released(self.app(environ, start_response), release)
        except BaseException:
            release()
            raise


def install(app: Any) -> Any:
    """IMiddleware: catalogue reads go through the admission."""
    app.wsgi_app = CatalogueAdmission(
        app.wsgi_app, slots_from_config,
        toolkit.asint(toolkit.config.get(RETRY_AFTER_OPTION, 2)))
    return app

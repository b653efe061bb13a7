"""Benchmark: a search user's latency while harvesters read the DCAT
catalogue (not a test: it prints figures).

    .venv/bin/python bench/dcat_load.py --datasets 500 --readers 8 --duration 30

It builds a portal as `make run` does (bench/web.py's ``Portal``: embedded
PostgreSQL and Redis, every plugin of `make run`, the demo data, then
``--datasets`` public datasets over HTTP) and serves it with gunicorn as
`make run` does (``AMP_WEB_WORKERS``'s default unless ``--workers``).

One search user sends, one after the other, the requests of someone looking
for data: ``package_search`` through the API (free text, facets) and the
search page ``/dataset/?q=…``. Its latencies are measured for
``--duration`` seconds twice: on the idle portal, then while ``--readers``
harvesters read catalogue pages at once (``/catalog.{ttl,rdf,jsonld}?page=N``,
N drawn among the catalogue's pages, no conditional headers: the worst case
for the server, every page served whole). The phases alternate ``--rounds``
times (idle, loaded, idle, loaded…) so that whatever else runs on the
machine weighs on both. It prints the search user's p50 / p95 in each
phase, their ratio (docs/decisions/0013-dcat-fragments.md: goal under 2×
the idle p95) and the catalogue pages served per second.
"""
from __future__ import annotations

import argparse
import http.client
import random
import sys
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from access import folder  # noqa: E402
from search import SUBJECTS, percentile  # noqa: E402
from web import Portal, load  # noqa: E402

FORMATS = ("ttl", "rdf", "jsonld")
PAGE = 100


def search_path(rng: random.Random) -> str:
    word = urllib.parse.quote(rng.choice(SUBJECTS))
    if rng.random() < 0.5:
        facets = urllib.parse.quote('["organization","tags","res_format","license_id"]')
        return f"/api/3/action/package_search?q={word}&rows=10&facet.field={facets}"
    return f"/dataset/?q={word}"


def get(conn: http.client.HTTPConnection, path: str) -> int:
    conn.request("GET", path)
    response = conn.getresponse()
    response.read()
    return response.status


def search_user(port: int, duration: float, seed: int) -> tuple[list[float], int]:
    rng = random.Random(seed)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    latencies, errors = [], 0
    stop_at = time.monotonic() + duration
    while time.monotonic() < stop_at:
        started = time.perf_counter()
        try:
            if get(conn, search_path(rng)) != 200:
                errors += 1
        except (OSError, http.client.HTTPException):
            errors += 1
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        latencies.append(time.perf_counter() - started)
    conn.close()
    return latencies, errors


def readers(port: int, count: int, pages: int, stop: threading.Event,
            served: list[int], errors: list[str]) -> list[threading.Thread]:
    lock = threading.Lock()

    def reader(number: int) -> None:
        rng = random.Random(number)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        while not stop.is_set():
            path = f"/catalog.{rng.choice(FORMATS)}?page={rng.randint(1, pages)}"
            try:
                status = get(conn, path)
                with lock:
                    if status == 200:
                        served[0] += 1
                    else:
                        errors.append(f"{status} {path}")
            except (OSError, http.client.HTTPException) as exc:
                with lock:
                    errors.append(f"{type(exc).__name__} {path}")
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        conn.close()

    threads = [threading.Thread(target=reader, args=(n,), daemon=True) for n in range(count)]
    for thread in threads:
        thread.start()
    return threads


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", type=int, default=500)
    parser.add_argument("--readers", type=int, default=8)
    parser.add_argument("--duration", type=float, default=30.0, help="seconds per phase")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=None,
                        help="gunicorn workers (default: AMP_WEB_WORKERS's default)")
    parser.add_argument("--keep", type=Path, help="keep the portal in this folder")
    arguments = parser.parse_args()

    from ckanext.amp.stack.settings import default_web_workers

    workers = arguments.workers or default_web_workers()
    idle: list[float] = []
    loaded: list[float] = []
    served, reader_errors, search_errors = [0], [], 0
    loaded_seconds = 0.0
    with folder(arguments.keep) as base:
        portal = Portal(base / "home")
        try:
            started = time.monotonic()
            token = portal.prepare()
            portal.serve("gunicorn", workers=workers)
            load(portal, arguments.datasets, token)
            pages = max(1, -(-arguments.datasets // PAGE))
            print(f"portail : {arguments.datasets} jeux créés (+ démo) en "
                  f"{time.monotonic() - started:.0f} s ; gunicorn {workers} workers ; "
                  f"{arguments.readers} moissonneurs sur {pages} pages", flush=True)
            # Warm every worker (first requests) and every page's fragments.
            search_user(portal.port, 5, seed=999)
            stop = threading.Event()
            warm = readers(portal.port, arguments.readers, pages, stop, [0], [])
            time.sleep(10)
            stop.set()
            for thread in warm:
                thread.join()
            for round_number in range(arguments.rounds):
                latencies, errors = search_user(portal.port, arguments.duration,
                                                seed=round_number)
                idle += latencies
                search_errors += errors
                stop = threading.Event()
                before = served[0]
                threads = readers(portal.port, arguments.readers, pages, stop, served,
                                  reader_errors)
                phase_started = time.monotonic()
                latencies, errors = search_user(portal.port, arguments.duration,
                                                seed=100 + round_number)
                stop.set()
                for thread in threads:
                    thread.join()
                loaded_seconds += time.monotonic() - phase_started
                loaded += latencies
                search_errors += errors
                print(f"  tour {round_number + 1} : {len(idle)} / {len(loaded)} recherches, "
                      f"{served[0] - before} pages de catalogue", flush=True)
        finally:
            portal.stop()
    p95_idle, p95_loaded = percentile(idle, 0.95), percentile(loaded, 0.95)
    print()
    print(f"{'recherche':34} {'requêtes':>9} {'p50 ms':>8} {'p95 ms':>8}")
    for name, values in (("portail au repos", idle),
                         (f"pendant {arguments.readers} moissonneurs", loaded)):
        print(f"{name:34} {len(values):9d} {percentile(values, 0.5) * 1000:8.0f} "
              f"{percentile(values, 0.95) * 1000:8.0f}")
    print(f"p95 chargé / p95 au repos : ×{p95_loaded / p95_idle:.2f} (objectif < ×2)")
    print(f"pages de catalogue servies : {served[0]} ({served[0] / loaded_seconds:.1f}/s), "
          f"erreurs : {len(reader_errors)} ; erreurs de la recherche : {search_errors}")
    for error in sorted(set(reader_errors))[:5]:
        print(f"    {error}")


if __name__ == "__main__":
    main()

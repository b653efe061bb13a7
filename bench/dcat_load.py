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
for the server, every page served whole; a harvester answered 429 waits the
``Retry-After`` it is given). The whole is done twice on the same portal,
restarted between the two: without the admission of catalogue reads (its cap
raised above the number of readers, as the portal was before it) and with its
cap (``ckanext.amp.dcat.catalogue_concurrency``, docs/decisions/0013). The phases alternate ``--rounds``
times (idle, loaded, idle, loaded…) so that whatever else runs on the
machine weighs on both. It prints the search user's p50 / p95 in each
phase, their ratio (docs/decisions/0013-dcat-fragments.md: goal under 2×
the idle p95) and the catalogue pages served per second.
"""
from __future__ import annotations

import argparse
import http.client
import random
import subprocess
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

from ckanext.amp.stack.cli import ckan_executable  # noqa: E402

FORMATS = ("ttl", "rdf", "jsonld")
PAGE = 100


def search_path(rng: random.Random) -> str:
    word = urllib.parse.quote(rng.choice(SUBJECTS))
    if rng.random() < 0.5:
        facets = urllib.parse.quote('["organization","tags","res_format","license_id"]')
        return f"/api/3/action/package_search?q={word}&rows=10&facet.field={facets}"
    return f"/dataset/?q={word}"


def get(conn: http.client.HTTPConnection, path: str) -> int:
    return fetch(conn, path)[0]


def fetch(conn: http.client.HTTPConnection, path: str) -> tuple[int, float]:
    """Status and the Retry-After the server asked for (seconds, 0 if none)."""
    conn.request("GET", path)
    response = conn.getresponse()
    response.read()
    try:
        retry_after = float(response.getheader("Retry-After") or 0)
    except ValueError:
        retry_after = 1.0
    return response.status, retry_after


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
            served: list[int], errors: list[str],
            refused: list[int]) -> list[threading.Thread]:
    lock = threading.Lock()

    def reader(number: int) -> None:
        rng = random.Random(number)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        while not stop.is_set():
            path = f"/catalog.{rng.choice(FORMATS)}?page={rng.randint(1, pages)}"
            try:
                status, retry_after = fetch(conn, path)
                with lock:
                    if status == 200:
                        served[0] += 1
                    elif status == 429:
                        refused[0] += 1
                    else:
                        errors.append(f"{status} {path}")
                if status == 429:  # a polite harvester waits as it is told
                    stop.wait(retry_after)
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


#: Without a cap: more slots than any number of readers.
NO_CAP = 1000


class Phase:
    """A mode's figures: the search user idle and loaded, the readers' pages."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.idle: list[float] = []
        self.loaded: list[float] = []
        self.served, self.refused, self.errors = [0], [0], []
        self.search_errors = 0
        self.loaded_seconds = 0.0


def measure(portal: Portal, phase: Phase, readers_count: int, pages: int,
            duration: float, rounds: int) -> None:
    # Warm every worker (first requests) and every page's fragments.
    search_user(portal.port, 5, seed=999)
    stop = threading.Event()
    warm = readers(portal.port, readers_count, pages, stop, [0], [], [0])
    time.sleep(10)
    stop.set()
    for thread in warm:
        thread.join()
    for round_number in range(rounds):
        latencies, errors = search_user(portal.port, duration, seed=round_number)
        phase.idle += latencies
        phase.search_errors += errors
        stop = threading.Event()
        before = phase.served[0]
        threads = readers(portal.port, readers_count, pages, stop, phase.served,
                          phase.errors, phase.refused)
        started = time.monotonic()
        latencies, errors = search_user(portal.port, duration, seed=100 + round_number)
        stop.set()
        for thread in threads:
            thread.join()
        phase.loaded_seconds += time.monotonic() - started
        phase.loaded += latencies
        phase.search_errors += errors
        print(f"  {phase.name}, tour {round_number + 1} : {len(phase.idle)} / "
              f"{len(phase.loaded)} recherches, {phase.served[0] - before} pages de "
              f"catalogue", flush=True)


def report(phases: list[Phase], readers_count: int) -> None:
    print()
    print(f"{'mode':24} {'recherche':28} {'requêtes':>9} {'p50 ms':>8} {'p95 ms':>8} "
          f"{'p95 / repos':>12} {'pages/s':>8} {'429':>6} {'erreurs':>8}")
    for phase in phases:
        p95_idle = percentile(phase.idle, 0.95)
        for name, values in (("portail au repos", phase.idle),
                             (f"pendant {readers_count} moissonneurs", phase.loaded)):
            loaded = values is phase.loaded
            ratio = f"×{percentile(values, 0.95) / p95_idle:.2f}" if loaded else ""
            pages = f"{phase.served[0] / phase.loaded_seconds:.1f}" if loaded else ""
            refused = str(phase.refused[0]) if loaded else ""
            errors = str(len(phase.errors) + phase.search_errors) if loaded else ""
            print(f"{phase.name:24} {name:28} {len(values):9d} "
                  f"{percentile(values, 0.5) * 1000:8.0f} {percentile(values, 0.95) * 1000:8.0f} "
                  f"{ratio:>12} {pages:>8} {refused:>6} {errors:>8}")
    print("objectif : p95 pendant les moissonneurs < ×2 le p95 au repos")
    for phase in phases:
        for error in sorted(set(phase.errors))[:5]:
            print(f"    {phase.name} : {error}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", type=int, default=500)
    parser.add_argument("--readers", type=int, default=8)
    parser.add_argument("--duration", type=float, default=30.0, help="seconds per phase")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=None,
                        help="gunicorn workers (default: AMP_WEB_WORKERS's default)")
    parser.add_argument("--concurrency", type=int, default=0,
                        help="ckanext.amp.dcat.catalogue_concurrency of the capped mode "
                             "(default 0: the portal's default, half the cores)")
    parser.add_argument("--modes", nargs="+", choices=("sans-plafond", "plafond"),
                        default=["sans-plafond", "plafond"],
                        help="without the admission cap (as before it), with it; both by "
                             "default, one after the other on the same portal")
    parser.add_argument("--keep", type=Path, help="keep the portal in this folder")
    arguments = parser.parse_args()

    from ckanext.amp.stack.settings import default_web_workers
    from ckanext.amp.dcat.admission import CONCURRENCY_OPTION, concurrency

    workers = arguments.workers or default_web_workers()
    phases: list[Phase] = []
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
            for mode in arguments.modes:
                cap = NO_CAP if mode == "sans-plafond" else concurrency(arguments.concurrency)
                portal.stop_server()
                subprocess.run([ckan_executable(), "config-tool", str(portal.ini),
                                f"{CONCURRENCY_OPTION}={cap}"], env=portal.env, check=True,
                               capture_output=True)
                portal.serve("gunicorn", workers=workers)
                phase = Phase(mode if cap == NO_CAP else f"plafond {cap}")
                measure(portal, phase, arguments.readers, pages, arguments.duration,
                        arguments.rounds)
                phases.append(phase)
        finally:
            portal.stop()
    report(phases, arguments.readers)


if __name__ == "__main__":
    main()

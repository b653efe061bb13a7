"""Benchmark of `make run`'s web server: werkzeug's development server (what
`make run` ran until 0015) and gunicorn (what it runs now), side by side, in
the same run, on the same portal (not a test: it prints figures).

    .venv/bin/python bench/web.py --datasets 300 --clients 16 --duration 30

It builds a portal as `make run` does, in a temporary AMP_HOME: embedded
PostgreSQL and Redis, the ini written from stack/portal.ini (every plugin of
`make run`), the migrations, the demo data (``ckan amp demo load``), then
``--datasets`` more public datasets (1-5 resources each, in 12 organisations)
created over HTTP with ``package_create`` and a sysadmin's API token.

Then ``--clients`` HTTP clients (threads, one keep-alive connection each)
send the mixed read load of a portal's visitors for ``--duration`` seconds
to each server in turn, ``--rounds`` times (dev, gunicorn, dev, gunicorn…,
so that whatever else runs on the machine weighs on both alike). Each
request is drawn at random:

* 15 % the home page ``/``;
* 25 % the search page ``/dataset/?q=<word>`` (facets, 20 rows), a third of
  them with a facet filter (organisation or format);
* 25 % a dataset page ``/dataset/<name>``;
* 15 % ``/api/3/action/package_search`` (free text, 10 rows, facets);
* 15 % ``/api/3/action/package_show``;
* 5 % the catalogue ``/catalog.ttl`` (first page).

It prints, per server: requests per second, p50 and p95 of the latency, the
count of errors (any status but 200 or a transport failure), and the web
processes' resident memory at the end (the sum over gunicorn's master and
workers). The dev server is started as `make run` started it
(``ckan run -r``, threaded per ``ckan.devserver.threaded``), gunicorn as it
starts it now (``ckanext.amp.stack.cli.web_argv``: ``--workers`` processes,
each given in turn with ``--workers 3 5``).
"""
from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any, Optional

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "ckanext-amp"))
sys.path.insert(0, str(ROOT / "bench"))

from access import folder, make_datasets  # noqa: E402
from search import FORMATS, SUBJECTS, percentile  # noqa: E402

from ckanext.amp.stack import ckan_ini, migrations, services as svc  # noqa: E402
from ckanext.amp.stack.cli import (child_env, ckan_executable, make_ckan_runner,  # noqa: E402
                                   portal_answers, web_argv)
from ckanext.amp.stack.settings import Settings  # noqa: E402

ORGANISATIONS = 12
#: (share, kind) of the mixed load.
MIX = [(0.15, "home"), (0.25, "search page"), (0.25, "dataset page"),
       (0.15, "api package_search"), (0.15, "api package_show"), (0.05, "catalogue")]


def free_port() -> int:
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- the portal --------------------------------------------------------------------

class Portal:
    """A portal built as `make run` builds it, in ``home``."""

    def __init__(self, home: Path):
        self.home = home
        self.port = free_port()
        self.settings = Settings.from_env({"AMP_HOME": str(home), "AMP_PORT": str(self.port)})
        self.services: Optional[svc.Services] = None
        self.process: Optional[subprocess.Popen] = None
        self.server = ""

    def start_services(self) -> None:
        settings = self.settings
        settings.home.mkdir(parents=True, exist_ok=True)
        settings.logs.mkdir(parents=True, exist_ok=True)
        self.services = svc.start_services(settings.home)
        plugins, _ = ckan_ini.split_available(ckan_ini.enabled_plugins(ckan_ini.BASE_INI))
        self.ini = ckan_ini.write_run_ini(settings, sqlalchemy_url=self.services.sqlalchemy_url,
                                          redis_url=self.services.redis_url, plugins=plugins)
        self.env = child_env(CKAN_INI=str(self.ini),
                             CKAN_SQLALCHEMY_URL=self.services.sqlalchemy_url,
                             CKAN_REDIS_URL=self.services.redis_url,
                             CKAN_SITE_URL=settings.site_url,
                             CKAN_STORAGE_PATH=str(settings.storage))
        self.run_ckan = make_ckan_runner(self.ini, self.env, settings.logs / "setup.log")
        migrations.upgrade(self.ini, self.services.sqlalchemy_url, self.run_ckan)

    def prepare(self) -> str:
        """Servers, migrations and the demo data, as the first `make run`
        does; returns a sysadmin's API token."""
        self.start_services()
        self.run_ckan(["amp", "demo", "load", "--organizations-only"],
                      "amp demo load --organizations-only")
        self.run_ckan(["amp", "conventions", "load"], "amp conventions load")
        self.run_ckan(["amp", "demo", "load"], "amp demo load")
        return self.token()

    def token(self) -> str:
        self.run_ckan(["sysadmin", "add", "admin", "email=admin@bench.invalid",
                       "password=" + "Bench-" + os.urandom(8).hex()], "sysadmin add admin",
                      stdin_text="y\n")
        out = subprocess.run([ckan_executable(), "-c", str(self.ini), "user", "token", "add",
                              "admin", "bench"], env=self.env, capture_output=True, text=True,
                             check=True).stdout
        return [line.strip() for line in out.splitlines() if line.strip()][-1]

    def serve(self, server: str, workers: int = 1) -> None:
        self.server = server
        if server == "dev":
            argv = [ckan_executable(), "-c", str(self.ini), "run", "-H", "127.0.0.1",
                    "-p", str(self.port), "-r"]
            env = self.env
        else:
            argv = web_argv(self.settings.bind)
            env = {**self.env, "AMP_WEB_WORKERS": str(workers)}
        log = open(self.settings.logs / f"web-{server}.log", "ab")
        self.process = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 180
        while not portal_answers(self.settings.local_url):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{server} did not start (log: {log.name})")
            time.sleep(0.5)

    def memory_mb(self) -> float:
        """Resident memory of the web processes (the group), in MB."""
        assert self.process is not None
        total = 0
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                if int(stat[2]) != self.process.pid:  # pgrp
                    continue
                for line in (entry / "status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            except (FileNotFoundError, ProcessLookupError, IndexError):
                continue
        return total / 1024

    def stop_server(self) -> None:
        if self.process is not None:
            # As `make run`'s supervisor: gunicorn's master stops its workers.
            with contextlib.suppress(ProcessLookupError):
                if self.server == "gunicorn":
                    self.process.send_signal(signal.SIGTERM)
                else:
                    os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                pass
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            self.process = None

    def stop(self) -> None:
        self.stop_server()
        if self.services is not None:
            self.services.stop()


# -- the data ----------------------------------------------------------------------

def api(port: int, action: str, data: dict[str, Any], token: str) -> dict[str, Any]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    body = json.dumps(data).encode()
    conn.request("POST", f"/api/3/action/{action}", body=body,
                 headers={"Authorization": token, "Content-Type": "application/json"})
    response = conn.getresponse()
    answer = json.loads(response.read())
    conn.close()
    if not answer.get("success"):
        raise RuntimeError(f"{action}: {answer.get('error')}")
    return answer["result"]


def load(portal: Portal, count: int, token: str) -> list[str]:
    """Organisations and ``count`` public datasets, over HTTP (4 clients)."""
    rng = random.Random(42)
    organisations = [api(portal.port, "organization_create", {
        "name": f"bench-organisation-{n:02d}", "title": f"Direction {SUBJECTS[n]} n° {n}"},
        token)["name"] for n in range(ORGANISATIONS)]
    datasets = []
    for dataset in make_datasets(count, organisations):
        # bench/access.py's catalogue, every dataset public.
        for key in ("bench_kind", "convention", "diffusion_basis", "metadata_visibility",
                    "private"):
            dataset.pop(key, None)
        dataset.update(diffusion="public", license_id=rng.choice(["lov2", "odc-odbl"]))
        datasets.append(dataset)
    errors: list[str] = []

    def create(part: list[dict[str, Any]]) -> None:
        for dataset in part:
            try:
                api(portal.port, "package_create", dataset, token)
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(f"{dataset['name']}: {exc}")
    threads = [threading.Thread(target=create, args=(datasets[n::4],)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise RuntimeError(f"{len(errors)} datasets not created, e.g. {errors[0]}")
    return [dataset["name"] for dataset in datasets]


# -- the load ----------------------------------------------------------------------

def paths(names: list[str], organisations: list[str], rng: random.Random) -> tuple[str, str]:
    kind = rng.choices([k for _, k in MIX], weights=[s for s, _ in MIX])[0]
    word = urllib.parse.quote(rng.choice(SUBJECTS))
    if kind == "home":
        return kind, "/"
    if kind == "search page":
        path = f"/dataset/?q={word}"
        draw = rng.random()
        if draw < 1 / 6:
            path += f"&organization={rng.choice(organisations)}"
        elif draw < 1 / 3:
            path += f"&res_format={rng.choice(FORMATS)}"
        return kind, path
    if kind == "dataset page":
        return kind, f"/dataset/{rng.choice(names)}"
    if kind == "api package_search":
        facets = urllib.parse.quote('["organization","tags","res_format","license_id"]')
        return kind, (f"/api/3/action/package_search?q={word}&rows=10"
                      f"&facet.field={facets}")
    if kind == "api package_show":
        return kind, f"/api/3/action/package_show?id={rng.choice(names)}"
    return kind, "/catalog.ttl"


def measure(port: int, names: list[str], organisations: list[str], clients: int,
            duration: float, seed: int) -> dict[str, Any]:
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + duration

    def client(number: int) -> None:
        rng = random.Random(seed * 1000 + number)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        mine: list[float] = []
        failures: list[str] = []
        while time.monotonic() < stop_at:
            kind, path = paths(names, organisations, rng)
            started = time.perf_counter()
            try:
                conn.request("GET", path)
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    failures.append(f"{response.status} {path}")
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
            except (OSError, http.client.HTTPException) as exc:
                failures.append(f"{type(exc).__name__} {path}")
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            mine.append(time.perf_counter() - started)
        conn.close()
        with lock:
            latencies.extend(mine)
            errors.extend(failures)

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    return {"requests": len(latencies), "seconds": elapsed, "errors": errors,
            "latencies": latencies}


def warm_up(port: int, names: list[str], organisations: list[str]) -> None:
    """A few requests of each kind (every worker's first requests are slow)."""
    measure(port, names, organisations, clients=8, duration=8, seed=999)


# ----------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", type=int, default=300)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--duration", type=float, default=30.0, help="seconds per round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, nargs="+", default=None,
                        help="gunicorn workers (default: AMP_WEB_WORKERS's default)")
    parser.add_argument("--keep", type=Path, help="keep the portal in this folder")
    arguments = parser.parse_args()

    from ckanext.amp.stack.settings import default_web_workers
    workers = arguments.workers or [default_web_workers()]
    servers = [("dev", 1)] + [("gunicorn", n) for n in workers]
    results: dict[tuple[str, int], list[dict[str, Any]]] = {server: [] for server in servers}
    memory: dict[tuple[str, int], float] = {}
    with folder(arguments.keep) as base:
        portal = Portal(base / "home")
        try:
            started = time.monotonic()
            token = portal.prepare()
            portal.serve("gunicorn", workers=4)
            names = load(portal, arguments.datasets, token)
            organisations = [f"bench-organisation-{n:02d}" for n in range(ORGANISATIONS)]
            portal.stop_server()
            print(f"portail : {arguments.datasets} jeux créés (+ démo) en "
                  f"{time.monotonic() - started:.0f} s ; {arguments.clients} clients, "
                  f"{arguments.rounds} × {arguments.duration:.0f} s par serveur", flush=True)
            for round_number in range(arguments.rounds):
                order = servers if round_number % 2 == 0 else servers[::-1]
                for server in order:
                    portal.serve(*server)
                    warm_up(portal.port, names, organisations)
                    outcome = measure(portal.port, names, organisations, arguments.clients,
                                      arguments.duration, seed=round_number)
                    memory[server] = portal.memory_mb()
                    portal.stop_server()
                    results[server].append(outcome)
                    print(f"  tour {round_number + 1} {label(server)} : "
                          f"{outcome['requests'] / outcome['seconds']:.1f} req/s", flush=True)
        finally:
            portal.stop()
    print()
    print(f"{'serveur':28} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'erreurs':>8} "
          f"{'mémoire':>9}")
    for server in servers:
        rounds = results[server]
        latencies = [value for outcome in rounds for value in outcome["latencies"]]
        errors = [error for outcome in rounds for error in outcome["errors"]]
        rate = sum(o["requests"] for o in rounds) / sum(o["seconds"] for o in rounds)
        print(f"{label(server):28} {rate:7.1f} {percentile(latencies, 0.5) * 1000:8.0f} "
              f"{percentile(latencies, 0.95) * 1000:8.0f} {len(errors):8d} "
              f"{memory[server]:7.0f} MB")
        for error in sorted(set(errors))[:5]:
            print(f"    {error}")


def label(server: tuple[str, int]) -> str:
    name, workers = server
    return "werkzeug (ckan run -r)" if name == "dev" else f"gunicorn, {workers} processus"


if __name__ == "__main__":
    main()

"""Benchmark of harvesting: the stock harvesters against amp_harvest's (not a
test: it prints figures).

    .venv/bin/python bench/harvest.py --count 10000

A local HTTP server serves two generated catalogues of COUNT datasets
(French titles and descriptions, Licence Ouverte 2.0, EU themes, 1-3
CSV/JSON/GeoJSON distributions): a DCAT-AP Turtle catalogue in pages of
100 linked by ``hydra:next``, and a CKAN action API (``package_search``
paged by ``rows``/``start``, sorted by id, with the ``metadata_modified``
range filter and ``fl`` the stock CKAN harvester sends). In the same run,
on the same portal, four sources harvest them: ckanext-dcat's
``dcat_rdf`` and our ``amp_dcat`` (Turtle), ckanext-harvest's ``ckan`` and
our ``amp_ckan`` (API). Each goes through four jobs:

1. first harvest of the catalogue;
2. re-harvest of the unchanged catalogue;
3. re-harvest after 1 % of the datasets changed (title and modification date);
4. re-harvest after 1 % more were removed from the catalogue (our
   harvesters withdraw them at once: the sources have ``grace_days: 0``).

In each phase the stock job runs first (``--ours-first``: ours first): the
second first harvest writes into a portal that already holds the first one's
datasets, activities and index entries, and its names collide with them, so
the order weighs on that phase (at 10,000 datasets, much more than the two
harvesters' difference); run both orders (docs/decisions/0008-harvest.md). ``--first-only`` stops after the first
harvest.

A job is timed from its creation to ckanext-harvest marking it finished
(``harvester run``, asked every 0.5 s once the gather is over and the fetch
queue is empty, so that it never re-sends objects being published). The jobs
run through the real Redis queues and the real consumers
(``ckan harvester gather-consumer`` / ``fetch-consumer``, one of each, in
their own processes); the peak resident memory of each consumer during
each job is read from ``/proc`` every 0.2 s.

A throw-away embedded PostgreSQL and Redis are started in a temporary
directory (the one of ``--keep DIR`` is kept), as ``make test`` does; the
portal's plugins are those of test.ini's base (amp_search, amp_schema...),
with both kinds of harvesters, so that stock and ours write the same
schema.
"""
from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "ckanext-amp"))

PLUGINS = ("amp_search activity amp_harvest harvest amp_dcat_harvester amp_ckan_harvester "
           "ckan_harvester dcat_rdf_harvester amp_schema scheming_datasets scheming_organizations")
PAGE = 100
SUBJECTS = ["délibérations", "budget", "subventions", "mobilité", "vélos", "stationnement",
            "eau potable", "déchets", "culture", "musées", "urbanisme", "voirie", "capteurs",
            "transports", "écoles", "population", "tourisme", "arbres"]
PLACES = ["Marseille", "Aix-en-Provence", "Martigues", "Aubagne", "Istres", "Salon-de-Provence",
          "Vitrolles", "La Ciotat", "Gardanne", "Miramas", "Pertuis"]
WORDS = ("données ouvertes publiées par la métropole mise à jour quotidienne mensuelle annuelle "
         "territoire commune secteur service public producteur réutilisation licence ouverte "
         "fichier ressource description détaillée indicateur mesure relevé station réseau").split()
THEMES = ["ENVI", "TRAN", "GOVE", "ECON", "SOCI", "EDUC", "REGI", "HEAL"]
FORMATS = [("csv", "CSV"), ("json", "JSON"), ("geojson", "GEOJSON")]
EU = "http://publications.europa.eu/resource/authority/"


# -- the partner -------------------------------------------------------------------

class Catalogue:
    """COUNT generated datasets; ``revision`` changes some, ``removed`` hides some."""

    def __init__(self, count: int, seed: int = 42) -> None:
        rng = random.Random(seed)
        self.base = dt.datetime(2026, 1, 5, 8, 0, 0)
        self.datasets = []
        for number in range(count):
            subject, place = rng.choice(SUBJECTS), rng.choice(PLACES)
            title = f"{subject.capitalize()} — {place} n° {number}"
            self.datasets.append({
                "number": number, "id": str(uuid.UUID(int=rng.getrandbits(128))),
                "name": f"jeu-{number:06d}", "title": title,
                "notes": " ".join([f"{title}."] + rng.choices(WORDS, k=rng.randint(25, 60))),
                "theme": rng.choice(THEMES), "tags": sorted(set(rng.choices(SUBJECTS, k=3))),
                "formats": rng.sample(FORMATS, rng.randint(1, 3)),
                "modified": self.base - dt.timedelta(days=rng.randint(1, 900)),
            })
        self.changed: set[int] = set()
        self.removed: set[int] = set()
        self.lock = threading.Lock()
        self._pages: dict[int, bytes] = {}

    def change(self, numbers: list[int]) -> None:
        with self.lock:
            now = dt.datetime.utcnow()
            for number in numbers:
                self.changed.add(number)
                self.datasets[number]["title"] += " (révisé)"
                self.datasets[number]["modified"] = now
            self._pages.clear()

    def remove(self, numbers: list[int]) -> None:
        with self.lock:
            self.removed.update(numbers)
            self._pages.clear()

    def listed(self) -> list[dict[str, Any]]:
        return [d for d in self.datasets if d["number"] not in self.removed]

    # -- DCAT Turtle, hydra pages --------------------------------------------
    def turtle_page(self, number: int, base_url: str) -> bytes:
        with self.lock:
            if number in self._pages:
                return self._pages[number]
            listed = self.listed()
            pages = max(1, -(-len(listed) // PAGE))
            chunk = listed[(number - 1) * PAGE:number * PAGE]
            out = ["@prefix dcat: <http://www.w3.org/ns/dcat#> .",
                   "@prefix dct: <http://purl.org/dc/terms/> .",
                   "@prefix hydra: <http://www.w3.org/ns/hydra/core#> .",
                   "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .", ""]
            for d in chunk:
                uri = f"https://partenaire.example/dataset/{d['name']}"
                distributions = []
                for index, (extension, code) in enumerate(d["formats"]):
                    dist = f"{uri}/distribution/{index}"
                    distributions.append(
                        f"<{dist}> a dcat:Distribution ; dct:title {_ttl(d['title'] + ' ' + code)} ;\n"
                        f"  dcat:accessURL <https://partenaire.example/data/{d['name']}.{extension}> ;\n"
                        f"  dcat:downloadURL <https://partenaire.example/data/{d['name']}.{extension}> ;\n"
                        f"  dct:format <{EU}file-type/{code}> .")
                out.append(
                    f"<{uri}> a dcat:Dataset ;\n"
                    f"  dct:identifier \"{d['id']}\" ;\n  dct:title {_ttl(d['title'])} ;\n"
                    f"  dct:description {_ttl(d['notes'])} ;\n"
                    f"  dct:license <{EU}licence/ETALAB_2_0> ;\n"
                    f"  dcat:theme <{EU}data-theme/{d['theme']}> ;\n"
                    + "".join(f"  dcat:keyword {_ttl(tag)} ;\n" for tag in d["tags"])
                    + f"  dct:modified \"{d['modified'].isoformat()}\"^^xsd:dateTime ;\n"
                    f"  dcat:landingPage <{uri}> ;\n"
                    + "".join(f"  dcat:distribution <{uri}/distribution/{i}> ;\n"
                              for i in range(len(d["formats"])))
                    + "  .\n" + "\n".join(distributions))
            view = f"{base_url}/catalog.ttl?page={number}"
            out.append(f"<{view}> a hydra:PartialCollectionView"
                       + (f" ; hydra:next <{base_url}/catalog.ttl?page={number + 1}>"
                          if number < pages else "") + " .")
            body = "\n".join(out).encode("utf-8")
            self._pages[number] = body
            return body

    # -- CKAN API --------------------------------------------------------------
    def package(self, d: dict[str, Any]) -> dict[str, Any]:
        modified = d["modified"].isoformat()
        # Ids and names of their own: ckanext-dcat keeps a UUID dct:identifier
        # as the package id and the stock CKAN harvester keeps the remote id,
        # so with the DCAT catalogue's ids the stock CKAN harvester would find
        # the DCAT harvester's datasets and skip them as "not modified".
        return {
            "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"ckan/{d['id']}")),
            "name": f"ckan-{d['name']}", "title": d["title"], "notes": d["notes"],
            "type": "dataset", "state": "active", "private": False, "license_id": "lov2",
            "license_title": "Licence Ouverte 2.0", "metadata_created": modified,
            "metadata_modified": modified,
            "tags": [{"name": tag} for tag in d["tags"]], "extras": [],
            "organization": {"name": "partenaire", "title": "Partenaire"},
            "resources": [{"id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{d['id']}/{code}")),
                           "url": f"https://partenaire.example/data/{d['name']}.{ext}",
                           "format": code, "name": f"{d['title']} {code}"}
                          for ext, code in d["formats"]],
        }

    def package_search(self, query: dict[str, list[str]]) -> dict[str, Any]:
        rows = int(query.get("rows", ["10"])[0])
        start = int(query.get("start", ["0"])[0])
        since = None
        for fq in query.get("fq", []):
            if "metadata_modified:[" in fq:
                since = fq.split("metadata_modified:[", 1)[1].split(" TO", 1)[0].rstrip("Z")
        with self.lock:
            listed = sorted(self.listed(), key=lambda d: d["id"])
            if since:
                limit = dt.datetime.fromisoformat(since)
                listed = [d for d in listed if d["modified"] >= limit]
            page = [self.package(d) for d in listed[start:start + rows]]
        fields = query.get("fl")
        if fields:
            names = fields[0].replace(",", " ").split()
            page = [{k: p.get(k) for k in names} for p in page]
        return {"help": "", "success": True, "result": {"count": len(listed), "results": page}}


def _ttl(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def serve(catalogue: Catalogue) -> tuple[ThreadingHTTPServer, str]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802
            parts = urlsplit(self.path)
            query = parse_qs(parts.query)
            if parts.path == "/catalog.ttl":
                body = catalogue.turtle_page(int(query.get("page", ["1"])[0]), base)
                kind = "text/turtle"
            elif parts.path == "/api/3/action/package_search":
                body = json.dumps(catalogue.package_search(query)).encode()
                kind = "application/json"
            else:
                body, kind = b"not found", "text/plain"
            self.send_response(200 if kind != "text/plain" else 404)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, base


# -- the portal ----------------------------------------------------------------------

BENCH_INI = """[app:main]
use = config:{test_ini}
ckan.plugins = {plugins}
ckan.site_id = ampbench
ckanext.amp.search.strict_schema = false
ckanext.amp.harvest.allowed_hosts = {host}
ckanext.amp.harvest.withdraw_grace_days = 0

[loggers]
keys = root

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = ERROR
handlers = console

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %(asctime)s %(levelname)-5.5s [%(name)s] %(message)s
"""


@contextlib.contextmanager
def portal(directory: Path, host: str) -> Iterator[tuple[Path, dict[str, str]]]:
    from ckanext.amp.stack import migrations, services
    from ckanext.amp.stack.cli import child_env, make_ckan_runner

    started = services.start_services(directory, database="amp_bench_harvest")
    try:
        ini = directory / "bench.ini"
        ini.write_text(BENCH_INI.format(test_ini=ROOT / "test.ini", plugins=PLUGINS, host=host))
        env = child_env(CKAN_SQLALCHEMY_URL=started.sqlalchemy_url,
                        CKAN_REDIS_URL=started.redis_url, CKAN_INI=str(ini),
                        CKAN_STORAGE_PATH=str(directory / "storage"))
        (directory / "storage").mkdir(exist_ok=True)
        migrations.upgrade(ini, started.sqlalchemy_url,
                           make_ckan_runner(ini, env, directory / "setup.log"))
        yield ini, env
    finally:
        started.stop()


class Consumer:
    """A ckanext-harvest consumer process, and its peak resident memory."""

    def __init__(self, kind: str, ini: Path, env: dict[str, str], log: Path) -> None:
        from ckanext.amp.stack.cli import ckan_executable

        self.log = open(log, "ab")
        self.process = subprocess.Popen(
            [ckan_executable(), "-c", str(ini), "harvester", f"{kind}-consumer"], env=env,
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        self.peak = 0
        self._stop = threading.Event()
        threading.Thread(target=self._watch, daemon=True).start()

    def rss(self) -> int:
        try:
            with open(f"/proc/{self.process.pid}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1]) * 1024
        except OSError:
            pass
        return 0

    def _watch(self) -> None:
        while not self._stop.wait(0.2):
            self.peak = max(self.peak, self.rss())

    def reset(self) -> None:
        self.peak = self.rss()

    def stop(self) -> None:
        self._stop.set()
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def load_ckan(ini: Path, env: dict[str, str]) -> None:
    os.environ.update({k: env[k] for k in ("CKAN_SQLALCHEMY_URL", "CKAN_REDIS_URL",
                                           "CKAN_STORAGE_PATH")})
    import logging

    from ckan.cli import load_config
    from ckan.config.middleware import make_app

    make_app(load_config(str(ini)))
    logging.disable(logging.WARNING)


def action(action_name: str, **data: Any) -> Any:
    from ckan.plugins import toolkit

    return toolkit.get_action(action_name)({"ignore_auth": True, "user": "bench-admin"}, data)


def run_job(source_id: str, consumers: list[Consumer], timeout: float) -> tuple[float, dict]:
    from ckan import model

    for consumer in consumers:
        consumer.reset()
    started = time.perf_counter()
    from ckanext.harvest import queue

    redis = queue.get_connection()
    job = action("harvest_job_create", source_id=source_id, run=True)
    while True:
        time.sleep(0.5)
        model.Session.remove()
        shown = action("harvest_job_show", id=job["id"])
        # `harvester run` re-sends the WAITING objects it does not find in the
        # fetch queue: called while a gather publishes its ids (every 0.5 s
        # here, every few minutes in production), it would queue a stock
        # harvester's objects twice (docs/decisions/0008-harvest.md). Ask it
        # only once the gather is over and its ids all taken from the queue.
        if shown["gather_finished"] and not redis.llen(queue.get_fetch_routing_key()):
            action("harvest_jobs_run", source_id=source_id)
            model.Session.remove()
            shown = action("harvest_job_show", id=job["id"])
        if shown["status"] == "Finished":
            break
        if time.perf_counter() - started > timeout:
            raise SystemExit(f"job {job['id']} not finished after {timeout} s")
    elapsed = time.perf_counter() - started
    return elapsed, shown


def counts(job: dict[str, Any]) -> str:
    stats = job["stats"]
    try:
        summary = action("amp_harvest_job_summary", id=job["id"])
        c = summary["counts"]
        line = (f"+{c['created']} ~{c['updated']} ={c['unchanged']} -{c['withdrawn']} "
                f"!{c['failed']}")
    except Exception:  # noqa: BLE001 - not one of ours
        line = (f"+{stats['added']} ~{stats['updated']} ={stats['not modified']} "
                f"-{stats['deleted']} !{stats['errored']}")
    first = (job.get("object_error_summary") or job.get("gather_error_summary") or [{}])[0]
    if first.get("message"):
        line += f"  (1re erreur : {first['message'][:160]!r})"
    return line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=10000)
    parser.add_argument("--keep", type=Path, help="keep the servers' data in this folder")
    parser.add_argument("--timeout", type=float, default=7200, help="seconds per job, at most")
    parser.add_argument("--only", choices=["dcat", "ckan"], help="one kind of catalogue only")
    parser.add_argument("--ours-first", action="store_true",
                        help="run our harvester's job before the stock one's in each phase (the "
                             "second first harvest writes into a portal that already holds the "
                             "first one's COUNT datasets)")
    parser.add_argument("--first-only", action="store_true",
                        help="the first harvest only (not the three re-harvests)")
    arguments = parser.parse_args()

    catalogue = Catalogue(arguments.count)
    httpd, base = serve(catalogue)
    host = base.split("//", 1)[1]
    directory = arguments.keep or Path(tempfile.mkdtemp(prefix="amp-bench-harvest-"))
    directory.mkdir(parents=True, exist_ok=True)
    print(f"# Moissonnage de {arguments.count} jeux de données (serveurs dans {directory})")
    with portal(directory, host) as (ini, env):
        load_ckan(ini, env)
        action("user_create", name="bench-admin", email="bench@example.org",
               password="bench-admin-password", sysadmin=True)
        from ckan import model

        user = model.User.get("bench-admin")
        user.sysadmin = True
        model.Session.commit()
        organization = action("organization_create", name="partenaire", title="Partenaire")
        kinds = [arguments.only] if arguments.only else ["dcat", "ckan"]
        sources = {}
        for kind in kinds:
            url = f"{base}/catalog.ttl" if kind == "dcat" else base
            stock_type = "dcat_rdf" if kind == "dcat" else "ckan"
            ours_config = {"open_data_only": True, "grace_days": 0, "max_withdraw_share": 0.05}
            if kind == "ckan":
                ours_config["rows"] = 1000
            pair = [(f"stock {stock_type}", stock_type, {}),
                    (f"amp_{kind}", f"amp_{kind}", ours_config)]
            for label, source_type, config in (pair[::-1] if arguments.ours_first else pair):
                source = action("harvest_source_create", name=f"bench-{source_type}".replace("_", "-"),
                                title=label, url=url, source_type=source_type,
                                owner_org=organization["id"], frequency="MANUAL",
                                config=json.dumps(config) if config else "")
                sources[label] = source["id"]
        consumers = [Consumer("gather", ini, env, directory / "gather.log"),
                     Consumer("fetch", ini, env, directory / "fetch.log")]
        rng = random.Random(1)
        step = max(1, arguments.count // 100)
        phases = [("première moisson", None),
                   ("re-moisson, catalogue inchangé", None),
                   ("re-moisson, 1 % modifiés", lambda: catalogue.change(
                       rng.sample(range(arguments.count), step))),
                   ("re-moisson, 1 % retirés", lambda: catalogue.remove(
                       rng.sample(sorted(set(range(arguments.count)) - catalogue.changed), step)))]
        if arguments.first_only:
            phases = phases[:1]
        results: dict[str, list[float]] = {label: [] for label in sources}
        try:
            print(f"{'phase':34} {'moissonneur':18} {'durée s':>9} {'RSS gather':>11} "
                  f"{'RSS fetch':>10}  bilan")
            for phase, prepare in phases:
                if prepare:
                    prepare()
                for label, source_id in sources.items():
                    elapsed, job = run_job(source_id, consumers, arguments.timeout)
                    results[label].append(elapsed)
                    print(f"{phase:34} {label:18} {elapsed:9.1f} "
                          f"{consumers[0].peak / 2**20:9.0f} Mo {consumers[1].peak / 2**20:7.0f} Mo"
                          f"  {counts(job)}", flush=True)
        finally:
            for consumer in consumers:
                consumer.stop()
            httpd.shutdown()
        print("\nRapports (stock / amp_harvest) :")
        for kind in kinds:
            stock = results[f"stock {'dcat_rdf' if kind == 'dcat' else 'ckan'}"]
            ours = results[f"amp_{kind}"]
            print(f"  {kind}: " + ", ".join(f"{name} ×{s / o:.1f}" for name, s, o in zip(
                ("première", "inchangé", "1 % modifiés", "1 % retirés"), stock, ours)))


if __name__ == "__main__":
    main()

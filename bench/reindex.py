"""Benchmark of a full reindex through CKAN (not a test: it prints figures).

    .venv/bin/python bench/reindex.py --count 2000

Starts throw-away PostgreSQL and Redis (the stack's own), creates a CKAN
database with ``test.ini`` (plugins amp_search and activity), creates
``--count`` datasets through ``package_create`` (3 resources, 4 tags, an
organisation each), then times what ``ckan search-index rebuild`` runs:
``ckan.lib.search.rebuild()`` (``package_show`` then indexing, one dataset
after the other), and reports datasets/s and the time a 100,000-dataset
rebuild would take at that rate. The per-dataset cost is CKAN's
``package_show`` plus the engine's write; both are reported.

Then, after clearing the index again each time, it times what
``ckan amp search rebuild --workers N --batch-size B`` runs (the same CKAN
code per dataset, writes in batches, datasets shared among N forked
processes) for each N of ``--workers`` (default 1 and 2), and checks that it
indexed as many datasets.

    .venv/bin/python bench/reindex.py --count 2000 --workers 1 2 --batch-size 200
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "ckanext-amp"))

from ckanext.amp.stack import services  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2],
                        help="process counts to time `ckan amp search rebuild` with")
    parser.add_argument("--batch-size", type=int, default=200)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="amp-reindex-") as directory:
        running = services.start_services(Path(directory), database="ckan_bench")
        try:
            env = dict(os.environ, CKAN_SQLALCHEMY_URL=running.sqlalchemy_url,
                       CKAN_REDIS_URL=running.redis_url)
            ckan = str(Path(sys.executable).parent / "ckan")
            subprocess.run([ckan, "-c", str(ROOT / "test.ini"), "db", "init"], env=env,
                           check=True, capture_output=True, cwd=ROOT)
            subprocess.run([sys.executable, __file__, "--child", str(arguments.count),
                            str(arguments.batch_size), *map(str, arguments.workers)],
                           env=env, check=True, cwd=ROOT)
        finally:
            running.stop()


def child(count: int, batch_size: int, workers: list[int]) -> None:
    import logging

    from ckan.cli import load_config
    from ckan.config.middleware import make_app

    logging.disable(logging.WARNING)
    app = make_app(load_config(str(ROOT / "test.ini")))
    with app._wsgi_app.test_request_context():  # type: ignore[attr-defined]
        import ckan.lib.search as search
        import ckan.plugins.toolkit as toolkit

        site_user = toolkit.get_action("get_site_user")({"ignore_auth": True}, {})
        context = {"user": site_user["name"], "ignore_auth": True}
        organisation = toolkit.get_action("organization_create")(
            dict(context), {"name": "metropole-amp", "title": "Métropole Aix-Marseille-Provence"})
        start = time.perf_counter()
        for number in range(count):
            toolkit.get_action("package_create")(dict(context), {
                "name": f"jeu-{number:06d}", "title": f"Jeu de données n° {number}",
                "notes": "Données ouvertes de la métropole, mises à jour chaque mois. " * 3,
                "owner_org": organisation["id"], "license_id": "odc-odbl",
                "tags": [{"name": tag} for tag in ("mobilité", "budget", f"thème-{number % 50}",
                                                   "open data")],
                "resources": [{"url": f"https://data.ampmetropole.fr/{number}.{fmt.lower()}",
                               "format": fmt, "name": f"Fichier {fmt}"}
                              for fmt in ("CSV", "JSON", "GeoJSON")],
            })
        created = time.perf_counter() - start
        search.clear_all()
        start = time.perf_counter()
        search.rebuild(quiet=True)
        rebuilt = time.perf_counter() - start
        found = toolkit.get_action("package_search")({"ignore_auth": True}, {"rows": 0})["count"]
        shows = time.perf_counter()
        for number in range(min(count, 500)):
            toolkit.get_action("package_show")({"ignore_auth": True, "use_cache": False},
                                               {"id": f"jeu-{number:06d}"})
        show_ms = (time.perf_counter() - shows) / min(count, 500) * 1000
        rate = count / rebuilt
        print(f"{count} jeux créés en {created:.1f} s ({count / created:.0f}/s), {found} indexés")
        print(f"ckan search-index rebuild : {rebuilt:.1f} s, {rate:.0f} jeux/s "
              f"(package_show seul : {show_ms:.1f} ms par jeu) ; "
              f"100 000 jeux : {100000 / rate / 60:.1f} min")
        from ckanext.amp.search import rebuild as rebuilding

        for processes in workers:
            search.clear_all()
            package_ids = rebuilding.package_ids_to_index()
            start, cpu_start = time.perf_counter(), _cpu_seconds()
            outcome = rebuilding.rebuild(package_ids, processes, batch_size, lambda *_: None)
            elapsed = time.perf_counter() - start
            # CPU of the CKAN processes (this one and the reaped workers), not
            # of PostgreSQL: what more cores could share.
            cpu_ms = (_cpu_seconds() - cpu_start) / len(package_ids) * 1000
            found = toolkit.get_action("package_search")({"ignore_auth": True}, {"rows": 0})["count"]
            rate = outcome.indexed / elapsed
            print(f"ckan amp search rebuild --workers {processes} --batch-size {batch_size} : "
                  f"{elapsed:.1f} s, {rate:.0f} jeux/s, {found} indexés, "
                  f"{len(outcome.failures)} échec(s), CPU Python {cpu_ms:.1f} ms par jeu ; "
                  f"100 000 jeux : {100000 / rate / 60:.1f} min")


def _cpu_seconds() -> float:
    import resource

    return sum(usage.ru_utime + usage.ru_stime for usage in (
        resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)))


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "--child":
        child(int(sys.argv[2]), int(sys.argv[3]), [int(n) for n in sys.argv[4:]])
    else:
        main()

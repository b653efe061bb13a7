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

With ``--clone-to N`` the catalogue then grows to N datasets in SQL: each
dataset made by ``package_create`` is copied, with new ids and names, with
its ``package``, ``package_extra``, ``package_tag``, ``resource`` and
``member`` rows (what ``package_show`` reads; making 100,000 datasets
through ``package_create`` takes hours here), and the real command is timed
on that database, as an operator runs it (``ckan amp search rebuild
--workers W``, a subprocess, for each W of ``--workers``), the index emptied
first. The stock command is only timed on the ``--count`` datasets (at
100,000 it takes about half an hour here): its 100,000 figure is a
projection, and is printed as one.

    .venv/bin/python bench/reindex.py --count 2000 --clone-to 100000 --workers 2

With ``--keep DIR`` the PostgreSQL and Redis servers live in DIR and stay
there: a later run with the same DIR finds the catalogue already made (and
cloned) and only times the rebuilds; ``--skip-stock`` leaves out the stock
command and the first rebuilds on the ``--count`` datasets.

    .venv/bin/python bench/reindex.py --count 2000 --clone-to 100000 --workers 2 \
        --keep /tmp/amp-reindex --skip-stock

With ``--portal DIR`` the catalogue is the portal's own, as ``make run``
sets it up (every plugin of ckanext-amp/ckanext/amp/stack/portal.ini: the
DCAT-AP schema of amp_schema, amp_dcat's fragments, spatial, tracking...):
the first run runs ``amp-stack run`` with ``AMP_HOME=DIR`` until the portal
is ready (migrations, demo organisations, conventions and datasets), then
stops it. The demo datasets are then copied in SQL to about ``--count``
datasets, where the stock command and ours are timed side by side (both as
commands), then to about ``--clone-to``, where ours is timed (and the stock
command too with ``--stock-full``). Each command runs twice: first with no
DCAT fragment stored (amp_dcat computes every one, as after the copy), then
with every fragment up to date (a reindex leaves those as they are); each
line says how many fragments it computed.

    .venv/bin/python bench/reindex.py --portal /tmp/amp-portal --count 2000 \
        --clone-to 100000 --workers 2
"""
from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "ckanext-amp"))

from ckanext.amp.stack import services  # noqa: E402

ACTIVE_COUNT = "SELECT count(*) FROM package WHERE state = 'active'"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2],
                        help="process counts to time `ckan amp search rebuild` with")
    parser.add_argument("--batch-size", type=int, default=200)
    parser.add_argument("--clone-to", type=int, default=0,
                        help="grow the catalogue to N datasets in SQL, then time the real "
                             "`ckan amp search rebuild` command on it")
    parser.add_argument("--keep", type=Path, default=None,
                        help="run the servers in DIR and keep them (and the catalogue)")
    parser.add_argument("--skip-stock", action="store_true",
                        help="do not time `ckan search-index rebuild` nor the in-process "
                             "rebuilds of the --count datasets")
    parser.add_argument("--portal", type=Path, default=None,
                        help="the portal's own plugins and demo catalogue, set up in DIR")
    parser.add_argument("--stock-full", action="store_true",
                        help="with --portal: time the stock command at --clone-to too")
    arguments = parser.parse_args()
    if arguments.portal:
        portal(arguments)
        return
    if arguments.clone_to and arguments.clone_to % arguments.count:
        parser.error("--clone-to must be a multiple of --count")
    with contextlib.ExitStack() as stack:
        directory = arguments.keep or Path(stack.enter_context(
            tempfile.TemporaryDirectory(prefix="amp-reindex-")))
        running = services.start_services(Path(directory), database="ckan_bench")
        try:
            env = dict(os.environ, CKAN_SQLALCHEMY_URL=running.sqlalchemy_url,
                       CKAN_REDIS_URL=running.redis_url)
            ckan = str(Path(sys.executable).parent / "ckan")
            subprocess.run([ckan, "-c", str(ROOT / "test.ini"), "db", "init"], env=env,
                           check=True, capture_output=True, cwd=ROOT)
            subprocess.run([sys.executable, __file__, "--child", str(arguments.count),
                            str(arguments.batch_size), str(int(arguments.skip_stock)),
                            *map(str, arguments.workers)],
                           env=env, check=True, cwd=ROOT)
            if arguments.clone_to:
                whole(ckan, env, arguments.count, arguments.clone_to, arguments.workers,
                      arguments.batch_size)
        finally:
            running.stop()


def child(count: int, batch_size: int, skip_stock: bool, workers: list[int]) -> None:
    import logging

    from ckan.cli import load_config
    from ckan.config.middleware import make_app

    logging.disable(logging.WARNING)
    app = make_app(load_config(str(ROOT / "test.ini")))
    with app._wsgi_app.test_request_context():  # type: ignore[attr-defined]
        import ckan.lib.search as search
        import ckan.model as model
        import ckan.plugins.toolkit as toolkit

        if model.Session.query(model.Package).count():
            print("catalogue déjà en base (--keep) : rien n'est créé")
        else:
            create(count)
        if skip_stock:
            return
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
        print(f"ckan search-index rebuild : {rebuilt:.1f} s, {rate:.0f} jeux/s "
              f"(package_show seul : {show_ms:.1f} ms par jeu), {found} indexés ; "
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


def create(count: int) -> None:
    """``count`` datasets through ``package_create``, in one organisation."""
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
    print(f"{count} jeux créés en {created:.1f} s ({count / created:.0f}/s)")


def whole(ckan: str, env: dict[str, str], count: int, target: int, workers: list[int],
          batch_size: int) -> None:
    """Clone the catalogue to ``target`` datasets, then time the real command on it."""
    import sqlalchemy as sa

    engine = sa.create_engine(env["CKAN_SQLALCHEMY_URL"])
    active = sa.text(ACTIVE_COUNT)
    start = time.perf_counter()
    with engine.begin() as connection:
        total = connection.execute(active).scalar_one()
        if total < target:
            clone_datasets(connection, target // count - 1)
            total = connection.execute(active).scalar_one()
            print(f"\n{total} jeux en base ({target - count} copiés en SQL en "
                  f"{time.perf_counter() - start:.1f} s)")
        else:
            print(f"\n{total} jeux en base (déjà copiés, --keep)")
    with engine.begin() as connection:
        connection.execute(sa.text("ANALYZE"))
    for processes in workers:
        timed_command(engine, [ckan, "-c", str(ROOT / "test.ini"), "amp", "search", "rebuild",
                               "--workers", str(processes), "--batch-size", str(batch_size)],
                      env, total)
    engine.dispose()


def portal(arguments: argparse.Namespace) -> None:
    """The portal's catalogue and plugins: stock and ours side by side."""
    import signal

    import sqlalchemy as sa

    home = arguments.portal.resolve()
    ini = home / "ckan.ini"
    bin_dir = Path(sys.executable).parent
    if not ini.exists():
        print(f"Mise en place du portail dans {home} (amp-stack run)...", flush=True)
        env = dict(os.environ, AMP_HOME=str(home), AMP_PORT=str(_free_port()),
                   AMP_WEB_WORKERS="1")
        started = subprocess.Popen([str(bin_dir / "amp-stack"), "run"], env=env, cwd=ROOT,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert started.stdout is not None
        for line in started.stdout:
            if "Portail prêt" in line:
                break
        started.send_signal(signal.SIGINT)
        started.communicate(timeout=120)
        if not ini.exists():
            raise SystemExit("amp-stack run n'a pas écrit ckan.ini : voir " + str(home / "logs"))
    running = services.start_services(home)
    try:
        env = dict(os.environ, CKAN_INI=str(ini), CKAN_SQLALCHEMY_URL=running.sqlalchemy_url,
                   CKAN_REDIS_URL=running.redis_url, CKAN_STORAGE_PATH=str(home / "storage"))
        engine = sa.create_engine(running.sqlalchemy_url)
        ckan = [str(bin_dir / "ckan"), "-c", str(ini)]
        for target, stock in ((arguments.count, not arguments.skip_stock),
                              (arguments.clone_to, arguments.stock_full)):
            if not target:
                continue
            total = _grow(engine, target)
            commands = [["search-index", "rebuild"]] if stock else []
            commands += [["amp", "search", "rebuild", "--workers", str(processes),
                          "--batch-size", str(arguments.batch_size)]
                         for processes in arguments.workers]
            # Each command twice: without any DCAT fragment (amp_dcat computes
            # them all), then with every fragment up to date.
            for command, fragments in [(c, "none") for c in commands] + \
                    [(c, "kept") for c in commands]:
                timed_command(engine, ckan + command, env, total, fragments=fragments)
        engine.dispose()
    finally:
        running.stop()


def timed_command(engine: Any, argv: list[str], env: dict[str, str], total: int,
                  fragments: str = "") -> None:
    """Run a rebuild command on an emptied index and print its figures.

    :param fragments: ``"none"``: amp_dcat's fragments are deleted first;
        ``"kept"``: kept. Either way the line says how many the command
        computed. ``""``: amp_dcat is not loaded (no fragment table).
    """
    import sqlalchemy as sa

    with engine.begin() as connection:  # an empty index, as after `search-index clear`
        connection.execute(sa.text("DELETE FROM amp_search_document"))
        if fragments == "none":
            connection.execute(sa.text("DELETE FROM amp_dcat_fragment"))
        began = connection.execute(sa.text("SELECT clock_timestamp()")).scalar()
    start = time.perf_counter()
    finished = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    with engine.connect() as connection:
        indexed = connection.execute(sa.text("SELECT count(*) FROM amp_search_match")).scalar_one()
        computed = "" if not fragments else ", {} fragments DCAT calculés".format(
            connection.execute(sa.text(
                "SELECT count(*) FROM amp_dcat_fragment WHERE updated >= :began"),
                {"began": began}).scalar_one())
    summary = [line for line in finished.stdout.splitlines() if "indexé" in line]
    print(f"{total} jeux, ckan {' '.join(argv[3:])} : {elapsed / 60:.1f} min ({elapsed:.0f} s, "
          f"{total / elapsed:.0f} jeux/s), code {finished.returncode}, {indexed} documents "
          f"dans l'index{computed} ; 100 000 jeux : {100000 / (total / elapsed) / 60:.1f} min"
          + (f" ; la commande dit : {summary[-1]}" if summary else ""), flush=True)
    if finished.returncode:
        print(finished.stderr[-3000:])


def _grow(engine: Any, target: int) -> int:
    """Copy the portal's original datasets (not copies) up to about ``target``."""
    import sqlalchemy as sa

    active = sa.text(ACTIVE_COUNT)
    with engine.begin() as connection:
        total = connection.execute(active).scalar_one()
        # Datasets only: the harvest sources of the demo are packages too.
        originals, copied = connection.execute(sa.text(
            "SELECT count(*) FILTER (WHERE name !~ '-c[0-9]+$'), "
            "count(*) FILTER (WHERE name ~ '-c[0-9]+$') FROM package "
            "WHERE state = 'active' AND type = 'dataset'")).one()
        copies = max(0, round(target / originals) - 1)
        if copied // originals < copies:
            start = time.perf_counter()
            connection.execute(sa.text(
                "CREATE TEMP TABLE amp_bench_original ON COMMIT DROP AS SELECT id FROM package "
                "WHERE state = 'active' AND type = 'dataset' AND name !~ '-c[0-9]+$'"))
            clone_datasets(connection, copies, first=copied // originals + 1,
                           only="SELECT id FROM amp_bench_original")
            total = connection.execute(active).scalar_one()
            print(f"\n{total} jeux en base ({originals} d'origine, copiés en SQL en "
                  f"{time.perf_counter() - start:.1f} s)", flush=True)
    with engine.begin() as connection:
        connection.execute(sa.text("ANALYZE"))
    return total


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clone_datasets(connection: Any, copies: int, first: int = 1,
                   only: str = "SELECT id FROM package WHERE state = 'active'") -> None:
    """Copy the datasets of ``only`` (every active one) as copies number
    ``first`` to ``copies``: new ids and names, same content.

    The rows ``package_show`` reads are copied (the dataset, its extras,
    tags, resources and memberships of its groups), with ids derived from the
    original's and the copy's number.
    """
    import sqlalchemy as sa

    def new(column: str) -> str:
        return f"md5({column} || ':' || copy)::uuid::text"

    replaced = {
        "package": {"id": new("id"), "name": "name || '-c' || copy",
                    "title": "title || ' (copie ' || copy || ')'"},
        "package_extra": {"id": new("id"), "package_id": new("package_id")},
        "package_tag": {"id": new("id"), "package_id": new("package_id")},
        "resource": {"id": new("id"), "package_id": new("package_id")},
        "member": {"id": new("id"), "table_id": new("table_id")},
    }
    which = {"package": f"id IN ({only})",
             "member": f"table_name = 'package' AND table_id IN ({only})"}
    for table, changes in replaced.items():
        columns = connection.execute(sa.text(
            "SELECT column_name FROM information_schema.columns WHERE table_name = :table "
            "ORDER BY ordinal_position"), {"table": table}).scalars().all()
        values = ", ".join(changes.get(column, column) for column in columns)
        condition = which.get(table, f"package_id IN ({only})")
        connection.execute(sa.text(
            f"INSERT INTO {table} ({', '.join(columns)}) SELECT {values} FROM {table} "
            f"CROSS JOIN generate_series(:first, :copies) AS copy WHERE {condition}"),
            {"first": first, "copies": copies})


def _cpu_seconds() -> float:
    import resource

    return sum(usage.ru_utime + usage.ru_stime for usage in (
        resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)))


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "--child":
        child(int(sys.argv[2]), int(sys.argv[3]), bool(int(sys.argv[4])),
              [int(n) for n in sys.argv[5:]])
    else:
        main()

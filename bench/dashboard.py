"""Benchmark of amp_dashboard's pages (not a test: it prints figures).

    .venv/bin/python bench/dashboard.py --count 10000

It starts throw-away PostgreSQL and Redis (the stack's own), migrates a CKAN
database with ``test.ini`` and, in this process, loads CKAN with
``amp_search amp_schema amp_dashboard scheming_datasets scheming_organizations``.
The catalogue: 12 organisations; 8 seed datasets made by ``package_create``
(from complete to bare, so that quality scores spread); ``--count`` datasets
cloned from them in SQL (``package``, ``package_extra``, ``resource`` rows:
building 10,000 through ``package_create`` takes half an hour here), each
with its own organisation, EU update frequency and last update date (0 to
1,500 days ago), then indexed through CKAN's own ``index_package`` (every
plugin hook: amp_schema's quality score, lists) in batches of 500.

Usage (CKAN's ``tracking`` plugin is loaded): a year of views and downloads
written straight into ``tracking_summary`` in SQL (what ``ckan tracking
update`` would have summed), each dataset with a popularity of its own
(a few much viewed, most seldom), half of the resources uploads (counted
by their download address), half links, and a reuse for one dataset in
twenty (``amp_dashboard_reuse``).

It measures, p50/p95 over ``--repeat`` requests each, through the full WSGI
stack with werkzeug's test client (API token in the ``Authorization``
header): the freshness, quality, usage and obligations dashboards and their
CSV (a quarter of the clones follow a schema, most of them an obligation's),
as a sysadmin (every organisation: the whole catalogue) and as the editor of one
organisation (1/12 of it); the home page and the dataset list (with the six
added facets) as an anonymous visitor; ``POST /_tracking`` (a visit). The
stock component: CKAN's own total views per dataset (the query of ``ckan
tracking export``) on the same table.
"""
from __future__ import annotations

import argparse
import copy
import datetime as dt
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "ckanext-amp"))
sys.path.insert(0, str(ROOT / "bench"))

from search import PLACES, SUBJECTS, percentile  # noqa: E402

PLUGINS = ("amp_search tracking amp_schema amp_dashboard scheming_datasets "
           "scheming_organizations")
INI = ROOT / "test.ini"
DATABASE = "ckan_bench_dashboard"
ORGANISATIONS = 12
FREQ = "http://publications.europa.eu/resource/authority/frequency/"
#: Frequencies of the clones, roughly as a local authority's catalogue has them.
FREQUENCIES = (["MONTHLY"] * 5 + ["ANNUAL"] * 6 + ["WEEKLY"] * 2 + ["DAILY"] * 2
               + ["QUARTERLY"] * 2 + ["IRREG"] * 2 + ["NEVER", "UNKNOWN", ""])
#: Schemas a quarter of the clones follow (the obligations dashboard reads them).
SCHEMAS = ["https://schema.data.gouv.fr/scdl/budget/", "https://schema.data.gouv.fr/scdl/deliberations/",
           "https://schema.data.gouv.fr/scdl/subventions/", "https://schema.data.gouv.fr/139bercy/decp/",
           "https://gtfs.org/schedule/reference/", "https://schema.data.gouv.fr/scdl/equipements/"]
NOTES = ("Données publiées par la Métropole Aix-Marseille-Provence, mises à jour par le "
         "service producteur, décrites ici avec leur méthode de production et leurs limites.")


def seed_fields(number: int, organisation: str) -> dict[str, Any]:
    """Seed ``number`` (0 complete ... 7 bare)."""
    fields: dict[str, Any] = {
        "name": f"graine-{number}", "title": f"Graine {number}", "owner_org": organisation,
        "notes": NOTES, "license_id": "lov2", "diffusion": "public", "theme": ["ENVI", "TRAN"],
        "spatial_granularity": "communale", "spatial_zones": ["fr:commune:13055"],
        "temporal_coverage": [{"start": "2020-01-01", "end": "2024-12-31"}],
        "frequency": FREQ + "MONTHLY", "tag_string": "bus,mobilité", "issued": "2020-02-01",
        "modified": "2025-01-01", "producer": "Métropole",
        "contact": [{"name": "Service données", "email": "donnees@example.org"}],
        "resources": [{"url": "https://example.org/f.csv", "format": "csv", "name": "Fichier",
                       "description": "Une ligne par objet."}],
    }
    drop = [["producer"], ["contact"], ["temporal_coverage"], ["tag_string", "theme"],
            ["resources"], ["spatial_zones", "spatial_granularity"], ["notes"]][:number]
    for names in drop:
        for name in names:
            fields.pop(name, None)
    if number >= 7:
        fields["notes"] = "Court."
    return fields


def build(count: int, seed: int = 7) -> dict[str, Any]:
    """Organisations, users, seeds, clones, index. Returns the API tokens."""
    import ckan.lib.search as search
    import ckan.model as model
    import ckan.plugins.toolkit as toolkit
    import sqlalchemy as sa
    from ckan.lib.search import common as search_common
    from ckan.lib.search import index as search_index

    from ckanext.amp.search.documents import CapturedWrites, _capture

    rng = random.Random(seed)
    action = toolkit.get_action
    site_user = action("get_site_user")({"ignore_auth": True}, {})
    context = lambda: {"user": site_user["name"], "ignore_auth": True}  # noqa: E731
    organisations = [action("organization_create")(context(), {
        "name": f"organisation-{n:02d}", "title": f"Direction {SUBJECTS[n]}"}) for n in range(ORGANISATIONS)]
    users = {}
    for name, sysadmin in (("bench-admin", True), ("bench-editor", False)):
        users[name] = action("user_create")(context(), {
            "name": name, "email": f"{name}@example.org", "password": uuid.uuid4().hex + "Aa1!"})
        if sysadmin:
            model.User.get(name).sysadmin = True
            model.repo.commit()
    action("organization_member_create")(context(), {
        "id": organisations[0]["id"], "username": "bench-editor", "role": "editor"})
    seeds = [action("package_create")(context(), seed_fields(n, organisations[0]["id"]))
             for n in range(8)]
    started = time.perf_counter()
    package, extra, resource = model.package_table, model.package_extra_table, model.resource_table
    seed_rows = {s["id"]: dict(model.Session.execute(
        sa.select(package).where(package.c.id == s["id"])).mappings().one()) for s in seeds}
    seed_extras = {s["id"]: [dict(r) for r in model.Session.execute(
        sa.select(extra).where(extra.c.package_id == s["id"])).mappings()] for s in seeds}
    seed_resources = {s["id"]: [dict(r) for r in model.Session.execute(
        sa.select(resource).where(resource.c.package_id == s["id"])).mappings()] for s in seeds}
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    clones = []
    for number in range(count):
        base = seeds[number % len(seeds)]
        organisation = organisations[rng.randrange(ORGANISATIONS)]
        frequency = rng.choice(FREQUENCIES)
        modified = (now - dt.timedelta(days=rng.randint(0, 1500))).date().isoformat()
        clone_id = str(uuid.uuid4())
        title = f"{rng.choice(SUBJECTS).capitalize()} — {rng.choice(PLACES)} {number}"
        schema = rng.choice(SCHEMAS) if rng.random() < 0.25 else ""
        clones.append((base, clone_id, f"jeu-{number:06d}", title, organisation,
                       FREQ + frequency if frequency else "", modified, schema))
    packages, extras, resources = [], [], []
    for base, clone_id, name, title, organisation, frequency, modified, schema in clones:
        if schema:
            extras.append({"id": str(uuid.uuid4()), "package_id": clone_id, "key": "conforms_to",
                           "value": f'["{schema}"]', "state": "active"})
        packages.append({**seed_rows[base["id"]], "id": clone_id, "name": name, "title": title,
                         "owner_org": organisation["id"], "metadata_modified": now})
        for row in seed_extras[base["id"]]:
            if schema and row["key"] == "conforms_to":
                continue
            value = {"frequency": frequency, "modified": modified}.get(row["key"], row["value"])
            extras.append({**row, "id": str(uuid.uuid4()), "package_id": clone_id, "value": value})
        for row in seed_resources[base["id"]]:
            resources.append({**row, "id": str(uuid.uuid4()), "package_id": clone_id})
    for table, rows in ((package, packages), (extra, extras), (resource, resources)):
        for offset in range(0, len(rows), 2000):
            model.Session.execute(table.insert(), rows[offset:offset + 2000])
    model.repo.commit()
    inserted = time.perf_counter() - started
    started = time.perf_counter()
    shown = {s["id"]: action("package_show")(context(), {"id": s["id"]}) for s in seeds}
    package_index = search_index.PackageSearchIndex()
    connection = search_common.make_connection()
    for offset in range(0, len(clones), 500):
        sink = CapturedWrites()
        for base, clone_id, name, title, organisation, frequency, modified, schema in \
                clones[offset:offset + 500]:
            dataset = copy.deepcopy(shown[base["id"]])
            dataset.update(id=clone_id, name=name, title=title, owner_org=organisation["id"],
                           organization=organisation, modified=modified,
                           metadata_modified=now.isoformat())
            if schema:
                dataset["conforms_to"] = [schema]
            if frequency:
                dataset["frequency"] = frequency
            else:
                dataset.pop("frequency", None)
            for item in dataset.get("resources", []):
                item.update(id=str(uuid.uuid4()), package_id=clone_id)
            with _capture(sink):
                package_index.index_package(dataset)
        connection.add(docs=sink.documents, commit=False)
    connection.commit()
    search.commit()
    indexed = time.perf_counter() - started
    tokens = {name: action("api_token_create")(context(), {"user": name, "name": "bench"})["token"]
              for name in users}
    editor_datasets = sum(1 for clone in clones if clone[4]["id"] == organisations[0]["id"])
    print(f"catalogue : {count + len(seeds):,} jeux ({count:,} clonés en SQL en {inserted:.1f} s, "
          f"indexés en {indexed:.1f} s) ; l'éditeur en voit {editor_datasets + len(seeds):,}")
    return tokens


def build_usage(seed: int = 11) -> None:
    """A year of tracking in SQL (see the module's docstring)."""
    import ckan.model as model
    import sqlalchemy as sa

    started = time.perf_counter()
    session = model.Session
    # Each resource its own address; one in two an upload.
    session.execute(sa.text(
        "UPDATE resource SET url_type = CASE WHEN ('x' || substr(md5(id), 1, 2))::bit(8)::int % 2 = 0 "
        "THEN 'upload' ELSE '' END, url = CASE WHEN ('x' || substr(md5(id), 1, 2))::bit(8)::int % 2 = 0 "
        "THEN 'fichier.csv' ELSE 'https://example.org/' || id || '.csv' END"))
    session.execute(sa.text("SELECT setseed(:s)"), {"s": seed / 100})
    # Popularity: a dataset's share of days with views (Zipf-like).
    session.execute(sa.text("""
        CREATE TEMP TABLE bench_popularity AS
        SELECT id, name, least(0.9, 0.02 + 0.9 / power(row_number() OVER (ORDER BY md5(id)), 0.6))
               AS p
        FROM package WHERE state = 'active' AND type = 'dataset'"""))
    session.execute(sa.text("""
        INSERT INTO tracking_summary (url, package_id, tracking_type, count, running_total,
                                      recent_views, tracking_date)
        SELECT '/dataset/' || b.name, b.id, 'page', 1 + floor(random() * 40 * b.p)::int, 0, 0, d::date
        FROM bench_popularity b
        CROSS JOIN generate_series(current_date - 365, current_date, interval '1 day') AS d
        WHERE random() < b.p"""))
    session.execute(sa.text("""
        INSERT INTO tracking_summary (url, package_id, tracking_type, count, running_total,
                                      recent_views, tracking_date)
        SELECT CASE WHEN r.url_type = 'upload'
                    THEN 'http://test.ckan.net/dataset/' || r.package_id || '/resource/' || r.id
                         || '/download/fichier.csv'
                    ELSE r.url END,
               NULL, 'resource', 1 + floor(random() * 10 * b.p)::int, 0, 0, d::date
        FROM resource r JOIN bench_popularity b ON b.id = r.package_id
        CROSS JOIN generate_series(current_date - 365, current_date, interval '1 day') AS d
        WHERE r.state = 'active' AND random() < b.p / 2"""))
    session.execute(sa.text("""
        INSERT INTO amp_dashboard_reuse (id, package_id, title, url, creator_user_id)
        SELECT md5(id || 'r'), id, 'Réutilisation', 'https://example.org/reuse/' || id, ''
        FROM bench_popularity WHERE ('x' || substr(md5(id), 3, 2))::bit(8)::int % 20 = 0"""))
    session.execute(sa.text("ANALYZE tracking_summary"))
    session.execute(sa.text("ANALYZE resource"))
    model.repo.commit()
    rows = session.execute(sa.text(
        "SELECT tracking_type, count(*), sum(count) FROM tracking_summary GROUP BY 1")).all()
    print(f"usage : {', '.join(f'{kind} {n:,} lignes ({total:,} visites)' for kind, n, total in rows)}"
          f" en {time.perf_counter() - started:.1f} s")


def stock_total_views(repeat: int) -> tuple[float, float]:
    """CKAN's total views per dataset (``ckan tracking export``'s query)."""
    import ckan.model as model
    import sqlalchemy as sa

    durations = []
    for _ in range(repeat + 1):
        start = time.perf_counter()
        model.Session.execute(sa.text(
            "SELECT package_id, coalesce(sum(count), 0) AS total_views FROM tracking_summary "
            "GROUP BY package_id ORDER BY total_views DESC")).all()
        durations.append((time.perf_counter() - start) * 1000)
    model.Session.remove()
    durations = durations[1:]
    return statistics.median(durations), percentile(durations, 0.95)


def explain() -> None:
    """EXPLAIN ANALYZE of amp_dashboard_usage's queries over every dataset
    (AMP_BENCH_EXPLAIN=1)."""
    import ckan.model as model
    import sqlalchemy as sa

    from ckanext.amp.common import usage
    from ckanext.amp.dashboard.logic import usage as usage_action

    ids = [row[0] for row in model.Session.execute(sa.text(
        "SELECT id FROM package WHERE state = 'active'"))]
    params = {"ids": ids, "start": usage.window_start(dt.date.today()),
              "download": usage.DOWNLOAD_PATH, "page": usage_action.RESOURCE_PAGE,
              "not_found": usage_action.NOT_FOUND}
    for name in ("_VIEWS_SQL", "_RESOURCES_SQL", "_REUSES_SQL"):
        query = getattr(usage_action, name)
        compiled = sa.text("EXPLAIN ANALYZE " + query.text).bindparams(usage_action._IDS)
        print(f"--- {name}")
        for row in model.Session.execute(compiled, params):
            print(row[0])
    model.Session.remove()


def profile(client: Any, tokens: dict[str, str], path: str, output: str) -> None:
    """cProfile of 5 requests of ``path`` as the sysadmin, top functions printed."""
    import cProfile
    import pstats

    headers = {"Authorization": tokens["bench-admin"]}
    client.get(path, headers=headers)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(5):
        client.get(path, headers=headers).get_data()
    profiler.disable()
    profiler.dump_stats(output)
    pstats.Stats(output).sort_stats("cumulative").print_stats(30)


def measure(client: Any, tokens: dict[str, str], repeat: int) -> list[tuple[str, float, float, int]]:
    pages = [
        ("fraîcheur, administrateur (tout)", "/dashboards/freshness", "bench-admin"),
        ("fraîcheur, éditeur (1 org.)", "/dashboards/freshness", "bench-editor"),
        ("fraîcheur CSV, administrateur", "/dashboards/freshness.csv", "bench-admin"),
        ("qualité, administrateur (tout)", "/dashboards/quality", "bench-admin"),
        ("qualité, éditeur (1 org.)", "/dashboards/quality", "bench-editor"),
        ("qualité CSV, administrateur", "/dashboards/quality.csv", "bench-admin"),
        ("utilisation, administrateur (tout)", "/dashboards/usage", "bench-admin"),
        ("utilisation, éditeur (1 org.)", "/dashboards/usage", "bench-editor"),
        ("utilisation CSV (mois), administrateur", "/dashboards/usage.csv", "bench-admin"),
        ("utilisation CSV (chaque jeu x 12 mois), administrateur",
         "/dashboards/usage.csv?table=datasets", "bench-admin"),
        ("obligations, administrateur (tout)", "/dashboards/obligations", "bench-admin"),
        ("obligations, éditeur (1 org.)", "/dashboards/obligations", "bench-editor"),
        ("obligations CSV, administrateur", "/dashboards/obligations.csv", "bench-admin"),
        ("accueil, anonyme", "/", None),
        ("liste des jeux (facettes), anonyme", "/dataset/", None),
        ("liste, filtre qualité faible", "/dataset/?quality_band=low", None),
    ]
    rows = []
    durations = []
    for number in range(repeat + 1):
        start = time.perf_counter()
        response = client.post("/_tracking", data={"url": f"/dataset/jeu-{number:06d}",
                                                   "type": "page"},
                               headers={"User-Agent": f"bench/{number}"},
                               environ_base={"REMOTE_ADDR": "127.0.0.1"})
        durations.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 204, response.status_code
    durations = durations[1:]
    rows.append(("visite enregistrée (POST /_tracking)", statistics.median(durations),
                 percentile(durations, 0.95), 0))
    for label, path, user in pages:
        headers = {"Authorization": tokens[user]} if user else {}
        response = client.get(path, headers=headers)  # warm-up
        assert response.status_code == 200, (path, response.status_code)
        durations = []
        for _ in range(repeat):
            start = time.perf_counter()
            response = client.get(path, headers=headers)
            response.get_data()
            durations.append((time.perf_counter() - start) * 1000)
        rows.append((label, statistics.median(durations), percentile(durations, 0.95),
                     len(response.get_data())))
    return rows


def run(ini: Path, count: int, repeat: int, profile_path: str = "") -> None:
    """In a child process (the servers' environment set): build, then measure."""
    import logging

    from ckan.cli import load_config
    from ckan.config.middleware import make_app
    from werkzeug.test import Client

    logging.disable(logging.WARNING)
    config = load_config(str(ini))
    app = make_app(config)
    with app._wsgi_app.test_request_context():  # type: ignore[attr-defined]
        tokens = build(count)
        build_usage()
    client = Client(app)
    if os.environ.get("AMP_BENCH_EXPLAIN"):
        with app._wsgi_app.test_request_context():  # type: ignore[attr-defined]
            explain()
        return
    if profile_path:
        profile(client, tokens, os.environ.get("AMP_BENCH_PROFILE_PAGE", "/dashboards/freshness"),
                profile_path)
        return
    with os.popen("uptime") as uptime:
        print("charge avant :", uptime.read().strip())
    rows = measure(client, tokens, repeat)
    with app._wsgi_app.test_request_context():  # type: ignore[attr-defined]
        rows.append(("(stock) CKAN : total des vues par jeu, `tracking export`",
                     *stock_total_views(repeat), 0))
    with os.popen("uptime") as uptime:
        print("charge après :", uptime.read().strip())
    print(f"\n| page ({count:,} jeux) | p50 (ms) | p95 (ms) | octets |\n|---|---:|---:|---:|")
    for label, p50, p95, size in rows:
        print(f"| {label} | {p50:.0f} | {p95:.0f} | {size:,} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=10000, help="datasets generated")
    parser.add_argument("--repeat", type=int, default=20, help="requests per page")
    parser.add_argument("--cprofile", default="",
                        help="instead of the figures: a cProfile of AMP_BENCH_PROFILE_PAGE "
                             "(default the freshness page) to this file")
    arguments = parser.parse_args()

    from ckanext.amp.stack import migrations, services
    from ckanext.amp.stack.cli import make_ckan_runner

    with tempfile.TemporaryDirectory(prefix="amp-bench-dashboard-") as name:
        directory = Path(name)
        running = services.start_services(directory, database=DATABASE)
        try:
            env = dict(os.environ, CKAN_SQLALCHEMY_URL=running.sqlalchemy_url,
                       CKAN_REDIS_URL=running.redis_url,
                       CKAN_STORAGE_PATH=str(directory / "storage"))
            env.pop("CKAN_INI", None)
            (directory / "storage").mkdir(exist_ok=True)
            # test.ini with the bench's plugins: their migrations (tracking's,
            # amp_dashboard's) run too.
            ini = directory / "bench.ini"
            text = re.sub(r"^ckan\.plugins = .*$", f"ckan.plugins = {PLUGINS}",
                          INI.read_text(encoding="utf-8"), flags=re.M)
            text = text.replace("use = config:", f"use = config:{ROOT}/", 1)
            ini.write_text(text, encoding="utf-8")
            migrations.upgrade(ini, running.sqlalchemy_url,
                               make_ckan_runner(ini, env, directory / "setup.log"))
            subprocess.run([sys.executable, __file__, "--run", str(ini), str(arguments.count),
                            str(arguments.repeat), arguments.cprofile], env=env, check=True,
                           cwd=ROOT)
        finally:
            running.stop()


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "--run":
        run(Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
    else:
        main()

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

It measures, p50/p95 over ``--repeat`` requests each, through the full WSGI
stack with werkzeug's test client (API token in the ``Authorization``
header): the freshness, quality and obligations dashboards and their CSV
(a quarter of the clones follow a schema, most of them an obligation's), as a sysadmin
(every organisation: the whole catalogue) and as the editor of one
organisation (1/12 of it); the home page and the dataset list (with the six
added facets) as an anonymous visitor.
"""
from __future__ import annotations

import argparse
import copy
import datetime as dt
import os
import random
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

PLUGINS = "amp_search amp_schema amp_dashboard scheming_datasets scheming_organizations"
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
        ("obligations, administrateur (tout)", "/dashboards/obligations", "bench-admin"),
        ("obligations, éditeur (1 org.)", "/dashboards/obligations", "bench-editor"),
        ("obligations CSV, administrateur", "/dashboards/obligations.csv", "bench-admin"),
        ("accueil, anonyme", "/", None),
        ("liste des jeux (facettes), anonyme", "/dataset/", None),
        ("liste, filtre qualité faible", "/dataset/?quality_band=low", None),
    ]
    rows = []
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


def run(count: int, repeat: int, profile_path: str = "") -> None:
    """In a child process (the servers' environment set): build, then measure."""
    import logging

    from ckan.cli import load_config
    from ckan.config.middleware import make_app
    from werkzeug.test import Client

    logging.disable(logging.WARNING)
    config = load_config(str(INI))
    config["ckan.plugins"] = PLUGINS
    app = make_app(config)
    with app._wsgi_app.test_request_context():  # type: ignore[attr-defined]
        tokens = build(count)
    client = Client(app)
    if profile_path:
        profile(client, tokens, "/dashboards/freshness", profile_path)
        return
    with os.popen("uptime") as uptime:
        print("charge avant :", uptime.read().strip())
    rows = measure(client, tokens, repeat)
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
                        help="instead of the figures: a cProfile of the freshness page to this file")
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
            migrations.upgrade(INI, running.sqlalchemy_url,
                               make_ckan_runner(INI, env, directory / "setup.log"))
            subprocess.run([sys.executable, __file__, "--run", str(arguments.count),
                            str(arguments.repeat), arguments.cprofile], env=env, check=True,
                           cwd=ROOT)
        finally:
            running.stop()


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--run":
        run(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
    else:
        main()

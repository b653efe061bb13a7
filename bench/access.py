"""Benchmark of amp_access: what the diffusion rules cost (not a test: it prints figures).

    .venv/bin/python bench/access.py --count 10000 --keep /tmp/amp-access-bench

It starts throw-away PostgreSQL and Redis (the stack's own, as
bench/reindex.py does), migrates a CKAN database with ``test.ini``, and
builds, through CKAN's actions, a catalogue of ``--count`` datasets of mixed
levels in 12 organisations, 1-5 resources each: 80 % public, 8 % restricted
under a convention with their record public, 3 % restricted under a
convention with their record for the parties only, 3 % restricted shared by
grants only (a third of them with their record for the parties only), 4 %
internal and 2 % personal (both CKAN-private, as the demo data has them).
Users: anonymous; ``bench-member``, a member of one organisation; and
``bench-grantee``, a registered user of no organisation holding 30 live
grants on restricted datasets shared by grants only, plus 10 expired and 5
revoked grants and 5 grants under a convention that is not in force. The
datasets are created with the index writes off, then indexed in batches by
``ckan amp search rebuild``'s code (two processes), with amp_access loaded.

Then it measures, p50/p95 over ``--repeat`` requests each:

* ``package_search`` with a free-text query (a subject word, 20 rows);
* ``package_search`` as CKAN's search page asks it: free text, 20 rows,
  private datasets included, facets on organisation, tags and res_format;
* ``package_show`` of a restricted dataset (one of the grantee's, in turn:
  anonymous and the member get it with its data withheld) and of a public one;
* the dataset page ``/dataset/<name>`` of the same restricted and public
  datasets;

as anonymous, member and grantee, with amp_access loaded and not loaded, in
the same run: two CKAN processes (``make_app`` on test.ini, plugins
``--plugins`` with and without amp_access) over the same database and the
same index, each serving requests through the full WSGI stack with
werkzeug's test client (in-process: no HTTP server's threads and sockets in
the figures). The two are asked in turn, request by request (the order
swapped at each round), so that whatever else runs on the machine weighs on
both alike. Users authenticate with an API token (``Authorization``
header), pages included.

The index is the one amp_access writes, used by both configurations. Its
documents differ from those of a stock rebuild only for the records that
amp_access keeps from everyone: the restricted records for the parties only
(labelled ``member-<org>``, ``convention-<ref>``, ``grant-<id>`` instead of
``public``), and the data addresses (``res_url``, ``urls``) of records whose
data is not everyone's. Without amp_access, CKAN gives users only its own
labels (``public``, ``member-<org>``, ``creator-<id>``), which mean the same
thing in both configurations: anonymous and member get the same results in
both, and the grantee, without amp_access, only what an anonymous visitor
gets (CKAN knows nothing of grants); with it, also the records for the
parties only that it holds a grant on.

The table gives, for each line, p50 and p95 without and with amp_access,
the overhead (Δ), the median number of SQL statements of one request in
each configuration (the figure that does not depend on the machine's load)
and the median count found (``package_search``) or number of resources
whose address is given (``package_show``).

Building 10,000 datasets takes ~30 min on 2 busy cores (package_create is
~60 ms of CKAN and scheming work per dataset), so keep it: ``--keep DIR``
keeps the servers' data in DIR and a later run reuses the catalogue
(``--rebuild-index`` indexes it again, after a change of what amp_access
writes in the index). ``--cprofile FILE`` profiles the CKAN process with
amp_access (cProfile, measured requests only); ``--markdown`` prints the
table in Markdown.
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
import time
import uuid
from pathlib import Path
from typing import Any, Iterator, Optional

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "ckanext-amp"))
sys.path.insert(0, str(ROOT / "bench"))

from search import FORMATS, FORMS, PLACES, SUBJECTS, WORDS, percentile  # noqa: E402

#: Plugins of both configurations; amp_access is added to one of them.
PLUGINS = "amp_search activity amp_schema scheming_datasets scheming_organizations"
DATABASE = "ckan_bench_access"
INI = ROOT / "test.ini"
STATE = "bench-access-state.json"
ORGANISATIONS = 12
#: Level mix: (share, level, extra fields). Conventions: references that no
#: convention of the portal has (amp_conventions is not loaded): not in force.
MIX = [
    (0.80, "public", {}),
    (0.08, "restricted-convention", {"metadata_visibility": "public"}),
    (0.03, "restricted-convention", {"metadata_visibility": "parties"}),
    (0.02, "restricted-grants", {"metadata_visibility": "public"}),
    (0.01, "restricted-grants", {"metadata_visibility": "parties"}),
    (0.04, "internal", {}),
    (0.02, "personal", {}),
]
LIVE_GRANTS, EXPIRED_GRANTS, REVOKED_GRANTS, CONVENTION_GRANTS = 30, 10, 5, 5


# -- the catalogue ------------------------------------------------------------------

def level_fields(kind: str, number: int) -> dict[str, Any]:
    if kind == "public":
        return {"diffusion": "public", "license_id": "lov2" if number % 7 else "odc-odbl"}
    if kind == "restricted-convention":
        return {"diffusion": "restricted", "convention": f"CONV-2025-{number % 8:03d}",
                "diffusion_basis": "convention", "license_id": "amp-parties"}
    if kind == "restricted-grants":
        return {"diffusion": "restricted", "diffusion_basis": "commercial_secret",
                "license_id": "amp-parties"}
    if kind == "internal":
        return {"diffusion": "internal", "diffusion_basis": "public_security",
                "license_id": "amp-internal", "private": True}
    return {"diffusion": "personal", "diffusion_basis": "gdpr",
            "license_id": "amp-internal", "private": True}


def make_datasets(count: int, organisations: list[str], seed: int = 42) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    shares = [share for share, _, _ in MIX]
    datasets = []
    for number in range(count):
        _, kind, extra = rng.choices(MIX, weights=shares)[0]
        subject = rng.choice(SUBJECTS)
        title = f"{rng.choice(FORMS)} {subject} — {rng.choice(PLACES)} {2015 + number % 11}"
        name = f"jeu-{number:06d}"
        formats = rng.choices(FORMATS, k=rng.randint(1, 5))
        tags = sorted({tag.replace("'", " ") for tag in
                       (subject, *rng.choices(SUBJECTS, k=rng.randint(0, 4)))})
        datasets.append({
            "name": name, "title": title, "owner_org": rng.choice(organisations),
            "notes": " ".join([f"{title}."] + rng.choices(WORDS, k=rng.randint(25, 70))),
            "tag_string": ",".join(tags), "frequency": "MONTHLY",
            "resources": [{"url": f"https://data.ampmetropole.fr/{name}/{n}.{fmt.lower()}",
                           "format": fmt, "name": f"{title} ({fmt})"}
                          for n, fmt in enumerate(formats)],
            "bench_kind": f"{kind}/{extra.get('metadata_visibility', '')}",
            **level_fields(kind, number), **extra,
        })
    return datasets


def build(count: int, state_path: Path) -> None:
    """In a child process: organisations, users, datasets, grants, index."""
    import logging

    from ckan.cli import load_config
    from ckan.config.middleware import make_app

    logging.disable(logging.WARNING)
    config = load_config(str(INI))
    config["ckan.plugins"] = with_access(PLUGINS)
    app = make_app(config)
    with app._wsgi_app.test_request_context():  # type: ignore[attr-defined]
        import ckan.lib.search as search
        import ckan.model as model
        import ckan.plugins.toolkit as toolkit
        import sqlalchemy as sa

        # The index is written afterwards, in batches (as `ckan amp search
        # rebuild` does), not once per package_create.
        original_notify = search.SynchronousSearchPlugin.notify
        search.SynchronousSearchPlugin.notify = lambda self, entity, operation: None
        action = toolkit.get_action
        site_user = action("get_site_user")({"ignore_auth": True}, {})
        context = lambda: {"user": site_user["name"], "ignore_auth": True}  # noqa: E731
        started = time.perf_counter()
        organisations = [action("organization_create")(context(), {
            "name": f"organisation-{n:02d}", "title": f"Direction {SUBJECTS[n]} n° {n}"})["id"]
            for n in range(ORGANISATIONS)]
        users = {name: action("user_create")(context(), {
            "name": name, "email": f"{name}@example.org",
            "password": uuid.uuid4().hex + "Aa1!"}) for name in ("bench-member", "bench-grantee")}
        member_org = organisations[3]
        action("organization_member_create")(context(), {
            "id": member_org, "username": "bench-member", "role": "member"})
        datasets = make_datasets(count, organisations)
        kinds = {dataset["name"]: dataset.pop("bench_kind") for dataset in datasets}
        create_datasets(datasets, site_user["name"], workers=2)
        created = time.perf_counter() - started
        owners = {dataset["name"]: dataset["owner_org"] for dataset in datasets}
        by_kind: dict[str, list[str]] = {}
        for name, kind in kinds.items():
            by_kind.setdefault(kind, []).append(name)
        # A small --count may draw no dataset of a kind: that kind is then empty.
        grants_only = (by_kind.get("restricted-grants/public", []) +
                       by_kind.get("restricted-grants/parties", []))
        rng = random.Random(3)
        wanted = LIVE_GRANTS + EXPIRED_GRANTS + REVOKED_GRANTS
        chosen = rng.sample(sorted(grants_only), min(wanted, len(grants_only)))
        live_count = round(LIVE_GRANTS * len(chosen) / wanted)
        expired_count = round(EXPIRED_GRANTS * len(chosen) / wanted)
        under_convention = rng.sample(sorted(by_kind.get("restricted-convention/public", [])),
                                      min(CONVENTION_GRANTS,
                                          len(by_kind.get("restricted-convention/public", []))))
        today = dt.date.today()
        grant = action("amp_grant_create")
        common = {"user_id": "bench-grantee", "signatory": "Bench, chargé d'études",
                  "purpose": "Étude de la ressource en eau"}
        live = chosen[:live_count]
        for name in live + under_convention:
            grant(context(), {**common, "dataset_id": name, "ends": str(today + dt.timedelta(days=200))})
        for name in chosen[live_count:live_count + expired_count]:
            grant(context(), {**common, "dataset_id": name, "starts": "2024-01-01",
                              "ends": "2024-12-31"})
        for name in chosen[live_count + expired_count:]:
            made = grant(context(), {**common, "dataset_id": name,
                                     "ends": str(today + dt.timedelta(days=200))})
            action("amp_grant_revoke")(context(), {"id": made["id"], "reason": "Fin de l'étude"})
        search.SynchronousSearchPlugin.notify = original_notify
        tokens = {name: action("api_token_create")(context(), {"user": name, "name": "bench"})["token"]
                  for name in users}
        started_index = time.perf_counter()
        index(workers=2)
        indexed = time.perf_counter() - started_index
        state = {
            "count": count, "tokens": tokens, "member_org": member_org,
            # Restricted records everyone sees, whose data only the grantee gets.
            "restricted": sorted(n for n in live if kinds[n] == "restricted-grants/public"
                                 and owners[n] != member_org),
            "public": sorted(by_kind["public/"])[:200],
            "kinds": {kind: len(names) for kind, names in sorted(by_kind.items())},
            "grants": {"en cours": len(live), "expirées": expired_count,
                       "révoquées": len(chosen) - live_count - expired_count,
                       "sous une convention non en vigueur": len(under_convention)},
            "created_s": round(created, 1), "indexed_s": round(indexed, 1),
        }
        with model.meta.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as db:
            db.execute(sa.text("VACUUM ANALYZE"))
        state_path.write_text(json.dumps(state, ensure_ascii=False, indent=1))


def create_datasets(datasets: list[dict[str, Any]], user: str, workers: int) -> None:
    """``package_create`` of each dataset, shared among forked processes,
    one commit per 100 datasets."""
    import multiprocessing

    import ckan.model as model
    import ckan.plugins.toolkit as toolkit

    def create(part: list[dict[str, Any]]) -> None:
        model.meta.engine.dispose(close=False)  # the parent's connections are not ours
        create_action = toolkit.get_action("package_create")
        for number, dataset in enumerate(part, 1):
            create_action({"user": user, "ignore_auth": True, "return_id_only": True,
                           "defer_commit": True}, dataset)
            if number % 100 == 0:
                model.repo.commit()
        model.repo.commit()

    model.Session.remove()
    model.meta.engine.dispose()
    context = multiprocessing.get_context("fork")
    processes = [context.Process(target=create, args=(datasets[number::workers],))
                 for number in range(workers)]
    for process in processes:
        process.start()
    for process in processes:
        process.join()
    if any(process.exitcode != 0 for process in processes):
        raise RuntimeError("a process creating datasets failed")


def index(workers: int) -> None:
    """Clear and rebuild the index with ``ckan amp search rebuild``'s code."""
    import ckan.lib.search as search

    from ckanext.amp.search import rebuild as rebuilding

    search.clear_all()
    outcome = rebuilding.rebuild(rebuilding.package_ids_to_index(), workers, 200,
                                 lambda *_: None)
    if outcome.failures:
        raise RuntimeError(f"{len(outcome.failures)} datasets not indexed: {outcome.failures[:3]}")


def reindex() -> None:
    import logging

    from ckan.cli import load_config
    from ckan.config.middleware import make_app

    logging.disable(logging.WARNING)
    config = load_config(str(INI))
    config["ckan.plugins"] = with_access(PLUGINS)
    app = make_app(config)
    with app._wsgi_app.test_request_context():  # type: ignore[attr-defined]
        index(workers=2)


def with_access(plugins: str) -> str:
    names = plugins.split()
    position = names.index("activity") + 1 if "activity" in names else len(names)
    return " ".join(names[:position] + ["amp_access"] + names[position:])


# -- the two CKAN processes ------------------------------------------------------------

def serve(plugins: str, profile_path: Optional[str]) -> None:
    """In a child process: answer one request per line of stdin with its
    duration (JSON on the original stdout; CKAN's own output goes to stderr)."""
    import logging

    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    from ckan.cli import load_config
    from ckan.config.middleware import make_app
    from werkzeug.test import Client

    logging.disable(logging.WARNING)
    config = load_config(str(INI))
    config["ckan.plugins"] = plugins
    client = Client(make_app(config))
    import sqlalchemy as sa
    from ckan import model

    statements = [0]

    @sa.event.listens_for(model.meta.engine, "before_cursor_execute")
    def count(*_args: Any) -> None:
        statements[0] += 1

    profiler = None
    if profile_path:
        import cProfile

        profiler = cProfile.Profile()
    protocol.write(json.dumps({"ready": True}) + "\n")
    for line in sys.stdin:
        ask = json.loads(line)
        headers = {"Authorization": ask["token"]} if ask.get("token") else {}
        if profiler is not None and ask.get("measured"):
            profiler.enable()
        statements[0] = 0
        start = time.perf_counter()
        response = client.get(ask["path"], query_string=ask.get("query"), headers=headers)
        body = response.get_data()
        elapsed = (time.perf_counter() - start) * 1000
        if profiler is not None:
            profiler.disable()
        answer: dict[str, Any] = {"ms": elapsed, "status": response.status_code,
                                  "sql": statements[0]}
        if ask["path"].startswith("/api/"):
            result = json.loads(body).get("result") or {}
            if "count" in result:
                answer["count"] = result["count"]
            elif "resources" in result:
                answer["count"] = sum(bool(r.get("url")) for r in result["resources"])
        protocol.write(json.dumps(answer) + "\n")
    if profiler is not None and profile_path:
        profiler.dump_stats(profile_path)


class Worker:
    """One CKAN configuration in a child process."""

    def __init__(self, label: str, plugins: str, env: dict[str, str],
                 profile_path: Optional[str] = None) -> None:
        self.label = label
        command = [sys.executable, __file__, "--serve", plugins]
        if profile_path:
            command += ["--cprofile", profile_path]
        self.process = subprocess.Popen(command, env=env, cwd=ROOT, text=True,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        assert self.process.stdin is not None and self.process.stdout is not None
        self.stdin, self.stdout = self.process.stdin, self.process.stdout
        if json.loads(self.stdout.readline() or "{}").get("ready") is not True:
            raise RuntimeError(f"CKAN ({label}) did not start")

    def ask(self, request: dict[str, Any]) -> dict[str, Any]:
        self.stdin.write(json.dumps(request) + "\n")
        self.stdin.flush()
        line = self.stdout.readline()
        if not line:
            raise RuntimeError(f"CKAN ({self.label}) stopped")
        return json.loads(line)

    def close(self) -> None:
        self.stdin.close()
        self.process.wait(timeout=60)


def requests_for(state: dict[str, Any], repeat: int) -> dict[str, list[dict[str, Any]]]:
    """Each scenario's requests, the same list for every profile and configuration."""
    rng = random.Random(11)
    words = [rng.choice(SUBJECTS) for _ in range(repeat)]
    restricted = [state["restricted"][n % len(state["restricted"])] for n in range(repeat)]
    public = [rng.choice(state["public"]) for _ in range(repeat)]
    facets = json.dumps(["organization", "tags", "res_format"])
    return {
        "package_search texte": [{"path": "/api/action/package_search",
                                  "query": {"q": word, "rows": 20}} for word in words],
        "package_search page (3 facettes)": [{"path": "/api/action/package_search", "query": {
            "q": word, "rows": 20, "include_private": "true", "facet.field": facets,
            "facet.limit": 50, "sort": "score desc, metadata_modified desc"}} for word in words],
        "package_show restreint": [{"path": "/api/action/package_show", "query": {"id": name}}
                                   for name in restricted],
        "package_show public": [{"path": "/api/action/package_show", "query": {"id": name}}
                                for name in public],
        "page /dataset restreint": [{"path": f"/dataset/{name}"} for name in restricted],
        "page /dataset public": [{"path": f"/dataset/{name}"} for name in public],
    }


def measure(workers: list[Worker], state: dict[str, Any], repeat: int,
            only: list[str]) -> list[dict[str, Any]]:
    profiles = {"anonyme": None, "membre": state["tokens"]["bench-member"],
                "bénéficiaire": state["tokens"]["bench-grantee"]}
    rows = []
    for scenario, requests in requests_for(state, repeat).items():
        if only and not any(word in scenario for word in only):
            continue
        for profile, token in profiles.items():
            figures: dict[str, dict[str, list[float]]] = {
                w.label: {"ms": [], "count": [], "sql": []} for w in workers}
            for warm in requests[:2]:  # warm each process once, as a portal in use is
                for worker in workers:
                    worker.ask({**warm, "token": token})
            for number, request in enumerate(requests):
                order = workers if number % 2 == 0 else workers[::-1]
                for worker in order:
                    answer = worker.ask({**request, "token": token, "measured": True})
                    if answer["status"] != 200:
                        raise RuntimeError(f"{scenario} {profile} ({worker.label}): "
                                           f"HTTP {answer['status']} for {request}")
                    figures[worker.label]["ms"].append(answer["ms"])
                    figures[worker.label]["sql"].append(answer["sql"])
                    if "count" in answer:
                        figures[worker.label]["count"].append(answer["count"])
            rows.append({"scenario": scenario, "profile": profile, "figures": figures})
    return rows


def median(values: list[float]) -> float:
    return percentile(values, .5) if values else 0.0


def report(rows: list[dict[str, Any]], labels: tuple[str, str], markdown: bool) -> None:
    """The table: p50/p95 without and with amp_access, the overhead, the
    SQL statements of a request and what was found (median), each config."""
    without, with_ = labels
    if not rows:
        return
    columns = ["requête", "profil", "sans p50", "sans p95", "avec p50", "avec p95", "Δ p50",
               "Δ p95", "SQL sans/avec", "résultats sans/avec"]
    lines = []
    for row in rows:
        base, amp = row["figures"][without], row["figures"][with_]
        b50, b95 = percentile(base["ms"], .5), percentile(base["ms"], .95)
        a50, a95 = percentile(amp["ms"], .5), percentile(amp["ms"], .95)
        found = (f"{median(base['count']):,.0f}/{median(amp['count']):,.0f}"
                 if base["count"] else "")
        lines.append([row["scenario"], row["profile"], f"{b50:.1f}", f"{b95:.1f}", f"{a50:.1f}",
                      f"{a95:.1f}", f"{(a50 / b50 - 1) * 100:+.0f} %",
                      f"{(a95 / b95 - 1) * 100:+.0f} %",
                      f"{median(base['sql']):.0f}/{median(amp['sql']):.0f}", found])
    if markdown:
        print("| " + " | ".join(columns) + " |")
        print("|" + "---|" * len(columns))
        for line in lines:
            print("| " + " | ".join(line) + " |")
    else:
        widths = [max(len(str(x)) for x in column) for column in zip(columns, *lines)]
        for number, line in enumerate([columns] + lines):
            print(" ".join(str(value).ljust(width) if position < 2 else str(value).rjust(width)
                           for position, (value, width) in enumerate(zip(line, widths))))
            if number == 0:
                print("-" * (sum(widths) + len(widths) - 1))
    base_total = sum(percentile(r["figures"][without]["ms"], .5) for r in rows)
    amp_total = sum(percentile(r["figures"][with_]["ms"], .5) for r in rows)
    print(f"\nsomme des p50 : sans {base_total:.1f} ms, avec {amp_total:.1f} ms "
          f"({(amp_total / base_total - 1) * 100:+.1f} %)")


# -- main ------------------------------------------------------------------------------

@contextlib.contextmanager
def folder(keep: Optional[Path]) -> Iterator[Path]:
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        yield keep
        return
    with tempfile.TemporaryDirectory(prefix="amp-bench-access-") as directory:
        yield Path(directory)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=10000, help="datasets in the catalogue")
    parser.add_argument("--repeat", type=int, default=40, help="requests per line of the table")
    parser.add_argument("--keep", type=Path, help="folder whose servers and catalogue are kept")
    parser.add_argument("--rebuild-index", action="store_true",
                        help="with --keep: index the kept catalogue again")
    parser.add_argument("--plugins", default=PLUGINS,
                        help="plugins of both configurations (amp_access is added to one)")
    parser.add_argument("--only", nargs="+", default=[],
                        help="measure only the lines whose label contains one of these words")
    parser.add_argument("--markdown", action="store_true", help="print the table in Markdown")
    parser.add_argument("--cprofile", help="write a cProfile of the CKAN process with amp_access")
    arguments = parser.parse_args()

    from ckanext.amp.stack import migrations, services
    from ckanext.amp.stack.cli import make_ckan_runner

    with folder(arguments.keep) as directory:
        running = services.start_services(directory, database=DATABASE)
        try:
            env = dict(os.environ, CKAN_SQLALCHEMY_URL=running.sqlalchemy_url,
                       CKAN_REDIS_URL=running.redis_url,
                       CKAN_STORAGE_PATH=str(directory / "storage"))
            env.pop("CKAN_INI", None)
            (directory / "storage").mkdir(exist_ok=True)
            state_path = directory / STATE
            state = json.loads(state_path.read_text()) if state_path.exists() else {}
            if state.get("count") != arguments.count:
                if state:
                    raise SystemExit(f"{directory} holds a catalogue of {state['count']} "
                                     f"datasets: use another --keep folder")
                # A catalogue is built in a database of its own (a build that
                # stopped half-way leaves nothing behind).
                services.drop_database(running.admin_url, DATABASE)
                services.ensure_database(running.admin_url, DATABASE)
                migrations.upgrade(INI, running.sqlalchemy_url,
                                   make_ckan_runner(INI, env, directory / "setup.log"))
                subprocess.run([sys.executable, __file__, "--build", str(arguments.count),
                                str(state_path)], env=env, check=True, cwd=ROOT)
                state = json.loads(state_path.read_text())
                print(f"catalogue construit : {state['count']:,} jeux en {state['created_s']} s, "
                      f"indexés en {state['indexed_s']} s (2 processus)")
            elif arguments.rebuild_index:
                started = time.perf_counter()
                subprocess.run([sys.executable, __file__, "--reindex"], env=env, check=True,
                               cwd=ROOT)
                print(f"index reconstruit en {time.perf_counter() - started:.1f} s")
            print(f"## {state['count']:,} jeux de données : "
                  + ", ".join(f"{kind} {n}" for kind, n in state["kinds"].items()))
            print("autorisations du bénéficiaire : "
                  + ", ".join(f"{n} {kind}" for kind, n in state["grants"].items()))
            print(f"greffons : {arguments.plugins} (+ amp_access) ; "
                  f"amp_conventions non chargé (conventions non en vigueur)")
            with os.popen("uptime") as uptime:
                print("charge avant :", uptime.read().strip())
            labels = ("sans amp_access", "avec amp_access")
            workers = [Worker(labels[0], arguments.plugins, env),
                       Worker(labels[1], with_access(arguments.plugins), env, arguments.cprofile)]
            try:
                rows = measure(workers, state, arguments.repeat, arguments.only)
            finally:
                for worker in workers:
                    worker.close()
            with os.popen("uptime") as uptime:
                print("charge après :", uptime.read().strip())
            print(f"p50 / p95 en ms, {arguments.repeat} requêtes par ligne et par configuration, "
                  f"alternées ; Δ : surcoût d'amp_access")
            report(rows, labels, arguments.markdown)
        finally:
            running.stop()


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--build":
        build(int(sys.argv[2]), Path(sys.argv[3]))
    elif len(sys.argv) == 2 and sys.argv[1] == "--reindex":
        reindex()
    elif len(sys.argv) >= 3 and sys.argv[1] == "--serve":
        serve(sys.argv[2], sys.argv[4] if len(sys.argv) == 5 else None)
    else:
        main()

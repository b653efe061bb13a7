"""Benchmark of the amp_search PostgreSQL engine (not a test: it prints figures).

    .venv/bin/python bench/search.py --sizes 1000 10000 100000

For each size N it builds N synthetic but realistic index documents (shaped
exactly as CKAN indexes a dataset: French titles and descriptions, 40
organisations, Zipf-distributed tags, 1-5 resources, 10% private datasets
labelled for their organisation's members), indexes them and reports:

* indexing throughput, both one document per call (CKAN's path when a
  dataset is saved) and in batches of 500 (a rebuild);
* p50/p95 latency of the searches the portal makes: free text, free text
  with 3 facets, fq on organisation + tag, sort by modification date, a deep
  page (start=5000), each as an anonymous visitor and as a member of a
  private organisation (CKAN's permission-label filter).

With ``--spatial`` the datasets have a place, as ckanext-spatial indexes it
for both its backends (the envelope, and the WKT in ``spatial_geom``): 70%
a commune of the Bouches-du-Rhône (tests/fixtures/spatial), 20% a point in
one, 10% none; and the bbox searches of both backends are measured, alone
and with free text (databases ``amp_bench_<N>_spatial``).

A throw-away embedded PostgreSQL is started in a temporary directory unless
``--database-url`` points at a server (a database is created and dropped on
it). With ``--keep DIR`` the embedded server lives in DIR and each size's
database (``amp_bench_<N>``) is kept: a later run with the same ``--keep``
migrates it to the current schema (``alembic upgrade head``, as an operator
would) and measures again without re-indexing. ``--search-only`` skips the
indexing figures when the database already holds the documents. Stock Solr cannot run on this machine (no Solr package on PyPI or
Debian), so there is no side-by-side figure for it: see docs/decisions.
"""
from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any, Callable, Iterator

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ckanext-amp"))

from ckanext.amp.search import storage  # noqa: E402
from ckanext.amp.search.engine import PostgresSearchEngine  # noqa: E402
from ckanext.amp.common.solr_schema import load_schema  # noqa: E402
from ckanext.amp.stack.services import EmbeddedPostgres  # noqa: E402

SUBJECTS = ["délibérations", "budget", "subventions", "marchés publics", "mobilité", "vélos",
            "stationnement", "eau potable", "captages", "piézométrie", "déchets", "collecte",
            "culture", "musées", "bibliothèques", "urbanisme", "cadastre", "voirie", "capteurs",
            "qualité de l'air", "bruit", "transports", "bus", "métro", "tramway", "écoles",
            "population", "emploi", "tourisme", "espaces verts", "arbres", "éclairage public"]
PLACES = ["Marseille", "Aix-en-Provence", "Martigues", "Aubagne", "Istres", "Salon-de-Provence",
          "Vitrolles", "Marignane", "La Ciotat", "Gardanne", "Miramas", "Pertuis", "la Crau"]
FORMS = ["Liste des", "Carte des", "Statistiques de", "Inventaire des", "Relevés de",
         "Historique des", "Indicateurs de", "Comptages de"]
FORMATS = ["CSV", "JSON", "GeoJSON", "XLSX", "PDF", "SHP", "XML", "ZIP"]
WORDS = ("données ouvertes publiées par la métropole mise à jour quotidienne mensuelle annuelle "
         "territoire commune secteur service public producteur réutilisation licence ouverte "
         "fichier ressource description détaillée indicateur mesure relevé station réseau").split()


COMMUNES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "spatial" / \
    "communes-13-bouches-du-rhone.geojson"


def _places() -> list[tuple[str, tuple[float, float, float, float]]]:
    """(WKT, bounds) of each commune, as ckanext-spatial's backends read them."""
    from shapely.geometry import shape

    features = json.loads(COMMUNES.read_text(encoding="utf-8"))["features"]
    return [(geometry.wkt, geometry.bounds)
            for geometry in (shape(feature["geometry"]) for feature in features)]


def spatial_fields(rng: random.Random, places: list[Any]) -> dict[str, Any]:
    """What ckanext-spatial indexes for a dataset's place (both backends)."""
    draw = rng.random()
    if draw >= 0.9:
        return {}
    wkt, (minx, miny, maxx, maxy) = rng.choice(places)
    if draw >= 0.7:  # a point (a catchment, a sensor) inside the commune's envelope
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        wkt, minx, miny, maxx, maxy = f"POINT ({x} {y})", x, y, x, y
    return {"spatial_geom": wkt, "minx": minx, "miny": miny, "maxx": maxx, "maxy": maxy}


def make_documents(count: int, seed: int = 42, spatial: bool = False) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    places = _places() if spatial else []
    now = dt.datetime(2026, 11, 1)
    organisations = [f"organisation-{n:02d}" for n in range(40)]
    tags = [f"{subject}" for subject in SUBJECTS] + [f"thème-{n}" for n in range(170)]
    tag_weights = [1 / (rank + 1) for rank in range(len(tags))]
    documents = []
    for number in range(count):
        subject = rng.choice(SUBJECTS)
        place = rng.choice(PLACES)
        title = f"{rng.choice(FORMS)} {subject} — {place} {2015 + number % 11}"
        notes = " ".join([f"{title}."] + rng.choices(WORDS, k=rng.randint(25, 70)))
        organisation = rng.choice(organisations)
        private = rng.random() < 0.10
        dataset_tags = sorted(set(rng.choices(tags, weights=tag_weights, k=rng.randint(1, 6))))
        formats = rng.choices(FORMATS, k=rng.randint(1, 5))
        modified = now - dt.timedelta(minutes=rng.randint(0, 5 * 365 * 24 * 60))
        name = f"jeu-{number:06d}"
        package_id = str(uuid.UUID(int=rng.getrandbits(128)))
        data = {"id": package_id, "name": name, "title": title, "notes": notes,
                "owner_org": organisation, "private": private, "tags": dataset_tags,
                "resources": [{"format": f, "url": f"https://data.example.org/{name}.{f.lower()}"}
                              for f in formats]}
        blob = json.dumps(data, ensure_ascii=False)
        documents.append({
            "index_id": uuid.UUID(int=rng.getrandbits(128)).hex, "id": package_id,
            "site_id": "default", "entity_type": "package", "dataset_type": "dataset",
            "name": name, "title": title, "title_string": title, "notes": notes,
            "state": "active", "capacity": "private" if private else "public",
            "private": private, "organization": organisation, "owner_org": organisation,
            "tags": dataset_tags, "groups": [], "license_id": "etalab-2.0",
            "num_resources": len(formats), "num_tags": len(dataset_tags),
            "res_format": formats, "res_name": [f"{title} ({f})" for f in formats],
            "res_url": [r["url"] for r in data["resources"]],
            "metadata_created": modified.isoformat() + "Z",
            "metadata_modified": modified.isoformat() + "Z",
            "extras_frequency": rng.choice(["annuelle", "mensuelle", "quotidienne"]),
            "permission_labels": [f"member-{organisation}"] if private else ["public"],
            "data_dict": blob, "validated_data_dict": blob,
            **(spatial_fields(rng, places) if spatial else {}),
        })
    return documents


@contextlib.contextmanager
def server(url: str | None, keep: Path | None) -> Iterator[str]:
    """The admin URL of the server all sizes use (one embedded server per run)."""
    if url is not None:
        yield url
        return
    with contextlib.ExitStack() as stack:
        directory = keep or Path(stack.enter_context(
            tempfile.TemporaryDirectory(prefix="amp-bench-")))
        embedded = EmbeddedPostgres(directory / "pg")
        url = embedded.start()
        stack.callback(embedded.stop)
        yield url


@contextlib.contextmanager
def database(url: str, size: int, keep: Path | None,
             suffix: str = "") -> Iterator[sa.engine.Engine]:
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    name = f"amp_bench_{size}{suffix}" if keep else f"amp_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        exists = connection.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                    {"n": name}).first()
        if not exists:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine = sa.create_engine(sa.engine.make_url(url).set(database=name))
    try:
        storage.upgrade(engine)
        vacuum(engine)
        yield engine
    finally:
        engine.dispose()
        if not keep:
            with admin.connect() as connection:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def vacuum(engine: sa.engine.Engine) -> None:
    """What autovacuum does soon after a migration or a bulk load (statistics,
    visibility map for index-only scans), done now so that figures do not
    depend on when it runs."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(sa.text("VACUUM ANALYZE"))


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def timed(operation: Callable[[], Any], repeat: int) -> list[float]:
    operation()  # warm the caches once, as a portal in use would be
    durations = []
    for _ in range(repeat):
        start = time.perf_counter()
        operation()
        durations.append((time.perf_counter() - start) * 1000)
    return durations


def ckan_params(q: str = "", **extra: Any) -> dict[str, Any]:
    """Parameters as CKAN's PackageSearchQuery.run sends them."""
    params: dict[str, Any] = {"q": q or "*:*", "fl": "id validated_data_dict", "rows": 21,
                              "start": 0, "sort": "score desc, metadata_modified desc",
                              "wt": "json", "q.op": "AND", "df": "text",
                              "facet": "true", "facet.limit": 50, "facet.mincount": 1}
    if q and ":" not in q:
        params.update(defType="dismax", tie="0.1", mm="2<-1 5<80%",
                      qf="name^4 title^4 tags^2 groups^2 text")
    params.update(extra)
    return params


def _bbox(rng: random.Random) -> dict[str, float]:
    """A search box in the department, from a district to a quarter of it."""
    width = rng.choice((0.02, 0.05, 0.1, 0.3, 0.6))
    x, y = rng.uniform(4.3, 5.8 - width), rng.uniform(43.15, 43.9 - width * 0.7)
    return {"minx": x, "miny": y, "maxx": x + width, "maxy": y + width * 0.7}


def bbox_params(bbox: dict[str, float]) -> dict[str, Any]:
    """ckanext-spatial's solr-bbox backend (2.3.2, search_params): fq + bf."""
    area = (bbox["maxx"] - bbox["minx"]) * (bbox["maxy"] - bbox["miny"])
    bf = (f"div(mul(mul(max(0,sub(min({bbox['maxx']},maxx),max({bbox['minx']},minx))),"
          f"max(0,sub(min({bbox['maxy']},maxy),max({bbox['miny']},miny)))),2),"
          f"add({area},mul(sub(maxy,miny),sub(maxx,minx))))")
    return {"fq": "{!frange incl=false l=0 u=1}" + bf, "bf": bf, "defType": "edismax"}


def field_params(bbox: dict[str, float]) -> dict[str, Any]:
    """ckanext-spatial's solr-spatial-field backend (2.3.2, search_params)."""
    return {"fq": "{{!field f=spatial_geom}}Intersects(ENVELOPE({minx}, {maxx}, {maxy}, {miny}))"
            .format(**bbox)}


def spatial_scenarios() -> dict[str, Callable[[random.Random, list[str]], dict[str, Any]]]:
    def build(backend: Callable[[dict[str, float]], dict[str, Any]], text: bool):
        def params(rng: random.Random, labels: list[str]) -> dict[str, Any]:
            extra = backend(_bbox(rng))
            fq = extra.pop("fq")
            base = ckan_params(rng.choice(SUBJECTS) if text else "")
            base.update(extra, fq=[*_filters(labels), fq])
            return base
        return params

    return {"bbox (solr-bbox)": build(bbox_params, False),
            "bbox (solr-spatial-field)": build(field_params, False),
            "bbox + texte (solr-bbox)": build(bbox_params, True),
            "bbox + texte (spatial-field)": build(field_params, True)}


def _filters(labels: list[str], *more: str) -> list[str]:
    return ["+capacity:public +state:(active)" if labels == ['"public"'] else "+state:(active)",
            *more, '+site_id:"default"', "+permission_labels:(%s)" % " OR ".join(labels)]


def scenarios(size: int) -> dict[str, Callable[[random.Random, list[str]], dict[str, Any]]]:
    filters = _filters
    result = {
        "texte libre": lambda rng, labels: ckan_params(
            rng.choice(SUBJECTS), fq=filters(labels)),
        "texte + 3 facettes": lambda rng, labels: ckan_params(
            rng.choice(SUBJECTS), fq=filters(labels),
            **{"facet.field": ["organization", "tags", "res_format"]}),
        "fq organisation + mot-clé": lambda rng, labels: ckan_params(
            "", fq=filters(labels, f'organization:"organisation-{rng.randrange(40):02d}"',
                           f'tags:"{rng.choice(SUBJECTS[:8])}"')),
        "tri par modification": lambda rng, labels: ckan_params(
            "", fq=filters(labels), sort="metadata_modified desc"),
    }
    if size > 5000:
        result["page profonde (start=5000)"] = lambda rng, labels: ckan_params(
            "", fq=filters(labels), start=5000)
    return result


def run(size: int, url: str, repeat: int, keep: Path | None,
        search_only: bool, answers: list[dict[str, Any]], only: list[str],
        spatial: bool = False) -> None:
    with database(url, size, keep, "_spatial" if spatial else "") as engine:
        search = PostgresSearchEngine(engine, load_schema())
        print(f"\n## {size} jeux de données" + (" (avec emprises)" if spatial else ""))
        if search_only and search.count() == size:
            print("indexation : non mesurée (index conservé, --search-only)")
        else:
            index(search, engine, size, spatial)
        measure(search, size, repeat, answers, only, spatial)


def index(search: PostgresSearchEngine, engine: sa.engine.Engine, size: int,
          spatial: bool = False) -> None:
    documents = make_documents(size, spatial=spatial)
    with engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM amp_search_document"))
    single = documents[: min(1000, size)]
    start = time.perf_counter()
    for document in single:
        search.add([document])
    per_document = len(single) / (time.perf_counter() - start)
    start = time.perf_counter()
    for offset in range(len(single), size, 500):
        search.add(documents[offset:offset + 500])
    batched = (size - len(single)) / (time.perf_counter() - start) if size > len(single) else 0
    vacuum(engine)
    print(f"indexation : {per_document:,.0f} docs/s (un par appel, chemin de CKAN)"
          + (f", {batched:,.0f} docs/s (lots de 500)" if batched else ""))


def measure(search: PostgresSearchEngine, size: int, repeat: int,
            answers: list[dict[str, Any]], only: list[str], spatial: bool = False) -> None:
    print(f"{'requête':32} {'profil':10} {'p50 ms':>8} {'p95 ms':>8} {'résultats':>10}")
    rng = random.Random(7)
    member = ['"public"', '"member-organisation-07"', '"member-organisation-21"']
    queries = {**scenarios(size), **(spatial_scenarios() if spatial else {})}
    for label, build in queries.items():
        if only and not any(word in label for word in only):
            continue
        for profile, labels in (("anonyme", ['"public"']), ("membre", member)):
            found = []

            def query() -> None:
                params = build(rng, labels)
                response = search.search(params)
                found.append(response["response"]["numFound"])
                answers.append({"params": params, "numFound": response["response"]["numFound"],
                                "ids": [doc["id"] for doc in response["response"]["docs"]],
                                "facets": response.get("facet_counts", {}).get("facet_fields")})

            durations = timed(query, repeat)
            print(f"{label:32} {profile:10} {percentile(durations, .5):8.1f} "
                  f"{percentile(durations, .95):8.1f} {statistics.median(found):10,.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=40, help="queries per scenario")
    parser.add_argument("--database-url", help="a PostgreSQL server to use instead of an embedded one")
    parser.add_argument("--keep", type=Path, help="folder of an embedded server whose databases are kept")
    parser.add_argument("--search-only", action="store_true",
                        help="with --keep: do not re-index a database that holds N documents")
    parser.add_argument("--answers", type=Path,
                        help="write every query with its count, page ids and facets (JSON) to "
                             "compare two versions of the engine")
    parser.add_argument("--spatial", action="store_true",
                        help="datasets with places (ckanext-spatial), and bbox searches")
    parser.add_argument("--only", nargs="+", default=[],
                        help="measure only the queries whose label contains one of these words")
    arguments = parser.parse_args()
    answers: list[dict[str, Any]] = []
    with server(arguments.database_url, arguments.keep) as url:
        for size in arguments.sizes:
            run(size, url, arguments.repeat, arguments.keep, arguments.search_only, answers,
                arguments.only, arguments.spatial)
    if arguments.answers:
        arguments.answers.write_text(json.dumps(answers, ensure_ascii=False, indent=0))


if __name__ == "__main__":
    main()

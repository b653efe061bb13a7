"""Benchmark of the DCAT catalogue serialisation (not a test: it prints figures).

    .venv/bin/python bench/dcat.py --count 10000

It builds COUNT synthetic but realistic dataset dicts, shaped as
``package_show`` returns them with the amp schema (schemas/dataset.yaml):
French titles and descriptions, 40 organisations, 1-5 resources, EU themes,
INSEE zones, temporal coverage, contacts, HVD categories on ~8%, ~10%
restricted records listed with ``metadata_visibility`` public (their
distributions are redacted by our profile). Then, for our ``amp_dcat_ap_fr``
profile and for ckanext-dcat's stock ``euro_dcat_ap_3`` on the same dicts in
the same run, it calls ckanext-dcat's ``RDFSerializer.serialize_catalog``
exactly as ``dcat_catalog_show`` does:

* ``pages``: the catalogue page by page (``--page-size``, 100 by default,
  a new serializer per page with CKAN's ``pagination_info``), as
  ``/catalog.ttl?page=N`` serves it;
* ``entier``: the whole catalogue in one graph (``--formats``: turtle and
  rdf/xml by default).

* ``amp (assemblé)``: our catalogue as amp_dcat serves it
  (docs/decisions/0013): every dataset's fragment is first computed and
  stored, as the index hooks do (that time is printed apart: it is paid at
  index time), here in the SQLite file's ``amp_dcat_fragment``; then the
  pages and the whole catalogue are assembled as amp_dcat's views do (the
  ``dcat:Catalog`` header and hydra paging by the profile, the fragments
  read by chunks from the table; the whole catalogue streamed, its chunks
  counted and dropped). The index search that gives a page its ids is not
  in that figure (no search engine runs here). Its "triplets" column counts
  the triples written: the triples datasets share (theme concepts, licence
  documents, zones) are written once per dataset, a parser's graph keeps
  them once.

For each it prints the time, datasets/s, the output size, the number of
triples and the peak memory. Peak memory is the peak resident set size of a
process forked for that measurement alone, minus its resident size when it
starts (Linux ``VmHWM - VmRSS`` after resetting the high-water mark through
``/proc/self/clear_refs``); with ``--memory tracemalloc`` it is the
tracemalloc peak of Python allocations instead (tracemalloc slows rdflib
down about 2x: the times of that mode are not throughput figures).

CKAN runs in-process (``make_app`` on test.ini with the plugins
amp_search amp_schema scheming_datasets dcat amp_dcat) on a throw-away
SQLite file holding only CKAN's ``system_info`` table: the serializer
never reads the database, except for two look-ups that are stubbed the same
way for both profiles: ``organization_show`` for the publisher of the
datasets that have none (ckanext-dcat's per-process organisation cache is
filled beforehand, as on a portal that has served one catalogue) and the
``package_search`` of ``dct:modified`` of the catalogue (the greatest
``metadata_modified`` of the dicts). No Redis is needed.
"""
from __future__ import annotations

import argparse
import datetime as dt
import gc
import logging
import multiprocessing
import os
import random
import sys
import tempfile
import time
import tracemalloc
import uuid
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "ckanext-amp"))

PROFILES = ("amp_dcat_ap_fr", "euro_dcat_ap_3")
#: Our catalogue assembled from stored fragments (docs/decisions/0013).
ASSEMBLED = "amp (assemblé)"
#: --formats (rdflib names) -> fragment formats.
FRAGMENT_FORMATS = {"turtle": "ttl", "xml": "xml", "pretty-xml": "xml", "json-ld": "jsonld", "nt": "nt"}
PLUGINS = "amp_search amp_schema scheming_datasets dcat amp_dcat"

SUBJECTS = ["délibérations", "budget", "subventions", "marchés publics", "mobilité", "vélos",
            "stationnement", "eau potable", "captages", "piézométrie", "déchets", "collecte",
            "culture", "musées", "bibliothèques", "urbanisme", "cadastre", "voirie", "capteurs",
            "qualité de l'air", "bruit", "transports", "bus", "métro", "tramway", "écoles",
            "population", "emploi", "tourisme", "espaces verts", "arbres", "éclairage public"]
FORMS = ["Liste des", "Carte des", "Statistiques de", "Inventaire des", "Relevés de",
         "Historique des", "Indicateurs de", "Comptages de"]
WORDS = ("données ouvertes publiées par la métropole mise à jour quotidienne mensuelle annuelle "
         "territoire commune secteur service public producteur réutilisation licence ouverte "
         "fichier ressource description détaillée indicateur mesure relevé station réseau").split()
FORMATS = [("CSV", "text/csv"), ("JSON", "application/json"), ("GeoJSON", "application/geo+json"),
           ("XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
           ("PDF", "application/pdf"), ("SHP", "application/zip"), ("XML", "application/xml"),
           ("ZIP", "application/zip")]
THEMES = ["AGRI", "ECON", "EDUC", "ENER", "ENVI", "GOVE", "HEAL", "INTR", "JUST", "REGI",
          "SOCI", "TECH", "TRAN"]
FREQUENCIES = ["ANNUAL", "MONTHLY", "DAILY", "WEEKLY", "QUARTERLY", "IRREG", "CONT", "NEVER"]
GRANULARITIES = ["infracommunale", "communale", "intercommunale", "departementale"]
SCDL = "https://schema.data.gouv.fr/schemas/scdl/{}/latest/schema.json"
EU = "http://publications.europa.eu/resource/authority/"
ELI_HVD = "http://data.europa.eu/eli/reg_impl/2023/138/oj"
HVD = ["c_ac64a52d", "c_9427236f", "c_dd313021", "c_164e0bf5", "c_e1da4e07", "c_a9135398",
       "c_b79e35eb"]
LICENCES = [("lov2", "Licence Ouverte 2.0", "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"),
            ("odc-odbl", "Open Data Commons Open Database License (ODbL)",
             "http://www.opendefinition.org/licenses/odc-odbl")]


# -- CKAN in-process ------------------------------------------------------------

def load_ckan(profiles_config: str) -> None:
    """make_app on test.ini, no PostgreSQL, Solr or Redis (see the docstring)."""
    directory = tempfile.mkdtemp(prefix="amp-bench-dcat-")
    os.environ["CKAN_SQLALCHEMY_URL"] = f"sqlite:///{directory}/ckan.db"
    os.environ["CKAN_REDIS_URL"] = "redis://127.0.0.1:1/0"  # never reached
    import sqlalchemy as sa
    from ckan.model.system_info import system_info_table

    engine = sa.create_engine(os.environ["CKAN_SQLALCHEMY_URL"])
    system_info_table.create(engine)
    engine.dispose()

    from ckan.cli import load_config
    from ckan.config.middleware import make_app

    config = load_config(str(ROOT / "test.ini"))
    config["ckan.plugins"] = PLUGINS
    config["ckanext.dcat.rdf.profiles"] = profiles_config
    logging.disable(logging.CRITICAL)  # "Could not connect to Redis" and the like
    make_app(config)


def stub_lookups(datasets: list[dict[str, Any]]) -> None:
    """The two database/search look-ups of the serializer (see the docstring)."""
    from ckanext.dcat.profiles.base import RDFProfile

    last_modified = max(d["metadata_modified"] for d in datasets)
    RDFProfile._last_catalog_modification = lambda self: last_modified
    for dataset in datasets:
        organization = dataset["organization"]
        RDFProfile._org_cache[organization["id"]] = {
            **organization, "email": dataset["contact"][0]["email"],
            "url": dataset["contact"][0]["url"]}


# -- data -----------------------------------------------------------------------

def make_datasets(count: int, seed: int = 42) -> list[dict[str, Any]]:
    from ckanext.amp.common.vocabularies import load_vocabulary

    rng = random.Random(seed)
    zones = [entry.code for entry in load_vocabulary("zones")
             if entry.get("kind") in ("commune", "arrondissement_municipal")]
    now = dt.datetime(2026, 11, 1)
    organizations = []
    for number in range(40):
        org_id = str(uuid.UUID(int=rng.getrandbits(128)))
        name = "metropole-amp" if number == 0 else f"organisation-{number:02d}"
        title = ("Métropole d'Aix-Marseille-Provence" if number == 0
                 else f"Direction {rng.choice(SUBJECTS)} n° {number}")
        organizations.append({
            "id": org_id, "name": name, "title": title, "type": "organization",
            "description": f"{title} : service producteur de données.", "image_url": "",
            "created": "2023-01-10T09:00:00.000000", "is_organization": True,
            "approval_status": "approved", "state": "active",
            "_email": f"opendata+{name}@ampmetropole.fr",
            "_url": f"https://www.ampmetropole.fr/{name}",
            "_siret": "20005480700017" if number == 0 else f"2{rng.randrange(10**13):013d}",
        })
    datasets = []
    for number in range(count):
        subject = rng.choice(SUBJECTS)
        zone_ids = sorted(set(rng.choices(zones, k=rng.randint(1, 3))))
        if rng.random() < 0.3:
            zone_ids.insert(0, "fr:epci:200054807")
        title = f"{rng.choice(FORMS)} {subject} — {2015 + number % 11}"
        notes = " ".join([f"{title}."] + rng.choices(WORDS, k=rng.randint(25, 70)))
        organization = rng.choice(organizations)
        package_id = str(uuid.UUID(int=rng.getrandbits(128)))
        name = f"jeu-{number:06d}"
        modified = now - dt.timedelta(minutes=rng.randint(0, 5 * 365 * 24 * 60))
        created = modified - dt.timedelta(days=rng.randint(0, 900))
        licence = LICENCES[0] if rng.random() < 0.85 else LICENCES[1]
        restricted = rng.random() < 0.10
        hvd = rng.random() < 0.08
        tags = sorted(set(rng.choices(SUBJECTS, k=rng.randint(1, 6))))
        resources = []
        for position in range(rng.randint(1, 5)):
            fmt, mimetype = rng.choice(FORMATS)
            resource = {
                "id": str(uuid.UUID(int=rng.getrandbits(128))), "package_id": package_id,
                "url": f"https://data.ampmetropole.fr/dataset/{name}/resource/{position}.{fmt.lower()}",
                "name": f"{title} ({fmt})", "description": f"Fichier {fmt} : {title.lower()}.",
                "format": fmt, "mimetype": mimetype, "size": rng.randint(2_000, 50_000_000),
                "created": created.isoformat(), "last_modified": modified.isoformat(),
                "metadata_modified": modified.isoformat(), "position": position,
                "state": "active", "url_type": None, "hash": "", "cache_url": None,
                "datastore_active": False,
            }
            if fmt == "CSV" and rng.random() < 0.4:
                resource["conforms_to"] = [SCDL.format(rng.choice(["budget", "subventions",
                                                                   "deliberations", "equipements"]))]
            resources.append(resource)
        year = 2015 + number % 11
        dataset: dict[str, Any] = {
            "id": package_id, "name": name, "title": title, "notes": notes, "type": "dataset",
            "state": "active", "private": False, "owner_org": organization["id"],
            "organization": {k: v for k, v in organization.items() if not k.startswith("_")},
            "author": None, "author_email": None, "maintainer": None, "maintainer_email": None,
            "creator_user_id": str(uuid.UUID(int=rng.getrandbits(128))),
            "metadata_created": created.isoformat(), "metadata_modified": modified.isoformat(),
            "license_id": licence[0], "license_title": licence[1], "license_url": licence[2],
            "isopen": True, "url": "", "version": "",
            "tags": [{"id": str(uuid.uuid5(uuid.NAMESPACE_URL, t)), "name": t, "display_name": t,
                      "state": "active", "vocabulary_id": None} for t in tags],
            "num_tags": len(tags), "groups": [], "extras": [], "relationships_as_object": [],
            "relationships_as_subject": [], "resources": resources,
            "num_resources": len(resources),
            "theme": [EU + "data-theme/" + t for t in sorted(set(rng.choices(THEMES, k=rng.randint(1, 2))))],
            "language": [EU + "language/FRA"],
            "producer": organization["title"], "producer_siret": organization["_siret"],
            "contact": [{"name": f"Service {subject}", "email": organization["_email"],
                         "url": organization["_url"]}],
            "diffusion": "restricted" if restricted else "public",
            "spatial_granularity": rng.choice(GRANULARITIES), "spatial_zones": zone_ids,
            "temporal_coverage": [{"start": f"{year}-01-01", "end": f"{year}-12-31"}],
            "frequency": EU + "frequency/" + rng.choice(FREQUENCIES),
            "issued": created.date().isoformat(), "modified": modified.date().isoformat(),
            "identifier": f"amp-{name}",
            "provenance": f"Données issues du système d'information « {subject} » de la Métropole.",
            "quality_score": rng.randint(40, 100),
        }
        if rng.random() < 0.3:
            dataset["publisher"] = [{"name": organization["title"],
                                     "uri": f"https://data.ampmetropole.fr/organization/{organization['name']}",
                                     "email": organization["_email"], "url": organization["_url"]}]
        if restricted:
            dataset.update(diffusion_basis="convention", convention=f"CONV-{year}-{number % 97:03d}",
                           metadata_visibility="public")
        if hvd:
            dataset["hvd_category"] = sorted(set(rng.choices(HVD, k=rng.randint(1, 2))))
            dataset["hvd_category"] = ["http://data.europa.eu/bna/" + c for c in dataset["hvd_category"]]
            dataset["applicable_legislation"] = [ELI_HVD]
        if rng.random() < 0.2:
            dataset["source_portal"] = "https://www.datasud.fr"
            dataset["canonical_url"] = f"https://www.datasud.fr/dataset/{name}"
        datasets.append(dataset)
    return datasets


# -- measurements -----------------------------------------------------------------

def _status(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(field)


def pagination_info(page: int, pages: int, count: int, page_size: int, site_url: str) -> dict[str, Any]:
    """As ckanext-dcat's logic._pagination_info builds it for /catalog.ttl?page=N."""
    base = f"{site_url}/catalog.ttl"
    info: dict[str, Any] = {"count": count, "items_per_page": page_size,
                            "current": f"{base}?page={page}", "first": f"{base}?page=1",
                            "last": f"{base}?page={pages}"}
    if page > 1:
        info["previous"] = f"{base}?page={page - 1}"
    if page < pages:
        info["next"] = f"{base}?page={page + 1}"
    return info


def serialise_pages(profile: str, datasets: list[dict[str, Any]], fmt: str,
                    page_size: int) -> tuple[int, int]:
    from ckan.plugins import toolkit
    from ckanext.dcat.processors import RDFSerializer

    site_url = toolkit.config.get("ckan.site_url")
    pages = (len(datasets) + page_size - 1) // page_size
    size = triples = 0
    for page in range(1, pages + 1):
        serializer = RDFSerializer(profiles=[profile])
        output = serializer.serialize_catalog(
            {}, datasets[(page - 1) * page_size:page * page_size], _format=fmt,
            pagination_info=pagination_info(page, pages, len(datasets), page_size, site_url))
        size += len(output.encode("utf-8"))
        triples += len(serializer.g)
    return size, triples


def serialise_whole(profile: str, datasets: list[dict[str, Any]], fmt: str) -> tuple[int, int]:
    from ckanext.dcat.processors import RDFSerializer

    serializer = RDFSerializer(profiles=[profile])
    output = serializer.serialize_catalog({}, datasets, _format=fmt)
    return len(output.encode("utf-8")), len(serializer.g)


# -- ours, assembled from stored fragments --------------------------------------------

def store_fragments(datasets: list[dict[str, Any]]) -> tuple[float, int]:
    """What the index hooks do, for every dataset: compute its fragment with
    ``amp_dcat_ap_fr`` and store it (here in the SQLite file's
    ``amp_dcat_fragment``). Returns the time taken and the triples kept."""
    from ckan.plugins import toolkit
    from ckanext.amp.dcat import fragments

    toolkit.config["ckanext.dcat.rdf.profiles"] = "amp_dcat_ap_fr"
    key = fragments.context_key()
    start = time.perf_counter()
    triples = 0
    for offset in range(0, len(datasets), 500):
        rows = [fragments.row_for(d, key) for d in datasets[offset:offset + 500]]
        triples += sum(row["nt"].count("\n") for row in rows)
        fragments.store(rows)
    return time.perf_counter() - start, triples


def _assembled_header(pagination: dict[str, Any] | None) -> tuple[Any, str]:
    from ckanext.amp.common import dcat_fragments
    from ckanext.dcat.processors import RDFSerializer

    serializer = RDFSerializer(profiles=["amp_dcat_ap_fr"])
    catalogue = serializer.graph_from_catalog({})
    if pagination:
        serializer._add_pagination_triples(pagination)
    return dcat_fragments.header_fragment(serializer.g), str(catalogue)


def _assembled_pieces(ids: list[str], fmt: str, catalogue: str) -> Any:
    """As amp_dcat's views read them: light rows, then bodies, by chunks."""
    from ckanext.amp.common import dcat_fragments
    from ckanext.amp.dcat import fragments

    for offset in range(0, len(ids), 500):
        chunk = ids[offset:offset + 500]
        rows = fragments.light_rows(chunk)
        texts = fragments.bodies(chunk, fmt)
        for package_id in chunk:
            yield dcat_fragments.link(catalogue, rows[package_id]["dataset_uri"], fmt)
            yield texts[package_id]


def assemble_pages(datasets: list[dict[str, Any]], fmt: str, page_size: int,
                   triples: int) -> tuple[int, int]:
    from ckan.plugins import toolkit
    from ckanext.amp.common import dcat_fragments

    site_url = toolkit.config.get("ckan.site_url")
    ids = [d["id"] for d in datasets]
    pages = (len(ids) + page_size - 1) // page_size
    size = 0
    for page in range(1, pages + 1):
        header, catalogue = _assembled_header(
            pagination_info(page, pages, len(ids), page_size, site_url))
        chunk = ids[(page - 1) * page_size:page * page_size]
        output = "".join(dcat_fragments.document(fmt, header,
                                                 _assembled_pieces(chunk, fmt, catalogue)))
        size += len(output.encode("utf-8"))
    return size, triples + len(ids)


def assemble_whole(datasets: list[dict[str, Any]], fmt: str, triples: int) -> tuple[int, int]:
    """Streamed: the chunks are counted and dropped, as a WSGI server sends them."""
    from ckanext.amp.common import dcat_fragments

    header, catalogue = _assembled_header(None)
    size = 0
    for piece in dcat_fragments.document(fmt, header, _assembled_pieces(
            [d["id"] for d in datasets], fmt, catalogue)):
        size += len(piece.encode("utf-8"))
    return size, triples + len(datasets)


def _child(job: Callable[[], tuple[int, int]], memory: str, connection: Any) -> None:
    try:
        gc.collect()
        if memory == "tracemalloc":
            tracemalloc.start()
        else:
            with open("/proc/self/clear_refs", "w") as clear:
                clear.write("5")  # reset VmHWM to the current VmRSS
            baseline = _status("VmRSS")
        start = time.perf_counter()
        size, triples = job()
        elapsed = time.perf_counter() - start
        if memory == "tracemalloc":
            peak = tracemalloc.get_traced_memory()[1]
        else:
            peak = _status("VmHWM") - baseline
        connection.send((elapsed, size, triples, peak, None))
    except BaseException as error:  # reported by the parent
        connection.send((0, 0, 0, 0, f"{type(error).__name__}: {error}"))
    finally:
        connection.close()


class TimeLimit(Exception):
    """The measurement was stopped after ``seconds``."""

    def __init__(self, seconds: float) -> None:
        super().__init__(seconds)
        self.seconds = seconds


def measure(job: Callable[[], tuple[int, int]], memory: str,
            time_limit: float | None = None) -> tuple[float, int, int, int, str | None]:
    """Run ``job`` in a forked process of its own: time, output size, triples,
    peak. Past ``time_limit`` seconds the process is killed (TimeLimit)."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(job, memory, sender))
    started = time.perf_counter()
    process.start()
    sender.close()
    if time_limit is not None and not receiver.poll(time_limit):
        process.kill()
        process.join()
        raise TimeLimit(time.perf_counter() - started)
    result = receiver.recv()
    process.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=10000, help="datasets in the catalogue")
    parser.add_argument("--page-size", type=int, default=100)
    parser.add_argument("--profiles", nargs="+", default=list(PROFILES) + [ASSEMBLED],
                        choices=list(PROFILES) + [ASSEMBLED],
                        help=f"profiles computing the catalogue; {ASSEMBLED!r}: ours, assembled "
                             "from the fragments stored beforehand")
    parser.add_argument("--formats", nargs="+", default=["turtle", "xml"],
                        help="formats of the whole catalogue (pages are always turtle)")
    parser.add_argument("--memory", choices=["rss", "tracemalloc"], default="rss",
                        help="peak RSS of a forked process (default) or tracemalloc peak")
    parser.add_argument("--time-limit", type=float, default=None, metavar="SECONDS",
                        help="stop a measurement after SECONDS and print it as a lower "
                             "bound (\"> SECONDS\"), e.g. stock's whole 10,000-dataset catalogue")
    arguments = parser.parse_args()

    computing = [p for p in arguments.profiles if p != ASSEMBLED]
    load_ckan(" ".join(computing or ["amp_dcat_ap_fr"]))
    start = time.perf_counter()
    datasets = make_datasets(arguments.count)
    built = time.perf_counter() - start
    stub_lookups(datasets)
    # Warm the vocabularies and the scheming schema once, as a portal in use.
    for profile in computing:
        serialise_whole(profile, datasets[:20], "turtle")
    fragment_triples = 0
    if ASSEMBLED in arguments.profiles:
        stored, fragment_triples = store_fragments(datasets)
        print(f"fragments calculés et stockés (ce que font les hooks d'indexation) : "
              f"{stored:.1f} s, {arguments.count / stored:,.0f} jeux/s, "
              f"{fragment_triples:,} triplets")

    print(f"## catalogue de {arguments.count:,} jeux de données "
          f"({sum(len(d['resources']) for d in datasets):,} ressources, "
          f"{sum(bool(d.get('hvd_category')) for d in datasets):,} HVD, "
          f"{sum(d['diffusion'] == 'restricted' for d in datasets):,} restreints ; "
          f"dicts construits en {built:.1f} s)")
    print("mémoire : " + ("pic RSS du processus de mesure moins sa RSS de départ (VmHWM - VmRSS)"
                          if arguments.memory == "rss" else
                          "pic tracemalloc (allocations Python ; temps ralentis par tracemalloc)"))
    header = (f"{'profil':16} {'sortie':12} {'format':7} {'s':>8} {'jeux/s':>8} "
              f"{'Mo sortie':>10} {'triplets':>11} {'pic Mo':>8}")
    print(header)
    print("-" * len(header))
    scenarios: list[tuple[str, str, Callable[[str], Callable[[], tuple[int, int]]]]] = [
        (f"pages de {arguments.page_size}", "turtle",
         lambda p: lambda: serialise_pages(p, datasets, "turtle", arguments.page_size))]
    for fmt in arguments.formats:
        scenarios.append(("entier", fmt, lambda p, f=fmt: lambda: serialise_whole(p, datasets, f)))
    def run(profile: str, label: str, fmt: str, job: Callable[[str], Callable[[], tuple[int, int]]]):
        if profile != ASSEMBLED:
            return job(profile)
        fragment_format = FRAGMENT_FORMATS[fmt]
        if label == "entier":
            return lambda: assemble_whole(datasets, fragment_format, fragment_triples)
        return lambda: assemble_pages(datasets, fragment_format, arguments.page_size,
                                      fragment_triples)

    for label, fmt, job in scenarios:
        for profile in arguments.profiles:
            try:
                elapsed, size, triples, peak, error = measure(
                    run(profile, label, fmt, job), arguments.memory, arguments.time_limit)
            except TimeLimit as stopped:
                print(f"{profile:16} {label:12} {fmt:7} {'>' + format(stopped.seconds, '.0f'):>8} "
                      f"{'<' + format(arguments.count / stopped.seconds, ',.0f'):>8} "
                      f"(arrêté après {stopped.seconds:.0f} s, --time-limit)", flush=True)
                continue
            if error:
                print(f"{profile:16} {label:12} {fmt:7} ÉCHEC {error}")
                continue
            print(f"{profile:16} {label:12} {fmt:7} {elapsed:8.1f} "
                  f"{arguments.count / elapsed:8,.0f} {size / 1e6:10.1f} {triples:11,} "
                  f"{peak / 2**20:8,.0f}", flush=True)


if __name__ == "__main__":
    main()

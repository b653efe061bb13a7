"""amp_delivery: the files a partner delivers under a convention (the
SYMCRAU convention's « volumes produits des captages de la nappe de Crau »,
delivered every six months), through real jobs on the real queues, a
convention recorded with the conventions actions, real files served by a
local partner server or dropped in a watched folder."""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from ckan import model
from ckan.plugins import toolkit
from ckan.tests import helpers

import harvest_helpers as hh
from ckanext.harvest.model import HarvestObject

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", hh.PLUGINS + " amp_conventions"),
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index", "clean_queues"),
]

DELIVERIES = Path(__file__).resolve().parents[1] / "fixtures" / "deliveries"
S1 = DELIVERIES / "volumes-captages-crau_2025-S1.csv"
S2 = DELIVERIES / "volumes-captages-crau_2025-S2.csv"
REFERENCE = "SYMCRAU-AMP-2025"
ITEM = "volumes-captages"
DATASET = "volumes-produits-captages-crau"
COLUMNS = [{"name": "Date", "type": "date"},
           {"name": "Captage", "type": "string"},
           {"name": "Commune", "type": "string"},
           {"name": "Volume produit (m3)", "type": "number", "unit": "m³"},
           {"name": "Volume vendu (m3)", "type": "number", "unit": "m³"}]


def convention_fields(reference: str = REFERENCE, **fields):
    base = {
        "reference": reference,
        "title": "Convention d’objectifs et d’échange de données Métropole AMP – SYMCRAU",
        "kind": "data_exchange",
        "parties": [{"organization": "metropole-aix-marseille-provence", "role": "both"},
                    {"organization": "symcrau", "role": "both"}],
        "date_notified": "2025-03-10", "initial_term_months": 12, "tacit_renewal": True,
        "renewal_term_months": 12, "max_renewals": 3,
        "licence_id": "amp-parties", "diffusion": "restricted",
        "items": [{"key": ITEM,
                   "title": "Volumes d’eau potable produits / vendus des captages de la nappe "
                            "de Crau",
                   "provider": "metropole-aix-marseille-provence", "recipient": "symcrau",
                   "periodicity": "ANNUAL_2", "granularity": "moyenne journalière",
                   "dataset": DATASET, "expected_columns": COLUMNS}],
    }
    base.update(fields)
    return base


@pytest.fixture
def world(conventions_tables, sysadmin, ckan_config, partner):
    ckan_config["ckanext.amp.harvest.allowed_hosts"] = partner.host
    metropole = helpers.call_action("organization_create", context={"user": sysadmin["name"]},
                                    name="metropole-aix-marseille-provence",
                                    title="Métropole d’Aix-Marseille-Provence")
    helpers.call_action("organization_create", context={"user": sysadmin["name"]}, name="symcrau",
                        title="SYMCRAU — Syndicat mixte de gestion de la nappe de la Crau")
    helpers.call_action("amp_convention_create", context={"user": sysadmin["name"]}, **convention_fields())
    dataset = helpers.call_action(
        "package_create", context={"user": sysadmin["name"]}, name=DATASET, owner_org=metropole["id"],
        title="Volumes d’eau potable produits par les captages de la nappe de Crau",
        notes="Volumes journaliers produits et vendus par les neuf captages de la Métropole "
              "en Crau, transmis au SYMCRAU chaque semestre.",
        license_id="amp-parties", diffusion="restricted", diffusion_basis="convention",
        convention=REFERENCE, theme=["ENVI"],
        spatial_zones=["fr:epci:200054807"], spatial_granularity="infracommunale")
    return SimpleNamespace(sysadmin=sysadmin, org=metropole, dataset=dataset, partner=partner)


def source(world, name="symcrau-volumes", url=None, **config):
    config = {"convention": REFERENCE, "item": ITEM, **config}
    return hh.create_source(world.sysadmin, world.org, url or world.partner.url("/"),
                            source_type="amp_delivery", name=name, **config)


def serve(world, name: str, data: bytes, content_type: str = "text/csv") -> str:
    return world.partner.serve(f"/symcrau/livraisons/{name}", data, content_type)


def dataset_now(world):
    return helpers.call_action("package_show", context={"ignore_auth": True}, id=DATASET)


def deliveries(world):
    return helpers.call_action("amp_delivery_list", context={"user": world.sysadmin["name"]},
                               convention=REFERENCE)["deliveries"]


def objects_of(job_id):
    return model.Session.query(HarvestObject).filter_by(harvest_job_id=job_id).count()


def today_date() -> dt.date:
    """The day a delivery is received: the portal's (Europe/Paris)."""
    from zoneinfo import ZoneInfo

    return dt.datetime.now(ZoneInfo("Europe/Paris")).date()


def today() -> str:
    return today_date().strftime("%d/%m/%Y")


def download(app, world, resource) -> bytes:
    response = app.get(resource["url"], headers={"Authorization": world.sysadmin["token"]})
    assert response.status_code == 200
    return response.data


def test_a_valid_csv_becomes_a_dated_upload_and_a_recorded_delivery(world, app):
    data = S1.read_bytes()
    url = serve(world, S1.name, data, "text/csv; charset=windows-1252")
    harvest_source = source(world, url=url)
    job = hh.run_job(harvest_source["id"])
    assert job["status"] == "Finished"
    assert hh.gather_errors(job["id"]) == [] and hh.object_errors(job["id"]) == []

    dataset = dataset_now(world)
    [resource] = dataset["resources"]
    assert resource["name"] == f"Livraison du {today()} (01/01/2025 – 30/06/2025)"
    assert resource["url_type"] == "upload" and resource["format"] == "CSV"
    assert resource["hash"] == hashlib.sha256(data).hexdigest()
    assert "1629 lignes" in resource["description"] and REFERENCE in resource["description"]
    assert download(app, world, resource) == data
    # The dataset carries the convention's terms and the period delivered.
    assert (dataset["convention"], dataset["diffusion"], dataset["license_id"]) == \
        (REFERENCE, "restricted", "amp-parties")
    assert dataset["temporal_coverage"] == [{"start": "2025-01-01", "end": "2025-06-30"}]
    assert dataset["modified"] == today_date().isoformat()

    [delivery] = deliveries(world)
    assert (delivery["item"], delivery["status"], delivery["file_name"]) == \
        (ITEM, "accepted", S1.name)
    assert delivery["received"] == today_date().isoformat()
    assert delivery["resource_id"] == resource["id"]
    assert delivery["harvest_job_id"] == job["id"]
    assert delivery["url"] == url
    assert delivery["note"] == "1629 lignes ; période couverte : 01/01/2025 – 30/06/2025"
    summary = hh.summary(job["id"])
    assert summary["counts"]["created"] + summary["counts"]["updated"] == 1
    assert summary["counts"]["failed"] == 0
    # The downloaded file waited for its import in the spool, and left it.
    spool = Path(toolkit.config["ckan.storage_path"]) / "amp_harvest" / "deliveries"
    assert spool.is_dir() and list(spool.iterdir()) == []
    # The dataset is the item's, not the source's: clearing the source
    # would not take it (no harvest object points at it).
    assert model.Session.query(HarvestObject).filter_by(package_id=dataset["id"]).count() == 0


def test_the_same_file_again_delivers_nothing(world):
    data = S1.read_bytes()
    harvest_source = source(world, url=serve(world, "volumes.csv", data))
    hh.run_job(harvest_source["id"])
    before = dataset_now(world)
    # The same bytes, renamed by the partner: still the same delivery.
    world.partner.serve("/symcrau/livraisons/volumes.csv", data, "text/csv",
                        headers={"Content-Disposition": 'attachment; filename="copie.csv"'})
    job = hh.run_job(harvest_source["id"])
    assert hh.gather_errors(job["id"]) == []
    assert objects_of(job["id"]) == 0
    after = dataset_now(world)
    assert after["metadata_modified"] == before["metadata_modified"]
    assert len(after["resources"]) == 1 and len(deliveries(world)) == 1
    summary = hh.summary(job["id"])
    assert summary["counts"]["unchanged"] == 1
    assert summary["notes"] == ["Fichiers déjà reçus, non livrés à nouveau (même contenu) : 1"]


def test_a_file_with_a_bad_value_is_refused_in_french_and_the_dataset_untouched(world, app):
    lines = S1.read_bytes().decode("cp1252").split("\r\n")
    assert lines[1263].startswith("21/05/2025;Caspienne;Istres;")   # row 1264 of the file
    lines[1263] = "21/05/2025;Caspienne;Istres;n.c.;6366,3"
    lines[9] = lines[9].replace("01/01/2025", "32/01/2025")              # row 10
    data = "\r\n".join(lines).encode("cp1252")
    harvest_source = source(world, url=serve(world, "volumes-2025-S1-v2.csv", data))
    before = dataset_now(world)
    # The preview says so before any job, and writes nothing.
    preview = helpers.call_action("amp_harvest_source_preview",
                                  context={"user": world.sysadmin["name"]},
                                  id=harvest_source["id"])
    assert preview["create"] == [] and preview["refusal"] is None
    [refused] = preview["failed"]
    assert refused["title"] == "volumes-2025-S1-v2.csv"
    assert "Ligne 1264, colonne Volume produit (m3) : « n.c. » n’est pas un nombre" in \
        refused["errors"]
    assert deliveries(world) == []
    job = hh.run_job(harvest_source["id"])
    errors = hh.object_errors(job["id"])
    assert errors == [
        "Le fichier volumes-2025-S1-v2.csv a été refusé (erreurs : 2) : rien n’a été ajouté au "
        f"jeu de données {DATASET}",
        "Ligne 10, colonne Date : « 32/01/2025 » n’est pas une date",
        "Ligne 1264, colonne Volume produit (m3) : « n.c. » n’est pas un nombre",
    ]
    after = dataset_now(world)
    assert after["metadata_modified"] == before["metadata_modified"]
    assert after["resources"] == [] and not after.get("temporal_coverage")
    [delivery] = deliveries(world)
    assert (delivery["status"], delivery["resource_id"], delivery["file_name"]) == \
        ("rejected", None, "volumes-2025-S1-v2.csv")
    assert "Ligne 1264, colonne Volume produit (m3)" in delivery["note"]
    assert hh.summary(job["id"])["counts"]["failed"] == 1
    assert "Ligne 1264, colonne Volume produit (m3)" in \
        hh.job_page(app, world.sysadmin, "symcrau-volumes", job["id"])
    # Refused once: the same file is not refused again at every job.
    job = hh.run_job(harvest_source["id"])
    assert objects_of(job["id"]) == 0 and len(deliveries(world)) == 1


def test_a_missing_column_is_refused(world):
    lines = S2.read_bytes().decode("cp1252").split("\r\n")
    data = "\r\n".join(";".join(line.split(";")[:4]) for line in lines).encode("cp1252")
    harvest_source = source(world, url=serve(world, "volumes-S2.csv", data))
    job = hh.run_job(harvest_source["id"])
    assert "La colonne Volume vendu (m3) manque" in hh.object_errors(job["id"])
    assert dataset_now(world)["resources"] == []


@pytest.fixture
def root(tmp_path, ckan_config):
    folder = tmp_path / "livraisons"
    (folder / "symcrau" / "volumes").mkdir(parents=True)
    ckan_config["ckanext.amp.harvest.delivery_root"] = str(folder)
    return folder


def test_a_watched_folder_with_two_files(world, root, tmp_path):
    folder = root / "symcrau" / "volumes"
    (folder / S1.name).write_bytes(S1.read_bytes())
    (folder / S2.name).write_bytes(S2.read_bytes())
    (folder / "volumes-2026-S1.csv.part").write_bytes(b"Date;Captage\n01/01/2026;ZAC")
    secret = tmp_path / "hors-racine.csv"
    secret.write_text("Date;Captage\n01/01/2025;secret\n", encoding="utf-8")
    (folder / "raccourci.csv").symlink_to(secret)
    harvest_source = source(world, url=f"file://{folder}", folder="symcrau/volumes")
    job = hh.run_job(harvest_source["id"])
    assert hh.gather_errors(job["id"]) == [
        "Le fichier raccourci.csv est un lien qui sort du dossier de livraisons : ignoré"]
    dataset = dataset_now(world)
    assert [r["name"] for r in dataset["resources"]] == [
        f"Livraison du {today()} (01/01/2025 – 30/06/2025)",
        f"Livraison du {today()} (01/07/2025 – 31/12/2025)"]
    assert dataset["temporal_coverage"] == [{"start": "2025-01-01", "end": "2025-12-31"}]
    assert sorted((d["file_name"], d["status"], d["url"]) for d in deliveries(world)) == [
        (S1.name, "accepted", None), (S2.name, "accepted", None)]
    # Nothing new in the folder: nothing delivered.
    job = hh.run_job(harvest_source["id"])
    assert objects_of(job["id"]) == 0 and len(deliveries(world)) == 2


def test_a_folder_outside_the_root_is_refused(world, root, tmp_path):
    outside = tmp_path / "ailleurs"
    outside.mkdir()
    (root / "symcrau" / "lien").symlink_to(outside)
    for folder in ("../ailleurs", str(outside), "symcrau/lien"):
        with pytest.raises(toolkit.ValidationError) as error:
            source(world, url=f"file://{outside}", folder=folder)
        assert f"Le dossier {folder} est hors du dossier de livraisons {root} : refusé" in \
            json.dumps(error.value.error_dict, ensure_ascii=False)


def test_the_root_moved_stops_the_job_with_one_message(world, root, ckan_config, tmp_path):
    harvest_source = source(world, url="file:///srv/livraisons", folder="symcrau/volumes")
    (tmp_path / "nouvelle-racine").mkdir()
    ckan_config["ckanext.amp.harvest.delivery_root"] = str(tmp_path / "nouvelle-racine")
    job = hh.run_job(harvest_source["id"])
    [error] = hh.gather_errors(job["id"])
    assert error.startswith("La configuration de la source est refusée")
    assert "n’existe pas" in error
    assert objects_of(job["id"]) == 0


def test_a_convention_not_in_force_stops_the_job_and_touches_nothing(world, sysadmin):
    draft = "SYMCRAU-AMP-2026-PROJET"
    helpers.call_action("amp_convention_create", context={"user": sysadmin["name"]},
                        **convention_fields(draft, date_notified=None))
    url = serve(world, S1.name, S1.read_bytes())
    harvest_source = source(world, url=url, convention=draft)
    before = dataset_now(world)
    job = hh.run_job(harvest_source["id"])
    assert hh.gather_errors(job["id"]) == [
        f"La convention {draft} n’est pas en vigueur (état : draft) : rien n’a été moissonné "
        "et aucun jeu n’a été modifié"]
    assert world.partner.requests_to(f"/symcrau/livraisons/{S1.name}") == []
    assert objects_of(job["id"]) == 0
    assert dataset_now(world)["metadata_modified"] == before["metadata_modified"]
    assert helpers.call_action("amp_delivery_list", context={"user": sysadmin["name"]},
                               convention=draft)["deliveries"] == []


def _rows(path: Path) -> list[list[str]]:
    return [line.split(";") for line in path.read_bytes().decode("cp1252").splitlines()]


def _xlsx() -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    header, *rows = _rows(S2)
    sheet.append(header)
    for date, captage, commune, produced, sold in rows:
        sheet.append([dt.datetime.strptime(date, "%d/%m/%Y"), captage, commune,
                      float(produced.replace(",", ".")), float(sold.replace(",", "."))])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _json() -> bytes:
    header, *rows = _rows(S2)
    return json.dumps([dict(zip(header, row)) for row in rows], ensure_ascii=False).encode()


@pytest.mark.parametrize("name, build, content_type, fmt", [
    ("volumes-captages-crau_2025-S2.xlsx", _xlsx,
     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "XLSX"),
    ("volumes-captages-crau_2025-S2.json", _json, "application/json", "JSON"),
])
def test_xlsx_and_json_deliveries(world, app, name, build, content_type, fmt):
    data = build()
    harvest_source = source(world, url=serve(world, name, data, content_type))
    job = hh.run_job(harvest_source["id"])
    assert hh.gather_errors(job["id"]) == [] and hh.object_errors(job["id"]) == []
    [resource] = dataset_now(world)["resources"]
    assert resource["format"] == fmt
    assert resource["name"] == f"Livraison du {today()} (01/07/2025 – 31/12/2025)"
    assert download(app, world, resource) == data
    [delivery] = deliveries(world)
    assert delivery["note"] == "1656 lignes ; période couverte : 01/07/2025 – 31/12/2025"


def test_a_zip_of_files_delivers_each_data_file(world):
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"livraison/{S2.name}", S2.read_bytes())
        archive.writestr("livraison/LISEZMOI.pdf", b"%PDF-1.4 notice")
    harvest_source = source(world, url=serve(world, "livraison-2026-01.zip", buffer.getvalue(),
                                             "application/zip"))
    job = hh.run_job(harvest_source["id"])
    assert hh.object_errors(job["id"]) == []
    [resource] = dataset_now(world)["resources"]
    assert resource["hash"] == hashlib.sha256(S2.read_bytes()).hexdigest()
    assert [d["file_name"] for d in deliveries(world)] == [S2.name]
    assert hh.summary(job["id"])["notes"] == [
        "L’archive livraison-2026-01.zip contient livraison/LISEZMOI.pdf, qui n’est pas un "
        "fichier CSV, XLSX ou JSON : ignoré"]


def test_a_delivery_source_names_its_item_and_copies_its_files(world):
    for config, expected in (
            ({"item": ""}, "Une source de livraisons a besoin de sa donnée"),
            ({"mode": "reference"}, "Un fichier livré est toujours copié sur le portail")):
        with pytest.raises(toolkit.ValidationError) as error:
            source(world, **config)
        assert expected in json.dumps(error.value.error_dict, ensure_ascii=False)
    harvest_source = source(world, url=serve(world, S1.name, S1.read_bytes()), item="inconnue")
    job = hh.run_job(harvest_source["id"])
    assert hh.gather_errors(job["id"]) == [
        f"La convention {REFERENCE} n’a pas de donnée « inconnue » : rien n’a été moissonné"]
    assert world.partner.requests_to(f"/symcrau/livraisons/{S1.name}") == []

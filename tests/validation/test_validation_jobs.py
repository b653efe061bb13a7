"""amp_validation through real CKAN, its real jobs queue (Redis) and CKAN's
worker: resources claiming an SCDL schema are checked in the background
when created or updated, and the report (in French, by line and column) is
on the resource page."""
from __future__ import annotations

import http.server
import threading
from typing import Any

import pytest
import sqlalchemy as sa

from ckan import model
from ckan.lib import jobs as ckan_jobs
from ckan.tests import factories, helpers

from support import scdl_files
from support.data import dataset_fields
from support.forms import csrf_token, logged_in

PLUGINS = "amp_search amp_schema amp_validation scheming_datasets scheming_organizations"

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", PLUGINS),
    pytest.mark.usefixtures("with_plugins", "validation_db"),
]


@pytest.fixture
def steward():
    sysadmin = factories.Sysadmin()
    editor = factories.UserWithToken()
    org = factories.Organization(name="ville-test", users=[
        {"name": editor["name"], "capacity": "editor"}])
    return {"sysadmin": sysadmin, "editor": editor, "org": org}


def new_dataset(steward, name="subventions-2024", **fields) -> dict[str, Any]:
    return helpers.call_action(
        "package_create", context={"user": steward["editor"]["name"]},
        **dataset_fields(steward["org"], name=name, title="Subventions attribuées",
                         resources=[], **fields))


def upload(create_with_upload, steward, dataset, content: bytes, *, filename="subventions.csv",
           **fields):
    return create_with_upload(content, filename, context={"user": steward["editor"]["name"]},
                              package_id=dataset["id"], url=filename, name="Subventions 2024",
                              format="CSV", **fields)


def report(resource_id: str) -> dict[str, Any]:
    return helpers.call_action("amp_validation_show", id=resource_id)


def queued() -> int:
    return len(ckan_jobs.get_queue().jobs)


def test_a_valid_file_is_checked_in_the_background(create_with_upload, steward, run_worker):
    dataset = new_dataset(steward)
    resource = upload(create_with_upload, steward, dataset, scdl_files.valid_csv(),
                      conforms_to=[scdl_files.SCHEMA_URL])
    assert report(resource["id"])["status"] == "pending"
    assert queued() == 1
    assert run_worker() == 1
    result = report(resource["id"])
    assert (result["status"], result["error_count"], result["rows"]) == ("valid", 0, 29), result["problem"]
    assert (result["schema_name"], result["schema_version"]) == ("subventions", "2.1.1")
    assert result["checked_at"]


def test_an_invalid_file_gets_its_errors_by_line_and_column_in_french(
        app, create_with_upload, steward, run_worker):
    dataset = new_dataset(steward, conforms_to=[scdl_files.LATEST_URL])  # the dataset's claim
    resource = upload(create_with_upload, steward, dataset, scdl_files.invalid_csv())
    run_worker()
    result = report(resource["id"])
    assert result["status"] == "invalid"
    assert {(e["row"], e["column"]) for e in result["errors"]} == {
        (line, column) for line, column, _ in scdl_files.MISTAKES}
    page = app.get(f"/dataset/{dataset['name']}/resource/{resource['id']}",
                   headers={"Authorization": steward["editor"]["token"]}).body
    assert 'data-status="invalid"' in page
    assert "4 erreurs trouvées" in page
    assert "« 04/10/2013 » n’est pas une date au format AAAA-MM-JJ" in page
    assert "Exemple de valeur valide : 23350001600040" in page
    assert "n’est pas une valeur autorisée de « nature »" in page
    assert 'data-row="5" data-column="montant"' in page
    assert "Contrôler à nouveau" in page  # the editor may start a check
    # An anonymous visitor of a public dataset sees the report too, without the button.
    public = app.get(f"/dataset/{dataset['name']}/resource/{resource['id']}").body
    assert 'data-status="invalid"' in public and "Contrôler à nouveau" not in public


def test_a_resource_without_schema_is_not_checked(create_with_upload, steward, run_worker):
    dataset = new_dataset(steward, conforms_to=["http://data.europa.eu/eli/reg/2010/1089"])
    resource = upload(create_with_upload, steward, dataset, scdl_files.invalid_csv())
    assert queued() == 0
    assert report(resource["id"])["status"] == "none"
    assert model.Session.execute(
        sa.text("SELECT count(*) FROM amp_validation_report")).scalar() == 0


def test_an_update_checks_again_and_an_unrelated_edit_does_not(
        create_with_upload, steward, run_worker):
    dataset = new_dataset(steward)
    resource = upload(create_with_upload, steward, dataset, scdl_files.invalid_csv(),
                      conforms_to=[scdl_files.SCHEMA_URL])
    run_worker()
    assert report(resource["id"])["status"] == "invalid"
    # A new description only: nothing to check again.
    helpers.call_action("resource_patch", context={"user": steward["editor"]["name"]},
                        id=resource["id"], description="Mise à jour de la description.")
    assert queued() == 0
    # The corrected file: checked again, now valid.
    create_with_upload(scdl_files.valid_csv(), "subventions.csv", action="resource_update",
                       context={"user": steward["editor"]["name"]}, id=resource["id"],
                       url="subventions.csv", format="CSV", conforms_to=[scdl_files.SCHEMA_URL])
    assert report(resource["id"])["status"] == "pending"
    assert run_worker() == 1
    assert report(resource["id"])["status"] == "valid"
    # Dropping the claim drops the report.
    helpers.call_action("resource_patch", context={"user": steward["editor"]["name"]},
                        id=resource["id"], conforms_to=[])
    assert report(resource["id"])["status"] == "none"


def test_unknown_schema_and_hostile_files_get_a_clear_report(
        create_with_upload, steward, run_worker, ckan_config, monkeypatch):
    monkeypatch.setitem(ckan_config, "ckanext.amp.validation.max_size", 2000)
    dataset = new_dataset(steward)
    unknown = upload(create_with_upload, steward, dataset, scdl_files.valid_csv()[:1500],
                     conforms_to=["https://schema.data.gouv.fr/schemas/scdl/subventions/1.0.0/schema.json"])
    too_big = upload(create_with_upload, steward, dataset, scdl_files.valid_csv(),
                     conforms_to=[scdl_files.SCHEMA_URL])
    latin1 = upload(create_with_upload, steward, dataset, scdl_files.latin1_csv()[:1500],
                    conforms_to=[scdl_files.SCHEMA_URL])
    garbage = upload(create_with_upload, steward, dataset, b"\x00\xff" * 500,
                     conforms_to=[scdl_files.SCHEMA_URL])
    assert run_worker() == 4
    results = {name: report(r["id"]) for name, r in
               (("unknown", unknown), ("too_big", too_big), ("latin1", latin1),
                ("garbage", garbage))}
    assert results["unknown"]["status"] == "error"
    assert results["unknown"]["problem"]["code"] == "unknown-schema"
    assert results["unknown"]["problem"]["params"]["version"] == "1.0.0"
    assert results["too_big"]["status"] == "error"
    assert results["too_big"]["problem"]["code"] == "too-large"
    assert results["latin1"]["status"] == "invalid"
    assert results["latin1"]["errors"][0]["code"] == "encoding-error"
    assert results["garbage"]["status"] == "invalid"
    # The worker survived them all: a new check still runs.
    helpers.call_action("amp_validation_run", context={"user": steward["editor"]["name"]},
                        id=too_big["id"])
    monkeypatch.setitem(ckan_config, "ckanext.amp.validation.max_size", 10_000_000)
    assert run_worker() == 1
    assert report(too_big["id"])["status"] == "valid"


class _Files(http.server.BaseHTTPRequestHandler):
    files: dict[str, bytes] = {}

    def do_GET(self):  # noqa: N802 - http.server's name
        body = self.files.get(self.path)
        self.send_response(200 if body is not None else 404)
        self.send_header("Content-Type", "text/csv")
        self.end_headers()
        self.wfile.write(body or b"")

    def log_message(self, *args):
        pass


@pytest.fixture
def file_server():
    handler = type("Files", (_Files,), {"files": {}})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler.files
    server.shutdown()
    server.server_close()


def test_a_linked_file_is_downloaded_and_checked(steward, run_worker, file_server,
                                                 ckan_config, monkeypatch):
    monkeypatch.setitem(ckan_config, "ckanext.amp.validation.allowed_hosts", "127.0.0.1")
    base, files = file_server
    files["/subventions.csv"] = scdl_files.invalid_csv()
    dataset = new_dataset(steward, conforms_to=[scdl_files.SCHEMA_URL])
    resource = helpers.call_action(
        "resource_create", context={"user": steward["editor"]["name"]}, package_id=dataset["id"],
        url=f"{base}/subventions.csv", format="CSV", name="Lien")
    missing = helpers.call_action(
        "resource_create", context={"user": steward["editor"]["name"]}, package_id=dataset["id"],
        url=f"{base}/absent.csv", format="CSV", name="Lien mort")
    run_worker()
    assert report(resource["id"])["status"] == "invalid"
    assert report(resource["id"])["error_count"] == len(scdl_files.MISTAKES)
    gone = report(missing["id"])
    assert gone["status"] == "error" and gone["problem"]["params"]["reason"] == "HTTP 404"


def test_who_may_start_a_check(app, create_with_upload, steward, run_worker):
    dataset = new_dataset(steward)
    resource = upload(create_with_upload, steward, dataset, scdl_files.valid_csv(),
                      conforms_to=[scdl_files.SCHEMA_URL])
    run_worker()
    outsider = factories.UserWithToken()
    with pytest.raises(Exception) as refused:
        helpers.call_action("amp_validation_run", context={"user": outsider["name"],
                                                          "ignore_auth": False},
                            id=resource["id"])
    assert "NotAuthorized" in type(refused.value).__name__
    url = f"/dataset/{dataset['name']}/resource/{resource['id']}/validation"
    assert app.post(url, headers={"Authorization": outsider["token"]},
                    status=403).status_code == 403


# CKAN itself checks extensions' forms only when this is false (as our configs
# set it): the view must check its token whatever an operator sets.
@pytest.mark.ckan_config("ckan.csrf_protection.ignore_extensions", True)
def test_the_check_again_form_needs_its_csrf_token(app, create_with_upload, steward, run_worker):
    dataset = new_dataset(steward)
    resource = upload(create_with_upload, steward, dataset, scdl_files.valid_csv(),
                      conforms_to=[scdl_files.SCHEMA_URL])
    run_worker()
    editor = logged_in(app, steward["editor"])
    page = editor.get(f"/dataset/{dataset['name']}/resource/{resource['id']}", status=200).body
    assert "amp-validation-run" in page
    url = f"/dataset/{dataset['name']}/resource/{resource['id']}/validation"
    before = queued()
    # A form posted from another site (no token of this session): refused, nothing queued.
    refused = editor.post(url, data={})
    assert refused.status_code == 400 and "CSRF" in refused.body
    assert queued() == before
    accepted = editor.post(url, data={"_csrf_token": csrf_token(page)}, follow_redirects=False)
    assert accepted.status_code == 302
    assert queued() == before + 1


def test_a_link_inside_the_machine_is_not_fetched_unless_the_operator_allows_it(
        steward, run_worker, file_server):
    base, files = file_server
    files["/subventions.csv"] = scdl_files.valid_csv()
    dataset = new_dataset(steward, conforms_to=[scdl_files.SCHEMA_URL])
    inside = helpers.call_action(
        "resource_create", context={"user": steward["editor"]["name"]}, package_id=dataset["id"],
        url=f"{base}/subventions.csv", format="CSV", name="Lien interne")
    other_scheme = helpers.call_action(
        "resource_create", context={"user": steward["editor"]["name"]}, package_id=dataset["id"],
        url="file:///etc/passwd", format="CSV", name="Fichier local")
    run_worker()
    refused = report(inside["id"])
    assert refused["status"] == "error"
    assert "127.0.0.1" in refused["problem"]["params"]["reason"]
    assert report(other_scheme["id"])["status"] == "error"

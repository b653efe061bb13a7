"""The reuses of a dataset on its page, through real CKAN and its forms
(amp_dashboard's ``/dataset/<id>/reutilisations``): the dataset's editors
declare and delete them with the form's CSRF token; whoever may see the
dataset reads them; nobody else posts or reads. And the retention of
CKAN's ``tracking_raw`` (``ckan amp tracking prune``) on real tracking rows
summed by the real ``ckan tracking update``."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa

from ckan import model
from ckan.tests import factories, helpers


from support.data import dataset_fields
from support.forms import FACTORY_PASSWORD, anonymous, csrf_token, logged_in
from support.usage_db import reset_usage_db

PLUGINS = ("amp_search tracking amp_schema amp_dashboard scheming_datasets "
           "scheming_organizations")

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", PLUGINS),
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index"),
]

PAGE = "/dataset/captages/reutilisations"


@pytest.fixture
def clean_db(reset_db, migrate_db_for):
    reset_usage_db(reset_db, migrate_db_for)


@dataclass
class World:
    editor: dict[str, Any]
    member: dict[str, Any]
    outsider: dict[str, Any]
    captages: dict[str, Any]
    secret: dict[str, Any]


@pytest.fixture
def world() -> World:
    sysadmin = factories.Sysadmin()
    editor = factories.User(password=FACTORY_PASSWORD)
    member = factories.User(password=FACTORY_PASSWORD)
    outsider = factories.User(password=FACTORY_PASSWORD)
    water = factories.Organization(name="eau", title="Régie de l’eau", users=[
        {"name": editor["name"], "capacity": "editor"},
        {"name": member["name"], "capacity": "member"}])
    made = {}
    for name, extra in (("captages", {}), ("secret-eau", {"private": True})):
        made[name] = helpers.call_action(
            "package_create", context={"user": sysadmin["name"]},
            **dataset_fields(water, name=name, title=name.capitalize(), **extra))
    return World(editor, member, outsider, made["captages"], made["secret-eau"])


def stored() -> list[tuple[str, str]]:
    return [tuple(row) for row in model.Session.execute(sa.text(
        "SELECT title, url FROM amp_dashboard_reuse ORDER BY title"))]


def declare(client, page_html: str, at: str = PAGE, **fields: str):
    """Post the declaration form of ``at`` with the token of ``page_html``."""
    data = {"title": "", "url": "", "description": "", **fields,
            "_csrf_token": csrf_token(page_html)}
    return client.post(at, data=data, follow_redirects=False)


def test_an_editor_declares_a_reuse_through_the_form(app, world):
    editor = logged_in(app, world.editor)
    page = editor.get(PAGE, status=200).body
    assert "Déclarer une réutilisation" in page and "Aucune réutilisation" in page
    answer = declare(editor, page, title="Carte des captages", url="https://exemple.fr/carte",
                     description="Une carte interactive")
    assert answer.status_code == 302 and answer.headers["Location"].endswith(PAGE)
    assert stored() == [("Carte des captages", "https://exemple.fr/carte")]
    listed = editor.get(PAGE, status=200).body
    assert "Réutilisation enregistrée." in listed
    assert 'href="https://exemple.fr/carte"' in listed and "Une carte interactive" in listed
    assert "Déclarée le" in listed
    # The dataset's page counts it, in the tab and under the resources.
    dataset = editor.get("/dataset/captages", status=200).body
    assert 'data-reuse-count="1"' in dataset
    assert "1 réutilisation de ce jeu de données est déclarée." in dataset
    assert "Réutilisations (1)" in dataset


def test_the_form_is_refused_without_its_csrf_token(app, world):
    editor = logged_in(app, world.editor)
    editor.get(PAGE, status=200)
    refused = editor.post(PAGE, data={"title": "Carte", "url": "https://exemple.fr/carte"})
    assert refused.status_code == 400 and "CSRF" in refused.body
    assert stored() == []


def test_invalid_input_is_explained_in_french_and_nothing_is_stored(app, world):
    editor = logged_in(app, world.editor)
    page = editor.get(PAGE, status=200).body
    for fields, message in (
            ({"title": "  ", "url": "https://exemple.fr/carte"},
             "Donnez un titre à la réutilisation"),
            ({"title": "Carte", "url": "ftp://exemple.fr/carte"},
             "commençant par http:// ou https://"),
            ({"title": "Carte", "url": "javascript:alert(1)"},
             "commençant par http:// ou https://"),
            ({"title": "Carte", "url": "https://"}, "commençant par http:// ou https://")):
        refused = declare(editor, page, **fields)
        assert refused.status_code == 400, fields
        body = refused.body
        assert message in body, fields
        assert "La réutilisation n’est pas enregistrée" in body
        # What was typed stays in the form.
        assert f'value="{fields["url"]}"' in body
    assert stored() == []


def test_outsiders_and_anonymous_visitors_cannot_post(app, world):
    editor = logged_in(app, world.editor)
    declare(editor, editor.get(PAGE).body, title="Carte", url="https://exemple.fr/carte")
    [(reuse_id,)] = model.Session.execute(sa.text("SELECT id FROM amp_dashboard_reuse"))
    delete_url = f"{PAGE}/{reuse_id}/suppression"

    outsider = logged_in(app, world.outsider)
    page = outsider.get(PAGE, status=200).body
    assert "Carte" in page and "Déclarer une réutilisation" not in page
    assert "suppression" not in page
    # The token of the outsider's own session: still refused (403).
    token = csrf_token(outsider.get("/user/edit/" + world.outsider["name"]).body)
    outsider.post(PAGE, data={"title": "Pirate", "url": "https://pirate.example",
                              "_csrf_token": token}, status=403)
    outsider.post(delete_url, data={"_csrf_token": token}, status=403)
    # A member of the organisation reads but does not edit.
    member = logged_in(app, world.member)
    assert "Déclarer une réutilisation" not in member.get(PAGE, status=200).body
    token = csrf_token(member.get("/user/edit/" + world.member["name"]).body)
    member.post(delete_url, data={"_csrf_token": token}, status=403)

    visitor, token = anonymous(app)
    assert "Carte" in visitor.get(PAGE, status=200).body
    visitor.post(PAGE, data={"title": "Pirate", "url": "https://pirate.example",
                             "_csrf_token": token}, status=403)
    visitor.post(delete_url, data={"_csrf_token": token}, status=403)
    assert stored() == [("Carte", "https://exemple.fr/carte")]


def test_an_editor_deletes_a_reuse(app, world):
    editor = logged_in(app, world.editor)
    declare(editor, editor.get(PAGE).body, title="Carte", url="https://exemple.fr/carte")
    declare(editor, editor.get(PAGE).body, title="Article", url="https://exemple.fr/article")
    reuse_id = model.Session.execute(sa.text(
        "SELECT id FROM amp_dashboard_reuse WHERE title = 'Carte'")).scalar()
    page = editor.get(PAGE).body
    assert f"{PAGE}/{reuse_id}/suppression" in page
    # Without the token: refused.
    editor.post(f"{PAGE}/{reuse_id}/suppression", status=400)
    answer = editor.post(f"{PAGE}/{reuse_id}/suppression",
                         data={"_csrf_token": csrf_token(page)}, follow_redirects=False)
    assert answer.status_code == 302
    assert stored() == [("Article", "https://exemple.fr/article")]
    after = editor.get(PAGE).body
    assert "Réutilisation supprimée." in after and "Réutilisations (1)" in after
    # Another dataset's address cannot delete it.
    editor.post(f"/dataset/secret-eau/reutilisations/{reuse_id}/suppression",
                data={"_csrf_token": csrf_token(after)}, status=404)


def test_a_private_dataset_s_reuses_are_for_those_who_see_it(app, world):
    secret_page = "/dataset/secret-eau/reutilisations"
    editor = logged_in(app, world.editor)
    answer = declare(editor, editor.get(secret_page, status=200).body, at=secret_page,
                     title="Tableau interne", url="https://intranet.example/tableau")
    assert answer.status_code == 302

    member = logged_in(app, world.member)
    assert "Tableau interne" in member.get(secret_page, status=200).body
    assert "Réutilisations (1)" in member.get("/dataset/secret-eau", status=200).body
    outsider = logged_in(app, world.outsider)
    assert "Tableau interne" not in outsider.get(secret_page, status=404).body
    visitor, _token = anonymous(app)
    assert "Tableau interne" not in visitor.get(secret_page, status=404).body
    app.post("/api/action/amp_dashboard_reuse_list", json={"package_id": "secret-eau"},
             status=403)

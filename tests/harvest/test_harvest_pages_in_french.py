"""ckanext-harvest's own pages (the list of sources, the form to create
one, a source's page, its jobs) in French: ckanext-harvest ships no French
catalogue, the bundle's catalogue translates its messages."""
from __future__ import annotations

import html
import re

import pytest

import harvest_helpers as hh

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", hh.PLUGINS),
    pytest.mark.ckan_config("ckan.locale_default", "fr"),
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index", "clean_queues"),
]

#: English texts of ckanext-harvest's templates that a steward would meet.
ENGLISH = ("Harvest Sources", "Add Harvest Source", "Harvest sources allow importing", "Biweekly", "Manual",
           "Create Harvest Source", "No jobs yet for this source", "Last Harvest Job",
           "There is no description for this harvest source", "harvest source found",
           "Search harvest sources", "This should include the http://", "Delete source",
           "Source type", "Update frequency", "Save")


def _text(body: str) -> str:
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)))


def test_the_harvest_pages_speak_french(app, sysadmin, organization):
    source = hh.create_source(sysadmin, organization, "https://partenaire.example/catalog.ttl",
                              name="partenaire-dcat")
    headers = {"Authorization": sysadmin["token"]}
    pages = {
        "/harvest/": ("Sources de moissonnage", "1 source de moissonnage trouvée"),
        "/harvest/new": ("Créer une source de moissonnage",
                         "Une source de moissonnage importe dans ce catalogue",
                         "Toutes les deux semaines", "Type de source", "Enregistrer"),
        f"/harvest/edit/{source['name']}": ("Type de source", "Enregistrer", "Supprimer la source"),
        f"/harvest/{source['name']}": ("Cette source de moissonnage n’a pas de description",),
        f"/harvest/admin/{source['name']}": ("Aucun moissonnage pour cette source",),
    }
    for url, expected in pages.items():
        text = _text(app.get(url, headers=headers).body)
        for french in expected:
            assert french in text, (url, french)
        left = [english for english in ENGLISH if english in text]
        assert not left, (url, left)

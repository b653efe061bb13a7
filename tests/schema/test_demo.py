"""The demo data (ckan amp demo load) through real CKAN: every record passes
the schema of amp_schema and the strict Solr check of the index (the suite
runs with ckanext.amp.search.strict_schema on), and loading is idempotent."""
from __future__ import annotations

import pytest

from ckan.tests import helpers

from ckanext.amp.common import identifiers
from ckanext.amp.schema import demo

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins",
                            "amp_search amp_schema scheming_datasets scheming_organizations"),
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index"),
]

ORGANIZATIONS = {
    "metropole-aix-marseille-provence": "200054807",
    "region-sud": "231300021",
    "symcrau": None,
    "departement-herault": "223400011",
    "montpellier-mediterranee-metropole": "243400017",
}

DOMAINS = ("délibérations", "budget", "subventions", "marchés publics", "mobilité",
           "eau potable", "nappe de Crau", "déchets", "culture", "SIG", "capteurs")


def _all_datasets() -> list[dict]:
    result = helpers.call_action("package_search", q="*:*", rows=1000, include_private=True,
                                 context={"ignore_auth": True})
    return result["results"]


def _site_context() -> dict:
    site_user = helpers.call_action("get_site_user", context={"ignore_auth": True})
    return {"user": site_user["name"], "ignore_auth": True}


def _quiet(_message: str) -> None:
    pass


def test_demo_data_loads_validates_and_is_idempotent():
    messages: list[str] = []
    orgs, datasets = demo.load(echo=messages.append)
    entries = demo.read_datasets()
    assert len(entries) >= 30
    assert len(datasets.created) == len(entries)
    assert any(m.startswith(f"Jeu de données 12/{len(entries)} : ") for m in messages)

    # Organisations, with their SIRET (Luhn-checked, SIREN as expected).
    for name, siren in ORGANIZATIONS.items():
        org = helpers.call_action("organization_show", id=name, include_extras=True)
        if siren is None:
            assert not org.get("siret")
        else:
            assert org["siret"][:9] == siren
            assert identifiers.siret(org["siret"]) == org["siret"]
            assert identifiers.siren(siren) == siren

    # Every dataset is in the index (strict Solr schema: indexing proves it).
    indexed = _all_datasets()
    assert sorted(d["name"] for d in indexed) == sorted(e["name"] for e in entries)
    assert {d["diffusion"] for d in indexed} == {"public", "restricted", "internal", "personal"}
    assert {d["organization"]["name"] for d in indexed} == set(ORGANIZATIONS)
    tags = {t["name"] for d in indexed for t in d["tags"]}
    assert set(DOMAINS) <= tags, set(DOMAINS) - tags
    restricted = [d for d in indexed if d["diffusion"] == "restricted"]
    assert any(d.get("convention") == "SYMCRAU-AMP-2025" for d in restricted)
    assert all(d["diffusion_basis"] == "convention" for d in restricted)
    public = [d for d in indexed if d["diffusion"] == "public"]
    assert all(d["license_id"] in ("lov2", "odc-odbl") and d["notes"] for d in public)
    assert any(d.get("hvd_category") for d in public)
    for d in indexed:
        assert d["resources"], d["name"]
        assert d.get("frequency"), d["name"]
        assert d.get("spatial_zones") or d.get("spatial_coverage"), d["name"]
    for d in (d for d in indexed if d["diffusion"] in ("internal", "personal")):
        assert d["private"], d["name"]

    # Loading again changes nothing.
    before = {d["name"]: d["metadata_modified"] for d in indexed}
    orgs_again, datasets_again = demo.load(echo=_quiet)
    assert not datasets_again.created and not datasets_again.updated
    assert len(datasets_again.unchanged) == len(entries)
    assert not orgs_again.created and not orgs_again.updated
    after = {d["name"]: d["metadata_modified"] for d in _all_datasets()}
    assert after == before


def test_a_changed_dataset_is_updated_in_place():
    demo.load(echo=_quiet)
    context = _site_context()
    helpers.call_action("package_patch", context=context, id="decheteries-metropole",
                        title="Titre modifié à la main")
    _, report = demo.load(echo=_quiet)
    assert report.updated == ["decheteries-metropole"]
    shown = helpers.call_action("package_show", id="decheteries-metropole")
    assert shown["title"] == "Déchèteries de la Métropole"
    assert len(_all_datasets()) == len(demo.read_datasets())


def test_a_refused_dataset_stops_with_a_french_message_and_writes_nothing(tmp_path):
    bad = tmp_path / "datasets.yaml"
    bad.write_text(
        "datasets:\n"
        "- name: jeu-sans-licence-ouverte\n"
        "  organization: metropole-aix-marseille-provence\n"
        "  title: Jeu public sous licence fermée\n"
        "  notes: Un jeu public doit être sous Licence Ouverte 2.0 ou ODbL.\n"
        "  diffusion: public\n"
        "  license_id: other-closed\n"
        "  resources:\n"
        "  - {name: Fichier, url: 'https://data.ampmetropole.fr/media/x.csv', format: CSV}\n",
        encoding="utf-8")
    with pytest.raises(demo.DemoError) as error:
        demo.load(echo=_quiet, datasets_path=bad)
    message = str(error.value)
    assert "jeu-sans-licence-ouverte" in message
    assert "license_id" in message
    with pytest.raises(helpers.logic.NotFound):
        helpers.call_action("package_show", id="jeu-sans-licence-ouverte")


def test_the_cli_command_is_registered_and_loads_the_demo_data():
    from click.testing import CliRunner

    from ckan.plugins import get_plugin
    from ckanext.amp.schema import cli

    groups = get_plugin("amp_schema").get_commands()
    amp = next(group for group in groups if group.name == "amp")
    assert amp.get_command(None, "demo").get_command(None, "load") is cli.load
    # In the test app (the `ckan` CLI would load test.ini's own plugins).
    result = CliRunner().invoke(cli.demo, ["load", "--only", "budget-primitif-metropole"])
    assert result.exit_code == 0, result.output
    assert "Jeu de données 1/1 : budget-primitif-metropole (créé)" in result.output
    shown = helpers.call_action("package_show", id="budget-primitif-metropole")
    assert shown["producer_siret"] == "20005480700017"

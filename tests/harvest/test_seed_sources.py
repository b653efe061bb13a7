"""``ckan amp conventions load harvesters/`` with amp_harvest and every source
type loaded: the agreements bring their harvest sources (Smart Métropole has none yet: its partners are not named), the watched
folders of the delivery sources are created under the folder of deliveries,
and a second load changes nothing."""
from __future__ import annotations

import json

import pytest
import yaml
from click.testing import CliRunner

from ckan.tests import helpers

from ckanext.amp.common.paths import data_path
from ckanext.amp.conventions import cli

import harvest_helpers as hh

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", hh.PLUGINS + " amp_conventions"),
    pytest.mark.ckan_config("ckan.locale_default", "fr"),
    pytest.mark.usefixtures("with_plugins", "clean_db", "conventions_tables", "clean_index"),
]

HARVESTERS = data_path("harvesters")


@pytest.fixture
def organisations(sysadmin):
    """Every organisation the seeds name (the stack loads them from the demo)."""
    names = set()
    for path in sorted(HARVESTERS.glob("*.yaml")):
        content = yaml.safe_load(path.read_text(encoding="utf-8"))
        names |= {party["organization"] for party in content["convention"]["parties"]}
        names |= {source["organization"] for source in content.get("sources") or []}
    for name in sorted(names):
        helpers.call_action("organization_create", context={"user": sysadmin["name"]},
                            name=name, title=name)
    return names


def load(app):
    with app.flask_app.test_request_context():
        return CliRunner().invoke(cli.conventions, ["load", str(HARVESTERS)],
                                  catch_exceptions=False)


def test_the_seeds_bring_their_sources_and_a_second_load_changes_nothing(
        app, organisations, tmp_path, ckan_config):
    root = tmp_path / "livraisons"
    root.mkdir()
    ckan_config["ckanext.amp.harvest.delivery_root"] = str(root)
    first = load(app)
    assert first.exit_code == 0, first.output
    assert "Sources de moissonnage : 5 créée(s)" in first.output, first.output

    sources = {s["name"]: s for s in helpers.call_action(
        "amp_harvest_source_list", context={"ignore_auth": True})}
    assert {name: (s["type"], s["convention"]) for name, s in sources.items()} == {
        "symcrau-livraisons-piezometrie": ("amp_delivery", "SYMCRAU-AMP-2025"),
        "symcrau-livraisons-qualite": ("amp_delivery", "SYMCRAU-AMP-2025"),
        "symcrau-livraisons-salinite": ("amp_delivery", "SYMCRAU-AMP-2025"),
        "datasud-region-sud": ("amp_ckan", "REGION-SUD-AMP-2017"),
        "herault-data": ("amp_ods", "HERAULT-3M-2022"),
    }
    herault = helpers.call_action("harvest_source_show", context={"ignore_auth": True},
                                  id="herault-data")
    assert json.loads(herault["config"]) == {"convention": "HERAULT-3M-2022",
                                             "mode": "reference"}
    for folder in ("symcrau/piezometrie-sondes", "symcrau/qualite-campagnes",
                   "symcrau/salinite-campagnes"):
        assert (root / folder).is_dir(), folder

    second = load(app)
    assert second.exit_code == 0, second.output
    assert "0 créée(s), 0 mise(s) à jour, 5 inchangée(s)" in second.output, second.output


def test_without_a_folder_of_deliveries_the_files_with_deliveries_are_refused(
        app, organisations, ckan_config):
    ckan_config["ckanext.amp.harvest.delivery_root"] = ""
    result = load(app)
    assert result.exit_code != 0
    assert "ckanext.amp.harvest.delivery_root" in result.output, result.output
    names = {s["name"] for s in helpers.call_action("amp_harvest_source_list",
                                                     context={"ignore_auth": True})}
    assert names == {"datasud-region-sud", "herault-data"}

"""``ckan amp conventions load``: the four agreements of harvesters/*.yaml
loaded as data, idempotently; a changed file is applied, a bad file
changes nothing and is named with its line and field."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from ckan.tests import helpers

from ckanext.amp.common.paths import data_path
from ckanext.amp.conventions import cli

from conventions_helpers import PLUGINS

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", PLUGINS),
    pytest.mark.usefixtures("with_plugins", "clean_index", "french", "orgs"),
]

HARVESTERS = data_path("harvesters")


def load(app, *paths):
    with app.flask_app.test_request_context():
        return CliRunner().invoke(cli.conventions, ["load", *map(str, paths)],
                                  catch_exceptions=False)


def show(sysadmin, reference):
    return helpers.call_action("amp_convention_show", context={"user": sysadmin["name"]},
                               id=reference)


@pytest.fixture
def copy(tmp_path) -> Path:
    folder = tmp_path / "harvesters"
    shutil.copytree(HARVESTERS, folder)
    return folder


def test_the_four_seeds_load_and_a_second_run_changes_nothing(app, sysadmin, orgs):
    first = load(app, HARVESTERS)
    assert first.exit_code == 0, first.output
    assert "Conventions : 4 créée(s), 0 mise(s) à jour, 0 inchangée(s)" in first.output
    second = load(app, HARVESTERS)
    assert second.exit_code == 0, second.output
    assert "Conventions : 0 créée(s), 0 mise(s) à jour, 4 inchangée(s)" in second.output

    symcrau = show(sysadmin, "SYMCRAU-AMP-2025")
    assert symcrau["kind"] == "data_exchange"
    assert (symcrau["initial_term_months"], symcrau["tacit_renewal"],
            symcrau["max_renewals"], symcrau["notice_months"]) == (12, True, 3, 3)
    assert symcrau["date_notified"] is None and symcrau["status"]["state"] == "draft"
    assert [d["reference"] for d in symcrau["deliberations"]] == ["07/25", None]
    assert symcrau["deliberations"][0]["date"] == "2025-01-28"
    assert symcrau["usage"]["charter"]["date"] == "2022-06-30"
    assert symcrau["source"] == "symcrau-amp.yaml"
    items = {item["key"]: item for item in symcrau["items"]}
    assert len(items) == 16
    assert [site["name"] for site in items["volumes-captages"]["sites"]] == [
        "ZAC Crau", "Mary Rose", "Caspienne", "Canaux Jumeaux", "Sulauze", "Autodrome",
        "Pissarotte", "Fanfarigoule", "Tapies"]
    assert items["volumes-captages"]["periodicity"] == "ANNUAL_2"
    assert items["piezometrie-sondes"]["provider"] == "symcrau"
    assert items["piezometrie-sondes"]["site_count"] == 14
    assert items["piezometrie-sondes"]["periodicity"] is None       # not stated
    assert items["salinite-campagnes"]["site_count"] == 19
    assert items["qualite-campagnes"]["site_count"] == 10
    assert items["dup-captages"]["periodicity"] == "NEVER"
    assert all(item["expected_columns"] == [] for item in items.values())

    region = show(sysadmin, "REGION-SUD-AMP-2017")
    assert region["deliberations"][0]["reference"] == "ECO 017-2451/17/BM"
    assert region["tacit_renewal"] is True and region["max_renewals"] is None
    smart = show(sysadmin, "SMART-METROPOLE-2023")
    assert [p["organization"] for p in smart["parties"]] == ["metropole-aix-marseille-provence"]
    assert smart["initial_term_months"] is None and smart["items"] == []
    herault = show(sysadmin, "HERAULT-3M-2022")
    assert herault["kind"] == "cross_referencing"
    assert herault["deliberations"][0]["reference"] == "M2022-504"
    assert {p["organization"] for p in herault["parties"]} == {
        "montpellier-mediterranee-metropole", "departement-herault"}


def test_a_changed_file_is_applied(app, sysadmin, copy):
    assert load(app, copy).exit_code == 0
    path = copy / "herault-3m.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "  date_notified:\n", "  date_notified: 2023-01-16\n"), encoding="utf-8")
    result = load(app, copy)
    assert result.exit_code == 0, result.output
    assert "Conventions : 0 créée(s), 1 mise(s) à jour, 3 inchangée(s)" in result.output
    assert "herault-3m.yaml : HERAULT-3M-2022 mise à jour" in result.output
    assert show(sysadmin, "HERAULT-3M-2022")["date_notified"] == "2023-01-16"
    assert "4 inchangée(s)" in load(app, copy).output


def _line_of(path: Path, text: str, after: str = "") -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if after in line) if after else 0
    return next(i for i, line in enumerate(lines) if i >= start and text in line) + 1


def test_a_file_that_fails_changes_nothing_and_names_file_line_and_field(app, sysadmin, copy):
    assert load(app, copy).exit_code == 0
    before = show(sysadmin, "SYMCRAU-AMP-2025")
    path = copy / "symcrau-amp.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("  title: Convention d’objectifs", "  title: Titre changé — Convention d’objectifs")
    text = text.replace("      provider: symcrau\n      recipient: metropole-aix-marseille-provence\n"
                        "      granularity: horaire",
                        "      provider: region-sud\n      recipient: metropole-aix-marseille-provence\n"
                        "      granularity: horaire", 1)
    text = text.replace("  max_renewals: 3", "  max_renewals: -3")
    path.write_text(text, encoding="utf-8")

    result = load(app, copy)
    assert result.exit_code != 0
    output = result.output
    assert f"{path} : convention « SYMCRAU-AMP-2025 » refusée, rien n’a été écrit" in output
    provider_line = _line_of(path, "provider: region-sud")
    assert (f"ligne {provider_line}, champ « items[11].provider » : La donnée désigne "
            f"« region-sud », qui n’est pas partie à la convention") in output
    assert (f"ligne {_line_of(path, 'max_renewals: -3')}, champ « max_renewals » : "
            f"Le nombre de reconductions ne peut pas être négatif") in output
    # the other files went on, and nothing of this one was written
    assert "Conventions : 0 créée(s), 0 mise(s) à jour, 3 inchangée(s), 1 fichier(s) refusé(s)" \
        in output
    after = show(sysadmin, "SYMCRAU-AMP-2025")
    assert after["title"] == before["title"] and after["max_renewals"] == 3
    assert after["modified"] == before["modified"]


def test_a_new_file_with_an_unknown_organisation(app, sysadmin, tmp_path):
    path = tmp_path / "partenaire.yaml"
    path.write_text(
        "convention:\n"
        "  reference: PARTENAIRE-2026\n"
        "  title: Convention avec un partenaire\n"
        "  kind: data_exchange\n"
        "  parties:\n"
        "    - organization: metropole-aix-marseille-provence\n"
        "      role: both\n"
        "    - organization: partenaire-inconnu\n"
        "      role: both\n"
        "sources: []\n", encoding="utf-8")
    result = load(app, path)
    assert result.exit_code != 0
    assert ("ligne 8, champ « parties[1].organization » : L’organisation "
            "« partenaire-inconnu » n’existe pas") in result.output
    assert helpers.call_action("amp_convention_list", context={"user": sysadmin["name"]}) == []


@pytest.mark.parametrize("text, expected", [
    ("convention: [1, 2]\n", "ligne 1 : « convention: » doit décrire la convention"),
    ("convention:\n  reference: X\nsource: []\n", "ligne 3 : clé inconnue « source »"),
    ("convention:\n  reference: [X\n", "YAML mal formé"),
])
def test_malformed_files(app, tmp_path, text, expected):
    path = tmp_path / "mauvais.yaml"
    path.write_text(text, encoding="utf-8")
    result = load(app, path)
    assert result.exit_code != 0
    assert expected in result.output

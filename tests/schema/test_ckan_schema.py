"""amp_schema through real CKAN: organisations, datasets, validation in
French, derived fields, quality score in the index and on the pages."""
from __future__ import annotations

import json

import pytest

from ckan.tests import factories, helpers

from ckanext.amp.schema import schemas

from support.data import dataset_fields

EU = "http://publications.europa.eu/resource/authority/"
SIRET = "20005480700017"

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins",
                            "amp_search amp_schema scheming_datasets scheming_organizations"),
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index"),
]


@pytest.fixture
def sysadmin():
    return factories.SysadminWithToken()


@pytest.fixture
def organization(sysadmin):
    return helpers.call_action(
        "organization_create", context={"user": sysadmin["name"]},
        name="metropole-amp", title="Métropole d’Aix-Marseille-Provence",
        kind="epci", siret="200 054 807 00017", website="https://ampmetropole.fr",
        contact_name="Direction de la donnée", contact_email="opendata@ampmetropole.fr")


def api_errors(app, sysadmin, data):
    response = app.post("/api/action/package_create", json=data,
                        headers={"Authorization": sysadmin["token"]}, status=409)
    return response.json["error"]


def test_organization_carries_siret_kind_and_contact(organization):
    shown = helpers.call_action("organization_show", id="metropole-amp")
    assert shown["siret"] == SIRET            # spaces removed
    assert shown["kind"] == "epci"
    assert shown["contact_email"] == "opendata@ampmetropole.fr"


def test_organization_with_a_bad_siret_is_refused_in_french(app, sysadmin):
    response = app.post("/api/action/organization_create",
                        json={"name": "bad", "title": "Mauvais SIRET", "siret": "20005480700011"},
                        headers={"Authorization": sysadmin["token"]}, status=409)
    assert "clé de contrôle" in response.json["error"]["siret"][0]


def test_dataset_created_with_defaults_from_the_organization(organization, sysadmin):
    dataset = helpers.call_action("package_create", context={"user": sysadmin["name"]},
                                  **dataset_fields(organization))
    assert dataset["producer"] == "Métropole d’Aix-Marseille-Provence"
    assert dataset["producer_siret"] == SIRET
    assert dataset["contact"][0]["email"] == "opendata@ampmetropole.fr"
    assert dataset["access_rights"] == EU + "access-right/PUBLIC"
    assert dataset["theme"] == [EU + "data-theme/ENVI"]
    assert dataset["frequency"] == EU + "frequency/MONTHLY"
    assert dataset["spatial_zones"] == ["fr:epci:200054807", "fr:commune:13055"]
    assert dataset["resources"][0]["format"] == "CSV"
    assert isinstance(dataset["quality_score"], int) and dataset["quality_score"] > 50


def test_explicit_producer_is_kept_and_typed_access_rights_are_replaced(organization, sysadmin):
    dataset = helpers.call_action(
        "package_create", context={"user": sysadmin["name"]},
        **dataset_fields(organization, producer="Régie des eaux", producer_siret="21130055300016",
                         diffusion="restricted", license_id="other-closed", convention="CONV-2023-014",
                         access_rights=EU + "access-right/PUBLIC"))
    assert dataset["producer"] == "Régie des eaux"
    assert dataset["producer_siret"] == "21130055300016"
    assert dataset["access_rights"] == EU + "access-right/RESTRICTED"
    assert dataset["diffusion_basis"] == "convention"
    assert dataset["metadata_visibility"] == "public"


def test_hvd_dataset_gets_the_regulation(organization, sysadmin):
    dataset = helpers.call_action(
        "package_create", context={"user": sysadmin["name"]},
        **dataset_fields(organization, hvd_category=["http://data.europa.eu/bna/c_ac64a52d"]))
    assert dataset["applicable_legislation"] == ["http://data.europa.eu/eli/reg_impl/2023/138/oj"]


ROLE = "http://inspire.ec.europa.eu/metadata-codelist/ResponsiblePartyRole/"


@pytest.mark.parametrize("fields, field, french", [
    ({"producer_siret": "20005480700011"}, "producer_siret", "clé de contrôle"),
    ({"spatial_zones": ["fr:commune:75056"]}, "spatial_zones", "n’est pas une zone connue"),
    ({"temporal_coverage": [{"start": "2024-01-01", "end": "2023-06-30"}]}, "temporal_coverage",
     "précède son début"),
    ({"license_id": "cc-by"}, "license_id", "n’est pas une licence ouverte autorisée"),
    ({"license_id": ""}, "license_id", "doit avoir une licence"),
    ({"theme": ["GASTRONOMIE"]}, "theme", "n’est pas une valeur autorisée pour « Thème des données »"),
    ({"frequency": "parfois"}, "frequency", "n’est pas une valeur autorisée"),
    ({"diffusion": "secret"}, "diffusion", "n’est pas une valeur autorisée"),
    ({"diffusion": "internal", "license_id": ""}, "diffusion_basis", "pourquoi"),
    ({"diffusion": "personal", "license_id": "lov2", "diffusion_basis": "gdpr"}, "license_id",
     "ne peut pas porter la licence ouverte"),
    ({"issued": "2023-02-30"}, "issued", "n’est pas une date valide"),
    ({"url": "www.exemple.fr"}, "url", "doit commencer par http"),
    ({"qualified_attribution": [{"agent_name": "SYMCRAU", "agent_email": "symcrau.fr",
                                 "role": ROLE + "custodian"}]}, "qualified_attribution",
     "n’est pas une adresse électronique valide"),
    ({"qualified_attribution": [{"agent_name": "SYMCRAU", "role": ROLE + "chef"}]},
     "qualified_attribution", "n’est pas une valeur autorisée pour « Rôle »"),
    ({"provenance_activity": [{"label": "Campagne", "startedAtTime": "2024-13"}]},
     "provenance_activity", "n’est pas une date valide"),
    ({"qualified_relation": [{"relation": "jeu-source"}]}, "qualified_relation",
     "doit commencer par http"),
])
def test_bad_values_are_refused_with_french_messages(app, organization, sysadmin, fields, field, french):
    errors = api_errors(app, sysadmin, dataset_fields(organization, **fields))
    assert field in errors, errors
    assert french in json.dumps(errors[field], ensure_ascii=False), errors[field]


def test_personal_data_cannot_become_public(organization, sysadmin):
    context = {"user": sysadmin["name"]}
    dataset = helpers.call_action("package_create", context=context, **dataset_fields(
        organization, diffusion="personal", license_id="", diffusion_basis="gdpr", private=True))
    assert dataset["access_rights"] == EU + "access-right/NON_PUBLIC"
    with pytest.raises(helpers.logic.ValidationError) as error:
        helpers.call_action("package_patch", context=context, id=dataset["id"],
                            diffusion="public", license_id="lov2", diffusion_basis="")
    assert "diffusion" in error.value.error_dict


@pytest.mark.parametrize("target", ["public", "restricted"])
def test_personal_data_never_becomes_public_or_restricted_even_with_an_attestation(
        app, organization, sysadmin, target):
    context = {"user": sysadmin["name"]}
    dataset = helpers.call_action("package_create", context=context, **dataset_fields(
        organization, diffusion="personal", license_id="", diffusion_basis="gdpr", private=True))
    response = app.post("/api/action/package_patch", json={
        "id": dataset["id"], "diffusion": target, "license_id": "other-closed",
        "diffusion_basis": "commercial_secret", "anonymisation_by": "DPO",
        "anonymisation_date": "2025-01-02", "anonymisation_method": "agrégation"},
        headers={"Authorization": sysadmin["token"]}, status=409)
    assert "ne peuvent jamais passer en diffusion" in response.json["error"]["diffusion"][0]
    assert helpers.call_action("package_show", id=dataset["id"])["diffusion"] == "personal"


def test_leaving_personal_data_needs_an_attestation_of_anonymisation(app, organization, sysadmin):
    context = {"user": sysadmin["name"]}
    dataset = helpers.call_action("package_create", context=context, **dataset_fields(
        organization, diffusion="personal", license_id="", diffusion_basis="gdpr", private=True))
    response = app.post("/api/action/package_patch", json={"id": dataset["id"], "diffusion": "internal"},
                        headers={"Authorization": sysadmin["token"]}, status=409)
    assert "attestation d’anonymisation" in response.json["error"]["diffusion"][0]
    patched = app.post("/api/action/package_patch", json={
        "id": dataset["id"], "diffusion": "internal",
        "anonymisation_by": "Déléguée à la protection des données",
        "anonymisation_date": "2025-01-02",
        "anonymisation_method": "Agrégation à la commune, suppression des identifiants"},
        headers={"Authorization": sysadmin["token"]}).json["result"]
    assert patched["diffusion"] == "internal"
    assert patched["anonymisation_date"] == "2025-01-02"


def test_restricted_needs_a_convention_or_grants(app, organization, sysadmin):
    errors = api_errors(app, sysadmin, dataset_fields(
        organization, diffusion="restricted", license_id="other-closed", diffusion_basis="convention"))
    assert "référence de sa convention" in errors["convention"][0]
    shared_by_grants = helpers.call_action(
        "package_create", context={"user": sysadmin["name"]}, **dataset_fields(
            organization, diffusion="restricted", license_id="other-closed",
            diffusion_basis="commercial_secret"))
    assert shared_by_grants["access_rights"] == EU + "access-right/RESTRICTED"


def test_quality_score_is_indexed_sortable_and_facetable(organization, sysadmin):
    context = {"user": sysadmin["name"]}
    helpers.call_action("package_create", context=context, **dataset_fields(organization))
    helpers.call_action("package_create", context=context, **dataset_fields(
        organization, name="maigre", notes="Court.", theme=[], spatial_zones=[],
        temporal_coverage=[], frequency="", resources=[]))
    scores = {d["name"]: d["quality_score"] for d in
              (helpers.call_action("package_show", id=n) for n in ("points-apport-verre", "maigre"))}
    assert scores["points-apport-verre"] > scores["maigre"]
    for order, expected in (("desc", ["points-apport-verre", "maigre"]),
                            ("asc", ["maigre", "points-apport-verre"])):
        result = helpers.call_action("package_search", q="*:*", sort=f"quality_score {order}")
        assert [d["name"] for d in result["results"]] == expected
    result = helpers.call_action("package_search", q="*:*",
                                 **{"facet.field": '["quality_score", "vocab_theme"]'})
    assert result["facets"]["quality_score"] == {
        f"{scores['points-apport-verre']:03d}": 1, f"{scores['maigre']:03d}": 1}
    assert result["facets"]["vocab_theme"] == {EU + "data-theme/ENVI": 1}
    high = helpers.call_action("package_search", fq="quality_score:[050 TO 100]")
    assert [d["name"] for d in high["results"]] == ["points-apport-verre"]
    by_zone = helpers.call_action("package_search", fq='vocab_spatial_zones:"fr:commune:13055"')
    assert by_zone["count"] == 1


def test_dataset_page_shows_the_score_and_what_is_missing_in_french(app, organization, sysadmin):
    helpers.call_action("package_create", context={"user": sysadmin["name"]}, **dataset_fields(
        organization, name="maigre", notes="Court.", theme=[], resources=[]))
    score = helpers.call_action("package_show", id="maigre")["quality_score"]
    page = app.get("/dataset/maigre").body
    assert f"Score de qualité : {score}/100" in page
    assert "Description d’au moins 100 caractères" in page
    assert "Choisissez au moins un thème." in page
    assert "Qualité des métadonnées" in page


def test_dataset_form_renders_with_french_sections(app, organization, sysadmin):
    page = app.get("/dataset/new", headers={"Authorization": sysadmin["token"]}).body
    for heading in ("Producteur et contact", "Diffusion et licence",
                    "Couverture spatiale et temporelle", "Mises à jour"):
        assert heading in page
    assert 'name="spatial_zones"' in page and "Marseille" in page
    assert 'data-module="autocomplete"' in page
    assert "Licence Ouverte" in page
    assert "quality_score" not in page and 'name="access_rights"' not in page


def test_organization_form_renders(app, sysadmin):
    page = app.get("/organization/new", headers={"Authorization": sysadmin["token"]}).body
    assert 'name="siret"' in page and "Nature juridique" in page


def test_schema_urls_point_at_the_shipped_files():
    from ckan.plugins import toolkit

    assert toolkit.config["scheming.dataset_schemas"] == schemas.schema_url("dataset.yaml")
    assert schemas.schema_url("dataset.yaml").startswith("file:///")
    shown = helpers.call_action("scheming_dataset_schema_show", type="dataset")
    assert any(f["field_name"] == "producer_siret" for f in shown["dataset_fields"])



@pytest.mark.ckan_config("ckan.plugins", "amp_search amp_schema scheming_datasets scheming_organizations")
@pytest.mark.usefixtures("with_plugins")
def test_licence_register_offers_licence_ouverte_first_in_french():
    from ckan.model.license import LicenseRegister

    from ckanext.amp.schema.schemas import LICENCES_OPTION

    import ckan.plugins.toolkit as toolkit

    assert toolkit.config[LICENCES_OPTION].startswith("file://")
    register = LicenseRegister()
    licences = list(register.values())
    assert licences[0].id == "lov2" and licences[0].isopen()
    assert register["lov2"].title.startswith("Licence Ouverte")
    assert register["odc-odbl"].isopen() and not register["other-closed"].isopen()
    # CKAN's own licence ids stay valid for existing datasets.
    assert {"cc-by", "cc-zero", "notspecified", "other-closed"} <= set(register.keys())


def test_dataset_page_lists_only_the_fields_that_have_a_value(app, organization, sysadmin):
    role = "http://inspire.ec.europa.eu/metadata-codelist/ResponsiblePartyRole/custodian"
    helpers.call_action("package_create", context={"user": sysadmin["name"]}, **dataset_fields(
        organization, name="fiche-sobre", version="2.1",
        qualified_attribution=[{"agent_name": "SYMCRAU", "role": role}]))
    page = app.get("/dataset/fiche-sobre").body
    assert "Version" in page and "2.1" in page
    assert "Autres intervenants" in page and "SYMCRAU" in page and "Gestionnaire" in page
    # Empty fields and subfields are not listed.
    assert "Notes de version" not in page and "Activité de production" not in page
    assert "URI de l’intervenant" not in page


def test_dataset_form_offers_attributions_and_activities(app, organization, sysadmin):
    page = app.get("/dataset/new", headers={"Authorization": sysadmin["token"]}).body
    # Offered by the "Ajouter" button of each repeating field (its template),
    # with no empty group in the new form: an untouched one was refused
    # (required subfields) or stored empty (tests/browser/test_dataset_pages.py).
    for name in ("qualified_attribution-{}-agent_name", "qualified_attribution-{}-role",
                 "provenance_activity-{}-label", "provenance_activity-{}-startedAtTime",
                 "qualified_relation-{}-relation"):
        assert f'name="{name.format("REPEATING-INDEX0")}"' in page, name
        assert f'name="{name.format(0)}"' not in page, name
    assert "Gestionnaire" in page

"""The licence registry (licences/ckan-licences.json) and the mapping of the
forms real portals publish a licence under to one registry entry.

Pure Python: no CKAN. The test over the fixture catalogues reads
the real catalogues of tests/fixtures/ (rdflib parses the DCAT files).
"""
from __future__ import annotations

import json
import re
import shutil
import string
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

import pytest

from ckanext.amp.common import licences as module
from ckanext.amp.common.licences import (
    LEVELS,
    Licence,
    Registry,
    UnknownLicence,
    load_registry,
    normalise_variant,
    read_registry_file,
    registry_from_data,
    registry_path,
)
from ckanext.amp.common.paths import data_path
from ckanext.amp.common.vocabularies import load_vocabulary

REPO_ROOT = Path(__file__).resolve().parents[2]
REGISTRY_FILE = REPO_ROOT / "licences" / "ckan-licences.json"
FIXTURES = REPO_ROOT / "tests" / "fixtures"
CATALOGUES = FIXTURES / "catalogues"
EU = "http://publications.europa.eu/resource/authority/licence/"
CATALOGUE = (Path(module.__file__).resolve().parents[1]
             / "i18n" / "fr" / "LC_MESSAGES" / "ckanext-amp.po")

#: The ids CKAN's register had before the registry was extended: datasets
#: carry them, so they must stay.
CKAN_IDS = ("lov2", "notspecified", "odc-pddl", "odc-odbl", "odc-by", "cc-zero", "cc-by",
            "cc-by-sa", "gfdl", "other-open", "other-pd", "other-at", "uk-ogl", "cc-nc",
            "other-nc", "other-closed")


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry()


def _ids(licences):
    return [licence.id for licence in licences]


# ---------------------------------------------------------------------------
# the data file


def test_file_is_canonical_json_and_keeps_ckan_keys():
    raw = REGISTRY_FILE.read_bytes()
    data = json.loads(raw.decode("utf-8"))
    # written by json.dumps(indent=2, ensure_ascii=False) + newline: stable diffs
    assert raw == (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    assert data[0]["id"] == "lov2"
    assert set(CKAN_IDS) <= {entry["id"] for entry in data}
    for entry in data:
        # what CKAN's LicenseRegister and ckanext-dcat read
        for key in ("id", "title", "title_en", "url", "status", "od_conformance",
                    "osd_conformance"):
            assert isinstance(entry[key], str), (entry["id"], key)
        assert entry["title"] and entry["title_en"], entry["id"]


def test_registry_is_the_shipped_file_read_once(registry):
    assert registry_path() == data_path("licences", "ckan-licences.json")
    assert registry_path().resolve() == REGISTRY_FILE.resolve()
    assert load_registry() is registry
    assert load_registry(REGISTRY_FILE) is registry
    assert _ids(registry)[:2] == ["lov2", "odc-odbl"]
    assert len(registry) == len(json.loads(REGISTRY_FILE.read_text(encoding="utf-8")))


def test_registry_is_cached_per_path(tmp_path, registry):
    copy = tmp_path / "licences.json"
    shutil.copy(REGISTRY_FILE, copy)
    other = load_registry(copy)
    assert other is not registry and other is load_registry(copy)
    assert _ids(other) == _ids(registry)


def test_registry_loads_from_an_installed_copy(tmp_path, monkeypatch):
    """A non-editable install has only ckanext/amp/data/licences/ (setup.py)."""
    from ckanext.amp.common import paths

    installed = tmp_path / "site-packages" / "ckanext" / "amp" / "data"
    (installed / "licences").mkdir(parents=True)
    shutil.copy(REGISTRY_FILE, installed / "licences" / "ckan-licences.json")
    monkeypatch.setattr(paths, "_installed_root", lambda: installed)
    monkeypatch.setattr(paths, "source_root", lambda: tmp_path / "no-checkout")
    assert registry_path() == installed / "licences" / "ckan-licences.json"
    assert load_registry().get("lov2").decree


def test_ckan_ids_are_kept(registry):
    for licence_id in CKAN_IDS:
        assert registry.get(licence_id) is not None, licence_id
    assert registry.get("LOV2") is None  # get() is exact
    assert registry.get(None) is None


def test_decree_list_is_licence_ouverte_2_and_odbl(registry):
    assert {licence.id for licence in registry if licence.decree} == {"lov2", "odc-odbl"}
    lov2, odbl = registry.get("lov2"), registry.get("odc-odbl")
    assert lov2.spdx == "etalab-2.0" and lov2.eu_uri == EU + "ETALAB_2_0"
    assert lov2.attribution and not lov2.share_alike
    assert odbl.spdx == "ODbL-1.0" and odbl.eu_uri == EU + "ODC_BL"
    assert odbl.attribution and odbl.share_alike


def test_licence_ouverte_1_is_open_but_not_on_the_decree_list(registry):
    lo1 = registry.get("fr-lo")
    assert lo1.open and not lo1.decree and lo1.levels == {"public"}
    assert lo1.url == "https://www.etalab.gouv.fr/wp-content/uploads/2014/05/Licence_Ouverte.pdf"


def test_flags_agree_with_each_other(registry):
    raw = {entry["id"]: entry for entry in json.loads(REGISTRY_FILE.read_text(encoding="utf-8"))}
    for licence in registry:
        data = licence.id
        # CKAN's isopen() reads od_conformance: both must say the same
        assert licence.open == (raw[data]["od_conformance"] == "approved"), data
        if licence.decree:
            assert licence.open, data
        # open licences are for public data only; public data needs an open one
        assert (licence.levels == {"public"}) == licence.open, data
        assert ("public" in licence.levels) == licence.open, data
        assert licence.levels <= set(LEVELS), data
        if licence.spdx:
            assert re.fullmatch(r"[A-Za-z0-9.+-]+", licence.spdx), data


def test_levels_of_the_non_open_licences(registry):
    assert registry.get("amp-parties").levels == {"restricted"}
    assert registry.get("amp-internal").levels == {"internal", "personal"}
    assert registry.get("other-closed").levels == {"restricted", "internal", "personal"}
    # a steward must choose: never valid for any level
    assert registry.get("notspecified").levels == frozenset()
    for licence_id in ("amp-parties", "amp-internal", "other-closed", "notspecified"):
        licence = registry.get(licence_id)
        assert not licence.open and not licence.decree
        assert licence.spdx is None and licence.eu_uri is None


def test_convention_licences_say_what_they_allow(registry):
    parties = registry.get("amp-parties")
    assert parties.label() == "Usage réservé aux parties de la convention"
    assert parties.label("en") == "Use restricted to the parties of the convention"
    assert "acte d'engagement" in parties.describe()
    assert "avis favorable" in parties.describe()
    assert "undertaking" in parties.describe("en")
    internal = registry.get("amp-internal")
    assert internal.label() == "Usage interne"
    assert "interne" in internal.describe()
    assert registry.get("lov2").describe() == ""


def test_eu_uris_are_in_the_eu_licence_vocabulary(registry):
    eu = load_vocabulary("licence")
    for licence in registry:
        if licence.eu_uri:
            entry = eu.get(licence.eu_uri)
            assert entry is not None and entry.uri == licence.eu_uri, licence.id
            assert not entry.deprecated, (licence.id, licence.eu_uri)
        for variant in licence.variants:
            if variant.startswith(EU):
                assert eu.get(variant) is not None and eu.get(variant).uri == variant, variant


def test_label_falls_back_between_languages():
    licence = registry_from_data([_raw("x", title="Titre", title_en="")]).get("x")
    assert licence.label() == "Titre" and licence.label("en") == "Titre"
    licence = registry_from_data([_raw("y", title="", title_en="Title")]).get("y")
    assert licence.label() == "Title"


def test_for_level(registry):
    public = registry.for_level("public")
    assert _ids(public)[:3] == ["lov2", "odc-odbl", "fr-lo"]
    assert all(licence.open for licence in public)
    assert _ids(registry.for_level("restricted")) == ["amp-parties", "other-closed"]
    assert _ids(registry.for_level("internal")) == ["amp-internal", "other-closed"]
    assert _ids(registry.for_level("personal")) == ["amp-internal", "other-closed"]
    assert registry.get("amp-parties").allows("restricted")
    assert not registry.get("amp-parties").allows("public")
    with pytest.raises(ValueError, match="unknown diffusion level 'secret'"):
        registry.for_level("secret")


# ---------------------------------------------------------------------------
# no ambiguity


def test_every_form_resolves_to_its_own_entry(registry):
    for licence in registry:
        for name in licence.names:
            assert registry.resolve(name) is licence, (licence.id, name)
            assert registry.resolve(f"  {name.upper()} ") is licence, (licence.id, name)
            assert registry.map(name) is licence


def test_no_two_entries_share_a_normalised_form(registry):
    owners = defaultdict(set)
    for licence in registry:
        for name in licence.names:
            key = normalise_variant(name)
            assert key, (licence.id, name)
            owners[key].add(licence.id)
    shared = {key: ids for key, ids in owners.items() if len(ids) > 1}
    assert shared == {}


def test_variants_add_forms_the_other_names_do_not_cover(registry):
    """A variant that normalises like another name of the same entry is noise."""
    for licence in registry:
        seen = {normalise_variant(name) for name in
                (licence.id, licence.title, licence.title_en, licence.url,
                 licence.spdx or "", licence.eu_uri or "") if name}
        for variant in licence.variants:
            key = normalise_variant(variant)
            assert key not in seen, (licence.id, variant)
            seen.add(key)


def _raw(licence_id, **fields):
    raw = {"id": licence_id, "title": licence_id, "title_en": licence_id, "url": "",
           "open": False, "decree": False, "spdx": None, "eu_uri": None,
           "attribution": False, "share_alike": False, "levels": [], "variants": []}
    raw.update(fields)
    return raw


def test_an_ambiguous_registry_cannot_be_built():
    with pytest.raises(ValueError, match="names both a and b"):
        registry_from_data([_raw("a", variants=["Licence Ouverte v2.0"]),
                            _raw("b", variants=["licence ouverte 2.0"])])
    with pytest.raises(ValueError, match="names both a and b"):
        registry_from_data([_raw("a", url="https://example.org/l/"),
                            _raw("b", variants=["http://www.example.org/l"])])
    with pytest.raises(ValueError, match="used twice"):
        registry_from_data([_raw("a"), _raw("a", title="other")])


@pytest.mark.parametrize("fields, message", [
    ({"levels": ["public", "secret"]}, "unknown levels"),
    ({"levels": "public"}, "list of strings 'levels'"),
    ({"variants": None}, "list of strings 'variants'"),
    ({"open": "yes"}, "boolean 'open'"),
    ({"decree": None}, "boolean 'decree'"),
    ({"title": None}, "string 'title'"),
    ({"spdx": 3}, "string 'spdx'"),
    ({"eu_uri": "https://spdx.org/licenses/MIT"}, "not an EU licence URI"),
])
def test_a_malformed_entry_is_refused(fields, message):
    with pytest.raises(ValueError, match=message):
        registry_from_data([_raw("x", **fields)])


def test_a_file_that_is_not_a_list_is_refused(tmp_path):
    path = tmp_path / "licences.json"
    path.write_text('{"lov2": {}}', encoding="utf-8")
    with pytest.raises(ValueError, match="JSON list"):
        read_registry_file(path)


# ---------------------------------------------------------------------------
# normalisation


@pytest.mark.parametrize("forms", [
    ("https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
     "http://etalab.gouv.fr/licence-ouverte-open-licence",
     "HTTPS://WWW.ETALAB.GOUV.FR/licence-ouverte-open-licence#texte",
     "https://www.etalab.gouv.fr/licence-ouverte-open-licence?lang=fr",
     "<https://www.etalab.gouv.fr/licence-ouverte-open-licence>",
     "www.etalab.gouv.fr/licence-ouverte-open-licence",
     "https://www.etalab.gouv.fr/fr/licence-ouverte-open-licence.html"),
    ("https://creativecommons.org/licenses/by/4.0/",
     "http://creativecommons.org/licenses/by/4.0/deed.fr",
     "https://creativecommons.org/licenses/by/4.0/legalcode",
     "https://creativecommons.org/licenses/by/4.0/legalcode.fr",
     "https://creativecommons.org/licenses/by/4.0/deed.en-gb",
     "creativecommons.org/licenses/by/4.0"),
    ("etalab-2.0", "https://spdx.org/licenses/etalab-2.0.html",
     "http://spdx.org/licenses/etalab-2.0", "https://spdx.org/licenses/etalab-2.0.json",
     "Etalab 2.0", "ETALAB_2.0"),
    ("Licence Ouverte v2.0", "Licence Ouverte 2.0", "LICENCE OUVERTE version 2.0",
     "Licence  ouverte – V 2.0", "licence-ouverte-v2", "Licence Ouverte Version 2,0",
     "License Ouverte v.2.0", "Licence Ouverte 2.0."),
    ("Open Database License (ODbL)", "open database licence odbl", "Open-Database-License ODbL"),
    ("CC-BY-4.0", "CC BY 4.0", "cc by 4.0", "CC_BY 4.0"),
])
def test_normalisation_makes_these_forms_equal(forms):
    keys = {normalise_variant(form) for form in forms}
    assert len(keys) == 1, keys


@pytest.mark.parametrize("left, right", [
    ("Licence non précisée", "Licence non precisee"),      # accents are kept
    ("Licence Ouverte 2.0", "Licence Ouverte 1.0"),
    ("Licence Ouverte 2", "Licence Ouverte 2.0"),         # a bare integer is no version
    ("https://creativecommons.org/licenses/by/4.0/", "https://creativecommons.org/licenses/by-sa/4.0/"),
    ("https://creativecommons.org/licenses/by/4.0/", "https://opendatacommons.org/licenses/by/4.0/"),
    ("lov2", "lo 2.0"),
])
def test_normalisation_keeps_these_forms_apart(left, right):
    assert normalise_variant(left) != normalise_variant(right)


def test_normalisation_of_nothing():
    assert normalise_variant("") == normalise_variant("  ") == normalise_variant("<>") == ""


@pytest.mark.parametrize("value, licence_id", [
    ("lov2", "lov2"),
    ("LO 2.0", "lov2"),
    ("Licence Ouverte v2.0", "lov2"),
    ("Licence Ouverte / Open Licence version 2.0", "lov2"),
    ("Licence Ouverte / Open License v2", "lov2"),
    ("Licence Ouverte", "lov2"),
    ("Open Licence", "lov2"),
    ("Licence Ouverte (Etalab)", "lov2"),
    ("Licence Ouverte v2.0 (Etalab)", "lov2"),
    ("Etalab Open Licence V 2.0", "lov2"),
    ("https://www.etalab.gouv.fr/wp-content/uploads/2017/04/ETALAB-Licence-Ouverte-v2.0.pdf", "lov2"),
    ("https://github.com/etalab/licence-ouverte/blob/master/LO.md", "lov2"),
    ("https://spdx.org/licenses/etalab-2.0.html", "lov2"),
    ("https://publications.europa.eu/resource/authority/licence/ETALAB_2_0", "lov2"),
    ("fr-lo", "fr-lo"),
    ("Licence Ouverte / Open Licence", "fr-lo"),
    ("Licence Ouverte 1.0", "fr-lo"),
    ("https://www.etalab.gouv.fr/wp-content/uploads/2014/05/Licence_Ouverte.pdf", "fr-lo"),
    ("ODbL", "odc-odbl"),
    ("ODbL-1.0", "odc-odbl"),
    ("Open Database License (ODbL)", "odc-odbl"),
    ("https://opendatacommons.org/licenses/odbl/1-0/", "odc-odbl"),
    ("http://opendefinition.org/licenses/odc-odbl/", "odc-odbl"),
    ("CC BY 4.0", "cc-by"),
    ("https://creativecommons.org/licenses/by/4.0/deed.fr", "cc-by"),
    ("https://creativecommons.org/licenses/by/2.0/fr/", "cc-by"),
    ("http://creativecommons.org/licenses/by/", "cc-by"),
    ("CC BY-SA", "cc-by-sa"),
    ("CC0", "cc-zero"),
    ("https://creativecommons.org/publicdomain/zero/1.0/legalcode.fr", "cc-zero"),
    ("Open Government Licence v3.0", "uk-ogl"),
    ("CC BY-NC 4.0", "cc-nc"),
    ("Usage réservé aux parties de la convention", "amp-parties"),
    ("Usage interne", "amp-internal"),
    ("notspecified", "notspecified"),
    ("License not specified", "notspecified"),
    ("not specified", "notspecified"),
])
def test_resolve(registry, value, licence_id):
    assert registry.resolve(value).id == licence_id
    assert value in registry


@pytest.mark.parametrize("value", [
    "", "   ", None, 42, "Licence", "Etalab", "CC", "Creative Commons", "Open",
    "Licence Ouverte 3.0", "CC BY-NC-ND 4.0", "https://example.org/licence",
    "https://creativecommons.org/licenses/", "Licence Ouverte Open Licence 2.0 ODbL",
])
def test_resolve_names_nothing(registry, value):
    assert registry.resolve(value) is None
    assert value not in registry


# ---------------------------------------------------------------------------
# map: unknown values are errors, never "not specified"


def test_map_raises_on_an_unknown_licence(registry):
    with pytest.raises(UnknownLicence) as info:
        registry.map("  Licence maison  ")
    assert info.value.msgid == "Unknown licence: {value}"
    assert info.value.params == {"value": "Licence maison"}
    assert str(info.value) == "Unknown licence: Licence maison"
    french = _catalogue()
    assert info.value.translate(lambda msgid: french[msgid]) == \
        "Licence inconnue : « Licence maison »"


@pytest.mark.parametrize("value", ["", "  ", None])
def test_map_raises_on_no_licence(registry, value):
    with pytest.raises(UnknownLicence) as info:
        registry.map(value)
    assert info.value.msgid == "No licence given"
    assert info.value.translate(lambda msgid: _catalogue()[msgid]) == "Aucune licence indiquée"


def test_unknown_licence_is_a_translatable_value_error():
    from ckanext.amp.common.messages import TranslatableError

    assert issubclass(UnknownLicence, TranslatableError)
    assert issubclass(UnknownLicence, ValueError)


def _catalogue() -> dict[str, str]:
    from babel.messages.pofile import read_po

    with CATALOGUE.open("rb") as handle:
        return {message.id: message.string for message in read_po(handle) if message.id}


def test_messages_are_translated_with_the_same_placeholders():
    from babel.messages.pofile import read_po

    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle)
    for msgid in (module.UNKNOWN_LICENCE, module.NO_LICENCE):
        message = catalogue.get(msgid)
        assert message is not None and message.string and message.string != msgid, msgid
        fields = {name for _t, name, _s, _c in string.Formatter().parse(msgid) if name}
        assert {name for _t, name, _s, _c in string.Formatter().parse(message.string)
                if name} == fields
        if fields:
            assert "python-brace-format" in message.flags


# ---------------------------------------------------------------------------
# free text


@pytest.mark.parametrize("text, licence_id", [
    ("Licence Ouverte / Open Licence Version 2.0 https://www.etalab.gouv.fr/licence-ouverte-open-licence",
     "lov2"),
    ("Licence Ouverte 1.0 http://www.data.gouv.fr/Licence-Ouverte-Open-Licence.", "fr-lo"),
    ("<p><span>Soumis à la licence Etalab : https://www.etalab.gouv.fr/licence-ouverte-open-licence/"
     "</span></p>", "lov2"),
    ("Données sous licence : ODbL", "odc-odbl"),
    ("<b>CC BY 4.0</b>", "cc-by"),
    ("Licence Ouverte v2.0", "lov2"),
])
def test_resolve_text(registry, text, licence_id):
    assert registry.resolve_text(text).id == licence_id


@pytest.mark.parametrize("text", [
    "", None, "Soumis à la licence Etalab",
    "Pas de restriction d'accès public selon INSPIRE",
    # two different licences: no answer
    "ODbL ; CC BY 4.0",
    "Licence Ouverte 1.0 https://www.etalab.gouv.fr/wp-content/uploads/2017/04/"
    "ETALAB-Licence-Ouverte-v2.0.pdf",
    "Licence Ouverte / Open License (compatible ODC-BY, CC-BY 2.0)",
])
def test_resolve_text_names_nothing(registry, text):
    assert registry.resolve_text(text) is None


# ---------------------------------------------------------------------------
# the licences real catalogues publish (catalogues/ of the fixtures folder)

#: CKAN API responses and dataset dicts: license_id / license_title /
#: license_url, and ckanext-dcat's resource-level ``license``.
EXPECTED_CKAN = {
    "lov2": "lov2",
    "Licence Ouverte 2.0": "lov2",                                       # DataSud
    "cc-by": "cc-by",
    "Creative Commons Attribution": "cc-by",
    "http://www.opendefinition.org/licenses/cc-by": "cc-by",
    "other-open": "other-open",
    "Other (Open)": "other-open",
    # DKAN of the Hauts-de-France region: the 2011 page of Licence Ouverte 1.0
    "http://www.etalab.gouv.fr/pages/Licence_ouverte_Open_licence-5899923.html": "fr-lo",
    "http://creativecommons.org/licenses/by/3.0/": "cc-by",
    EU + "CC_BYNC_4_0": "cc-nc",
    "https://data.some.org/link/to/license": None,                     # a placeholder
}

#: DCAT: ``dct:license`` (URI, literal, or the label of a LicenseDocument)
#: and ``dct:rights`` literals and URIs.
EXPECTED_DCAT = {
    "https://data.some.org/link/to/license": None,
    "http://www.opendefinition.org/licenses/cc-zero": "cc-zero",
    "http://creativecommons.org/licenses/by-nc/2.0/": "cc-nc",
    EU + "COM_REUSE": None,                     # the European Commission's reuse notice
    "Some statement about rights": None,
    "https://datos.madrid.es/egob/catalogo/aviso-legal": None,        # Madrid's legal notice
    "http://dcat-ap.de/def/licenses/cc-zero": "cc-zero",
    "Licence Ouverte Version 2.0": "lov2",
    "Licence Ouverte Version 1.0": "fr-lo",
    "Rights on nested resource": None,
    "Ayant droit IGN Bénéficiaires du RGE": None,      # IGN's licence for RGE beneficiaries
    "copyright": None,
    "license": None,
    # INSPIRE conditions and limitations: not licences
    "http://inspire.ec.europa.eu/metadata-codelist/ConditionsApplyingToAccessAndUse/"
    "noConditionsApply": None,
    "http://inspire.ec.europa.eu/metadata-codelist/LimitationsOnPublicAccess/noLimitations": None,
    "License Not Specified": "notspecified",                           # udata's DCAT export
}

#: DCAT-US JSON (ArcGIS Hub): ``license`` is an HTML note, read as free text.
EXPECTED_DCAT_JSON = {
    "Soumis à la licence Etalab : https://www.etalab.gouv.fr/licence-ouverte-open-licence/": "lov2",
    "Soumis à la licence Etalab": None,        # no version, no link: which one is meant?
}

#: OpenDataSoft: ``license`` and ``license_url`` metas.
EXPECTED_ODS = {
    "Licence Ouverte (Etalab)": "lov2",
    "Open Government Licence v3.0": "uk-ogl",
    "http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/": "uk-ogl",
    "CC BY 4.0": "cc-by",
    "https://creativecommons.org/licenses/by/4.0/": "cc-by",
}

#: ISO 19139 (CSW): ``useLimitation`` / ``otherConstraints`` texts and
#: ``gmx:Anchor`` links, by the start of their text. Free text: only the
#: ones that name a licence map to an entry.
EXPECTED_CSW = {
    "Licence Ouverte / Open Licence Version 2.0 https://www.etalab.gouv.fr/": "lov2",
    "Licence Ouverte 1.0 http://www.data.gouv.fr/Licence-Ouverte-Open-Licence.": "fr-lo",
    # the English text of Licence Ouverte 2.0, as an Anchor's link...
    "https://www.etalab.gouv.fr/wp-content/uploads/2018/11/open-licence.pdf": "lov2",
    # ... whose label names three licences: no answer from the text alone
    "Licence Ouverte / Open License (compatible ODC-BY, CC-BY 2.0)": None,
    "http://www.test.gov.uk/licenseurl": None,                         # a placeholder
    "Copyright Scottish Natural Heritage": None,
    "Reference and PSMA Only": None,
    "http://inspire.ec.europa.eu/metadata-codelist/LimitationsOnPublicAccess/noLimitations": None,
    "Pas de restriction d'accès public selon INSPIRE": None,
    "L124-4-I-1 du code de l'environnement": None,
    "Aucun des articles de la loi ne peut être invoqué": None,
    "Aucune contrainte": None,
    "La diffusion des données géographiques numériques relatives à une carte de bruit": None,
    "Les données géographiques visées par ces métadonnées sont réutilisables": None,
    "Cette mise à disposition, à titre informatif": None,
    "En application du code de l'urbanisme": None,
    "Mentionner les noms des organismes fournisseurs de données": None,
}


def _fixtures(*parts: str) -> Path:
    path = CATALOGUES.joinpath(*parts)
    if not path.exists():
        pytest.fail(f"fixture file missing: {path} (tests/fixtures/)")
    return path


def _json_values(node, keys):
    if isinstance(node, dict):
        for key, value in node.items():
            if key in keys and isinstance(value, str) and value.strip():
                yield value
            else:
                yield from _json_values(value, keys)
    elif isinstance(node, list):
        for item in node:
            yield from _json_values(item, keys)


def _plain(text: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", text).split())


def _check(found: dict[str, str], expected: dict[str, str | None], resolve,
           by_prefix: bool = False) -> None:
    """Every value found maps as expected; every expected value was found."""
    seen = set()
    wrong = {}
    for value, source in found.items():
        if by_prefix:
            keys = [key for key in expected if _plain(value).startswith(key)]
            assert len(keys) == 1, f"{source}: no single expectation for {value!r}"
            key = keys[0]
        else:
            assert value in expected, f"{source}: no expectation for {value!r}"
            key = value
        seen.add(key)
        licence = resolve(value)
        if (licence.id if licence else None) != expected[key]:
            wrong[value] = (licence.id if licence else None, expected[key], source)
    assert wrong == {}
    assert set(expected) - seen == set(), "expected values no fixture has any more"


def test_ckan_catalogues(registry):
    found = {}
    for path in sorted(_fixtures("ckan").glob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        for value in _json_values(document, {"license_id", "license_title", "license_url",
                                             "license"}):
            found[value.strip()] = path.name
    _check(found, EXPECTED_CKAN, registry.resolve)


def _rdf_graphs():
    rdflib = pytest.importorskip("rdflib")
    formats = {".rdf": "xml", ".xml": "xml", ".ttl": "turtle", ".jsonld": "json-ld"}
    for path in sorted(_fixtures("dcat").iterdir()):
        if path.suffix in formats:
            yield path.name, rdflib.Graph().parse(path, format=formats[path.suffix])
    # CSW answers whose records are DCAT (GeoNetwork's DCAT / GeoDCAT-AP output)
    for path in sorted(_fixtures("csw").glob("*.xml")):
        for element in ET.parse(path).getroot().iter("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}RDF"):
            graph = rdflib.Graph().parse(data=ET.tostring(element, encoding="unicode"), format="xml")
            yield path.name, graph


def test_dcat_catalogues(registry):
    from rdflib import BNode
    from rdflib.namespace import DCTERMS, FOAF, RDFS, SKOS

    found = {}
    for name, graph in _rdf_graphs():
        for licence in graph.objects(None, DCTERMS.license):
            if isinstance(licence, BNode):
                for label in (RDFS.label, DCTERMS.title, SKOS.prefLabel, FOAF.name):
                    for text in graph.objects(licence, label):
                        found[str(text).strip()] = name
            else:
                found[str(licence).strip()] = name
        for rights in graph.objects(None, DCTERMS.rights):
            if not isinstance(rights, BNode):  # a RightsStatement node is no licence
                found[str(rights).strip()] = name
    _check(found, EXPECTED_DCAT, registry.resolve)


def test_dcat_json_catalogues(registry):
    found = {}
    for path in sorted(_fixtures("dcat").glob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        for value in _json_values(document, {"license"}):
            found[_plain(value)] = path.name
    _check(found, EXPECTED_DCAT_JSON, registry.resolve_text)


def test_ods_catalogues(registry):
    found = {}
    for path in sorted(_fixtures("ods").glob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        for value in _json_values(document, {"license", "license_url"}):
            found[value.strip()] = path.name
    _check(found, EXPECTED_ODS, registry.resolve)


def test_csw_catalogues(registry):
    gmd, gco, gmx = ("{http://www.isotc211.org/2005/gmd}", "{http://www.isotc211.org/2005/gco}",
                     "{http://www.isotc211.org/2005/gmx}")
    href = "{http://www.w3.org/1999/xlink}href"
    found = {}
    for path in sorted(_fixtures("csw").glob("*.xml")):
        root = ET.parse(path).getroot()
        for tag in ("useLimitation", "otherConstraints"):
            for element in root.iter(gmd + tag):
                for child in element:
                    if child.tag in (gco + "CharacterString", gmx + "Anchor") and child.text:
                        found[child.text.strip()] = path.name
                    if child.get(href):
                        found[child.get(href).strip()] = path.name
    assert found, "the CSW fixtures carry use limitations"
    _check(found, EXPECTED_CSW, registry.resolve_text, by_prefix=True)


def test_licence_is_hashable_and_immutable(registry):
    lov2 = registry.get("lov2")
    assert {lov2: 1}[lov2] == 1
    with pytest.raises(AttributeError):
        lov2.decree = False  # type: ignore[misc]
    assert isinstance(lov2, Licence)

"""SIREN, SIRET, INSEE commune codes and COG zone ids. Pure Python."""
from __future__ import annotations

import pytest

from ckanext.amp.common.identifiers import (
    LA_POSTE_SIREN,
    format_siren,
    format_siret,
    insee_commune_code,
    luhn_valid,
    siren,
    siret,
    zone_id,
    zone_ids,
)
from ckanext.amp.common.validation import InvalidValue
from ckanext.amp.common.vocabularies import load_vocabulary

#: Real SIRENs (all pass their Luhn key).
REAL_SIRENS = {
    "200054807": "Métropole d'Aix-Marseille-Provence (INSEE's list of EPCI)",
    "231300021": "Région Provence-Alpes-Côte d'Azur",
    "223400011": "Département de l'Hérault",
    "243400017": "Montpellier Méditerranée Métropole (seed 003: act 034-243400017-...)",
    "211300553": "Ville de Marseille (reference/*_communes.csv)",
    "211300017": "Aix-en-Provence (reference/*_communes.csv)",
}

#: Real SIRETs taken from the SCDL/DECP example files in the fixtures.
REAL_SIRETS = {
    "21060004500392": "Ville d'Antibes (scdl/subventions/exemple_valide.csv)",
    "52499120500013": "beneficiary in scdl/subventions/exemple_valide.csv",
    "23350001600040": "Conseil régional de Bretagne (scdl/decp example)",
    "81223113200034": "titulaire in scdl/decp example",
    "82379887100013": "Datactivist (scdl/decp example)",
}


def _raises(function, value, msgid_start: str) -> InvalidValue:
    with pytest.raises(InvalidValue) as info:
        function(value)
    assert info.value.msgid.startswith(msgid_start), info.value.msgid
    return info.value


# ---------------------------------------------------------------------------
# Luhn


def test_luhn():
    assert luhn_valid("79927398713")  # the textbook example
    assert not luhn_valid("79927398710")
    assert not luhn_valid("")
    assert not luhn_valid("12a4")
    assert not luhn_valid("١٢٣")  # non-ASCII digits


# ---------------------------------------------------------------------------
# SIREN


@pytest.mark.parametrize("number", sorted(REAL_SIRENS))
def test_real_sirens(number):
    assert siren(number) == number


def test_every_amp_commune_siren_passes():
    for entry in load_vocabulary("zones"):
        if "siren" in entry.extra:
            assert siren(entry["siren"]) == entry["siren"], entry.code


@pytest.mark.parametrize("spelling", ["200 054 807", " 200054807 ", "200\u00a0054\u00a0807",
                                      "200\u202f054\u202f807", "200\t054807"])
def test_siren_spaces_removed(spelling):
    assert siren(spelling) == "200054807"


def test_siren_errors():
    error = _raises(siren, "200054808", "SIREN {value} fails its check key")
    assert error.params == {"value": "200054808"}
    assert str(error) == "SIREN 200054808 fails its check key"
    error = _raises(siren, "20005480", "SIREN must have 9 digits")
    assert error.params == {"value": "20005480", "count": 8}
    assert str(error) == "SIREN must have 9 digits (20005480 has 8)"
    _raises(siren, "2000548070", "SIREN must have 9 digits")
    error = _raises(siren, "200-054-807", "SIREN {value} must contain only digits")
    assert error.params == {"value": "200-054-807"}
    _raises(siren, "20005480A", "SIREN {value} must contain only digits")
    _raises(siren, "", "Missing value")
    _raises(siren, "   ", "Missing value")
    _raises(siren, None, "Missing value")


def test_format_siren():
    assert format_siren("200054807") == "200 054 807"
    with pytest.raises(InvalidValue):
        format_siren("200054808")


# ---------------------------------------------------------------------------
# SIRET


@pytest.mark.parametrize("number", sorted(REAL_SIRETS))
def test_real_sirets(number):
    assert siret(number) == number
    assert siren(number[:9]) == number[:9]


def test_siret_spaces_removed():
    assert siret("210 600 045 00392") == "21060004500392"
    assert format_siret("21060004500392") == "210 600 045 00392"


def test_siret_errors():
    error = _raises(siret, "21060004500393", "SIRET {value} fails its check key")
    assert str(error) == "SIRET 21060004500393 fails its check key"
    error = _raises(siret, "2106000450039", "SIRET must have 14 digits")
    assert error.params["count"] == 13
    assert str(error) == "SIRET must have 14 digits (2106000450039 has 13)"
    _raises(siret, "200054807", "SIRET must have 14 digits")
    _raises(siret, "2106000450039X", "SIRET {value} must contain only digits")
    _raises(siret, "", "Missing value")
    # found in the DECP fixture: the 14 digits pass Luhn but the SIREN part does not
    error = _raises(siret, "32898744824151", "SIRET {value} does not start with a valid SIREN")
    assert error.params == {"value": "32898744824151", "siren": "328987448"}


def _la_poste_nics():
    """NICs giving La Poste SIRETs that pass only the sum rule / neither rule."""
    sum_only = neither = None
    for nic in range(1, 100000):
        number = f"{LA_POSTE_SIREN}{nic:05d}"
        by_sum = sum(int(d) for d in number) % 5 == 0
        by_luhn = luhn_valid(number)
        if by_sum and not by_luhn and sum_only is None:
            sum_only = number
        if not by_sum and not by_luhn and neither is None:
            neither = number
        if sum_only and neither:
            return sum_only, neither
    raise AssertionError("unreachable")


def test_la_poste_sum_of_digits_rule():
    assert luhn_valid(LA_POSTE_SIREN)
    sum_only, neither = _la_poste_nics()
    assert siret(sum_only) == sum_only
    _raises(siret, neither, "SIRET {value} fails its check key")
    # the rule belongs to La Poste only: the same NIC on another SIREN fails
    other = "200054807" + sum_only[9:]
    if not luhn_valid(other):
        _raises(siret, other, "SIRET {value} fails its check key")


# ---------------------------------------------------------------------------
# INSEE commune codes


@pytest.mark.parametrize("code, expected", [
    ("13055", "13055"), ("13201", "13201"), ("01001", "01001"), ("2A004", "2A004"),
    ("2b033", "2B033"), ("97411", "97411"), ("98735", "98735"), (" 84089 ", "84089"),
])
def test_insee_commune_codes(code, expected):
    assert insee_commune_code(code) == expected


@pytest.mark.parametrize("code", [
    "13000",  # a postcode, never a commune number
    "20004",  # Corsica is 2A/2B since 1976
    "1305", "130555", "00001", "96001", "99101", "2C004", "ABCDE", "13 05 5x",
])
def test_insee_commune_code_errors(code):
    error = _raises(insee_commune_code, code, "{value} is not an INSEE commune code")
    assert error.params == {"value": code.strip()}


def test_insee_commune_code_missing():
    _raises(insee_commune_code, "", "Missing value")


# ---------------------------------------------------------------------------
# COG zone ids


@pytest.mark.parametrize("value, expected", [
    ("fr:commune:13055", "fr:commune:13055"),
    ("FR:Commune:13055", "fr:commune:13055"),
    ("fr:commune:13216", "fr:commune:13216"),   # Marseille 16e arrondissement
    ("fr:commune:84089", "fr:commune:84089"),   # Pertuis, AMP member in Vaucluse
    ("fr:commune:13004", "fr:commune:13004"),   # Arles, in the 13 but not in AMP
    ("fr:epci:200054807", "fr:epci:200054807"),
    ("fr:epci:200 054 807", "fr:epci:200054807"),
    ("fr:departement:13", "fr:departement:13"),
    ("fr:region:93", "fr:region:93"),
])
def test_known_zone_ids(value, expected):
    assert zone_id(value) == expected


@pytest.mark.parametrize("value", ["fr:commune:75056", "fr:epci:243400017",
                                   "fr:departement:34", "fr:region:76"])
def test_unknown_zones(value):
    error = _raises(zone_id, value, "{value} is not a known zone")
    assert str(error) == f"{value} is not a known zone"
    assert zone_id(value, known_only=False) == value


@pytest.mark.parametrize("value, expected", [
    ("fr:commune:2a004", "fr:commune:2A004"),
    ("fr:departement:2b", "fr:departement:2B"),
    ("fr:departement:974", "fr:departement:974"),
])
def test_zone_format_only(value, expected):
    assert zone_id(value, known_only=False) == expected


@pytest.mark.parametrize("value", [
    "13055", "commune:13055", "fr:commune", "fr:commune:13055:x", "de:commune:13055",
    "fr:canton:1301", "fr:commune:13000", "fr:commune:20004", "fr:departement:20",
    "fr:departement:977", "fr:region:9", "fr:region:PACA", "fr:epci:20005480",
])
def test_zone_format_errors(value):
    error = _raises(zone_id, value, "{value} is not a zone identifier")
    assert error.params == {"value": value}


def test_zone_epci_with_wrong_key_names_the_siren():
    error = _raises(zone_id, "fr:epci:200054808", "SIREN {value} fails its check key")
    assert error.params == {"value": "200054808"}


def test_zone_ids():
    assert zone_ids(["fr:commune:13055", "fr:epci:200054807", "FR:COMMUNE:13055"]) == [
        "fr:commune:13055", "fr:epci:200054807"]
    assert zone_ids("fr:commune:13001, fr:commune:13005 fr:commune:13001") == [
        "fr:commune:13001", "fr:commune:13005"]
    assert zone_ids(None) == [] and zone_ids("") == []
    assert zone_ids(["fr:commune:75056"], known_only=False) == ["fr:commune:75056"]
    with pytest.raises(InvalidValue):
        zone_ids(["fr:commune:13055", "fr:commune:75056"])
    _raises(zone_id, None, "Missing value")

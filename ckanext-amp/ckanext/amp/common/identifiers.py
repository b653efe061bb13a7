"""French public identifiers: SIREN, SIRET, INSEE commune codes, COG zone ids.

Pure validators: each returns the value normalised or raises
:class:`~ckanext.amp.common.validation.InvalidValue` (English msgid + params,
translated by the CKAN layer). No CKAN import.

* SIREN: 9 digits with a Luhn check key. SIRET: 14 digits (SIREN + NIC),
  Luhn over the 14 digits, and its first 9 digits must be a valid SIREN.
  Exception: the establishments of La Poste (SIREN 356000000) have SIRETs
  whose digits sum to a multiple of 5 instead of passing Luhn; a La Poste
  SIRET is accepted when it passes either rule, as common checkers do
  (e.g. pass Culture's): some La Poste SIRETs pass Luhn and not the sum
  rule.
* Spaces (including non-breaking ones) are removed: ``200 054 807``.
* INSEE commune code: 5 characters, département (``01``-``95`` except
  ``20``, ``2A``/``2B`` for Corsica, ``97x``/``98x`` overseas) + commune
  number (never ``000``, which catches postcodes such as 13000).
* Zone ids (``spatial_zones``): ``fr:commune:<INSEE>`` (also the
  municipal arrondissements 13201-13216), ``fr:epci:<SIREN>``,
  ``fr:departement:<code>``, ``fr:region:<code>``; by default they must be
  in ``schemas/vocabularies/zones.json``.
"""
from __future__ import annotations

import re
from typing import Any, Iterable

from ckanext.amp.common.validation import InvalidValue

__all__ = [
    "LA_POSTE_SIREN",
    "format_siren",
    "format_siret",
    "insee_commune_code",
    "luhn_valid",
    "siren",
    "siret",
    "zone_id",
    "zone_ids",
]

#: SIREN of La Poste, whose SIRETs follow the sum-of-digits rule.
LA_POSTE_SIREN = "356000000"

_SPACES = re.compile(r"[\s\u00a0\u202f\u2007]+")


def _compact(value: Any) -> str:
    if value is None:
        raise InvalidValue("Missing value")
    text = _SPACES.sub("", str(value))
    if not text:
        raise InvalidValue("Missing value")
    return text


def luhn_valid(digits: str) -> bool:
    """True when a string of digits passes the Luhn (mod 10) check."""
    if not digits or not digits.isascii() or not digits.isdigit():
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char)
        if position % 2:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def _digits(value: Any, length: int, not_digits: str, wrong_length: str) -> str:
    text = _compact(value)
    if not (text.isascii() and text.isdigit()):
        raise InvalidValue(not_digits, value=str(value).strip())
    if len(text) != length:
        raise InvalidValue(wrong_length, value=str(value).strip(), count=len(text))
    return text


def siren(value: Any) -> str:
    """A SIREN (9 digits, Luhn key); returned without spaces."""
    digits = _digits(value, 9, "SIREN {value} must contain only digits",
                     "SIREN must have 9 digits ({value} has {count})")
    if not luhn_valid(digits):
        raise InvalidValue("SIREN {value} fails its check key", value=digits)
    return digits


def siret(value: Any) -> str:
    """A SIRET (14 digits, Luhn key; La Poste's rule); returned without spaces."""
    digits = _digits(value, 14, "SIRET {value} must contain only digits",
                     "SIRET must have 14 digits ({value} has {count})")
    valid = luhn_valid(digits) or (
        digits.startswith(LA_POSTE_SIREN) and sum(int(d) for d in digits) % 5 == 0
    )
    if not valid:
        raise InvalidValue("SIRET {value} fails its check key", value=digits)
    if not luhn_valid(digits[:9]):
        raise InvalidValue("SIRET {value} does not start with a valid SIREN ({siren})",
                           value=digits, siren=digits[:9])
    return digits


def format_siren(value: Any) -> str:
    """``200054807`` -> ``200 054 807`` (after validation)."""
    digits = siren(value)
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}"


def format_siret(value: Any) -> str:
    """``21060004500392`` -> ``210 600 045 00392`` (after validation)."""
    digits = siret(value)
    return f"{digits[:3]} {digits[3:6]} {digits[6:9]} {digits[9:]}"


# ---------------------------------------------------------------------------
# INSEE COG

_COMMUNE = re.compile(
    r"^(?:(?!20)(?:0[1-9]|[1-8]\d|9[0-5])\d{3}"  # metropolitan départements
    r"|2[AB]\d{3}"                                # Corsica
    r"|97[1-8]\d{2}|98[4-9]\d{2})$"               # overseas
)
_DEPARTEMENT = re.compile(r"^(?:(?!20)(?:0[1-9]|[1-8]\d|9[0-5])|2[AB]|97[1-6])$")
_REGION = re.compile(r"^\d{2}$")

_COMMUNE_MSG = "{value} is not an INSEE commune code (5 characters, such as 13055, or 2A004 in Corsica)"


def insee_commune_code(value: Any) -> str:
    """An INSEE (COG) commune code; returned upper-cased (``2a004`` -> ``2A004``)."""
    text = _compact(value).upper()
    if not _COMMUNE.match(text) or text.endswith("000"):
        raise InvalidValue(_COMMUNE_MSG, value=str(value).strip())
    return text


_ZONE_MSG = ("{value} is not a zone identifier such as fr:commune:13055, "
             "fr:epci:200054807, fr:departement:13 or fr:region:93")


def _zone_format(text: str) -> str:
    parts = text.split(":")
    if len(parts) != 3 or parts[0].lower() != "fr":
        raise InvalidValue(_ZONE_MSG, value=text)
    kind, code = parts[1].lower(), parts[2]
    try:
        if kind == "commune":
            code = insee_commune_code(code)
        elif kind == "epci":
            code = siren(code)
        elif kind == "departement":
            code = code.upper()
            if not _DEPARTEMENT.match(code):
                raise InvalidValue(_ZONE_MSG, value=text)
        elif kind == "region":
            if not _REGION.match(code):
                raise InvalidValue(_ZONE_MSG, value=text)
        else:
            raise InvalidValue(_ZONE_MSG, value=text)
    except InvalidValue as error:
        if error.msgid == "SIREN {value} fails its check key":
            raise
        raise InvalidValue(_ZONE_MSG, value=text) from None
    return f"fr:{kind}:{code}"


def zone_id(value: Any, *, known_only: bool = True) -> str:
    """A COG zone id, normalised (``FR:Commune:2a004`` -> ``fr:commune:2A004``).

    With ``known_only`` (the default) the zone must be in the shipped
    ``zones.json``; without it only the format (and an EPCI's SIREN key) is
    checked.
    """
    text = _compact(value)
    normalised = _zone_format(text)
    if known_only:
        from ckanext.amp.common.vocabularies import load_vocabulary

        entry = load_vocabulary("zones").get(normalised)
        if entry is None:
            raise InvalidValue("{value} is not a known zone", value=text)
        return entry.code
    return normalised


def zone_ids(values: Any, *, known_only: bool = True) -> list[str]:
    """Several zone ids (a list, or one string separated by commas or spaces)."""
    if values is None:
        return []
    items: Iterable[Any]
    if isinstance(values, str):
        items = [part for part in re.split(r"[,\s]+", values) if part]
    else:
        items = values
    result: list[str] = []
    for item in items:
        normalised = zone_id(item, known_only=known_only)
        if normalised not in result:
            result.append(normalised)
    return result

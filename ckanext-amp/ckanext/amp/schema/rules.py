"""Pure rules of the dataset schema: licences allowed for public data,
OpenDataFrance spatial granularity, kinds of body. No CKAN import. The
diffusion levels and what they allow are in :mod:`ckanext.amp.common.diffusion`.

Errors are :class:`~ckanext.amp.common.validation.InvalidValue` (English
msgid + parameters, translated by the CKAN layer with the shared catalogue).
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping

from ckanext.amp.common import diffusion
from ckanext.amp.common.validation import InvalidValue
from ckanext.amp.common.vocabularies import load_vocabulary

#: Diffusion levels and restricted records' visibility: the tables of
#: :mod:`ckanext.amp.common.diffusion` (one home), under the names the
#: schema's ``amp_choice`` validators use.
DIFFUSION_LEVELS = diffusion.LEVEL_LABELS
METADATA_VISIBILITY = diffusion.METADATA_VISIBILITY_LABELS

#: Why a dataset is not public (``diffusion_basis``).
DIFFUSION_BASES: Mapping[str, Mapping[str, str]] = {
    "gdpr": {"fr": "Données personnelles (RGPD)", "en": "Personal data (GDPR)"},
    "convention": {"fr": "Convention de partage", "en": "Data-sharing convention"},
    "commercial_secret": {"fr": "Secret des affaires", "en": "Commercial secret"},
    "public_security": {"fr": "Sécurité publique", "en": "Public security"},
    "inspire_13_1_x": {"fr": "Restriction INSPIRE (article 13.1)", "en": "INSPIRE restriction (art. 13.1)"},
    "other": {"fr": "Autre motif (préciser)", "en": "Other (explain)"},
}

#: OpenDataFrance SCDL "catalogue" COUV_SPAT_MAILLE values.
SPATIAL_GRANULARITIES: Mapping[str, Mapping[str, str]] = {
    "infracommunale": {"fr": "Infracommunale", "en": "Below municipality"},
    "communale": {"fr": "Communale", "en": "Municipality"},
    "intercommunale": {"fr": "Intercommunale", "en": "Inter-municipal (EPCI)"},
    "cantonale": {"fr": "Cantonale", "en": "Canton"},
    "departementale": {"fr": "Départementale", "en": "Département"},
    "regionale": {"fr": "Régionale", "en": "Region"},
    "autre": {"fr": "Autre", "en": "Other"},
}

#: Kinds of body an organisation can be.
ORGANIZATION_KINDS: Mapping[str, Mapping[str, str]] = {
    "commune": {"fr": "Commune", "en": "Municipality"},
    "epci": {"fr": "EPCI (métropole, communauté…)", "en": "Inter-municipal body (EPCI)"},
    "departement": {"fr": "Département", "en": "Département"},
    "region": {"fr": "Région", "en": "Region"},
    "syndicat_mixte": {"fr": "Syndicat mixte", "en": "Joint syndicate"},
    "etat": {"fr": "État et ses établissements", "en": "State"},
    "association": {"fr": "Association", "en": "Association"},
    "entreprise": {"fr": "Entreprise", "en": "Company"},
}

#: Licences of the French decree list (D. 323-2-1 CRPA) allowed for public
#: data, as codes of the EU licence vocabulary: Licence Ouverte 2.0, ODbL 1.0.
OPEN_LICENCE_CODES: frozenset[str] = frozenset({"ETALAB_2_0", "ODC_BL"})

#: CKAN licence ids that name the decree licences but are not EU aliases.
_CKAN_LICENCE_IDS = {
    "etalab-2.0": "ETALAB_2_0",
    "etalab-open-licence-2.0": "ETALAB_2_0",
    "licence-ouverte-2.0": "ETALAB_2_0",
    "lo-2.0": "ETALAB_2_0",
    "odbl": "ODC_BL",
    "odbl-1.0": "ODC_BL",
}

#: ELI of the HVD implementing regulation, the ``applicable_legislation`` an
#: HVD dataset must carry (DCAT-AP HVD).
HVD_REGULATION = "http://data.europa.eu/eli/reg_impl/2023/138/oj"


def choices(table: Mapping[str, Mapping[str, str]], lang: str = "fr") -> list[dict[str, str]]:
    """``[{"value", "label"}]`` for a scheming select from one of the tables."""
    return [{"value": code, "label": labels.get(lang) or labels["fr"]}
            for code, labels in table.items()]


def one_of(table: Mapping[str, Any], value: Any, what: str) -> str:
    """A code of ``table`` (case and spaces ignored)."""
    text = str(value or "").strip().lower()
    if text not in table:
        raise InvalidValue("{value} is not an allowed value for {vocabulary}",
                           value=str(value or "").strip(), vocabulary=what)
    return text


def licence_code(license_id: Any) -> str | None:
    """The EU licence code a CKAN licence id or a licence URI names, if any."""
    text = str(license_id or "").strip()
    if not text:
        return None
    mapped = _CKAN_LICENCE_IDS.get(text.lower())
    if mapped:
        return mapped
    entry = load_vocabulary("licence").get(text)
    return entry.code if entry is not None else None


def is_open_licence(license_id: Any, extra_allowed: Iterable[str] = ()) -> bool:
    """True when the licence may be used for public data."""
    text = str(license_id or "").strip()
    if not text:
        return False
    if text in set(extra_allowed):
        return True
    return licence_code(text) in OPEN_LICENCE_CODES


def check_licence_for_diffusion(diffusion: Any, license_id: Any,
                                extra_allowed: Iterable[str] = ()) -> None:
    """Field-level licence/diffusion consistency (docs/architecture.md).

    ``public`` needs a licence of the French decree list (Licence Ouverte
    2.0, ODbL), or one the operator allows; the other levels must not carry
    one of those open licences (their data is not open).
    """
    level = str(diffusion or "").strip().lower()
    if level == "public":
        if not str(license_id or "").strip():
            raise InvalidValue("A public dataset needs a licence: Licence Ouverte 2.0 or ODbL")
        if not is_open_licence(license_id, extra_allowed):
            raise InvalidValue(
                "{value} is not an open licence allowed for public data: "
                "choose Licence Ouverte 2.0 or ODbL", value=str(license_id).strip())
    elif level in ("restricted", "internal", "personal"):
        if licence_code(license_id) in OPEN_LICENCE_CODES:
            raise InvalidValue(
                "A {diffusion} dataset cannot carry the open licence {value}: its data is not open",
                diffusion=level, value=str(license_id).strip())

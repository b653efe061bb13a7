"""Pure tables of the dataset schema: reasons for not publishing,
OpenDataFrance spatial granularity, kinds of body. No CKAN import. The
diffusion levels and what they allow (licences included) are in
:mod:`ckanext.amp.common.diffusion`; the licences in
:mod:`ckanext.amp.common.licences`.

Errors are :class:`~ckanext.amp.common.validation.InvalidValue` (English
msgid + parameters, translated by the CKAN layer with the shared catalogue).
"""
from __future__ import annotations

from typing import Any, Mapping

from ckanext.amp.common import diffusion, obligations
from ckanext.amp.common.validation import InvalidValue

#: Diffusion levels and restricted records' visibility: the tables of
#: :mod:`ckanext.amp.common.diffusion` (one home), under the names the
#: schema's ``amp_choice`` validators use.
DIFFUSION_LEVELS = diffusion.LEVEL_LABELS
METADATA_VISIBILITY = diffusion.METADATA_VISIBILITY_LABELS
#: The publication obligations a steward may flag a dataset as fulfilling
#: (:mod:`ckanext.amp.common.obligations`, one home).
OBLIGATIONS = obligations.LABELS

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

"""Template helpers of amp_schema (``toolkit.blanket.helpers``, ``amp_`` prefix).

The ``amp_*_choices`` helpers feed ckanext-scheming's ``choices_helper``:
each takes the scheming field and returns ``[{"value", "label"}]`` with
French labels (English when the page is in English) from the vocabulary
files. ``amp_quality`` gives the quality report shown on the dataset page.
"""
from __future__ import annotations

from typing import Any, Mapping

import ckan.plugins.toolkit as toolkit

from ckanext.amp.common import licences, quality
from ckanext.amp.common.vocabularies import load_vocabulary
from ckanext.amp.schema import rules
from ckanext.amp.translation import page_language

__all__ = [
    "amp_access_right_choices",
    "amp_diffusion_basis_choices",
    "amp_diffusion_choices",
    "amp_file_type_choices",
    "amp_frequency_choices",
    "amp_hvd_category_choices",
    "amp_language_choices",
    "amp_licence_choices",
    "amp_metadata_visibility_choices",
    "amp_obligation_choices",
    "amp_organization_kind_choices",
    "amp_quality",
    "amp_spatial_granularity_choices",
    "amp_theme_choices",
    "amp_vocabulary_label",
    "amp_zone_choices",
]

Choices = list[dict[str, str]]


_lang = page_language


def _vocabulary(name: str, **options: Any) -> Choices:
    return load_vocabulary(name).choices(_lang(), **options)


def amp_theme_choices(field: Any = None) -> Choices:
    """EU data themes (13), sorted by label."""
    return _vocabulary("data-theme", sort=True)


def amp_frequency_choices(field: Any = None) -> Choices:
    """EU update frequencies with their French labels (``quotidien``...)."""
    return _vocabulary("frequency", sort=True)


def amp_file_type_choices(field: Any = None) -> Choices:
    """EU file types, by code (stored value: the code, e.g. ``CSV``)."""
    return _vocabulary("file-type", value="code", sort=True)


def amp_hvd_category_choices(field: Any = None) -> Choices:
    """HVD categories (regulation 2023/138), sub-categories indented under their category."""
    items = []
    for entry in load_vocabulary("hvd-category"):
        if entry.deprecated:
            continue
        prefix = "" if entry.get("level") == 1 else "— "
        items.append({"value": entry.value, "label": prefix + entry.label(_lang())})
    return items


def amp_language_choices(field: Any = None) -> Choices:
    return _vocabulary("language", sort=True)


def amp_zone_choices(field: Any = None) -> Choices:
    """COG zones: region, départements, EPCI, then communes by name, with their kind."""
    kinds = {"region": "région", "departement": "département", "epci": "EPCI",
             "commune": "commune", "arrondissement_municipal": "arrondissement"}
    order = {"region": 0, "departement": 1, "epci": 2, "commune": 3, "arrondissement_municipal": 4}
    lang = _lang()
    entries = sorted(load_vocabulary("zones"),
                     key=lambda e: (order.get(e.get("kind"), 9), e.label(lang).casefold()))
    return [{"value": e.value,
             "label": f"{e.label(lang)} ({kinds.get(e.get('kind'), e.get('kind'))} "
                      f"{e.get('insee') or e.code.rsplit(':', 1)[-1]})"}
            for e in entries]


def amp_access_right_choices(field: Any = None) -> Choices:
    return _vocabulary("access-right")


def amp_licence_choices(field: Any = None) -> Choices:
    """The licences of the register in its order (the decree licences, Licence
    Ouverte 2.0 and ODbL, first), titled in the page's language, then any
    other licence of CKAN's register (an operator's own)."""
    import ckan.model as model

    registry = licences.load_registry()
    items: Choices = [{"value": entry.id, "label": entry.label(_lang())} for entry in registry
                      if entry.levels]
    known = {item["value"] for item in items} | {entry.id for entry in registry}
    for license_id, licence in model.Package.get_license_register().items():
        if license_id not in known:
            items.append({"value": license_id, "label": licence.title})
    return items


def amp_diffusion_choices(field: Any = None) -> Choices:
    return rules.choices(rules.DIFFUSION_LEVELS, _lang())


def amp_diffusion_basis_choices(field: Any = None) -> Choices:
    return rules.choices(rules.DIFFUSION_BASES, _lang())


def amp_metadata_visibility_choices(field: Any = None) -> Choices:
    return rules.choices(rules.METADATA_VISIBILITY, _lang())


def amp_obligation_choices(field: Any = None) -> Choices:
    """The publication obligations (budgets, deliberations...), in the list's order."""
    return rules.choices(rules.OBLIGATIONS, _lang())


def amp_spatial_granularity_choices(field: Any = None) -> Choices:
    return rules.choices(rules.SPATIAL_GRANULARITIES, _lang())


def amp_organization_kind_choices(field: Any = None) -> Choices:
    return rules.choices(rules.ORGANIZATION_KINDS, _lang())


def amp_vocabulary_label(name: str, value: Any) -> str:
    """Label of a stored vocabulary value in the page's language (the value if unknown)."""
    text = str(value or "")
    return load_vocabulary(name).label(text, _lang(), default=text) if text else ""


def amp_quality(pkg_dict: Mapping[str, Any]) -> dict[str, Any]:
    """The quality report of a dataset for templates: ``score`` and
    ``missing`` (``[{"code", "label", "hint", "weight"}]``, translated)."""
    report = quality.score(pkg_dict)
    return {
        "score": report.score,
        "missing": [{"code": c.code, "label": toolkit._(c.label), "hint": toolkit._(c.hint),
                     "weight": c.weight} for c in report.missing],
    }

"""Where ckanext-scheming finds the bundle's schemas, and schema look-ups.

ckanext-scheming reads ``scheming.dataset_schemas`` as ``module:path`` (the
path relative to the module's folder) or as a URL. The schemas live in the
top-level ``schemas/`` data folder, shipped as ``ckanext/amp/data/schemas``
once installed; ``ckanext.amp.data.schemas`` is a namespace package there
(no ``__init__.py``, so ``inspect.getfile`` fails) and is not importable at
all in an editable install. So, when the options are not set, amp_schema
sets them to ``file://`` URLs of the files that
:func:`ckanext.amp.common.paths.data_path` finds — in a checkout and
installed alike. Explicit settings are left alone.

IConfigurer hooks run from the last listed plugin to the first: when
``scheming_datasets``/``scheming_organizations`` are listed after
``amp_schema`` they have read their (empty) options already, so their
schemas are loaded again here.
"""
from __future__ import annotations

from typing import Any

from ckan import model

from ckanext.amp.common import quality
from ckanext.amp.common.licences import registry_path
from ckanext.amp.common.paths import data_path

DATASET_OPTION = "scheming.dataset_schemas"
ORGANIZATION_OPTION = "scheming.organization_schemas"
PRESETS_OPTION = "scheming.presets"

DATASET_FILE = "dataset.yaml"
ORGANIZATION_FILE = "organization.yaml"


def schema_url(name: str) -> str:
    """``file://`` URL of a schema file of the ``schemas/`` data folder."""
    return data_path("schemas", name).resolve().as_uri()


def configure_scheming(config: Any) -> None:
    """Point scheming at the bundle's schemas unless configured otherwise."""
    changed = []
    for option, name, plugin_name in (
            (DATASET_OPTION, DATASET_FILE, "scheming_datasets"),
            (ORGANIZATION_OPTION, ORGANIZATION_FILE, "scheming_organizations")):
        # An explicit default: scheming may not have declared its options yet.
        if not (config.get(option, "") or "").strip():
            config[option] = schema_url(name)
            changed.append(plugin_name)
    import ckan.plugins as plugins

    for plugin_name in changed:
        if not plugins.plugin_loaded(plugin_name):
            continue
        plugin = plugins.get_plugin(plugin_name)
        if plugin is not None and getattr(plugin, "_schema_urls", None) == []:
            # scheming ran before us (listed after amp_schema): load again.
            plugin.update_config(config)


LICENCES_OPTION = "licenses_group_url"


def configure_licences(config: Any) -> None:
    """Use the bundle's licence register (Licence Ouverte 2.0 first, French
    titles, CKAN's own licences kept) unless the operator set one."""
    if not (config.get(LICENCES_OPTION) or "").strip():
        config[LICENCES_OPTION] = registry_path().resolve().as_uri()
    forget_licence_register()


def forget_licence_register() -> None:
    """Make CKAN read its licence register again from the configuration.

    CKAN builds the register once and keeps it on the Package class: one
    built before the configuration changed (a plugin set loaded earlier in
    the same process, a test's option) would lack the configured licences.
    """
    if "_license_register" in vars(model.Package):
        del model.Package._license_register


def add_quality_score(pkg_dict: dict[str, Any]) -> dict[str, Any]:
    """``quality_score`` (int, computed, never stored) in package_show's output."""
    pkg_dict["quality_score"] = quality.score(pkg_dict).score
    return pkg_dict

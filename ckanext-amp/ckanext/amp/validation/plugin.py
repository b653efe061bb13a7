"""amp_validation: resources that claim an SCDL Table Schema
(``conforms_to``) are checked against the portal's copy of it, with
frictionless, in a background job; the report is shown on the resource
page and counted by the validation dashboard (amp_dashboard, through
``amp_validation_summary``).

Thin wiring only: the rules in ``common/table_validation.py``, scheduling
and the job in ``jobs.py``, actions and auth in ``logic/``. See
docs/decisions/0019-data-validation.md.
"""
from __future__ import annotations

from typing import Any

import ckan.plugins as plugins
import ckan.plugins.toolkit as toolkit

from ckanext.amp.translation import SharedCatalogue
from ckanext.amp.validation import cli, helpers, jobs, views
from ckanext.amp.validation.logic import action, auth


@toolkit.blanket.config_declarations
@toolkit.blanket.helpers(helpers)
@toolkit.blanket.blueprints(views.get_blueprints)
@toolkit.blanket.cli(cli.get_commands)
class AmpValidationPlugin(SharedCatalogue, plugins.SingletonPlugin):
    plugins.implements(plugins.IConfigurer)
    plugins.implements(plugins.IConfigurable)
    plugins.implements(plugins.ITranslation)
    plugins.implements(plugins.IActions)
    plugins.implements(plugins.IAuthFunctions)
    plugins.implements(plugins.IPackageController, inherit=True)

    # IConfigurer / IConfigurable
    def update_config(self, config: Any) -> None:
        toolkit.add_template_directory(config, "templates")

    def configure(self, config: Any) -> None:
        jobs.install_commit_hooks()

    # IActions / IAuthFunctions
    def get_actions(self) -> dict[str, Any]:
        return action.get_actions()

    def get_auth_functions(self) -> dict[str, Any]:
        return auth.get_auth_functions()

    # IPackageController: a resource created or updated goes through package_update.
    def after_dataset_create(self, context: Any, pkg_dict: dict[str, Any]) -> None:
        if pkg_dict.get("id"):
            jobs.schedule(pkg_dict["id"])

    def after_dataset_update(self, context: Any, pkg_dict: dict[str, Any]) -> None:
        if pkg_dict.get("id"):
            jobs.schedule(pkg_dict["id"])

"""amp_conventions: data-sharing conventions as records whose terms bind
the portal (lifecycle, deliveries, end of rights).

Thin wiring only: actions (``logic/action.py``), auth (``logic/auth.py``),
pages (``views.py``), commands (``cli.py``), deliveries from resources
(``deliveries.py``), index field (``indexing.py``); the rules are in
``ckanext.amp.common.conventions`` and ``ckanext.amp.common.schedules``.
"""
from __future__ import annotations

from typing import Any

import ckan.plugins as plugins
import ckan.plugins.toolkit as toolkit

from ckanext.amp.conventions import cli, deliveries, helpers, indexing, views
from ckanext.amp.conventions.logic import action, auth
from ckanext.amp.translation import SharedCatalogue


@toolkit.blanket.config_declarations
@toolkit.blanket.actions(action.get_actions)
@toolkit.blanket.auth_functions(auth.get_auth_functions)
@toolkit.blanket.helpers(helpers.get_helpers)
@toolkit.blanket.blueprints(views.get_blueprints)
@toolkit.blanket.cli(cli.get_commands)
class AmpConventionsPlugin(SharedCatalogue, plugins.SingletonPlugin):
    plugins.implements(plugins.IConfigurer)
    plugins.implements(plugins.ITranslation)
    plugins.implements(plugins.IResourceController, inherit=True)
    plugins.implements(plugins.IPackageController, inherit=True)

    # IConfigurer
    def update_config(self, config: Any) -> None:
        toolkit.add_template_directory(config, "templates")

    # IResourceController: a new file on a dataset a data item feeds is a delivery
    def after_resource_create(self, context: Any, resource: dict[str, Any]) -> None:
        deliveries.record(context, resource)

    def before_resource_update(self, context: Any, current: dict[str, Any],
                               resource: dict[str, Any]) -> None:
        deliveries.note_new_version(context, current, resource)

    def after_resource_update(self, context: Any, resource: dict[str, Any]) -> None:
        deliveries.record_new_version(context, resource)

    # IPackageController: the state of the dataset's convention in the index
    def before_dataset_index(self, pkg_dict: dict[str, Any]) -> dict[str, Any]:
        return indexing.add_convention_state(pkg_dict)

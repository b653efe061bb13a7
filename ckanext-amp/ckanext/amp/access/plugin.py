"""amp_access: the diffusion levels enforced on every channel.

Thin wiring only. The rules are in ``common/diffusion.py``; who the caller
is, in ``permissions.py``; the channels, in ``logic/action.py`` (chained
actions), ``logic/auth.py`` (resource access), ``views.py`` (downloads) and
below (permission labels, index document, package_show). See
docs/architecture.md.
"""
from __future__ import annotations

from typing import Any

import ckan.plugins as plugins
import ckan.plugins.toolkit as toolkit
from ckan import authz, model
from ckan.lib.plugins import DefaultPermissionLabels

from ckanext.amp.access import cli, helpers, permissions as perms, views
from ckanext.amp.access.logic import action, auth
from ckanext.amp.common import diffusion
from ckanext.amp.translation import SharedCatalogue


@toolkit.blanket.config_declarations
@toolkit.blanket.helpers(helpers)
@toolkit.blanket.blueprints(views.get_blueprints)
@toolkit.blanket.cli(cli.get_commands)
class AmpAccessPlugin(SharedCatalogue, plugins.SingletonPlugin):
    plugins.implements(plugins.IConfigurer)
    plugins.implements(plugins.ITranslation)
    plugins.implements(plugins.IActions)
    plugins.implements(plugins.IAuthFunctions)
    plugins.implements(plugins.IPermissionLabels)
    plugins.implements(plugins.IPackageController, inherit=True)

    # IConfigurer
    def update_config(self, config: Any) -> None:
        toolkit.add_template_directory(config, "templates")

    # IActions / IAuthFunctions
    def get_actions(self) -> dict[str, Any]:
        return action.get_actions()

    def get_auth_functions(self) -> dict[str, Any]:
        return auth.get_auth_functions()

    # IPermissionLabels
    def get_dataset_labels(self, dataset_obj: model.Package) -> list[str]:
        dataset = perms.dataset_facts(dataset_obj)
        labels = diffusion.dataset_labels(dataset, perms.standing(dataset.get("convention")))
        if labels != [diffusion.PUBLIC_LABEL] and authz.check_config_permission(
                "allow_dataset_collaborators"):
            labels.append(f"collaborator-{dataset_obj.id}")
        return labels

    def get_user_dataset_labels(self, user_obj: model.User) -> list[str]:
        labels = DefaultPermissionLabels().get_user_dataset_labels(user_obj)
        if user_obj is None or getattr(user_obj, "is_anonymous", True):
            return labels
        return labels + perms.user_labels(perms.facts_for(user_obj))

    # IPackageController
    def before_dataset_index(self, pkg_dict: dict[str, Any]) -> dict[str, Any]:
        """No data address in the index of a dataset whose data is not
        everyone's: neither a query (``res_url:…``) nor ``fl`` reaches it."""
        if not perms.data_is_public(pkg_dict):
            for name in list(pkg_dict):
                if name in diffusion.INDEX_DATA_FIELDS or any(
                        name == f"res_extras_{field}" for field in diffusion.RESOURCE_DATA_FIELDS):
                    pkg_dict.pop(name)
        return pkg_dict

    def after_dataset_show(self, context: Any, pkg_dict: dict[str, Any]) -> dict[str, Any]:
        return action.redact_for(context, pkg_dict)

    def after_dataset_update(self, context: Any, pkg_dict: dict[str, Any]) -> None:
        """Leaving ``personal``: the attestation of anonymisation goes to the
        audit log, in the update's transaction."""
        action.record_attestation(context, pkg_dict)

"""amp_dcat: the ``amp_dcat_ap_fr`` profile's plugin (catalogue filters, CSV)."""
from __future__ import annotations

from typing import Any

import ckan.plugins as plugins
import ckan.plugins.toolkit as toolkit

from ckanext.amp.dcat import admission, cli, fragments
from ckanext.amp.dcat.logic import action, auth
from ckanext.amp.dcat.views import get_blueprints, replace_dcat_views
from ckanext.amp.translation import SharedCatalogue


@toolkit.blanket.config_declarations
@toolkit.blanket.cli(cli.get_commands)
@toolkit.blanket.auth_functions(lambda: {"amp_catalogue_csv": auth.amp_catalogue_csv})
@toolkit.blanket.blueprints(get_blueprints)
class AmpDcatPlugin(SharedCatalogue, plugins.SingletonPlugin):
    plugins.implements(plugins.ITranslation)
    plugins.implements(plugins.IActions)
    plugins.implements(plugins.IPackageController, inherit=True)
    plugins.implements(plugins.IOrganizationController, inherit=True)
    plugins.implements(plugins.IMiddleware, inherit=True)

    # IActions (chained around ckanext-dcat's, which must be loaded first)
    def get_actions(self) -> dict[str, Any]:
        actions = {
            "dcat_catalog_show": action.dcat_catalog_show,
            "dcat_catalog_search": action.dcat_catalog_search,
            "dcat_dataset_show": action.dcat_dataset_show,
            "amp_catalogue_csv": action.amp_catalogue_csv,
        }
        if plugins.plugin_loaded("dcat_json_interface"):
            actions["dcat_datasets_list"] = action.dcat_datasets_list
        return actions

    # IPackageController
    def before_dataset_search(self, search_params: dict[str, Any]) -> dict[str, Any]:
        return action.catalogue_filter(search_params)

    def before_dataset_index(self, pkg_dict: dict[str, Any]) -> dict[str, Any]:
        """Every index write refreshes the dataset's stored DCAT fragment."""
        fragments.refresh_from_index(pkg_dict)
        return pkg_dict

    def after_dataset_delete(self, context: Any, pkg_dict: dict[str, Any]) -> None:
        fragments.forget([pkg_dict.get("id")])

    # IOrganizationController: an organisation's edit outdates its fragments
    # (IPackageController's edit and delete, on datasets, share the names).
    def edit(self, entity: Any) -> None:
        if getattr(entity, "is_organization", False):
            fragments.mark_organisation_stale(entity.id)

    def delete(self, entity: Any) -> None:
        if getattr(entity, "is_organization", False):
            fragments.mark_organisation_stale(entity.id)

    # IMiddleware: the RDF documents are assembled from the fragments, and
    # catalogue reads are admitted a few at a time (dcat/admission.py).
    def make_middleware(self, app: Any, config: Any) -> Any:
        return admission.install(replace_dcat_views(app))

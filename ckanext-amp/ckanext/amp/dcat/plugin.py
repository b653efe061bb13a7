"""amp_dcat: the ``amp_dcat_ap_fr`` profile's plugin (catalogue filters, CSV)."""
from __future__ import annotations

from typing import Any

import ckan.plugins as plugins
import ckan.plugins.toolkit as toolkit

from ckanext.amp.dcat.logic import action, auth
from ckanext.amp.dcat.views import get_blueprints
from ckanext.amp.translation import SharedCatalogue


@toolkit.blanket.config_declarations
@toolkit.blanket.auth_functions(lambda: {"amp_catalogue_csv": auth.amp_catalogue_csv})
@toolkit.blanket.blueprints(get_blueprints)
class AmpDcatPlugin(SharedCatalogue, plugins.SingletonPlugin):
    plugins.implements(plugins.ITranslation)
    plugins.implements(plugins.IActions)
    plugins.implements(plugins.IPackageController, inherit=True)

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

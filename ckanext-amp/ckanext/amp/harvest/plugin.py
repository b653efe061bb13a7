"""amp_harvest: the machinery every source type shares (actions, job page,
preview, retention, the configuration kept from non-editors), and one
ckanext-harvest harvester plugin per source type (``amp_dcat_harvester``,
``amp_ckan_harvester``, ``amp_ods_harvester``, ``amp_csw_harvester``): ckanext-harvest finds a harvester as one
``IHarvester`` implementation with one ``info()['name']``, so each source
type is its own plugin. List ``amp_harvest`` before ``harvest`` in
``ckan.plugins``: its job page and source buttons override
ckanext-harvest's templates.
"""
from __future__ import annotations

from typing import Any

import ckan.plugins as plugins
import ckan.plugins.toolkit as toolkit

from ckanext.amp.harvest import cli, helpers, views
from ckanext.amp.harvest.harvesters.ckan import AmpCkanHarvester
from ckanext.amp.harvest.harvesters.csw import AmpCswHarvester
from ckanext.amp.harvest.harvesters.dcat import AmpDcatHarvester
from ckanext.amp.harvest.harvesters.delivery import AmpDeliveryHarvester
from ckanext.amp.harvest.harvesters.ods import AmpOdsHarvester
from ckanext.amp.harvest.logic import action, auth
from ckanext.amp.translation import SharedCatalogue

__all__ = ["AmpCkanHarvesterPlugin", "AmpCswHarvesterPlugin", "AmpDcatHarvesterPlugin",
           "AmpDeliveryHarvesterPlugin", "AmpHarvestPlugin", "AmpOdsHarvesterPlugin"]


@toolkit.blanket.config_declarations
@toolkit.blanket.helpers(helpers.get_helpers)
@toolkit.blanket.auth_functions(auth.get_auth_functions)
@toolkit.blanket.blueprints(views.get_blueprints)
@toolkit.blanket.cli(cli.get_commands)
class AmpHarvestPlugin(SharedCatalogue, plugins.SingletonPlugin):
    plugins.implements(plugins.IConfigurer)
    plugins.implements(plugins.ITranslation)
    plugins.implements(plugins.IActions)
    plugins.implements(plugins.IPackageController, inherit=True)

    # IConfigurer
    def update_config(self, config: Any) -> None:
        toolkit.add_template_directory(config, "templates")

    # IActions
    def get_actions(self) -> dict[str, Any]:
        return {
            "amp_harvest_source_preview": action.amp_harvest_source_preview,
            "amp_harvest_source_sync": action.amp_harvest_source_sync,
            "amp_harvest_source_list": action.amp_harvest_source_list,
            "amp_harvest_job_summary": action.amp_harvest_job_summary,
            "harvest_source_show": action.harvest_source_show,
            "harvest_source_list": action.harvest_source_list,
            "harvest_jobs_run": action.harvest_jobs_run,
        }

    # IPackageController: a harvest source's configuration (package_show,
    # package_search) only for those who may edit it.
    def after_dataset_show(self, context: Any, pkg_dict: dict[str, Any]) -> dict[str, Any]:
        if pkg_dict.get("type") == "harvest" and "config" in pkg_dict \
                and not action.may_see_config(context, pkg_dict.get("id", "")):
            action.hide_config(pkg_dict)
        return pkg_dict

    def after_dataset_search(self, search_results: dict[str, Any],
                             search_params: dict[str, Any]) -> dict[str, Any]:
        user = toolkit.g.get("user") if _has_app_context() else None
        context = {"user": user}
        for result in search_results.get("results") or []:
            if result.get("type") == "harvest" and "config" in result \
                    and not action.may_see_config(context, result.get("id", "")):
                action.hide_config(result)
        return search_results


def _has_app_context() -> bool:
    from flask import has_app_context

    return has_app_context()


class AmpDcatHarvesterPlugin(AmpDcatHarvester):
    """Source type ``amp_dcat`` (DCAT-AP catalogues)."""


class AmpCkanHarvesterPlugin(AmpCkanHarvester):
    """Source type ``amp_ckan`` (a CKAN action API)."""


class AmpDeliveryHarvesterPlugin(AmpDeliveryHarvester):
    """Source type ``amp_delivery`` (files delivered under a convention)."""


class AmpOdsHarvesterPlugin(AmpOdsHarvester):
    """Source type ``amp_ods`` (an OpenDataSoft portal, Explore API v2.1)."""


class AmpCswHarvesterPlugin(AmpCswHarvester):
    """Source type ``amp_csw`` (a CSW 2.0.2 geocatalogue, ISO 19139)."""

"""amp_dashboard: the portal's identity and home page, the facets of the
dataset list, and the freshness and quality dashboards.

Thin wiring only: figures in ``logic/action.py``, who sees them in
``logic/auth.py``, labels and home page data in ``helpers.py``, pages in
``views.py``; the rules in ``common/freshness.py``, ``common/quality.py``
and ``common/quality_bands.py``. See docs/decisions/0016-dashboards.md.
"""
from __future__ import annotations

import re
from collections import OrderedDict
from typing import Any

import ckan.plugins as plugins
import ckan.plugins.toolkit as toolkit

from ckanext.amp.common import quality_bands
from ckanext.amp.dashboard import cli, helpers, usage_views, views
from ckanext.amp.dashboard.logic import action, auth, usage, usage_auth, validation
from ckanext.amp.dashboard.logic import conventions as conventions_action
from ckanext.amp.translation import SharedCatalogue

#: ``quality_band:"high"`` in a filter (what CKAN's dataset list writes for the facet).
_BAND_FILTER = re.compile(r'\bquality_band:"?([a-z_]+)"?')

#: The score facet must hold every score for the bands to add up.
_SCORE_FACET_LIMIT = 101


def _band_range(match: re.Match) -> str:
    band = quality_bands.band(match.group(1))
    return f"{helpers.QUALITY_SCORE_FIELD}:{band.index_range}" if band else "id:__none__"


@toolkit.blanket.config_declarations
@toolkit.blanket.helpers(helpers)
@toolkit.blanket.blueprints(views.get_blueprints)
@toolkit.blanket.cli(cli.get_commands)
class AmpDashboardPlugin(SharedCatalogue, plugins.SingletonPlugin):
    plugins.implements(plugins.IConfigurer)
    plugins.implements(plugins.ITranslation)
    plugins.implements(plugins.IActions)
    plugins.implements(plugins.IAuthFunctions)
    plugins.implements(plugins.IFacets, inherit=True)
    plugins.implements(plugins.IPackageController, inherit=True)
    plugins.implements(plugins.IMiddleware, inherit=True)

    # IConfigurer
    def update_config(self, config: Any) -> None:
        helpers.apply_environment(config)
        toolkit.add_template_directory(config, "templates")
        toolkit.add_public_directory(config, "public")
        toolkit.add_resource("assets", "amp_dashboard")

    # IMiddleware
    def make_middleware(self, app: Any, config: Any) -> Any:
        usage_views.exempt_tracking_from_csrf(app)
        return app

    # IActions / IAuthFunctions
    def get_actions(self) -> dict[str, Any]:
        return {**action.get_actions(), **conventions_action.get_actions(),
                **validation.get_actions(), **usage.get_actions()}

    def get_auth_functions(self) -> dict[str, Any]:
        return {**auth.get_auth_functions(), **usage_auth.get_auth_functions()}

    # IFacets
    def dataset_facets(self, facets_dict: OrderedDict, package_type: str) -> OrderedDict:
        facets_dict.update(helpers.facet_titles())
        return facets_dict

    def organization_facets(self, facets_dict: OrderedDict, organization_type: str,
                            package_type: str) -> OrderedDict:
        facets_dict.update(helpers.facet_titles())
        return facets_dict

    # IPackageController
    def before_dataset_search(self, search_params: dict[str, Any]) -> dict[str, Any]:
        """The quality band, a facet and a filter of its own, is a range on
        the score: the filter is rewritten, the facet is counted on the score."""
        fq = search_params.get("fq")
        if isinstance(fq, str) and "quality_band:" in fq:
            search_params["fq"] = _BAND_FILTER.sub(_band_range, fq)
        fields = search_params.get("facet.field")
        if isinstance(fields, list) and helpers.QUALITY_BAND_FACET in fields:
            # quality_band stays asked (an empty facet: no such field), as the
            # mark after_dataset_search reads; the score is counted instead.
            if helpers.QUALITY_SCORE_FIELD not in fields:
                search_params["facet.field"] = fields + [helpers.QUALITY_SCORE_FIELD]
            limit = int(search_params.get("facet.limit") or
                        toolkit.config.get("search.facets.limit") or 50)
            if 0 <= limit < _SCORE_FACET_LIMIT:
                search_params["facet.limit"] = _SCORE_FACET_LIMIT
        return search_params

    def after_dataset_search(self, search_results: dict[str, Any],
                             search_params: dict[str, Any]) -> dict[str, Any]:
        facets = search_results.get("search_facets")
        if not isinstance(facets, dict):
            return search_results
        if helpers.QUALITY_BAND_FACET in (search_params.get("facet.field") or []):
            scores = search_results.get("facets", {}).get(helpers.QUALITY_SCORE_FIELD, {})
            facets[helpers.QUALITY_BAND_FACET] = helpers.band_facet(scores)
        helpers.label_facets(facets)
        return search_results

"""amp_search: a PostgreSQL search engine behind CKAN's own search layer."""
from __future__ import annotations

from typing import Any

import ckan.plugins as plugins
import ckan.plugins.toolkit as toolkit

from ckanext.amp.search import connection, validation
from ckanext.amp.search.cli import get_commands
from ckanext.amp.translation import SharedCatalogue


@toolkit.blanket.config_declarations
class AmpSearchPlugin(SharedCatalogue, plugins.SingletonPlugin):
    plugins.implements(plugins.IConfigurer)
    plugins.implements(plugins.ITranslation)
    plugins.implements(plugins.IPackageController, inherit=True)
    plugins.implements(plugins.IClick)

    # IConfigurer
    def update_config(self, config: Any) -> None:
        # Installed here, not in IConfigurable.configure: CKAN checks the
        # search engine right after this hook.
        if connection.engine_name() == connection.POSTGRES:
            connection.install()
            # CKAN requires solr_url even when no Solr is used.
            if not config.get("solr_url"):
                config["solr_url"] = connection.PostgresSolrConnection.url

    # IPackageController
    def before_dataset_search(self, search_params: dict[str, Any]) -> dict[str, Any]:
        if connection.engine_name() == connection.POSTGRES:
            search_params = validation.read_search_params(search_params)
            validation.check_bounding_box(search_params)
        return search_params

    # IClick
    def get_commands(self) -> list[Any]:
        return get_commands()

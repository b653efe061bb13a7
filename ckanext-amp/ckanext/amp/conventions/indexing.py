"""What amp_conventions adds to a dataset's index document.

``convention_state``: the state of the dataset's convention (``draft``,
``active``, ``suspended``, ``terminated``, ``expired``), a single string in
CKAN's stock Solr dynamic ``*`` field, so that stewards can filter on it
(``fq=convention_state:expired``). It is written again whenever the
convention's rights change (the datasets are reindexed then).
"""
from __future__ import annotations

import json
from typing import Any, Optional

from ckan.plugins import toolkit

FIELD = "convention_state"


def convention_reference(pkg_dict: dict[str, Any]) -> Optional[str]:
    """The ``convention`` of a dataset being indexed, wherever CKAN put it."""
    value = pkg_dict.get("convention")
    if not value:
        for extra in pkg_dict.get("extras") or []:
            if isinstance(extra, dict) and extra.get("key") == "convention":
                value = extra.get("value")
    if not value and isinstance(pkg_dict.get("validated_data_dict"), str):
        try:
            value = json.loads(pkg_dict["validated_data_dict"]).get("convention")
        except (ValueError, AttributeError):
            value = None
    return str(value).strip() if value else None


def add_convention_state(pkg_dict: dict[str, Any]) -> dict[str, Any]:
    from ckanext.amp.conventions import records

    reference = convention_reference(pkg_dict)
    if not reference or not records.tables_exist():
        return pkg_dict
    status = toolkit.get_action("amp_convention_status")(
        {"ignore_auth": True}, {"references": [reference]})
    if reference in status:
        pkg_dict[FIELD] = status[reference]["state"]
    return pkg_dict

"""Validation schemas of amp_access's actions (CKAN navl)."""
from __future__ import annotations

from typing import Any

from ckan.plugins import toolkit

from ckanext.amp.access.logic import validators as v


def grant_create_schema() -> dict[str, Any]:
    not_empty = toolkit.get_validator("not_empty")
    ignore_missing = toolkit.get_validator("ignore_missing")
    unicode_safe = toolkit.get_validator("unicode_safe")
    return {
        "dataset_id": [not_empty, unicode_safe, v.amp_restricted_dataset],
        "user_id": [not_empty, unicode_safe, v.amp_active_user],
        "signatory": [not_empty, unicode_safe],
        "purpose": [not_empty, unicode_safe],
        "starts": [v.amp_default_today, v.amp_date],
        "ends": [not_empty, v.amp_date],
        "request_id": [ignore_missing, unicode_safe],
        "undertaking_version": [ignore_missing, unicode_safe],
        "undertaking_sha256": [ignore_missing, unicode_safe],
        # Set from the dataset by amp_grant_period.
        "convention": [ignore_missing],
        "__after": [v.amp_grant_period],
    }

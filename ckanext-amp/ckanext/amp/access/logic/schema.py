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


def request_create_schema() -> dict[str, Any]:
    """An access request (the period and the undertaking are checked by the
    action, against the dataset's convention and its current undertaking)."""
    not_empty = toolkit.get_validator("not_empty")
    ignore_missing = toolkit.get_validator("ignore_missing")
    unicode_safe = toolkit.get_validator("unicode_safe")
    strip_value = toolkit.get_validator("strip_value")
    return {
        "dataset_id": [not_empty, unicode_safe],
        "organization": [not_empty, unicode_safe, strip_value],
        "purpose": [not_empty, unicode_safe, v.amp_purpose],
        "intended_diffusion": [not_empty, v.amp_intended_diffusion],
        "period_start": [v.amp_default_today, v.amp_date],
        "period_end": [not_empty, v.amp_date],
        "signatory": [ignore_missing, unicode_safe, strip_value],
        "undertaking_accepted": [v.amp_checked],
        "undertaking_version": [ignore_missing, unicode_safe],
        "undertaking_sha256": [ignore_missing, unicode_safe],
    }


def request_decide_schema() -> dict[str, Any]:
    """A decision's optional terms (a grant's scope and period; the
    defaults are the request's)."""
    ignore_missing = toolkit.get_validator("ignore_missing")
    ignore_empty = toolkit.get_validator("ignore_empty")
    unicode_safe = toolkit.get_validator("unicode_safe")
    return {
        "id": [toolkit.get_validator("not_empty"), unicode_safe],
        "decision": [ignore_missing, unicode_safe],
        "reason": [ignore_missing, unicode_safe],
        "dataset_ids": [ignore_empty, v.amp_dataset_ids],
        "starts": [ignore_empty, v.amp_date],
        "ends": [ignore_empty, v.amp_date],
        "signatory": [ignore_empty, unicode_safe],
        "purpose": [ignore_empty, unicode_safe],
    }


def request_list_schema() -> dict[str, Any]:
    ignore_empty = toolkit.get_validator("ignore_empty")
    unicode_safe = toolkit.get_validator("unicode_safe")
    boolean = toolkit.get_validator("boolean_validator")
    return {
        "user_id": [ignore_empty, unicode_safe],
        "organization_id": [ignore_empty, unicode_safe],
        "dataset_id": [ignore_empty, unicode_safe],
        "status": [ignore_empty, v.amp_request_status],
        "to_decide": [ignore_empty, boolean],
        "limit": [toolkit.get_validator("default")(100), v.amp_page_size],
        "offset": [toolkit.get_validator("default")(0),
                   toolkit.get_validator("natural_number_validator")],
    }


def log_list_schema() -> dict[str, Any]:
    ignore_empty = toolkit.get_validator("ignore_empty")
    unicode_safe = toolkit.get_validator("unicode_safe")
    default = toolkit.get_validator("default")
    natural = toolkit.get_validator("natural_number_validator")
    return {
        "organization_id": [ignore_empty, unicode_safe],
        "dataset_id": [ignore_empty, unicode_safe],
        "kind": [ignore_empty, v.amp_log_kind],
        "since": [ignore_empty, v.amp_date],
        "until": [ignore_empty, v.amp_date],
        "limit": [default(50), v.amp_page_size],
        "offset": [default(0), natural],
    }

"""Validators of amp_access's actions: precise French errors (409)."""
from __future__ import annotations

import datetime as dt
from typing import Any

from ckan import model
from ckan.plugins import toolkit

from ckanext.amp.access import permissions as perms
from ckanext.amp.common import diffusion, validation

Key = tuple[Any, ...]


def amp_date(value: Any) -> dt.date:
    """An ISO 8601 date (``YYYY-MM-DD``)."""
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(validation.iso_date(value))
    except validation.InvalidValue as error:
        raise toolkit.Invalid(error.translate(toolkit._)) from None


def amp_default_today(key: Key, data: dict[Key, Any], errors: dict[Key, list[str]],
                      context: dict[str, Any]) -> None:
    if data.get(key) in (None, "", toolkit.missing):
        data[key] = perms.today()


def amp_active_user(value: Any, context: dict[str, Any]) -> str:
    """An active user's id (given by id or name)."""
    user = model.User.get(str(value))
    if user is None or user.state != "active":
        raise toolkit.Invalid(toolkit._("No active user {value}").format(value=value))
    return user.id


def amp_restricted_dataset(value: Any, context: dict[str, Any]) -> str:
    """A restricted dataset's id (given by id or name): only restricted data
    is shared by grants; public data needs none, internal and personal data
    is never shared."""
    package = model.Package.get(str(value))
    if package is None or package.state == "deleted":
        raise toolkit.Invalid(toolkit._("Dataset not found"))
    level = diffusion.level_of(perms.dataset_facts(package))
    if level.code != "restricted":
        raise toolkit.Invalid(toolkit._(
            "Access is granted to restricted datasets only; this dataset is {diffusion}").format(
                diffusion=level.name("en" if str(toolkit.h.lang()).startswith("en") else "fr")))
    return package.id


def amp_grant_period(key: Key, data: dict[Key, Any], errors: dict[Key, list[str]],
                     context: dict[str, Any]) -> None:
    """``ends`` not before ``starts``, and never after the end of the
    dataset's convention (its computed end date)."""
    package = model.Package.get(str(data.get(("dataset_id",)) or ""))
    reference = str((package.extras or {}).get("convention") or "").strip() if package else ""
    # The grant comes under the dataset's convention, whatever was given.
    data[("convention",)] = reference or None
    starts, ends = data.get(("starts",)), data.get(("ends",))
    if not isinstance(starts, dt.date) or not isinstance(ends, dt.date):
        return
    if ends < starts:
        errors.setdefault(("ends",), []).append(toolkit._(
            "The grant ends ({ends}) before it starts ({starts})").format(
                ends=ends.isoformat(), starts=starts.isoformat()))
        return
    if not reference:
        return
    status = perms.convention_statuses([reference]).get(reference)
    if status is None:
        return
    end = status.get("end_date")
    if end and ends > dt.date.fromisoformat(end):
        errors.setdefault(("ends",), []).append(toolkit._(
            "The grant cannot end after its convention {reference} ({end})").format(
                reference=reference, end=end))

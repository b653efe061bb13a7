"""Validators of amp_access's actions: precise French errors (409)."""
from __future__ import annotations

import datetime as dt
from typing import Any

from ckan import model
from ckan.plugins import toolkit

from ckanext.amp.access import permissions as perms
from ckanext.amp.common import access_requests, diffusion, validation, values

Key = tuple[Any, ...]

#: The shortest purpose a request may give.
PURPOSE_MIN_LENGTH = 20



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


# -- access requests ----------------------------------------------------------------

def amp_checked(value: Any) -> bool:
    """A ticked box (``on``, ``true``, ``1``, ``yes``), or not."""
    if isinstance(value, bool):
        return value
    return str(value or "").strip().lower() in ("on", "true", "1", "yes", "oui")


def amp_intended_diffusion(value: Any) -> str:
    """One of the intended uses of :data:`access_requests.INTENDED_DIFFUSIONS`."""
    try:
        return access_requests.check_intended_diffusion(value)
    except validation.InvalidValue as error:
        raise toolkit.Invalid(error.translate(toolkit._)) from None


def amp_purpose(value: Any) -> str:
    """What the data is for, in a sentence at least: an express request."""
    text = str(value or "").strip()
    if len(text) < PURPOSE_MIN_LENGTH:
        raise toolkit.Invalid(toolkit._(
            "Describe what the data is for in a sentence at least ({size} characters)").format(
                size=PURPOSE_MIN_LENGTH))
    return text


def amp_dataset_ids(value: Any) -> list[str]:
    """A list of dataset ids or names (a list, or words separated by commas
    or spaces), each known."""
    found = []
    for item in values.as_list(value):
        package = model.Package.get(str(item))
        if package is None or package.state == "deleted":
            raise toolkit.Invalid(toolkit._("No dataset {value}").format(value=item))
        if package.id not in found:
            found.append(package.id)
    return found


def amp_log_kind(value: Any) -> str:
    code = str(value or "").strip()
    if code not in access_requests.LOG_KINDS:
        raise toolkit.Invalid(toolkit._("Unknown kind of line {value}").format(value=code))
    return code


def amp_request_status(value: Any) -> str:
    code = str(value or "").strip()
    if code not in access_requests.STATUSES:
        raise toolkit.Invalid(toolkit._("Unknown request status {value}").format(value=code))
    return code


#: The most lines a list action returns at once.
PAGE_MAX = 1000


def amp_page_size(value: Any) -> int:
    """A number of lines from 1 to :data:`PAGE_MAX` (more is cut to it)."""
    try:
        size = int(str(value).strip())
    except ValueError:
        raise toolkit.Invalid(toolkit._("{value} is not a whole number").format(value=value)) from None
    if size < 1:
        raise toolkit.Invalid(toolkit._("{value} is not a whole number").format(value=value))
    return min(size, PAGE_MAX)

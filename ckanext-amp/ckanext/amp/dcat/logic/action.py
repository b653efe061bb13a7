"""amp_dcat actions: the catalogue filter around ckanext-dcat's actions and
the OpenDataFrance (SCDL "catalogue") CSV export."""
from __future__ import annotations

import contextvars
from typing import Any

from ckan import authz
from ckan.plugins import toolkit

from ckanext.amp.common import diffusion, scdl_catalogue

#: Set while a catalogue action runs: before_dataset_search adds the filter.
IN_CATALOGUE: contextvars.ContextVar[bool] = contextvars.ContextVar("amp_dcat_catalogue", default=False)

#: Only records that every catalogue may list: derived from the diffusion
#: rules (docs/architecture.md), never a private dataset.
CATALOGUE_FQ = diffusion.catalogue_filter()


def catalogue_filter(search_params: dict[str, Any]) -> dict[str, Any]:
    """Add :data:`CATALOGUE_FQ` as a separate ``fq`` (user's q/fq cannot undo it)."""
    if IN_CATALOGUE.get():
        fq_list = list(search_params.get("fq_list") or [])
        if CATALOGUE_FQ not in fq_list:
            fq_list.append(CATALOGUE_FQ)
        search_params["fq_list"] = fq_list
        search_params["include_private"] = False
    return search_params


def _in_catalogue(up_func, context, data_dict):
    data_dict = dict(data_dict)
    # The configured profile only: another one would not redact restricted records.
    data_dict["profiles"] = None
    token = IN_CATALOGUE.set(True)
    try:
        return up_func(context, data_dict)
    finally:
        IN_CATALOGUE.reset(token)


@toolkit.chained_action
@toolkit.side_effect_free
def dcat_catalog_show(up_func, context, data_dict):
    return _in_catalogue(up_func, context, data_dict)


@toolkit.chained_action
@toolkit.side_effect_free
def dcat_catalog_search(up_func, context, data_dict):
    return _in_catalogue(up_func, context, data_dict)


@toolkit.chained_action
@toolkit.side_effect_free
def dcat_datasets_list(up_func, context, data_dict):
    return _in_catalogue(up_func, context, data_dict)


def _member_of_owner(user: str | None, dataset: dict[str, Any]) -> bool:
    if not user:
        return False
    if authz.is_sysadmin(user):
        return True
    owner = dataset.get("owner_org")
    return bool(owner) and authz.has_user_permission_for_group_or_org(owner, user, "read")


@toolkit.chained_action
def dcat_dataset_show(up_func, context, data_dict):
    """404 for a record the caller may not see, or that the catalogue does
    not list (unless the caller is a member of its organisation)."""
    try:
        dataset = toolkit.get_action("package_show")(
            {"user": context.get("user"), "ignore_auth": False}, {"id": data_dict.get("id")})
    except toolkit.NotAuthorized:
        raise toolkit.ObjectNotFound("Dataset not found")
    listed = diffusion.listed_in_catalogue({**dataset, "private": False})
    if not listed and not _member_of_owner(context.get("user"), dataset):
        raise toolkit.ObjectNotFound("Dataset not found")
    data_dict = dict(data_dict)
    data_dict["profiles"] = None
    return up_func(context, data_dict)


@toolkit.side_effect_free
def amp_catalogue_csv(context, data_dict):
    """The catalogue (listed records only) as an SCDL "catalogue" CSV string."""
    toolkit.check_access("amp_catalogue_csv", context, data_dict)
    rows = 500
    start = 0
    datasets = []
    token = IN_CATALOGUE.set(True)
    try:
        while True:
            result = toolkit.get_action("package_search")(
                {"user": context.get("user")},
                {"q": "*:*", "rows": rows, "start": start, "sort": "metadata_modified desc",
                 "fq_list": ["-dataset_type:harvest"]},
            )
            datasets.extend(result["results"])
            start += rows
            if start >= result["count"] or not result["results"]:
                break
    finally:
        IN_CATALOGUE.reset(token)
    return scdl_catalogue.to_csv(
        datasets,
        collectivity_name=toolkit.config.get("ckanext.amp.dcat.publisher_name")
        or toolkit.config.get("ckan.site_title") or "",
        collectivity_siret=toolkit.config.get("ckanext.amp.dcat.publisher_siret") or "",
        site_url=toolkit.config.get("ckan.site_url") or "",
    )

"""amp_access auth functions.

A chained auth function keeps only its own flags: those below that CKAN's
allow anonymous access say so too (the datastore's dump asks them with an
empty context, where an anonymous caller has no user object).

CKAN's ``resource_show`` lets whoever sees the dataset read the resource;
for a restricted record whose metadata are public, seeing the record is not
getting the data: ``resource_show`` (and so the resource page, downloads,
views and the datastore, whose auth functions all ask ``resource_show``)
needs the data as well.
"""
from __future__ import annotations

from typing import Any, Callable

from ckan import model
from ckan.plugins import toolkit

from ckanext.amp.access import permissions as perms

AuthFunction = Callable[..., dict[str, Any]]


def _resource_package(data_dict: dict[str, Any]) -> model.Package | None:
    resource_id = data_dict.get("id") or data_dict.get("resource_id")
    resource = model.Resource.get(str(resource_id)) if resource_id else None
    return model.Package.get(resource.package_id) if resource is not None else None


def data_auth(context: dict[str, Any], package: model.Package | None) -> dict[str, Any]:
    """Success when the caller may have the data of ``package``."""
    if package is None:
        return {"success": True}  # CKAN's own function says "not found"
    facts = perms.facts_for(perms.context_user(context))
    if perms.access(facts, perms.dataset_facts(package)).data:
        return {"success": True}
    return {"success": False,
            "msg": toolkit._("Access to this data is on request: ask for it from the dataset's page")}


@toolkit.chained_auth_function
@toolkit.auth_allow_anonymous_access
def resource_show(next_auth: AuthFunction, context: dict[str, Any], data_dict: dict[str, Any]):
    result = next_auth(context, data_dict)
    if not result.get("success"):
        return result
    return data_auth(context, _resource_package(data_dict))


@toolkit.chained_auth_function
@toolkit.auth_allow_anonymous_access
def resource_view_list(next_auth: AuthFunction, context: dict[str, Any], data_dict: dict[str, Any]):
    result = next_auth(context, data_dict)
    if not result.get("success"):
        return result
    return data_auth(context, _resource_package(data_dict))


@toolkit.chained_auth_function
@toolkit.auth_allow_anonymous_access
def resource_view_show(next_auth: AuthFunction, context: dict[str, Any], data_dict: dict[str, Any]):
    result = next_auth(context, data_dict)
    if not result.get("success"):
        return result
    view = model.ResourceView.get(str(data_dict.get("id") or ""))
    resource = model.Resource.get(view.resource_id) if view is not None else None
    package = model.Package.get(resource.package_id) if resource is not None else None
    return data_auth(context, package)


@toolkit.auth_allow_anonymous_access
def amp_access_check(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    return {"success": True}


def amp_grant_create(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    """Admins of the dataset's organisation (the producer) and sysadmins."""
    package = model.Package.get(str(data_dict.get("dataset_id") or ""))
    if package is None:
        return {"success": True}  # the action says the dataset does not exist
    if package.owner_org and perms.organization_admin(context.get("user"), package.owner_org):
        return {"success": True}
    return {"success": False,
            "msg": toolkit._("Only an administrator of the producing organisation may do this")}


def amp_grant_revoke(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    from ckanext.amp.access.model import Grant

    grant = model.Session.query(Grant).get(str(data_dict.get("id") or ""))
    if grant is None:
        return {"success": True}
    return amp_grant_create(context, {"dataset_id": grant.dataset_id})


def amp_grant_list(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    """A dataset's grants: its organisation's admins; a user's: that user;
    all or a convention's: sysadmins."""
    user = perms._user_object(context.get("user"))
    if user is not None and user.sysadmin:
        return {"success": True}
    if data_dict.get("dataset_id"):
        return amp_grant_create(context, {"dataset_id": data_dict["dataset_id"]})
    if data_dict.get("user_id") and user is not None:
        asked = model.User.get(str(data_dict["user_id"]))
        if asked is not None and asked.id == user.id:
            return {"success": True}
    return {"success": False, "msg": toolkit._("Not authorised to list these grants")}


# -- access requests, decisions, audit log ----------------------------------------------

#: Context key where the chained ``datastore_search_sql`` action gathers the
#: tables (resource ids) a query reads, to write them to the audit log.
TABLES_READ = "amp_access_tables_read"


@toolkit.chained_auth_function
@toolkit.auth_allow_anonymous_access
@toolkit.auth_sysadmins_check
def datastore_search_sql(next_auth: AuthFunction, context: dict[str, Any],
                         data_dict: dict[str, Any]):
    """The datastore's (every table read needs ``resource_show``); the tables
    of an allowed query are handed to the chained action (audit log), a
    sysadmin's too (hence ``auth_sysadmins_check``: CKAN would not call this
    function for them; the datastore's own check lets them through)."""
    result = next_auth(context, data_dict)
    read = context.get(TABLES_READ)
    if result.get("success") and isinstance(read, list):
        read.extend(str(name) for name in context.get("table_names") or [])
    return result


def _request_row(data_dict: dict[str, Any]):
    from ckanext.amp.access.model import AccessRequest

    request_id = str(data_dict.get("id") or "").strip()
    return model.Session.get(AccessRequest, request_id) if request_id else None


def _user(context: dict[str, Any]) -> model.User | None:
    return perms._user_object(perms.context_user(context))


@toolkit.auth_allow_anonymous_access
def amp_access_request_create(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    """Registered users (anonymous visitors are asked to log in)."""
    user = _user(context)
    if user is None or user.state != "active":
        return {"success": False, "msg": toolkit._("Log in to request access to data")}
    return {"success": True}


@toolkit.auth_allow_anonymous_access
def amp_access_request_show(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    """Its requester, the admins of the producer, sysadmins."""
    row = _request_row(data_dict)
    if row is None:
        return {"success": True}  # the action says the request does not exist
    user = _user(context)
    if user is not None and (user.id == row.user_id
                             or perms.organization_admin(user, row.owner_org)):
        return {"success": True}
    return {"success": False, "msg": toolkit._("Not authorised to see this access request")}


@toolkit.auth_allow_anonymous_access
def amp_access_request_decide(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    """The admins of the producer (the dataset's organisation), sysadmins."""
    row = _request_row(data_dict)
    if row is None:
        return {"success": True}
    if perms.organization_admin(_user(context), row.owner_org):
        return {"success": True}
    return {"success": False, "msg": toolkit._(
        "Only an administrator of the producing organisation may decide on this request")}


@toolkit.auth_allow_anonymous_access
def amp_access_request_list(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    """Registered users: their own requests; a producer's: its admins; any
    user's: that user and sysadmins."""
    user = _user(context)
    if user is None:
        return {"success": False, "msg": toolkit._("Log in to see access requests")}
    if user.sysadmin:
        return {"success": True}
    if data_dict.get("user_id"):
        asked = model.User.get(str(data_dict["user_id"]))
        if asked is None or asked.id != user.id:
            return {"success": False, "msg": toolkit._("Not authorised to see these access requests")}
    if data_dict.get("organization_id"):
        group = model.Group.get(str(data_dict["organization_id"]))
        if group is not None and not perms.organization_admin(user, group.id):
            return {"success": False, "msg": toolkit._(
                "Only an administrator of the producing organisation may see its access requests")}
    return {"success": True}


@toolkit.auth_allow_anonymous_access
def amp_access_log_list(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    """The admins of the producer, sysadmins (all producers)."""
    user = _user(context)
    organization_id = data_dict.get("organization_id")
    if user is not None and (user.sysadmin or (
            organization_id and perms.organization_admin(user, str(organization_id)))):
        return {"success": True}
    return {"success": False, "msg": toolkit._(
        "Only an administrator of the producing organisation may read its access log")}


def get_auth_functions() -> dict[str, AuthFunction]:
    functions = {
        "resource_show": resource_show,
        "resource_view_list": resource_view_list,
        "resource_view_show": resource_view_show,
        "amp_access_check": amp_access_check,
        "amp_grant_create": amp_grant_create,
        "amp_grant_revoke": amp_grant_revoke,
        "amp_grant_list": amp_grant_list,
        "amp_access_request_create": amp_access_request_create,
        "amp_access_request_show": amp_access_request_show,
        "amp_access_request_decide": amp_access_request_decide,
        "amp_access_request_list": amp_access_request_list,
        "amp_access_log_list": amp_access_log_list,
    }
    from ckan.plugins import plugin_loaded

    if plugin_loaded("datastore"):
        functions["datastore_search_sql"] = datastore_search_sql
    return functions

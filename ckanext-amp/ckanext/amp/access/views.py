"""amp_access pages and the guard of every download.

Downloads go through CKAN's resource views (``/dataset/<id>/resource/<rid>/
download``, uploads and link redirects alike) and the datastore dump. Before
them, :func:`guard` answers 403 with a page that offers to ask for access to
whoever may see the record but not get the data; after a successful one,
:func:`audit` writes the download to the audit log when the data is not
public (CKAN signals only uploads).
"""
from __future__ import annotations

import logging
from typing import Any, Optional

from flask import Blueprint, request
from ckan import model
from ckan.common import current_user
from ckan.plugins import toolkit

from ckanext.amp.access import permissions as perms
from ckanext.amp.web import action_context, protect_form

log = logging.getLogger(__name__)

amp_access = Blueprint("amp_access", __name__)

#: Endpoints that hand over a resource's data.
DOWNLOAD_ENDPOINTS = frozenset({"resource.download", "dataset_resource.download", "datastore.dump"})
#: Endpoints of a resource's page and its views (the data shown).
RESOURCE_PAGES = frozenset({"resource.read", "dataset_resource.read", "resource.view",
                            "dataset_resource.view", "resource.views", "dataset_resource.views"})


def _resource_and_package() -> tuple[Optional[model.Resource], Optional[model.Package]]:
    args = request.view_args or {}
    resource = model.Resource.get(str(args.get("resource_id") or ""))
    if resource is None:
        return None, None
    return resource, model.Package.get(resource.package_id)


def guard() -> Any:
    """Before a download or a resource page: 403 with the request-access
    page when the caller sees the record but may not have the data."""
    if request.endpoint not in DOWNLOAD_ENDPOINTS | RESOURCE_PAGES:
        return None
    resource, package = _resource_and_package()
    if package is None:
        return None
    facts = perms.facts_for(current_user)
    found = perms.access(facts, perms.dataset_facts(package))
    if found.data or not found.record:
        return None  # CKAN's own views answer (the record's 404 included)
    # The templates' helpers (the request button's address) read a dict.
    pkg = {"id": package.id, "name": package.name, "title": package.title,
           "type": package.type, "owner_org": package.owner_org}
    return toolkit.render("amp/access/withheld.html", {
        "pkg": pkg, "resource": resource,
    }), 403


def audit(response: Any) -> Any:
    """After a download: one line of the audit log for data that is not
    public (who, what, when, under which right)."""
    if request.endpoint not in DOWNLOAD_ENDPOINTS or response.status_code not in (200, 302, 303):
        return response
    resource, package = _resource_and_package()
    if package is None:
        return response
    dataset = perms.dataset_facts(package)
    if perms.data_is_public(dataset):
        return response
    found = perms.access(perms.facts_for(current_user), dataset)
    from ckanext.amp.access.logic.action import record

    channel = "datastore" if request.endpoint == "datastore.dump" else (
        "upload" if resource.url_type == "upload" else "link")
    try:
        record({"user": current_user.name if current_user.is_authenticated else ""},
               "download", dataset_id=package.id, resource_id=resource.id,
               grant_id=found.grant_id, basis=found.basis, detail={"channel": channel})
        model.Session.commit()
    except Exception:  # the download itself must not fail; the operator must know
        log.exception("amp_access: download of resource %s not written to the audit log",
                      resource.id)
        model.Session.rollback()
    return response


# -- pages of the access-request workflow ---------------------------------------------

def _login_first(message: str) -> None:
    if not current_user.is_authenticated:
        toolkit.abort(403, toolkit._(message))


def _form(*lists: str) -> dict[str, Any]:
    """The fields of the posted form (without its CSRF token); ``lists``:
    fields that may be given several times."""
    from flask import g

    token = getattr(g, "csrf_field_name", None) or "_csrf_token"
    data: dict[str, Any] = {key: value for key, value in request.form.items() if key != token}
    for name in lists:
        data[name] = request.form.getlist(name)
    return data


def _package_or_404(dataset_id: str) -> tuple[model.Package, dict[str, Any]]:
    try:
        pkg_dict = toolkit.get_action("package_show")(action_context(), {"id": dataset_id})
    except (toolkit.ObjectNotFound, toolkit.NotAuthorized):
        toolkit.abort(404, toolkit._("Dataset not found"))
    return model.Package.get(pkg_dict["id"]), pkg_dict


def _organization_or_404(organization_id: str) -> dict[str, Any]:
    try:
        return toolkit.get_action("organization_show")(
            action_context(), {"id": organization_id, "include_datasets": False,
                         "include_users": False})
    except (toolkit.ObjectNotFound, toolkit.NotAuthorized):
        toolkit.abort(404, toolkit._("Organisation not found"))


def _status(errors: dict[str, Any]) -> int:
    return 409 if errors else 200


@amp_access.route("/dataset/<id>/demande-acces", methods=["GET", "POST"],
                  endpoint="request_new")
def request_new(id: str) -> Any:
    """The request form: purpose, organisation, intended use, period, and
    the undertaking, shown in full, to accept."""
    from ckanext.amp.access.logic import action
    from ckanext.amp.access.undertaking import undertaking_for

    _login_first("Log in to request access to data")
    package, pkg_dict = _package_or_404(id)
    values: dict[str, Any] = {"period_start": perms.today().isoformat(),
                              "signatory": current_user.display_name}
    errors: dict[str, Any] = {}
    blocked = None
    try:
        action.requestable(action_context(), package.id)
    except toolkit.ValidationError as error:
        blocked = error.error_dict.get("dataset_id", [str(error)])[0]
    if request.method == "POST" and blocked is None:
        protect_form()
        values = _form()
        try:
            created = toolkit.get_action("amp_access_request_create")(
                action_context(), {**values, "dataset_id": package.id})
        except toolkit.ValidationError as error:
            errors = error.error_dict
        except toolkit.NotAuthorized as error:
            toolkit.abort(403, str(error))
        else:
            toolkit.h.flash_success(toolkit._(
                "Your request was sent to the administrators of the producing organisation; "
                "you will be told of their decision by e-mail."))
            return toolkit.redirect_to("amp_access.request_read", id=created["id"])
    undertaking = undertaking_for(package)
    page = toolkit.render("amp/access/request_form.html", {
        "pkg": pkg_dict, "pkg_dict": pkg_dict, "undertaking": undertaking,
        "values": values, "errors": errors, "blocked": blocked,
        "convention_end": action._convention_end(
            str((package.extras or {}).get("convention") or "").strip() or None),
    })
    return page, (409 if blocked else _status(errors))


def _restricted_siblings(organization_id: str) -> list[model.Package]:
    """The active restricted datasets of an organisation (a grant's scope)."""
    return (model.Session.query(model.Package)
            .join(model.PackageExtra, model.PackageExtra.package_id == model.Package.id)
            .filter(model.Package.owner_org == organization_id, model.Package.state == "active",
                    model.PackageExtra.key == "diffusion",
                    model.PackageExtra.value == "restricted")
            .order_by(model.Package.title).all())


@amp_access.route("/demandes-acces/<id>", methods=["GET", "POST"], endpoint="request_read")
def request_read(id: str) -> Any:
    """One request: for its requester, and for the producer's admins with
    the decision form."""
    _login_first("Log in to see access requests")
    context = action_context()
    try:
        shown = toolkit.get_action("amp_access_request_show")(context, {"id": id})
    except toolkit.ObjectNotFound:
        toolkit.abort(404, toolkit._("Access request not found"))
    except toolkit.NotAuthorized as error:
        toolkit.abort(403, str(error))
    may_decide = perms.organization_admin(current_user, shown["owner_org"])
    errors: dict[str, Any] = {}
    values: dict[str, Any] = {}
    if request.method == "POST":
        protect_form()
        values = _form("dataset_ids")
        try:
            decided = toolkit.get_action("amp_access_request_decide")(
                context, {**values, "id": shown["id"]})
        except toolkit.NotAuthorized as error:
            toolkit.abort(403, str(error))
        except toolkit.ValidationError as error:
            errors = error.error_dict
        else:
            if decided["notified"]:
                toolkit.h.flash_success(toolkit._(
                    "Decision recorded; the requester is told by e-mail."))
            else:
                toolkit.h.flash_notice(toolkit._(
                    "Decision recorded, but the e-mail to the requester could not be sent."))
            return toolkit.redirect_to("amp_access.queue", id=shown["owner_org_name"])
    siblings = _restricted_siblings(shown["owner_org"]) if may_decide else []
    page = toolkit.render("amp/access/request_read.html", {
        "req": shown, "may_decide": may_decide and shown["status"] == "pending",
        "siblings": siblings, "values": values, "errors": errors,
    })
    return page, _status(errors)


@amp_access.route("/demandes-acces", endpoint="queue_all")
@amp_access.route("/organization/<id>/demandes-acces", endpoint="queue")
def queue(id: Optional[str] = None) -> Any:
    """The requests an admin decides on: of one organisation, or of all
    those they administer. Pending ones by default (``?statut=`` another
    status, or ``tous``)."""
    _login_first("Log in to see access requests")
    wanted = request.args.get("statut", "pending")
    asked: dict[str, Any] = {"status": None if wanted == "tous" else wanted, "limit": 1000}
    organization = None
    if id:
        organization = _organization_or_404(id)
        asked["organization_id"] = organization["id"]
        if not perms.organization_admin(current_user, organization["id"]):
            toolkit.abort(403, toolkit._(
                "Only an administrator of the producing organisation may see its access requests"))
    else:
        from ckanext.amp.access.logic.action import admin_org_ids

        if not current_user.sysadmin and not admin_org_ids(current_user):
            toolkit.abort(403, toolkit._(
                "Only the administrators of an organisation decide on access requests"))
        asked["to_decide"] = True
    try:
        found = toolkit.get_action("amp_access_request_list")(action_context(), asked)
    except toolkit.NotAuthorized as error:
        toolkit.abort(403, str(error))
    except toolkit.ValidationError:
        toolkit.abort(400, toolkit._("Unknown request status {value}").format(value=wanted))
    template = "amp/access/queue_organization.html" if organization else "amp/access/queue.html"
    return toolkit.render(template, {
        "group_dict": organization, "group_type": "organization", "requests": found["results"],
        "count": found["count"], "status": wanted})


@amp_access.route("/mes-demandes-acces", endpoint="my_requests")
@amp_access.route("/user/<id>/demandes-acces", endpoint="user_requests")
def my_requests(id: Optional[str] = None) -> Any:
    """« Mes demandes d'accès »: status, decision, reason, grants and their end."""
    _login_first("Log in to see your access requests")
    try:
        found = toolkit.get_action("amp_access_request_list")(
            action_context(), {"user_id": id or current_user.id, "limit": 1000})
    except toolkit.NotAuthorized as error:
        toolkit.abort(403, str(error))
    return toolkit.render("amp/access/my_requests.html", {
        "requests": found["results"], "count": found["count"]})


def _grants_page(package: model.Package, pkg_dict: dict[str, Any],
                 errors: Optional[dict[str, Any]] = None) -> Any:
    from ckanext.amp.common.access_requests import grant_state

    try:
        grants = toolkit.get_action("amp_grant_list")(action_context(), {"dataset_id": package.id})
    except toolkit.NotAuthorized as error:
        toolkit.abort(403, str(error))
    users = {u.id: u for u in model.Session.query(model.User).filter(
        model.User.id.in_({g["user_id"] for g in grants}))} if grants else {}
    today = perms.today()
    for grant in grants:
        holder = users.get(grant["user_id"])
        grant["user_name"] = holder.name if holder else grant["user_id"]
        grant["user_display_name"] = holder.display_name if holder else grant["user_id"]
        # amp_grant_list's ``live`` says whether its convention is in force.
        grant["state"] = grant_state(grant, today,
                                     grant["live"] if grant.get("convention") else None)
    page = toolkit.render("amp/access/grants.html", {
        "pkg": pkg_dict, "pkg_dict": pkg_dict, "grants": grants, "errors": errors or {}})
    return page, _status(errors or {})


@amp_access.route("/dataset/<id>/autorisations", endpoint="dataset_grants")
def dataset_grants(id: str) -> Any:
    """A dataset's grants: holder, purpose, period, state, and a form to
    revoke each live one (the producer's admins and sysadmins)."""
    _login_first("Log in to see the grants of this dataset")
    package, pkg_dict = _package_or_404(id)
    return _grants_page(package, pkg_dict)


@amp_access.route("/dataset/<id>/autorisations/<grant_id>/revocation", methods=["POST"],
                  endpoint="grant_revoke")
def grant_revoke(id: str, grant_id: str) -> Any:
    """Revoke a grant of the dataset, with a reason."""
    from ckanext.amp.access.model import Grant

    _login_first("Log in to see the grants of this dataset")
    package, pkg_dict = _package_or_404(id)
    protect_form()
    grant = model.Session.get(Grant, grant_id)
    if grant is None or grant.dataset_id != package.id:
        toolkit.abort(404, toolkit._("Grant not found"))
    try:
        toolkit.get_action("amp_grant_revoke")(
            action_context(), {"id": grant.id, "reason": request.form.get("reason", "")})
    except toolkit.NotAuthorized as error:
        toolkit.abort(403, str(error))
    except toolkit.ValidationError as error:
        return _grants_page(package, pkg_dict, {grant.id: [
            message for messages in error.error_dict.values() for message in messages]})
    toolkit.h.flash_success(toolkit._("Grant revoked: access to the data stops now."))
    return toolkit.redirect_to("amp_access.dataset_grants", id=package.name)


def _log_filters(organization: dict[str, Any]) -> dict[str, Any]:
    asked = {"organization_id": organization["id"]}
    for name, arg in (("dataset_id", "jeu"), ("since", "du"), ("until", "au"), ("kind", "type")):
        if request.args.get(arg):
            asked[name] = request.args[arg]
    return asked


def _log_or_error(asked: dict[str, Any]) -> dict[str, Any]:
    try:
        return toolkit.get_action("amp_access_log_list")(action_context(), asked)
    except toolkit.NotAuthorized as error:
        toolkit.abort(403, str(error))
    except toolkit.ObjectNotFound as error:
        toolkit.abort(404, str(error) or toolkit._("Dataset not found"))
    except toolkit.ValidationError as error:
        return {"errors": error.error_dict, "count": 0, "results": [], "limit": 50, "offset": 0}


#: Lines of the audit log per page.
LOG_PAGE = 50


@amp_access.route("/organization/<id>/journal-acces", endpoint="access_log")
def access_log(id: str) -> Any:
    """The audit log of a producer's data: who, what, when, under which
    grant; filters by dataset, period and kind; a CSV export."""
    from ckanext.amp.access.retention import retention_days

    _login_first("Log in to read the access log")
    organization = _organization_or_404(id)
    asked = _log_filters(organization)
    try:
        page = max(1, int(request.args.get("page", 1)))
    except ValueError:
        page = 1
    found = _log_or_error({**asked, "limit": LOG_PAGE, "offset": (page - 1) * LOG_PAGE})
    datasets = (model.Session.query(model.Package)
                .filter(model.Package.owner_org == organization["id"],
                        model.Package.state == "active").order_by(model.Package.title).all())
    body = toolkit.render("amp/access/log.html", {
        "group_dict": organization, "group_type": "organization", "found": found,
        "errors": found.get("errors") or {}, "page": page, "page_size": LOG_PAGE,
        "filters": {arg: request.args[arg] for arg in ("jeu", "du", "au", "type")
                    if request.args.get(arg)},
        "datasets": datasets, "retention_days": retention_days()})
    return body, _status(found.get("errors") or {})


#: Columns of the CSV export of the audit log.
LOG_COLUMNS = ("at", "kind", "user_name", "dataset_name", "resource_id", "resource_name",
               "grant_id", "basis", "detail")


@amp_access.route("/organization/<id>/journal-acces.csv", endpoint="access_log_csv")
def access_log_csv(id: str) -> Any:
    """The same lines as the page, every one of them, as CSV (UTF-8)."""
    import csv
    import io
    import json

    from flask import Response, stream_with_context

    _login_first("Log in to read the access log")
    organization = _organization_or_404(id)
    asked = _log_filters(organization)
    first = _log_or_error({**asked, "limit": 1000, "offset": 0})
    if first.get("errors"):
        toolkit.abort(409, " ".join(m for ms in first["errors"].values() for m in ms))

    def lines() -> Any:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(LOG_COLUMNS)
        found, offset = first, 0
        while True:
            for line in found["results"]:
                writer.writerow([json.dumps(line["detail"], ensure_ascii=False)
                                 if name == "detail" else (line.get(name) or "")
                                 for name in LOG_COLUMNS])
            yield out.getvalue()
            out.seek(0)
            out.truncate()
            offset += len(found["results"])
            if offset >= found["count"] or not found["results"]:
                return
            found = _log_or_error({**asked, "limit": 1000, "offset": offset})

    name = f"journal-acces-{organization['name']}.csv"
    return Response(stream_with_context(lines()), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


amp_access.before_app_request(guard)
amp_access.after_app_request(audit)


def get_blueprints() -> list[Blueprint]:
    return [amp_access]

"""E-mails of the access-request workflow, through CKAN's mailer.

The producer's admins (the admins of the dataset's organisation; the
sysadmins when it has none with an e-mail address) are told of each new
request and reminded of the ones left waiting; the requester is told of the
decision either way. Mails are written in the portal's default language
(``ckan.locale_default``): the reader's is not known. A mail that cannot be
sent is logged and reported to the caller, never undoes what was decided.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

import flask_babel
from ckan import model
from ckan.lib import mailer
from ckan.plugins import toolkit

from ckanext.amp.access.model import AccessRequest
from ckanext.amp.common import access_requests as rules

log = logging.getLogger(__name__)


def _lang() -> str:
    return str(toolkit.config.get("ckan.locale_default") or "fr")


def _site() -> str:
    return str(toolkit.config.get("ckan.site_title") or "CKAN")


def external_url(endpoint: str, **values: Any) -> str:
    """An absolute address on the portal (``ckan.site_url``)."""
    return str(toolkit.config.get("ckan.site_url") or "").rstrip("/") + toolkit.url_for(
        endpoint, **values)


def _dataset_title(dataset_id: str) -> str:
    package = model.Package.get(dataset_id)
    return (package.title or package.name) if package is not None else dataset_id


def _organization_title(organization_id: str) -> str:
    group = model.Group.get(organization_id)
    return (group.title or group.name) if group is not None else organization_id


def _user_name(user_id: str) -> str:
    user = model.User.get(user_id)
    return user.display_name if user is not None else user_id


def admins_of(organization_id: str) -> list[model.User]:
    """Active admins of the organisation who have an e-mail address; the
    active sysadmins with one when there is none."""
    admins = (model.Session.query(model.User)
              .join(model.Member, model.Member.table_id == model.User.id)
              .filter(model.Member.group_id == organization_id,
                      model.Member.table_name == "user", model.Member.capacity == "admin",
                      model.Member.state == "active", model.User.state == "active")
              .order_by(model.User.name).all())
    found = [user for user in admins if user.email]
    if found:
        return found
    return [user for user in model.Session.query(model.User).filter(
        model.User.sysadmin.is_(True), model.User.state == "active").order_by(model.User.name)
        if user.email and user.name != toolkit.config.get("ckan.site_id")]


def _send(users: Iterable[model.User], subject: str, body: str) -> list[str]:
    """Mail each user; the names of those the mail reached."""
    sent = []
    for user in users:
        try:
            mailer.mail_user(user, subject, body)
            sent.append(user.name)
        except Exception as error:  # MailerException, or a mailer set up badly (no sender)
            log.warning("amp_access: e-mail %r to user %s not sent: %s", subject, user.name,
                        error or type(error).__name__)
    return sent


def _request_lines(request: AccessRequest) -> list[str]:
    diffusion = rules.INTENDED_DIFFUSIONS.get(request.intended_diffusion, {})
    return [
        toolkit._("Purpose: {purpose}").format(purpose=request.purpose),
        toolkit._("Requester's organisation: {organization}").format(
            organization=request.organization),
        toolkit._("Intended use: {diffusion}").format(
            diffusion=diffusion.get(_lang()[:2]) or diffusion.get("fr") or request.intended_diffusion),
        toolkit._("Requested period: from {start} to {end}").format(
            start=request.period_start.isoformat(), end=request.period_end.isoformat()),
        toolkit._("Undertaking accepted: version {version}, on {accepted}").format(
            version=request.undertaking_version,
            accepted=request.undertaking_accepted_at.strftime("%Y-%m-%d %H:%M UTC")),
    ]


def tell_admins_of_request(request: AccessRequest) -> list[str]:
    """A new request: its producer's admins are told."""
    with flask_babel.force_locale(_lang()):
        dataset = _dataset_title(request.dataset_id)
        subject = toolkit._("[{site}] Access request for the data of {dataset}").format(
            site=_site(), dataset=dataset)
        body = "\n\n".join([
            toolkit._("{requester} asks for access to the data of the dataset {dataset} "
                      "({producer}).").format(requester=_user_name(request.user_id),
                                               dataset=dataset,
                                               producer=_organization_title(request.owner_org)),
            "\n".join(_request_lines(request)),
            toolkit._("Decide on the request: {url}").format(
                url=external_url("amp_access.request_read", id=request.id)),
            toolkit._("Requests waiting for a decision: {url}").format(
                url=external_url("amp_access.queue", id=request.owner_org)),
            "— " + _site(),
        ])
        return _send(admins_of(request.owner_org), subject, body)


def remind_admins(organization_id: str, requests: Sequence[AccessRequest]) -> list[str]:
    """Requests of one producer left waiting: its admins are reminded."""
    with flask_babel.force_locale(_lang()):
        lines = [toolkit._("- {dataset}: {requester} ({organization}), sent on {created}: "
                           "{url}").format(dataset=_dataset_title(r.dataset_id),
                                           requester=_user_name(r.user_id),
                                           organization=r.organization,
                                           created=r.created.date().isoformat(),
                                           url=external_url("amp_access.request_read", id=r.id))
                 for r in requests]
        subject = toolkit._("[{site}] {count} access request(s) waiting for a decision").format(
            site=_site(), count=len(requests))
        body = "\n\n".join([
            toolkit._("These requests for access to the data of {producer} are still waiting "
                      "for a decision:").format(producer=_organization_title(organization_id)),
            "\n".join(lines),
            toolkit._("Requests waiting for a decision: {url}").format(
                url=external_url("amp_access.queue", id=organization_id)),
            "— " + _site(),
        ])
        return _send(admins_of(organization_id), subject, body)


def tell_requester(request: AccessRequest, grants: Sequence[dict[str, Any]]) -> list[str]:
    """A decision: the requester is told, either way."""
    user = model.User.get(request.user_id)
    if user is None or not user.email:
        log.warning("amp_access: the requester of %s has no e-mail address", request.id)
        return []
    with flask_babel.force_locale(_lang()):
        dataset = _dataset_title(request.dataset_id)
        producer = _organization_title(request.owner_org)
        mine = toolkit._("Your access requests: {url}").format(
            url=external_url("amp_access.my_requests"))
        if request.status == "granted":
            subject = toolkit._("[{site}] Access granted to the data of {dataset}").format(
                site=_site(), dataset=dataset)
            parts = [toolkit._("{producer} grants your request for access to the data of "
                               "{dataset}.").format(producer=producer, dataset=dataset),
                     toolkit._("You have access to:") + "\n" + "\n".join(
                         toolkit._("- {dataset}: from {starts} to {ends}").format(
                             dataset=_dataset_title(g["dataset_id"]), starts=g["starts"],
                             ends=g["ends"]) for g in grants)]
            if request.decision_reason:
                parts.append(toolkit._("Note from the producer: {reason}").format(
                    reason=request.decision_reason))
            parts.append(toolkit._("You committed yourself to the undertaking {version}: the "
                                   "data is for the use you described, is not diffused to a "
                                   "third party without the producer's prior favourable "
                                   "opinion, and your downloads are recorded.").format(
                                       version=request.undertaking_version))
        else:
            subject = toolkit._("[{site}] Access refused to the data of {dataset}").format(
                site=_site(), dataset=dataset)
            parts = [toolkit._("{producer} refuses your request for access to the data of "
                               "{dataset}.").format(producer=producer, dataset=dataset),
                     toolkit._("Reason: {reason}").format(reason=request.decision_reason or "")]
        return _send([user], subject, "\n\n".join(parts + [mine, "— " + _site()]))


"""``ckan amp conventions check``: the daily check of every convention.

For each convention, on the day given (today by default):

1. records the tacit renewals that took effect (a ``renewed`` event dated
   on each anniversary passed, while tacit and under the maximum);
2. when its rights ended (expired, terminated, suspended) or came back
   (resumed, renewed), reindexes the datasets under it and writes the
   change, with what it touched, on its timeline (:mod:`.rights`);
3. e-mails the administrators of its parties when its end date is near
   (``ckanext.amp.conventions.reminder_days``, default 90), once per end
   date;
4. e-mails them the deliveries that are late, once per due date.

Everything it does is written on the convention's timeline, which is also
how it knows what it already did: a second run the same day does nothing.
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Optional, Sequence

from ckan import model
from ckan.plugins import toolkit

from ckanext.amp.common import conventions as lifecycle
from ckanext.amp.conventions import records, rights
from ckanext.amp.conventions.logic import action, auth

log = logging.getLogger(__name__)


@dataclass
class Report:
    renewals: int = 0
    withdrawn: int = 0
    restored: int = 0
    reminders: int = 0
    late_notices: int = 0
    mails: int = 0
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"Vérification des conventions : {self.renewals} reconduction(s) enregistrée(s), "
                f"droits retirés pour {self.withdrawn}, rétablis pour {self.restored}, "
                f"{self.reminders} rappel(s) d’échéance, {self.late_notices} signalement(s) de "
                f"retard, {self.mails} courriel(s)"
                + (f", {len(self.errors)} erreur(s)" if self.errors else ""))


def reminder_days() -> int:
    return toolkit.asint(toolkit.config.get("ckanext.amp.conventions.reminder_days", 90))


def _(msgid: str, **params: Any) -> str:
    return toolkit._(msgid).format(**params)


def _date(day: Optional[str]) -> str:
    return dt.date.fromisoformat(day).strftime("%d/%m/%Y") if day else ""


def send(recipients: Sequence[model.User], subject: str, body: str) -> int:
    """E-mail each recipient with an address; how many were sent."""
    from ckan.lib.mailer import MailerException, mail_recipient

    sent = 0
    for user in recipients:
        if not user.email:
            continue
        try:
            mail_recipient(user.display_name or user.name, user.email, subject, body)
            sent += 1
        except MailerException:
            log.exception("conventions check: e-mail to user %s not sent", user.name)
            raise
    return sent


def _remind_end(convention: Mapping[str, Any], row_id: str, on: dt.date,
                admins: Sequence[model.User], user: str, report: Report) -> None:
    status = convention["status"]
    end = status.get("end_date")
    days = lifecycle.days_to_end(status["state"], dt.date.fromisoformat(end) if end else None,
                                 on, reminder_days())
    if days is None:
        return
    if any(event["kind"] == "end_reminder" and (event.get("data") or {}).get("end_date") == end
           for event in convention["events"]):
        return
    subject = _("[{site}] The convention {reference} ends on {date}",
                site=toolkit.config.get("ckan.site_title") or "CKAN",
                reference=convention["reference"], date=_date(end))
    body = "\n\n".join([
        _("The convention {reference} ({title}) ends on {date}, in {days} days.",
          reference=convention["reference"], title=convention["title"], date=_date(end),
          days=days),
        _("When it ends, the rights it grants end with it: the data received under it is "
          "withdrawn from everyone but its producer, its grants and its harvest sources stop."),
        _("Its page: {url}", url=convention["url"]),
    ])
    sent = send(admins, subject, body)
    records.add_event(row_id, "end_reminder", on, data={"end_date": end, "recipients": sent},
                      user=user)
    report.reminders += 1
    report.mails += sent


def _notify_late(convention: Mapping[str, Any], row_id: str, on: dt.date,
                 admins: Sequence[model.User], user: str, report: Report) -> None:
    if convention["status"]["state"] == "draft":
        return
    reports = action.item_reports(convention, records.deliveries([row_id]), on)
    notified = {tuple(pair) for event in convention["events"] if event["kind"] == "late_deliveries"
                for pair in (event.get("data") or {}).get("notified", [])}
    titles = {item["key"]: item for item in convention["items"]}
    late = [(key, expectation.due.isoformat()) for key, item_report in reports.items()
            for expectation in item_report.late if expectation.due is not None]
    fresh = [pair for pair in late if pair not in notified]
    if not fresh:
        return
    lines = [_("Deliveries expected under the convention {reference} ({title}) have not come:",
               reference=convention["reference"], title=convention["title"])]
    for key, due in fresh:
        item = titles[key]
        lines.append(_("- {title} (from {provider} to {recipient}), due on {date}",
                       title=item["title"], provider=item["provider_title"] or item["provider"],
                       recipient=item["recipient_title"] or item["recipient"],
                       date=_date(due)))
    lines.append(_("Its page: {url}", url=convention["url"]))
    subject = _("[{site}] Late deliveries under the convention {reference}",
                site=toolkit.config.get("ckan.site_title") or "CKAN",
                reference=convention["reference"])
    sent = send(admins, subject, "\n".join(lines[:1]) + "\n\n" + "\n".join(lines[1:-1])
                + "\n\n" + lines[-1])
    records.add_event(row_id, "late_deliveries", on,
                      data={"notified": [list(pair) for pair in fresh], "recipients": sent},
                      user=user)
    report.late_notices += 1
    report.mails += sent


def check_convention(row: Mapping[str, Any], on: dt.date, user: str, report: Report) -> None:
    terms = records.terms_of(row)
    event_rows = records.events([row["id"]])[row["id"]]
    for anniversary in lifecycle.unrecorded_tacit_renewals(
            terms, records.lifecycle_events(event_rows), on):
        records.add_event(row["id"], "renewed", anniversary, user=user,
                          note=toolkit._("Tacit renewal"))
        report.renewals += 1
    model.Session.commit()

    change = rights.sync(records.find(row["id"]), on, user)
    if change is not None:
        if change["kind"] == "rights_withdrawn":
            report.withdrawn += 1
        else:
            report.restored += 1
        model.Session.commit()

    convention = action.convention_dicts([records.find(row["id"])], on)[0]
    admins = records.admins(p["organization_id"] for p in convention["parties"])
    _remind_end(convention, row["id"], on, admins, user, report)
    model.Session.commit()
    _notify_late(convention, row["id"], on, admins, user, report)
    model.Session.commit()


def run(on: Optional[dt.date] = None, echo: Callable[[str], None] = print) -> Report:
    """Check every convention; a convention that fails is reported and the
    others go on."""
    on = on or auth.today()
    user = rights.site_context()["user"]
    report = Report()
    for row in records.rows():
        try:
            check_convention(row, on, user, report)
        except Exception as error:  # one convention must not stop the others
            model.Session.rollback()
            log.exception("conventions check: %s failed", row["reference"])
            report.errors.append(f"{row['reference']} : {error}")
            echo(f"  {row['reference']} : échec ({error})")
    return report

"""``ckan amp conventions check``: tacit renewals recorded, reminders of the
end and of late deliveries e-mailed (to a real SMTP server started here),
rights withdrawn and restored with the datasets reindexed; a second run
the same day does nothing."""
from __future__ import annotations

import datetime as dt
import email
import email.policy
import socket

import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner
from freezegun import freeze_time

from ckan.tests import helpers

from ckanext.amp.conventions import check, cli

from conventions_helpers import PLUGINS, dataset

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", PLUGINS),
    pytest.mark.ckan_config("smtp.mail_from", "portail@mdata.test"),
    pytest.mark.ckan_config("ckan.site_title", "MData"),
    pytest.mark.usefixtures("with_plugins", "clean_index", "french"),
]

D = dt.date


class Inbox:
    """An aiosmtpd handler keeping what it receives."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content,
                                                      policy=email.policy.default))
        return "250 Message accepted"

    def take(self) -> list[email.message.EmailMessage]:
        taken, self.messages = self.messages, []
        return taken


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def inbox(ckan_config, monkeypatch):
    handler = Inbox()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setitem(ckan_config, "smtp.server", f"127.0.0.1:{port}")
    monkeypatch.setitem(ckan_config, "smtp.starttls", False)
    try:
        yield handler
    finally:
        controller.stop()


@pytest.fixture
def under(symcrau, orgs, sysadmin):
    """SYMCRAU-AMP-2025 (notified 2025-03-10) and a dataset under it."""
    return dataset(orgs["metropole-aix-marseille-provence"], sysadmin,
                   name="volumes-produits-captages-crau", convention="SYMCRAU-AMP-2025")


def run(app, day: D) -> check.Report:
    with freeze_time(day.isoformat()), app.flask_app.test_request_context():
        return check.run(day, echo=lambda _text: None)


def events(sysadmin, kind=None):
    shown = helpers.call_action("amp_convention_show", context={"user": sysadmin["name"]},
                                id="SYMCRAU-AMP-2025")
    return [e for e in shown["events"] if kind is None or e["kind"] == kind]


def deliver(people, day):
    helpers.call_action("amp_delivery_create", context={"user": people["amp_editor"]["name"]},
                        convention="SYMCRAU-AMP-2025", item="volumes-captages",
                        received=day.isoformat(), file_name="volumes.csv")


def test_tacit_renewals_are_recorded_once(app, under, sysadmin, people, inbox):
    for day in (D(2025, 9, 1), D(2026, 3, 1)):
        deliver(people, day)
    report = run(app, D(2026, 3, 9))
    assert report.renewals == 0
    report = run(app, D(2027, 3, 20))
    assert report.renewals == 2
    assert [e["date"] for e in events(sysadmin, "renewed")] == ["2026-03-10", "2027-03-10"]
    assert [e["note"] for e in events(sysadmin, "renewed")] == ["Reconduction tacite"] * 2
    assert run(app, D(2027, 3, 20)).renewals == 0
    assert len(events(sysadmin, "renewed")) == 2


def test_end_reminder_is_mailed_to_the_parties_admins_once(app, under, sysadmin, people, inbox):
    report = run(app, D(2028, 12, 1))                 # 98 days before 2029-03-09
    assert report.reminders == 0
    report = run(app, D(2028, 12, 15))                # 84 days before
    assert report.reminders == 1
    messages = [m for m in inbox.take() if "prend fin" in m["Subject"]]
    # the admins of both parties (the organisations' creator is one of them)
    assert sorted(m["To"].addresses[0].addr_spec for m in messages) == sorted([
        "admin@ampmetropole.test", "admin@symcrau.test", sysadmin["email"]])
    assert messages[0]["Subject"].strip() == "[MData] La convention SYMCRAU-AMP-2025 prend fin le 09/03/2029"
    body = messages[0].get_content()
    assert "dans 84 jours" in body
    assert "http://test.ckan.net/conventions/SYMCRAU-AMP-2025" in body
    again = run(app, D(2028, 12, 15))
    assert again.reminders == 0 and again.mails == 0
    assert not [m for m in inbox.take() if "prend fin" in m["Subject"]]
    assert [e["data"]["end_date"] for e in events(sysadmin, "end_reminder")] == ["2029-03-09"]


@pytest.mark.ckan_config("ckanext.amp.conventions.reminder_days", "120")
def test_the_reminder_delay_is_configurable(app, under, sysadmin, inbox):
    assert run(app, D(2028, 12, 1)).reminders == 1


def test_late_deliveries_are_mailed_once(app, under, sysadmin, people, inbox):
    assert run(app, D(2025, 10, 1)).late_notices == 0        # within the 30 days of tolerance
    report = run(app, D(2025, 10, 15))
    assert report.late_notices == 1
    (message,) = [m for m in inbox.take() if "retard" in m["Subject"]][:1]
    assert message["Subject"].strip() == "[MData] Livraisons en retard au titre de la convention SYMCRAU-AMP-2025"
    body = message.get_content()
    assert "Volumes produits par les captages de Crau" in body
    assert "attendue le 10/09/2025" in body
    assert run(app, D(2025, 10, 15)).late_notices == 0
    deliver(people, D(2025, 10, 20))
    assert run(app, D(2025, 11, 1)).late_notices == 0
    listing = helpers.call_action("amp_delivery_list",
                                  context={"user": people["symcrau_member"]["name"]},
                                  convention="SYMCRAU-AMP-2025", since="2025-01-01",
                                  until="2025-12-31")
    item = next(i for i in listing["items"] if i["key"] == "volumes-captages")
    assert item["expected"] == [{"due": "2025-09-10", "status": "received_late",
                                 "received": "2025-10-20"}]


def test_expiry_withdraws_rights_once_and_reindexes(app, under, sysadmin, inbox):
    report = run(app, D(2029, 3, 10))
    assert report.withdrawn == 1
    withdrawn = events(sysadmin, "rights_withdrawn")
    assert len(withdrawn) == 1
    assert withdrawn[0]["date"] == "2029-03-10"
    assert withdrawn[0]["data"] == {"state": "expired", "datasets": 1, "grants": None,
                                    "harvest_sources": None}
    with freeze_time("2029-03-10"):
        found = helpers.call_action("package_search", fq="convention_state:expired",
                                    include_private=True)
    assert [d["name"] for d in found["results"]] == ["volumes-produits-captages-crau"]
    assert run(app, D(2029, 3, 10)).withdrawn == 0
    assert len(events(sysadmin, "rights_withdrawn")) == 1


def test_a_failing_smtp_server_is_reported_and_retried(app, under, sysadmin, ckan_config,
                                                       monkeypatch):
    monkeypatch.setitem(ckan_config, "smtp.server", f"127.0.0.1:{_free_port()}")
    report = run(app, D(2028, 12, 15))
    assert report.errors and "SYMCRAU-AMP-2025" in report.errors[0]
    assert events(sysadmin, "end_reminder") == []


def test_the_command(app, under, inbox):
    with freeze_time("2026-03-11"), app.flask_app.test_request_context():
        result = CliRunner().invoke(cli.conventions, ["check", "--date", "2026-03-11"],
                                    catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "Vérification des conventions : 1 reconduction(s) enregistrée(s)" in result.output
    bad = CliRunner().invoke(cli.conventions, ["check", "--date", "11/03/2026"])
    assert bad.exit_code != 0 and "n’est pas une date AAAA-MM-JJ" in bad.output

"""Fixtures of the amp_access tests: its tables migrated and emptied.

CKAN's ``clean_db`` drops every table on its first call in a process and
then deletes the rows of the tables in CKAN's own metadata; amp_access's
tables are in a metadata of their own (the audit log refuses deletions), so
this fixture migrates them (``ckan db upgrade -p amp_access``'s scripts) and
empties them with ``TRUNCATE``, which the append-only trigger lets through.
``smtp`` starts a real SMTP server (aiosmtpd) that CKAN's mailer sends to.
"""
from __future__ import annotations

import email
import email.message
import email.policy

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from ckan import model


@pytest.fixture
def access_db(clean_db, migrate_db_for):
    # The activity plugin's columns (permission labels) too: clean_db drops them.
    migrate_db_for("activity")
    migrate_db_for("amp_access")
    model.Session.execute(sa.text(
        "TRUNCATE amp_access_log, amp_grant, amp_access_request, amp_access_undertaking "
        "RESTART IDENTITY CASCADE"))
    model.Session.commit()
    yield
    model.Session.rollback()


class Inbox:
    """The messages a test SMTP server received (parsed)."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's handler hook
        self.messages.append(email.message_from_bytes(envelope.content,
                                                      policy=email.policy.default))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for m in self.messages if address in str(m["To"])]

    @staticmethod
    def body(message: email.message.EmailMessage) -> str:
        return message.get_body(("plain",)).get_content()


class _Controller(Controller):
    """aiosmtpd's controller on a port the system chooses (port 0)."""

    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


@pytest.fixture
def smtp(ckan_config, monkeypatch):
    """A real SMTP server (aiosmtpd) on a free port of 127.0.0.1; CKAN's
    mailer sends to it. Yields its :class:`Inbox`."""
    inbox = Inbox()
    controller = _Controller(inbox, hostname="127.0.0.1", port=0)
    controller.start()
    monkeypatch.setitem(ckan_config, "smtp.server", f"127.0.0.1:{controller.port}")
    monkeypatch.setitem(ckan_config, "smtp.mail_from", "portail@mdata.example")
    monkeypatch.setitem(ckan_config, "smtp.starttls", False)
    try:
        yield inbox
    finally:
        controller.stop()

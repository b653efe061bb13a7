"""A real SMTP server for tests (aiosmtpd, in a thread, on a free local
port) that keeps every message it receives, decoded."""
from __future__ import annotations

import dataclasses
import email
import email.policy
import threading
import time
from email.message import EmailMessage
from typing import Callable, Optional

from aiosmtpd.controller import Controller

from ckanext.amp.stack import services

DEFAULT_TIMEOUT = 30.0


@dataclasses.dataclass(frozen=True)
class Mail:
    """One message as received: envelope and decoded headers and bodies."""

    sender: str                 # envelope MAIL FROM
    recipients: tuple[str, ...]  # envelope RCPT TO
    subject: str                # decoded (accents intact)
    body: str                   # the text/plain part, decoded ("" if none)
    html: str                   # the text/html part, decoded ("" if none)
    headers: dict[str, str]     # decoded headers (last value of each name)
    message: EmailMessage
    raw: bytes

    @property
    def to(self) -> str:
        return self.headers.get("To", "")

    def __str__(self) -> str:
        return f"{', '.join(self.recipients)}: {self.subject!r}"


def parse(sender: str, recipients: tuple[str, ...], raw: bytes) -> Mail:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    parts = {}
    for kind in ("plain", "html"):
        part = message.get_body(preferencelist=(kind,))
        # Text with "\n" line ends (SMTP carries "\r\n").
        parts[kind] = part.get_content().replace("\r\n", "\n") if part is not None else ""
    return Mail(sender=sender, recipients=recipients, subject=str(message["Subject"] or ""),
                body=parts["plain"], html=parts["html"],
                headers={name: str(value) for name, value in message.items()},
                message=message, raw=raw)


class _Handler:
    def __init__(self, server: "SmtpServer"):
        self.server = server

    async def handle_DATA(self, _server, _session, envelope) -> str:
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode("utf-8")
        self.server._receive(parse(envelope.mail_from, tuple(envelope.rcpt_tos), content))
        return "250 Message accepted for delivery"


class SmtpServer:
    """``start()`` / ``stop()``; ``host``, ``port``, ``address`` (for
    ``smtp.server``); ``messages`` (a copy), ``clear()``, ``wait_for()``."""

    def __init__(self, host: str = "127.0.0.1", port: Optional[int] = None):
        self.host = host
        self.port = port or services.free_port(host)
        self._messages: list[Mail] = []
        self._changed = threading.Condition()
        self._controller = Controller(_Handler(self), hostname=host, port=self.port,
                                      enable_SMTPUTF8=True)

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def start(self) -> "SmtpServer":
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def _receive(self, mail: Mail) -> None:
        with self._changed:
            self._messages.append(mail)
            self._changed.notify_all()

    @property
    def messages(self) -> list[Mail]:
        with self._changed:
            return list(self._messages)

    def clear(self) -> None:
        with self._changed:
            self._messages.clear()

    def wait_for(self, predicate: Optional[Callable[[Mail], bool]] = None,
                 timeout: float = DEFAULT_TIMEOUT) -> Mail:
        """The first message (received already or within ``timeout``
        seconds) for which ``predicate`` is true (any message when None);
        AssertionError listing what arrived otherwise."""
        check = predicate or (lambda _mail: True)
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for mail in self._messages:
                    if check(mail):
                        return mail
                left = deadline - time.monotonic()
                if left <= 0:
                    got = "\n".join(f"  - {m}" for m in self._messages) or "  (none)"
                    raise AssertionError(
                        f"no matching e-mail on {self.address} after {timeout:.0f} s; "
                        f"received:\n{got}")
                self._changed.wait(left)

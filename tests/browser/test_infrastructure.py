"""The shared test infrastructure itself (tests/support): the SMTP server,
the check for untranslated English, the browser's absence. No portal."""
from __future__ import annotations

import smtplib
from email.message import EmailMessage
from pathlib import Path

import pytest

from ckanext.amp.stack import chromium
from support.browser import english_words, launch
from support.smtp import SmtpServer


def french_message(to: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Métropole <portail@mdata.invalid>"
    message["To"] = to
    message["Subject"] = "Accès accordé : « Qualité de l’eau »"
    message.set_content("Votre demande d’accès a été acceptée.\nÀ bientôt.")
    message.add_alternative("<p>Votre demande d’accès a été <b>acceptée</b>.</p>",
                            subtype="html")
    return message


def test_smtp_server_keeps_decoded_messages(smtp):
    with smtplib.SMTP(smtp.host, smtp.port, timeout=10) as client:
        client.send_message(french_message("camille@example.invalid"))
        client.send_message(french_message("dominique@example.invalid"))

    mail = smtp.wait_for(lambda m: "dominique@example.invalid" in m.recipients)
    assert mail.subject == "Accès accordé : « Qualité de l’eau »"
    assert mail.body == "Votre demande d’accès a été acceptée.\nÀ bientôt.\n"
    assert "<b>acceptée</b>" in mail.html
    assert mail.sender == "portail@mdata.invalid"
    assert mail.headers["From"] == "Métropole <portail@mdata.invalid>"
    assert [m.recipients for m in smtp.messages] == [("camille@example.invalid",),
                                                     ("dominique@example.invalid",)]


def test_smtp_wait_for_says_what_arrived(smtp):
    with smtplib.SMTP(smtp.host, smtp.port, timeout=10) as client:
        client.send_message(french_message("camille@example.invalid"))
    smtp.wait_for()
    with pytest.raises(AssertionError, match="camille@example.invalid: 'Accès accordé"):
        smtp.wait_for(lambda m: "personne@example.invalid" in m.recipients, timeout=0.2)


def test_smtp_fixture_starts_empty(smtp):
    assert smtp.messages == []


def test_smtp_servers_do_not_share_messages():
    other = SmtpServer().start()
    try:
        with smtplib.SMTP(other.host, other.port, timeout=10) as client:
            client.send_message(french_message("camille@example.invalid"))
        assert other.wait_for().to == "camille@example.invalid"
    finally:
        other.stop()


@pytest.mark.parametrize("text, found", [
    ("Jeux de données — Données et ressources — Info additionnelle", []),
    ("Ajouter un jeu de données. Search datasets, Add a resource", ["search", "datasets", "add",
                                                                 "resource"]),
    ("Voir https://example.org/the/dataset/view et /dataset/new", []),   # paths are no text
    ("Licence Ouverte / Open Licence 2.0", []),
    ("Open Database License", ["license"]),
])
def test_english_words(text, found):
    assert english_words(text) == found


def test_english_words_ignores_what_it_is_told():
    assert english_words("Open Database License, the", ignore=["License"]) == ["the"]


def test_missing_browser_fails_with_what_to_install(monkeypatch, tmp_path):
    missing = tmp_path / "chromium"
    monkeypatch.setenv("AMP_TEST_CHROMIUM", str(missing))
    with pytest.raises(pytest.fail.Exception, match="apt-get install -y --no-install-recommends "
                                                     "chromium"):
        launch(playwright=None)
    # `make test` does not install a browser it was not asked for.
    assert chromium.ensure(tmp_path / "log", print) == chromium.missing_message(missing)
    assert not (tmp_path / "log").exists()


def test_the_default_browser_is_debians():
    assert chromium.executable({}) == Path("/usr/bin/chromium")

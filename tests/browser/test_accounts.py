"""Accounts in a real browser, with CKAN's own e-mails caught by a real SMTP
server: a user who forgot their password asks for a reset, gets the e-mail
in French, follows its link, chooses a new password and logs in with it."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from support.browser import assert_french, login


def test_password_reset_by_email_in_french(portal, smtp, page, screenshot):
    user = portal.create_user("dominique-leclerc", fullname="Dominique Leclerc",
                              email="dominique.leclerc@example.invalid")

    page.goto("/user/reset")
    assert_french(page)
    page.fill("#field-username", user.email)
    page.locator("button[name=reset]").click()
    expect(page.locator(".flash-messages, .alert").first).to_be_visible()
    screenshot("reset-requested", full_page=False)

    mail = smtp.wait_for(lambda m: user.email in m.recipients)
    assert mail.subject == "Réinitialisation de votre mot de passe - " \
                           "MData — Métropole Aix-Marseille-Provence"
    assert mail.sender == "portail@mdata.invalid"
    assert "Bonjour dominique-leclerc," in mail.body   # CKAN names the account
    assert "Vous avez demandé la réinitialisation de votre mot de passe" in mail.body
    link = re.search(rf"{re.escape(portal.url)}/user/reset/\S+", mail.body)
    assert link, mail.body

    page.goto(link.group(0))
    page.fill("#field-password", "Nouveau-mot-de-passe-2026")
    page.fill("#field-confirm-password", "Nouveau-mot-de-passe-2026")
    page.locator(".main form button[type=submit]").click()
    expect(page.locator(".flash-messages, .alert").first).to_be_visible()

    login(page, user.name, "Nouveau-mot-de-passe-2026")
    assert len(smtp.messages) == 1


def test_reset_for_an_unknown_account_sends_nothing(portal, smtp, page):
    page.goto("/user/reset")
    page.fill("#field-username", "personne@example.invalid")
    page.locator("button[name=reset]").click()
    expect(page.locator(".flash-messages, .alert").first).to_be_visible()
    assert_french(page, ".flash-messages")
    # The portal answers the same way (no account enumeration) and mails no one.
    portal.create_user("temoin", email="temoin@example.invalid")
    page.goto("/user/reset")
    page.fill("#field-username", "temoin@example.invalid")
    page.locator("button[name=reset]").click()
    smtp.wait_for(lambda m: "temoin@example.invalid" in m.recipients)
    assert [m.recipients for m in smtp.messages] == [("temoin@example.invalid",)]

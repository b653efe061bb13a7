"""Posting CKAN forms in integration tests the way a browser does: the
form's real CSRF token, a client that keeps its session cookie."""
from __future__ import annotations

import re
from typing import Any

#: The password of CKAN's ``UserWithToken`` factory (give it to ``factories.User``).
FACTORY_PASSWORD = "correct123"


def csrf_token(html: str) -> str:
    """The token of the first form of ``html`` (CKAN's ``csrf_input()``)."""
    found = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def logged_in(app: Any, user: dict[str, Any]) -> Any:
    """A client that keeps its cookies, logged in through the login form
    (CKAN's ``app`` makes a new client, without cookies, for each request)."""
    client = app.test_client()
    page = client.get("/user/login")
    answer = client.post("/user/login", data={"login": user["name"], "password": FACTORY_PASSWORD,
                                              "_csrf_token": csrf_token(page.body)},
                         follow_redirects=False)
    assert answer.status_code == 302, [l for l in answer.body.splitlines() if "alert" in l or "error" in l.lower()]
    return client


def anonymous(app: Any) -> tuple[Any, str]:
    """A client without an account, with its session's CSRF token (from the
    login page, the one form an anonymous visitor gets)."""
    client = app.test_client()
    return client, csrf_token(client.get("/user/login").body)

"""What the bundle's pages share: the caller as CKAN actions see it, and
the CSRF check of a posted form. Not a plugin: each plugin's views import it
(as ckanext/amp/translation.py for the catalogue)."""
from __future__ import annotations

from typing import Any

from ckan.plugins import toolkit


def user_name() -> str:
    """The logged-in user's name, or "" for an anonymous visitor."""
    user = toolkit.current_user
    return user.name if getattr(user, "is_authenticated", False) else ""


def action_context() -> dict[str, Any]:
    """The context of a CKAN action called for the visitor of this page."""
    user = toolkit.current_user
    if getattr(user, "is_authenticated", False):
        return {"user": user.name, "auth_user_obj": user}
    return {"user": ""}


def protect_form() -> None:
    """Check the posted form's CSRF token, as CKAN does for its own forms
    (CKAN exempts extensions' blueprints; ours are checked). A request that
    CKAN exempts (authenticated by an API token: there is no browser
    session to forge) is exempt here too; so is everything when the site
    turns CSRF off (``WTF_CSRF_ENABLED``)."""
    from flask import current_app, g

    if getattr(g, "_csrf_exempt_view", False) or not current_app.config.get("WTF_CSRF_ENABLED", True):
        return
    current_app.extensions["csrf"].protect()

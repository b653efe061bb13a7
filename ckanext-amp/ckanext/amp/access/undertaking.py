"""The undertaking (« acte d'engagement ») a requester accepts for a dataset.

The dataset's convention's own undertaking when it has one (amp_conventions'
``amp_convention_show`` → ``undertaking: {version, text, sha256}``), else
the operator's text: the file of ``ckanext.amp.access.undertaking_file``
(by default ``licences/acte-engagement.txt``, written from article 5 of the
SYMCRAU convention) with the version of
``ckanext.amp.access.undertaking_version``. See docs/decisions/0010-access.md.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Optional

from ckan import model
from ckan.plugins import toolkit

from ckanext.amp.access.model import UndertakingText
from ckanext.amp.common import paths
from ckanext.amp.common.access_requests import Undertaking

log = logging.getLogger(__name__)

FILE_OPTION = "ckanext.amp.access.undertaking_file"
VERSION_OPTION = "ckanext.amp.access.undertaking_version"
DEFAULT_VERSION = "AMP-ENGAGEMENT-2026-1"
DEFAULT_FILE = ("licences", "acte-engagement.txt")


def operator_undertaking() -> Undertaking:
    """The operator's text and version (the shipped text by default)."""
    configured = str(toolkit.config.get(FILE_OPTION) or "").strip()
    path = Path(configured) if configured else paths.data_path(*DEFAULT_FILE)
    text = path.read_text(encoding="utf-8")
    version = str(toolkit.config.get(VERSION_OPTION) or DEFAULT_VERSION).strip()
    return Undertaking.of(text, version, "operator")


def _site_user() -> str:
    return toolkit.get_action("get_site_user")({"ignore_auth": True}, {})["name"]


def convention_undertaking(reference: str) -> Optional[Undertaking]:
    """The undertaking of convention ``reference`` (None: amp_conventions is
    not loaded, the convention is unknown or has no undertaking)."""
    try:
        show = toolkit.get_action("amp_convention_show")
    except KeyError:
        return None
    try:
        # The whole convention (its undertaking) is for its parties and
        # sysadmins: asked as the site user, to show the text to a requester.
        convention = show({"user": _site_user(), "ignore_auth": True}, {"id": reference})
    except (toolkit.ObjectNotFound, toolkit.NotAuthorized):
        return None
    found: Any = (convention or {}).get("undertaking")
    if not isinstance(found, dict) or not str(found.get("text") or "").strip():
        return None
    return Undertaking.of(str(found["text"]), str(found.get("version") or ""), "convention",
                          reference=reference, sha256=found.get("sha256") or None)


def undertaking_for(package: model.Package) -> Undertaking:
    """What a requester of ``package``'s data accepts today."""
    reference = str((package.extras or {}).get("convention") or "").strip()
    if reference:
        found = convention_undertaking(reference)
        if found is not None:
            return found
    return operator_undertaking()


def keep_text(undertaking: Undertaking) -> None:
    """Keep the accepted text once, by its hash (in the caller's transaction)."""
    if model.Session.get(UndertakingText, undertaking.sha256) is None:
        model.Session.add(UndertakingText(
            sha256=undertaking.sha256, version=undertaking.version, source=undertaking.source,
            reference=undertaking.reference, text=undertaking.text))

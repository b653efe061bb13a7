"""Errors whose message a user reads, in the portal's language. Pure Python.

Domain modules know nothing of CKAN's translation machinery: they raise a
:class:`TranslatableError` carrying an English gettext id and its
parameters; the CKAN layer renders it with ``toolkit._``. The ids and their
French translations live in the one shared catalogue
(``ckanext/amp/i18n/fr/LC_MESSAGES/ckanext-amp.po``).
"""
from __future__ import annotations

from typing import Callable


class TranslatableError(ValueError):
    """``msgid`` is an English message template formatted with ``params``;
    ``str(error)`` gives the English text."""

    def __init__(self, msgid: str, **params: object) -> None:
        self.msgid = msgid
        self.params = params
        super().__init__(msgid.format(**params))

    def translate(self, gettext: Callable[[str], str]) -> str:
        """The message through ``gettext`` (e.g. CKAN's ``toolkit._``)."""
        return gettext(self.msgid).format(**self.params)

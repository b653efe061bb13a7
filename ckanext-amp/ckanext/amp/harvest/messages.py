"""Messages of amp_harvest in the portal's language.

The gather and fetch consumers run outside any web request, where CKAN's
``toolkit._`` returns the English msgid: the errors they write on jobs and
objects (which stewards read on the job page) are translated here with the
bundle's catalogue, in ``ckan.locale_default``. In a web request CKAN's own
translation (the visitor's language) is used.
"""
from __future__ import annotations

import functools
import gettext as gettext_module
from typing import Callable

from ckan.plugins import toolkit

from ckanext.amp.common.messages import TranslatableError
from ckanext.amp.translation import DOMAIN, i18n_directory


@functools.lru_cache(maxsize=8)
def _catalogue(locale: str) -> gettext_module.NullTranslations:
    return gettext_module.translation(DOMAIN, i18n_directory(), languages=[locale], fallback=True)


def gettext() -> Callable[[str], str]:
    """The translation function for the current context."""
    try:
        from flask import has_request_context

        if has_request_context():
            return toolkit._
    except ImportError:  # pragma: no cover
        pass
    locale = str(toolkit.config.get("ckan.locale_default") or "en")
    return _catalogue(locale).gettext


def _(msgid: str, **params: object) -> str:
    """``msgid`` translated, then formatted with ``params``."""
    return gettext()(msgid).format(**params)


def text(error: BaseException) -> str:
    """The message of an error: translated if it is a :class:`TranslatableError`."""
    if isinstance(error, TranslatableError):
        return error.translate(gettext())
    return str(error)

"""Messages of amp_harvest in the portal's language.

The gather and fetch consumers run outside any web request, where CKAN's
``toolkit._`` returns the English msgid. :func:`portal_request` gives them
a request of the portal's Flask app (the one the ``ckan`` command built),
in ``ckan.locale_default``, so that CKAN's and the schema's validation
messages written on objects are French too; without any app, our own
messages are translated with the bundle's catalogue directly.
"""
from __future__ import annotations

import contextlib
import functools
import gettext as gettext_module
from typing import Callable, ContextManager

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


def portal_request() -> ContextManager[object]:
    """A request context of the portal's app in its default language, unless
    one is active (or no app can be found: then nothing)."""
    from flask import current_app, has_app_context, has_request_context

    if has_request_context():
        return contextlib.nullcontext()
    app = None
    try:
        import click

        context = click.get_current_context(silent=True)
        app = context.meta.get("flask_app") if context is not None else None
    except RuntimeError:  # pragma: no cover
        app = None
    if app is None and has_app_context():
        app = current_app._get_current_object()  # type: ignore[attr-defined]
    if app is None:
        return contextlib.nullcontext()
    return app.test_request_context()


def _(msgid: str, **params: object) -> str:
    """``msgid`` translated, then formatted with ``params``."""
    return gettext()(msgid).format(**params)


def text(error: BaseException) -> str:
    """The message of an error: translated if it is a :class:`TranslatableError`."""
    if isinstance(error, TranslatableError):
        return error.translate(gettext())
    return str(error)

"""The bundle's shared gettext catalogue for CKAN (ITranslation).

The catalogue is ``ckanext/amp/i18n/<lang>/LC_MESSAGES/ckanext-amp.po``. An
installed package has the compiled ``.mo`` beside it (setup.py compiles
it); a checkout (editable install) has only the ``.po``, so the ``.mo`` is
compiled here when missing or older than the ``.po`` — next to it when the
folder is writable (``*.mo`` is git-ignored), else in a cache folder.
"""
from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from pathlib import Path

DOMAIN = "ckanext-amp"

log = logging.getLogger(__name__)


def source_directory() -> Path:
    """``ckanext/amp/i18n`` of the imported package."""
    return Path(__file__).resolve().parent / "i18n"


def _catalogues(root: Path) -> list[Path]:
    return sorted(root.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def _stale(po: Path, mo: Path) -> bool:
    return not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime


def _compile(po: Path, mo: Path) -> None:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    mo.parent.mkdir(parents=True, exist_ok=True)
    with po.open("rb") as source:
        catalogue = read_po(source)
    handle, temporary = tempfile.mkstemp(dir=mo.parent, suffix=".mo")
    with os.fdopen(handle, "wb") as target:
        write_mo(target, catalogue)
    os.replace(temporary, mo)


def i18n_directory() -> str:
    """A directory with up-to-date ``<lang>/LC_MESSAGES/ckanext-amp.mo`` files."""
    root = source_directory()
    catalogues = _catalogues(root)
    if not any(_stale(po, po.with_suffix(".mo")) for po in catalogues):
        return str(root)
    try:
        for po in catalogues:
            if _stale(po, po.with_suffix(".mo")):
                _compile(po, po.with_suffix(".mo"))
        return str(root)
    except OSError:
        pass
    digest = hashlib.sha1(str(root).encode()).hexdigest()[:12]
    cache = Path(tempfile.gettempdir()) / f"ckanext-amp-i18n-{digest}"
    for po in catalogues:
        relative = po.relative_to(root)
        mo = (cache / relative).with_suffix(".mo")
        if _stale(po, mo):
            _compile(po, mo)
    log.info("ckanext-amp: compiled translations in %s", cache)
    return str(cache)


def locales() -> list[str]:
    return sorted(po.parts[-3] for po in _catalogues(source_directory())) or \
        sorted(p.name for p in source_directory().iterdir() if p.is_dir())


def page_language() -> str:
    """``fr`` or ``en``: the language of the page being rendered (``fr``
    outside a request), for the labels of the vocabularies."""
    try:
        from ckan.plugins import toolkit

        lang = toolkit.h.lang() or "fr"
    except Exception:  # outside a request
        lang = "fr"
    return "en" if str(lang).startswith("en") else "fr"


__all__ = ["DOMAIN", "SharedCatalogue", "i18n_directory", "locales", "page_language"]


class SharedCatalogue:
    """ITranslation for every plugin of the bundle: one shared catalogue."""

    def i18n_directory(self) -> str:
        return i18n_directory()

    def i18n_locales(self) -> list[str]:
        return locales()

    def i18n_domain(self) -> str:
        return DOMAIN

"""The WSGI application of the portal, served by gunicorn in `make run` and
in the production image (``gunicorn ckanext.amp.stack.wsgi:application``).

CKAN 2.11 ships no WSGI module; this loads the ini named by ``$CKAN_INI``
(its logging sections included) and builds the application, once per
gunicorn worker (no ``--preload``: see docs/decisions/0015-web-server.md).
"""
import fcntl
import logging
import os

from ckan.cli import load_config
from ckan.config.middleware import make_app

config = load_config(os.environ.get("CKAN_INI") or "ckan.ini")

# The ini's logging setup (logging.config.fileConfig) disables every logger it
# does not name, gunicorn's included: without this, workers would write no
# access log and no error log.
for name in ("gunicorn", "gunicorn.error", "gunicorn.access"):
    logging.getLogger(name).disabled = False

application = make_app(config)


def _build_js_translations() -> None:
    """The JavaScript catalogues (``/api/i18n/<lang>``, in the storage
    folder): ``ckan run`` builds them at each start, gunicorn does not. CKAN
    rebuilds only those older than their .po files; one worker (or replica
    sharing the storage) at a time, under a file lock."""
    from ckan.lib.i18n import build_js_translations, get_js_translations_dir

    folder = get_js_translations_dir()
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, ".build.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            build_js_translations()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


_build_js_translations()

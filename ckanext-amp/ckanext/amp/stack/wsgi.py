"""The WSGI application of the portal, served by gunicorn in `make run` and
in the production image (``gunicorn ckanext.amp.stack.wsgi:application``).

CKAN 2.11 ships no WSGI module; this loads the ini named by ``$CKAN_INI``
(its logging sections included) and builds the application, once per
gunicorn worker (no ``--preload``: see docs/decisions/0015-web-server.md).
"""
import fcntl
import json
import logging
import os
import time

from ckan.cli import load_config
from ckan.config.middleware import make_app

config = load_config(os.environ.get("CKAN_INI") or "ckan.ini")

# The ini's logging setup (logging.config.fileConfig) disables every logger it
# does not name, gunicorn's included: without this, workers would write no
# access log and no error log.
for name in ("gunicorn", "gunicorn.error", "gunicorn.access"):
    logging.getLogger(name).disabled = False

application = make_app(config)
log = logging.getLogger(__name__)


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


def _warm_search_facets() -> None:
    """Ask once for the dataset page's facets, so that this worker's search
    engine reads their values now (search/facet_index.py: half a second per
    field at 100,000 datasets) rather than at its first visitor's search.
    gunicorn starts serving with this worker when it returns; a failure is
    logged and the worker serves anyway."""
    import ckan.plugins as plugins
    import ckan.plugins.toolkit as toolkit

    started = time.monotonic()
    try:
        with application._wsgi_app.test_request_context():  # type: ignore[attr-defined]
            facets = {name: name for name in toolkit.h.facets()}
            for plugin in plugins.PluginImplementations(plugins.IFacets):
                facets = plugin.dataset_facets(facets, "dataset")
            toolkit.get_action("package_search")({"ignore_auth": True}, {
                "q": "*:*", "rows": 0, "facet.field": json.dumps(list(facets)),
                "include_private": True})
    except Exception:  # the portal serves without it; the first search reads them
        log.exception("facettes de recherche non préchargées")
        return
    log.info("facettes de recherche préchargées (%d champs) en %.1f s", len(facets),
             time.monotonic() - started)


_warm_search_facets()

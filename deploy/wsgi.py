"""WSGI entry point for gunicorn (`gunicorn wsgi:application`, see entrypoint.sh).

CKAN 2.11 ships no WSGI module in its wheel; this loads the ini named by
$CKAN_INI (its logging sections included) and builds the application.
"""
import logging
import os

from ckan.cli import load_config
from ckan.config.middleware import make_app

config = load_config(os.environ.get("CKAN_INI", "/srv/app/ckan.ini"))

# The ini's logging setup (logging.config.fileConfig) disables every logger it
# does not name, gunicorn's included: without this, workers would write no
# access log and no error log.
for name in ("gunicorn", "gunicorn.error", "gunicorn.access"):
    logging.getLogger(name).disabled = False

application = make_app(config)

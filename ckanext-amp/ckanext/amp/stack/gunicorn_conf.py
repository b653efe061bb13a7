"""gunicorn settings of the portal's web server, shared by `make run` and the
production image:

    gunicorn -c python:ckanext.amp.stack.gunicorn_conf --bind HOST:PORT \\
        ckanext.amp.stack.wsgi:application

Read from the environment (``AMP_WEB_WORKERS``, ``AMP_WEB_TIMEOUT``: see
settings.py); what differs between the two places (the address, the proxies
trusted for ``X-Forwarded-*``) is given on the command line. Reasons and
figures: docs/decisions/0015-web-server.md.
"""
from ckanext.amp.stack.settings import web_options

_options = web_options()

# Synchronous workers, each with a whole CKAN built after the fork (no
# preload: CKAN opens database and Redis connections while it builds the
# app, and they must not be shared between processes).
worker_class = "sync"
workers = _options["workers"]
preload_app = False
# A request still running after this is killed (its worker is replaced).
timeout = _options["timeout"]
# On SIGTERM, running requests get this long to finish (below the 15 s that
# `make run`'s supervisor and Docker's default stop leave before SIGKILL).
graceful_timeout = 10
# Replace a worker after this many requests (bounds what a leak can hold).
max_requests = 2000
max_requests_jitter = 200
proc_name = "ckan-amp-web"

# Logs on the standard streams: `make run` prefixes them with [web] and keeps
# them in .amp/logs/web.log, Docker keeps them in the container's log.
# Access log: the path without its query string (password-reset keys and
# other one-time tokens travel there), never request headers but the
# forwarded client address.
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s %({x-forwarded-for}i)s "%(m)s %(U)s" %(s)s %(b)s %(L)ss "%(a)s"'

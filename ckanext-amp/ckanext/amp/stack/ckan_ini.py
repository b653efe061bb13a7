"""The CKAN ini files of the stack.

One base, ``portal.ini`` (next to this module), holds the settings every CKAN
of the stack shares. ``test.ini`` and the run-time ``$AMP_HOME/ckan.ini``
written here both chain to it with ``use = config:``. Secrets are generated
once with :func:`secrets.token_urlsafe` and kept in ``$AMP_HOME/secrets.ini``
(mode 0600); everything else in ``ckan.ini`` is rewritten at every run so
that upgrades of the stack apply.
"""
from __future__ import annotations

import configparser
import importlib.util
import os
import secrets
from importlib.metadata import entry_points
from pathlib import Path
from typing import Iterable, Optional

BASE_INI = Path(__file__).with_name("portal.ini")
SECTION = "app:main"
# Secret options of CKAN 2.11 (the CSRF and API-token secrets default to it).
SECRET_OPTIONS = ("SECRET_KEY",)


# --------------------------------------------------------------------------
# Reading

def config_chain(ini: Path) -> list[Path]:
    """``ini`` and the files it chains to with ``use = config:``, top first
    (the same rule as CKAN's loader: paths are relative to the file)."""
    chain: list[Path] = []
    current = Path(ini).resolve()
    while True:
        if current in chain:
            raise ValueError(f"circular `use = config:` chain at {current}")
        if not current.exists():
            raise FileNotFoundError(f"fichier de configuration absent : {current}")
        chain.append(current)
        parser = configparser.RawConfigParser(strict=False)
        parser.optionxform = str  # keep SECRET_KEY's case
        parser.read(current, encoding="utf-8")
        use = parser.get(SECTION, "use", fallback="").strip()
        scheme, _, target = use.partition(":")
        if scheme != "config" or not target:
            return chain
        current = (current.parent / target).resolve()


def read_options(ini: Path) -> dict[str, str]:
    """The ``[app:main]`` options of ``ini`` once its chain is applied
    (raw values: no ``%(here)s`` interpolation)."""
    options: dict[str, str] = {}
    for path in reversed(config_chain(ini)):
        parser = configparser.RawConfigParser(strict=False)
        parser.optionxform = str
        parser.read(path, encoding="utf-8")
        if parser.has_section(SECTION):
            options.update(parser.items(SECTION))
    return options


def enabled_plugins(ini: Path) -> list[str]:
    return read_options(ini).get("ckan.plugins", "").split()


# --------------------------------------------------------------------------
# Plugins

def plugin_entry_point(name: str):
    for ep in entry_points(group="ckan.plugins"):
        if ep.name == name:
            return ep
    return None


def plugin_available(name: str) -> bool:
    """The plugin is declared and its module exists (not imported)."""
    ep = plugin_entry_point(name)
    if ep is None:
        return False
    try:
        return importlib.util.find_spec(ep.module) is not None
    except ModuleNotFoundError:
        return False


def split_available(plugins: Iterable[str]) -> tuple[list[str], list[str]]:
    """(installed plugins, missing plugins), order kept."""
    present, missing = [], []
    for name in plugins:
        (present if plugin_available(name) else missing).append(name)
    return present, missing


# --------------------------------------------------------------------------
# Secrets

def load_or_create_secrets(path: Path) -> dict[str, str]:
    """Secrets kept in ``path``; missing ones are generated and saved."""
    parser = configparser.RawConfigParser()
    parser.optionxform = str
    if path.exists():
        parser.read(path, encoding="utf-8")
    if not parser.has_section("secrets"):
        parser.add_section("secrets")
    changed = False
    for option in SECRET_OPTIONS:
        if not parser.get("secrets", option, fallback=""):
            parser.set("secrets", option, secrets.token_urlsafe(32))
            changed = True
    if changed:
        write_private(path, _dump(parser))
    return dict(parser.items("secrets"))


def _dump(parser: configparser.RawConfigParser) -> str:
    import io
    buffer = io.StringIO()
    buffer.write("# Generated once by amp-stack; keep private.\n")
    parser.write(buffer)
    return buffer.getvalue()


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable by its owner only (0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


# --------------------------------------------------------------------------
# The run-time ini

#: Logging sections of a top-level ini (CKAN configures logging from the
#: file it is given, not from the files it chains to).
LOGGING = """\
[loggers]
keys = root, ckan, ckanext, werkzeug

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARNING
handlers = console

[logger_werkzeug]
level = INFO
handlers = console
qualname = werkzeug
propagate = 0

[logger_ckan]
level = INFO
handlers = console
qualname = ckan
propagate = 0

[logger_ckanext]
level = INFO
handlers = console
qualname = ckanext
propagate = 0

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %(asctime)s %(levelname)-5.5s [%(name)s] %(message)s
"""

RUN_INI = """\
# Generated by `amp-stack run` (make run) at every start: do not edit, your
# changes would be lost. Shared settings: {base}
# Secrets: {secrets_file} (generated once).
[DEFAULT]
debug = false

[app:main]
use = config:{base}
{secret_lines}
ckan.site_url = {site_url}
ckan.storage_path = {storage}
ckanext.amp.harvest.delivery_root = {deliveries}
ckan.devserver.host = {host}
ckan.devserver.port = {port}
sqlalchemy.url = {sqlalchemy_url}
ckan.redis.url = {redis_url}
ckan.plugins = {plugins}

""" + LOGGING  # (no braces in it: RUN_INI.format leaves it as it is)


def render_run_ini(*, secrets_map: dict[str, str], site_url: str, storage: Path,
                   deliveries: Path, host: str, port: int, sqlalchemy_url: str, redis_url: str,
                   plugins: Iterable[str], secrets_file: Path,
                   base: Path = BASE_INI) -> str:
    def escape(value: str) -> str:  # ini values go through % interpolation
        return str(value).replace("%", "%%")

    return RUN_INI.format(
        base=base,
        secrets_file=secrets_file,
        secret_lines="\n".join(f"{k} = {escape(v)}" for k, v in sorted(secrets_map.items())),
        site_url=escape(site_url),
        storage=escape(str(storage)),
        deliveries=escape(str(deliveries)),
        host=host,
        port=port,
        sqlalchemy_url=escape(sqlalchemy_url),
        redis_url=escape(redis_url),
        plugins=" ".join(plugins),
    )


def write_run_ini(settings, *, sqlalchemy_url: str, redis_url: str,
                  plugins: Optional[Iterable[str]] = None) -> Path:
    """Write ``settings.ini``; return its path. ``plugins`` defaults to the
    portal's list (``portal.ini``)."""
    if plugins is None:
        plugins = enabled_plugins(BASE_INI)
    settings.storage.mkdir(parents=True, exist_ok=True)
    settings.deliveries.mkdir(parents=True, exist_ok=True)
    text = render_run_ini(
        secrets_map=load_or_create_secrets(settings.secrets_file),
        site_url=settings.site_url, storage=settings.storage, deliveries=settings.deliveries,
        host=settings.host, port=settings.port,
        sqlalchemy_url=sqlalchemy_url, redis_url=redis_url,
        plugins=plugins, secrets_file=settings.secrets_file)
    write_private(settings.ini, text)
    return settings.ini

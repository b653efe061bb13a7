"""Settings of the local stack, read from environment variables.

| variable | default | meaning |
|---|---|---|
| ``AMP_HOME`` | ``./.amp`` | data folder: PostgreSQL, Redis, storage, ini, secrets, logs |
| ``AMP_HOST`` | ``127.0.0.1`` | address the portal listens on |
| ``AMP_PORT`` | ``5000`` | port the portal listens on |
| ``AMP_HARVEST_INTERVAL`` | ``300`` | seconds between two ``ckan harvester run`` |
| ``AMP_HARVEST_PRUNE_INTERVAL`` | ``86400`` | seconds between two ``ckan amp harvest prune`` |
| ``AMP_CONVENTIONS_CHECK_INTERVAL`` | ``86400`` | seconds between two ``ckan amp conventions check`` |
| ``AMP_STARTUP_TIMEOUT`` | ``180`` | seconds the portal has to answer ``status_show`` |
| ``AMP_WEB_WORKERS`` | 2 × cores + 1, at most 8 | gunicorn worker processes of the web server |
| ``AMP_WEB_TIMEOUT`` | ``120`` | seconds a request may run before gunicorn kills its worker |
| ``CKAN_SQLALCHEMY_URL`` | (embedded) | use this PostgreSQL database, embed none |
| ``CKAN_REDIS_URL`` | (embedded) | use this Redis, embed none |
| ``CKAN_SITE_URL`` | ``http://AMP_HOST:AMP_PORT`` | public URL of the portal |
| ``AMP_PLUGINS`` | (``portal.ini``'s list) | CKAN plugins of the portal, space-separated |
"""
from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Mapping, Optional


class SettingsError(ValueError):
    """A setting read from the environment is not usable."""


def _int(env: Mapping[str, str], name: str, default: int, minimum: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} : un nombre entier est attendu")
    if value < minimum:
        raise SettingsError(f"{name}={value} : au moins {minimum} attendu")
    return value


#: Most worker processes the default gives: each holds a whole CKAN
#: (~150 MB resident) and its own database connection pool.
MAX_DEFAULT_WORKERS = 8


def usable_cores() -> int:
    """The cores this process may run on (a container's CPU set, not the host's)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not Linux
        return max(1, os.cpu_count() or 1)


def default_web_workers(cores: Optional[int] = None) -> int:
    """gunicorn's rule of thumb, 2 × cores + 1 (a worker waiting on
    PostgreSQL leaves its core to another), capped for memory."""
    cores = usable_cores() if cores is None else cores
    return min(2 * cores + 1, MAX_DEFAULT_WORKERS)


def web_options(env: Optional[Mapping[str, str]] = None) -> dict[str, int]:
    """The web server's settings read from ``env`` (``AMP_WEB_*``), shared by
    `make run` and the production image (ckanext.amp.stack.gunicorn_conf)."""
    env = os.environ if env is None else env
    return {
        "workers": _int(env, "AMP_WEB_WORKERS", default_web_workers(), 1),
        "timeout": _int(env, "AMP_WEB_TIMEOUT", 120, 1),
    }


@dataclasses.dataclass(frozen=True)
class Settings:
    home: Path
    host: str
    port: int
    harvest_interval: int
    startup_timeout: int
    sqlalchemy_url: Optional[str]
    redis_url: Optional[str]
    site_url: str
    plugins: Optional[tuple[str, ...]] = None  # None: portal.ini's list
    prune_interval: int = 86400
    conventions_check_interval: int = 86400
    web_workers: int = 1
    web_timeout: int = 120

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None,
                 cwd: Optional[Path] = None) -> "Settings":
        env = os.environ if env is None else env
        cwd = Path.cwd() if cwd is None else Path(cwd)
        home = Path(env.get("AMP_HOME") or ".amp").expanduser()
        if not home.is_absolute():
            home = cwd / home
        host = env.get("AMP_HOST") or "127.0.0.1"
        port = _int(env, "AMP_PORT", 5000, 1)
        if port > 65535:
            raise SettingsError(f"AMP_PORT={port} : port invalide")
        display_host = f"[{host}]" if ":" in host else host
        web = web_options(env)
        return cls(
            home=home.resolve(),
            host=host,
            port=port,
            harvest_interval=_int(env, "AMP_HARVEST_INTERVAL", 300, 1),
            startup_timeout=_int(env, "AMP_STARTUP_TIMEOUT", 180, 1),
            sqlalchemy_url=env.get("CKAN_SQLALCHEMY_URL") or None,
            redis_url=env.get("CKAN_REDIS_URL") or None,
            site_url=(env.get("CKAN_SITE_URL")
                      or f"http://{display_host}:{port}").rstrip("/"),
            plugins=tuple(env["AMP_PLUGINS"].split()) if env.get("AMP_PLUGINS", "").strip() else None,
            prune_interval=_int(env, "AMP_HARVEST_PRUNE_INTERVAL", 86400, 60),
            conventions_check_interval=_int(env, "AMP_CONVENTIONS_CHECK_INTERVAL", 86400, 1),
            web_workers=web["workers"],
            web_timeout=web["timeout"],
        )

    # Everything the stack keeps lives under ``home``.
    @property
    def ini(self) -> Path:
        return self.home / "ckan.ini"

    @property
    def secrets_file(self) -> Path:
        return self.home / "secrets.ini"

    @property
    def admin_password_file(self) -> Path:
        return self.home / "admin-password"

    @property
    def storage(self) -> Path:
        return self.home / "storage"

    @property
    def deliveries(self) -> Path:
        """The folder of file deliveries (``ckanext.amp.harvest.delivery_root``)."""
        return self.home / "livraisons"

    @property
    def logs(self) -> Path:
        return self.home / "logs"

    @property
    def pgdata(self) -> Path:
        return self.home / "postgres"

    @property
    def redis_dir(self) -> Path:
        return self.home / "redis"

    @property
    def bind(self) -> str:
        """gunicorn's ``--bind`` for AMP_HOST and AMP_PORT."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    @property
    def local_url(self) -> str:
        """Where this machine reaches the portal (not the public site URL)."""
        host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(self.host, self.host)
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.port}"

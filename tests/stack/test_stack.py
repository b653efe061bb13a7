"""Tests of the run/test stack (ckanext.amp.stack): pure parts, then real
embedded PostgreSQL and Redis in a temporary folder. No mocks, no fixed port."""
from __future__ import annotations

import os
import stat
import sys
import time
from pathlib import Path

import pytest

from ckanext.amp.stack import ckan_ini, migrations, services
from ckanext.amp.stack.cli import daily_jobs, has_path_argument, pytest_outcome
from ckanext.amp.stack.settings import Settings, SettingsError
from ckanext.amp.stack.supervisor import Child, Supervisor

REPO = Path(__file__).resolve().parents[2]


# ------------------------------------------------------------------ settings

def test_settings_defaults(tmp_path):
    s = Settings.from_env({}, cwd=tmp_path)
    assert s.home == (tmp_path / ".amp").resolve()
    assert (s.host, s.port, s.harvest_interval) == ("127.0.0.1", 5000, 300)
    assert s.sqlalchemy_url is None and s.redis_url is None
    assert s.site_url == "http://127.0.0.1:5000"
    assert s.ini == s.home / "ckan.ini"
    assert s.plugins is None
    assert s.prune_interval == 86400


def test_settings_from_env(tmp_path):
    s = Settings.from_env({
        "AMP_HOME": "data", "AMP_HOST": "0.0.0.0", "AMP_PORT": "8080",
        "AMP_HARVEST_INTERVAL": "60", "AMP_HARVEST_PRUNE_INTERVAL": "3600",
        "CKAN_SQLALCHEMY_URL": "postgresql://u:p@db/ckan",
        "CKAN_REDIS_URL": "redis://r:6379/1",
        "CKAN_SITE_URL": "https://data.example.fr/",
        "AMP_PLUGINS": " activity  harvest ",
    }, cwd=tmp_path)
    assert s.home == (tmp_path / "data").resolve()
    assert (s.host, s.port, s.harvest_interval) == ("0.0.0.0", 8080, 60)
    assert s.sqlalchemy_url == "postgresql://u:p@db/ckan"
    assert s.redis_url == "redis://r:6379/1"
    assert s.site_url == "https://data.example.fr"
    assert s.local_url == "http://127.0.0.1:8080"
    assert s.plugins == ("activity", "harvest")
    assert s.prune_interval == 3600


def test_conventions_check_interval(tmp_path):
    assert Settings.from_env({}, cwd=tmp_path).conventions_check_interval == 86400
    assert Settings.from_env({"AMP_CONVENTIONS_CHECK_INTERVAL": "3600"},
                             cwd=tmp_path).conventions_check_interval == 3600


@pytest.mark.parametrize("name,value", [
    ("AMP_PORT", "abc"), ("AMP_PORT", "0"), ("AMP_PORT", "70000"),
    ("AMP_HARVEST_INTERVAL", "-5"), ("AMP_CONVENTIONS_CHECK_INTERVAL", "0"),
    ("AMP_HARVEST_PRUNE_INTERVAL", "10"),
])
def test_settings_rejects_bad_values(tmp_path, name, value):
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({name: value}, cwd=tmp_path)


# ----------------------------------------------------------------------- ini

def _write(settings, **kw):
    kw.setdefault("sqlalchemy_url", "postgresql://postgres:@/ckan?host=/tmp/x")
    kw.setdefault("redis_url", "unix:///tmp/x/redis.sock?db=0")
    return ckan_ini.write_run_ini(settings, **kw)


def test_secrets_generated_once_and_kept(tmp_path):
    s1 = Settings.from_env({"AMP_HOME": str(tmp_path / "a")})
    ini = _write(s1)
    first = ckan_ini.read_options(ini)["SECRET_KEY"]
    assert len(first) >= 40
    assert stat.S_IMODE(os.stat(s1.secrets_file).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(ini).st_mode) == 0o600
    # Not a fixed value: not in any file of the repository, not shared.
    assert first not in ckan_ini.BASE_INI.read_text()
    assert first not in (REPO / "test.ini").read_text()
    s2 = Settings.from_env({"AMP_HOME": str(tmp_path / "b")})
    assert ckan_ini.read_options(_write(s2))["SECRET_KEY"] != first
    # A second run keeps the secret and applies the new non-secret settings.
    s1b = Settings.from_env({"AMP_HOME": str(tmp_path / "a"), "AMP_PORT": "5123"})
    options = ckan_ini.read_options(_write(s1b))
    assert options["SECRET_KEY"] == first
    assert options["ckan.site_url"] == "http://127.0.0.1:5123"
    assert options["ckan.devserver.port"] == "5123"


def test_run_ini_chains_to_portal_settings(tmp_path):
    s = Settings.from_env({"AMP_HOME": str(tmp_path)})
    options = ckan_ini.read_options(_write(s, plugins=["activity", "harvest"]))
    assert options["ckan.locale_default"] == "fr"
    assert options["ckan.locales_offered"].split() == ["fr", "en"]
    assert options["ckan.harvest.mq.type"] == "redis"
    assert options["ckanext.amp.search.engine"] == "postgres"
    assert options["ckan.storage_path"] == str(s.storage)
    assert options["ckan.plugins"] == "activity harvest"
    assert options["ckan.redis.url"] == "unix:///tmp/x/redis.sock?db=0"
    assert s.storage.is_dir()
    assert ckan_ini.config_chain(s.ini) == [s.ini, ckan_ini.BASE_INI.resolve()]


def test_test_ini_uses_portal_settings():
    options = ckan_ini.read_options(REPO / "test.ini")
    assert options["ckan.locale_default"] == "fr"
    assert options["ckan.plugins"].split()  # the line under test


def test_portal_plugins_are_declared():
    names = ckan_ini.enabled_plugins(ckan_ini.BASE_INI)
    undeclared = [n for n in names if ckan_ini.plugin_entry_point(n) is None]
    assert undeclared == []


# ---------------------------------------------------------------- migrations

def test_plugins_with_migrations_are_discovered():
    found = migrations.plugins_with_migrations(
        ["activity", "dcat", "harvest", "scheming_datasets", "no_such_plugin"])
    assert found == ["activity", "harvest"]


def test_bundle_plugin_has_migrations_iff_alembic_ini_exists():
    bundle = REPO / "ckanext-amp" / "ckanext" / "amp" / "migration"
    declared = [ep.name for ep in ckan_ini.entry_points(group="ckan.plugins")
                if ep.value.startswith("ckanext.amp.")]
    assert declared, "no ckan.plugins entry point of the bundle"
    for name in declared:
        expected = (bundle / name / "alembic.ini").is_file()
        assert (migrations.plugin_migration_dir(name) is not None) == expected, name
        # ... and only when enabled.
        assert migrations.plugins_with_migrations([]) == []


def test_make_run_migrates_and_updates_ckan_tracking():
    """CKAN's tracking plugin (make run's list): its migration is found, and
    `ckan tracking update` is one of the daily jobs."""
    plugins = ckan_ini.enabled_plugins(ckan_ini.BASE_INI)
    assert "tracking" in plugins and "amp_dashboard" in plugins
    assert {"tracking", "amp_dashboard"} <= set(migrations.plugins_with_migrations(plugins))
    jobs = daily_jobs(plugins)
    assert jobs.index(("tracking-prune", ["amp", "tracking", "prune"])) > jobs.index(
        ("tracking-update", ["tracking", "update"]))
    assert ("tracking-prune", ["amp", "tracking", "prune"]) not in daily_jobs(["tracking"])
    assert all(job[1][0] != "tracking" for job in daily_jobs(["amp_access"]))


# ------------------------------------------------------------- amp-stack test

def test_pytest_exit_codes():
    assert pytest_outcome(0) == (0, None)
    code, message = pytest_outcome(5)
    assert code != 0 and "aucun test" in message
    assert pytest_outcome(1)[0] == 1
    assert pytest_outcome(2)[0] == 2


def test_path_arguments_detected(tmp_path):
    assert has_path_argument([str(tmp_path), "-x"])
    assert has_path_argument([f"{tmp_path}::test_x"])
    assert not has_path_argument(["-k", "foo"])


# ---------------------------------------------------------------- supervisor

def test_supervisor_restarts_crashed_child_and_stops_groups(tmp_path):
    out = tmp_path / "out.txt"
    with open(out, "w") as stream:
        sup = Supervisor(tmp_path / "logs", out=stream, stop_timeout=5)
        crash = sup.add(Child("crash", [sys.executable, "-c",
                                        "print('bye', flush=True); raise SystemExit(3)"]))
        # A long-running child with a grandchild in its process group.
        sleeper = sup.add(Child("sleeper", [
            sys.executable, "-c",
            "import subprocess, sys, time;"
            "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)']);"
            "print(p.pid, flush=True); time.sleep(600)"]))
        sup.start_all()
        assert sup.wait(lambda: crash.restarts >= 2, timeout=20)
        sup.stop_all()
    text = out.read_text()
    assert "[crash   ] bye" in text
    assert "redémarrage dans 1 s" in text and "redémarrage dans 2 s" in text
    assert (tmp_path / "logs" / "crash.log").read_text().count("bye") >= 2
    grandchild = int((tmp_path / "logs" / "sleeper.log").read_text().split()[0])
    time.sleep(0.2)
    assert not _alive(grandchild)
    assert sleeper.process.poll() is not None


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


# -------------------------------------------------- embedded servers (real)

@pytest.mark.integration
def test_embedded_postgres_and_redis_start_answer_and_stop(tmp_path):
    import psycopg2

    stack = services.start_services(tmp_path, database="amp_stack_probe")
    try:
        assert stack.embedded == ["PostgreSQL", "Redis"]
        assert services.database_of(stack.sqlalchemy_url) == "amp_stack_probe"
        conn = psycopg2.connect(stack.sqlalchemy_url)
        with conn.cursor() as cur:
            cur.execute("select 1")
            assert cur.fetchone() == (1,)
        conn.close()
        assert services.ping_redis(stack.redis_url)
        # A fresh database: CKAN core migrations are pending.
        assert migrations.pending(stack.sqlalchemy_url, ["activity"]) == [
            migrations.CORE, "activity"]
        pg_pid = stack.postgres._server.get_pid()
        redis_pid = stack.redis.process.pid
    finally:
        stack.stop()
    assert not _alive(redis_pid)
    deadline = time.monotonic() + 10
    while _alive(pg_pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(pg_pid)
    assert not (tmp_path / "postgres" / "postmaster.pid").exists()
    assert not services.ping_redis(stack.redis_url, timeout=0.5)
    with pytest.raises(psycopg2.OperationalError):
        psycopg2.connect(stack.sqlalchemy_url, connect_timeout=2)


@pytest.mark.integration
def test_the_datastore_reader_may_only_read_the_datastore(tmp_path):
    import psycopg2

    stack = services.start_services(tmp_path, database="amp_stack_ckan")
    try:
        datastore = services.ensure_datastore(stack.admin_url, stack.sqlalchemy_url,
                                              database="amp_stack_datastore",
                                              reader="amp_stack_reader", password="lecture")
        # Idempotent: `make run` calls it at every start.
        assert services.ensure_datastore(stack.admin_url, stack.sqlalchemy_url,
                                         database="amp_stack_datastore",
                                         reader="amp_stack_reader").read_url.startswith(
            "postgresql://amp_stack_reader@")
        for url, table in ((datastore.write_url, "mesures"), (stack.sqlalchemy_url, "secret")):
            conn = psycopg2.connect(url)
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute(f"CREATE TABLE {table} (v text); INSERT INTO {table} VALUES ('x')")
            conn.close()
        reader = psycopg2.connect(datastore.read_url)
        reader.autocommit = True
        with reader.cursor() as cur:
            cur.execute("SELECT v FROM mesures")
            assert cur.fetchall() == [("x",)]
            cur.execute('SELECT count(*) FROM "_table_metadata"')
            for statement in ("CREATE TABLE autre (v text)", "INSERT INTO mesures VALUES ('y')"):
                with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                    cur.execute(statement)
        reader.close()
        elsewhere = services.with_user(stack.sqlalchemy_url, "amp_stack_reader")
        try:
            conn = psycopg2.connect(elsewhere)
        except psycopg2.OperationalError:
            pass  # no CONNECT on CKAN's database
        else:
            with conn.cursor() as cur, pytest.raises(psycopg2.errors.InsufficientPrivilege):
                cur.execute("SELECT v FROM secret")
            conn.close()
        services.drop_datastore(stack.admin_url, datastore)
        with pytest.raises(psycopg2.OperationalError):
            psycopg2.connect(datastore.read_url, connect_timeout=2)
    finally:
        stack.stop()

"""`make run`'s web server: gunicorn with AMP_WEB_WORKERS workers, under the
supervisor (the [web] prefix, logs/web.log), stopped with no process left.
The real thing: gunicorn serving CKAN on test.ini and the test database."""
from __future__ import annotations

import importlib
import inspect
import json
import os
import socket
import time
import urllib.request
from pathlib import Path

import pytest

from ckanext.amp.stack import cli
from ckanext.amp.stack.settings import (MAX_DEFAULT_WORKERS, Settings, SettingsError,
                                        default_web_workers, web_options)
from ckanext.amp.stack.supervisor import Supervisor

REPO = Path(__file__).resolve().parents[2]


# --------------------------------------------------------------------- settings

def test_default_workers_follow_the_cores_and_are_capped():
    assert [default_web_workers(n) for n in (1, 2, 3)] == [3, 5, 7]
    assert default_web_workers(64) == MAX_DEFAULT_WORKERS
    assert web_options({}) == {"workers": default_web_workers(), "timeout": 120}


def test_web_settings_from_env(tmp_path):
    s = Settings.from_env({"AMP_WEB_WORKERS": "3", "AMP_WEB_TIMEOUT": "60"}, cwd=tmp_path)
    assert (s.web_workers, s.web_timeout) == (3, 60)
    assert s.bind == "127.0.0.1:5000"
    assert Settings.from_env({"AMP_HOST": "::", "AMP_PORT": "8000"}, cwd=tmp_path).bind == "[::]:8000"


@pytest.mark.parametrize("name,value", [("AMP_WEB_WORKERS", "0"), ("AMP_WEB_WORKERS", "deux"),
                                        ("AMP_WEB_TIMEOUT", "0")])
def test_web_settings_reject_bad_values(tmp_path, name, value):
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({name: value}, cwd=tmp_path)


def test_gunicorn_settings_read_the_environment(monkeypatch):
    from ckanext.amp.stack import gunicorn_conf

    monkeypatch.setenv("AMP_WEB_WORKERS", "6")
    monkeypatch.setenv("AMP_WEB_TIMEOUT", "45")
    conf = importlib.reload(gunicorn_conf)
    assert (conf.workers, conf.timeout, conf.preload_app) == (6, 45, False)
    # Shorter than the supervisor's wait before SIGKILL.
    assert conf.graceful_timeout < inspect.signature(Supervisor).parameters["stop_timeout"].default
    # The access log never holds query strings (one-time tokens travel there).
    assert "%(U)s" in conf.access_log_format and "%(q)s" not in conf.access_log_format
    assert "%(r)s" not in conf.access_log_format


def test_the_web_child_is_gunicorn_on_the_portal_address(tmp_path):
    settings = Settings.from_env({"AMP_PORT": "5123", "AMP_WEB_WORKERS": "2"}, cwd=tmp_path)
    child = cli.web_child(settings, {"CKAN_INI": "x.ini"})
    assert child.name == "web" and child.term_leader_only
    assert Path(child.argv[0]).name == "gunicorn"
    assert child.argv[1:] == ["-c", cli.GUNICORN_CONF, "--bind", "127.0.0.1:5123", cli.WSGI_APP]
    assert child.env["AMP_WEB_WORKERS"] == "2" and child.env["CKAN_INI"] == "x.ini"


# ------------------------------------------------------------------ the server

def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _process_group(pgid: int) -> dict[int, int]:
    """{pid: parent pid} of the live processes of group ``pgid``."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        state, ppid, pgrp = fields[0], int(fields[1]), int(fields[2])
        if pgrp == pgid and state != "Z":
            found[int(entry.name)] = ppid
    return found


@pytest.mark.integration
def test_make_run_serves_with_gunicorn_workers_and_stops_cleanly(tmp_path):
    if not os.environ.get("CKAN_SQLALCHEMY_URL"):
        pytest.fail("run with `make test` (it gives the test database)")
    settings = Settings.from_env({"AMP_PORT": str(_free_port()), "AMP_WEB_WORKERS": "2",
                                  "AMP_HOME": str(tmp_path / "home")}, cwd=tmp_path)
    env = cli.child_env(CKAN_INI=str(REPO / "test.ini"),
                        CKAN_STORAGE_PATH=str(tmp_path / "storage"))
    out_path = tmp_path / "out.txt"
    with open(out_path, "w") as out:
        supervisor = Supervisor(tmp_path / "logs", out=out)
        web = supervisor.add(cli.web_child(settings, env))
        supervisor.start_all()
        try:
            assert supervisor.wait(lambda: cli.portal_answers(settings.local_url), timeout=150), \
                (tmp_path / "logs" / "web.log").read_text()[-3000:]
            master = web.process.pid
            group = _process_group(master)
            workers = sorted(pid for pid, parent in group.items() if parent == master)
            assert len(workers) == 2, group
            cmdline = Path(f"/proc/{master}/cmdline").read_bytes().split(b"\0")
            assert Path(cmdline[1].decode()).name == "gunicorn"
            assert cli.WSGI_APP.encode() in cmdline
            # Each worker serves CKAN: a page, and the JavaScript catalogue that
            # `ckan run` used to build (gunicorn's workers build it).
            for _ in range(4):
                with urllib.request.urlopen(f"{settings.local_url}/dataset/", timeout=60) as rsp:
                    assert rsp.status == 200
            with urllib.request.urlopen(f"{settings.local_url}/api/i18n/fr", timeout=30) as rsp:
                catalogue = json.load(rsp)
            assert catalogue[""]["lang"] == "fr"
            assert len(catalogue) > 20
        finally:
            supervisor.stop_all()
    deadline = time.monotonic() + 5
    while _process_group(master) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _process_group(master) == {}, "processes left behind"
    log = (tmp_path / "logs" / "web.log").read_text()
    assert log.count("Booting worker") >= 2
    # Each worker read the dataset page's facet values before serving.
    assert log.count("facettes de recherche préchargées") >= 2, log[-3000:]
    assert "facettes de recherche non préchargées" not in log
    assert '"GET /dataset/" 200' in log
    assert "Shutting down: Master" in log
    # Stopped by its master, not killed by the supervisor.
    assert "was sent SIGTERM" not in log and "SIGKILL" not in out_path.read_text()
    assert "[web     ] " in out_path.read_text()

"""`make run`'s background jobs worker (amp_validation's checks run there):
`ckan jobs worker` under the supervisor ([jobs] prefix, logs/jobs.log),
running a job queued by another process, stopped with no process left."""
from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from ckanext.amp.stack import cli
from ckanext.amp.stack.supervisor import Supervisor

REPO = Path(__file__).resolve().parents[2]


def test_the_jobs_child_is_ckans_worker():
    child = cli.jobs_child(["ckan", "-c", "x.ini"], {"CKAN_INI": "x.ini"})
    assert child.name == "jobs"
    assert child.argv == ["ckan", "-c", "x.ini", "jobs", "worker"]


@pytest.mark.integration
def test_make_runs_jobs_worker_runs_a_queued_job(tmp_path):
    if not os.environ.get("CKAN_SQLALCHEMY_URL"):
        pytest.fail("run with `make test` (it gives the test database and Redis)")
    ini = str(REPO / "test.ini")
    env = cli.child_env(CKAN_INI=ini)
    ckan = [cli.ckan_executable(), "-c", ini]
    log_path = tmp_path / "logs" / "jobs.log"
    with open(tmp_path / "out.txt", "w") as out:
        supervisor = Supervisor(tmp_path / "logs", out=out)
        jobs = supervisor.add(cli.jobs_child(ckan, env))
        supervisor.start_all()
        try:
            assert supervisor.wait(lambda: log_path.exists() and "has started on queue"
                                   in log_path.read_text(), timeout=120), log_path.read_text()
            queued = subprocess.run([*ckan, "jobs", "test"], env=env, capture_output=True,
                                    text=True, timeout=120)
            assert queued.returncode == 0, queued.stderr[-2000:]
            assert supervisor.wait(lambda: "has finished job" in log_path.read_text(),
                                   timeout=60), log_path.read_text()[-3000:]
            pid = jobs.process.pid
        finally:
            supervisor.stop_all()
    deadline = time.monotonic() + 5
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text()
    assert "[jobs" in (tmp_path / "out.txt").read_text()

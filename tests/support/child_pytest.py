"""Run a test selection in a child pytest, on a database of its own.

For the yardsticks (CKAN's own search tests, ckanext-spatial's): their
fixtures drop every table, so they run in a throw-away database of the
server ``make test`` started, with their own ini file.
"""
from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Sequence

import pytest

from ckanext.amp.stack import services

ROOT = Path(__file__).resolve().parents[2]


def run_child_pytest(prefix: str, ini: Path, args: Sequence[str], log: Path,
                     init_db: bool = False, timeout: int = 1200) -> tuple[int, str, str]:
    """``(return code, last line, output)`` of ``pytest --ckan-ini=ini *args``."""
    admin_url = os.environ.get("AMP_TEST_PG_ADMIN_URL")
    if not admin_url:
        pytest.fail("no PostgreSQL server: run the suite with `make test`")
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    services.ensure_database(admin_url, name)
    try:
        env = dict(os.environ, CKAN_SQLALCHEMY_URL=services.with_database(admin_url, name))
        if init_db:
            subprocess.run([str(Path(sys.executable).parent / "ckan"), "-c", str(ini), "db", "init"],
                           cwd=ROOT, env=env, check=True, capture_output=True, timeout=300)
        result = subprocess.run(
            [sys.executable, "-m", "pytest", f"--ckan-ini={ini}", *args, "-q",
             "-p", "no:cacheprovider"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    finally:
        services.drop_database(admin_url, name)
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    log.write_text(result.stdout + result.stderr)
    return result.returncode, summary, result.stdout

"""Fixtures of the amp_validation tests: its table migrated and emptied, and
CKAN's real jobs worker run in burst mode (it forks a work horse per job,
as `ckan jobs worker` does)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from ckan import model


@pytest.fixture
def validation_db(clean_db, clean_queues, migrate_db_for):
    migrate_db_for("amp_validation")
    model.Session.execute(sa.text("TRUNCATE amp_validation_report"))
    model.Session.commit()
    yield
    model.Session.rollback()


@pytest.fixture
def same_storage(tmpdir, monkeypatch):
    """The work horse reloads CKAN's environment, where CKAN_STORAGE_PATH
    wins over the ``ckan.storage_path`` that ``create_with_upload`` sets to
    ``tmpdir``: both point there."""
    monkeypatch.setenv("CKAN_STORAGE_PATH", str(tmpdir))


@pytest.fixture
def run_worker(same_storage):
    """Run the queued jobs with CKAN's worker (burst: until the queue is empty)."""
    from ckan.lib import jobs

    def run() -> int:
        queue = jobs.get_queue()
        count = len(queue.jobs)
        jobs.Worker().work(burst=True)
        model.Session.remove()  # read what the work horse wrote
        return count
    return run

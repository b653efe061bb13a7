"""Fixtures of the amp_access tests: its tables migrated and emptied.

CKAN's ``clean_db`` drops every table on its first call in a process and
then deletes the rows of the tables in CKAN's own metadata; amp_access's
tables are in a metadata of their own (the audit log refuses deletions), so
this fixture migrates them (``ckan db upgrade -p amp_access``'s scripts) and
empties them with ``TRUNCATE``, which the append-only trigger lets through.
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from ckan import model


@pytest.fixture
def access_db(clean_db, migrate_db_for):
    # The activity plugin's columns (permission labels) too: clean_db drops them.
    migrate_db_for("activity")
    migrate_db_for("amp_access")
    model.Session.execute(sa.text(
        "TRUNCATE amp_access_log, amp_grant, amp_access_request RESTART IDENTITY CASCADE"))
    model.Session.commit()
    yield
    model.Session.rollback()

"""The database of the usage tests (amp_dashboard with CKAN's tracking):
CKAN's reset drops every table the first time, so tracking's and
amp_dashboard's come back through their migrations; their rows go."""
from __future__ import annotations

from typing import Callable

import sqlalchemy as sa

from ckan import model

#: Tables emptied before each test.
USAGE_TABLES = ("tracking_raw", "tracking_summary", "amp_dashboard_reuse")


def reset_usage_db(reset_db: Callable[[], None], migrate_db_for: Callable[[str], None]) -> None:
    reset_db()
    migrate_db_for("tracking")
    migrate_db_for("amp_dashboard")
    model.Session.execute(sa.text("TRUNCATE " + ", ".join(USAGE_TABLES)))
    model.Session.commit()

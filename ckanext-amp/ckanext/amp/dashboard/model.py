"""amp_dashboard's table (created by the alembic migration
``migration/amp_dashboard``; this module only describes it).

``amp_dashboard_reuse``: a reuse of a dataset (an application, an
article, a visualisation), the minimal record the usage dashboard counts
(ckanext-showcase does not load on CKAN 2.11, see
docs/decisions/0017-usage-dashboard.md). In a metadata of its own, not
CKAN's, as amp_access's tables.
"""
from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

reuse_table = sa.Table(
    "amp_dashboard_reuse", metadata,
    sa.Column("id", sa.UnicodeText, primary_key=True),
    sa.Column("package_id", sa.UnicodeText, nullable=False),
    sa.Column("title", sa.UnicodeText, nullable=False),
    sa.Column("url", sa.UnicodeText, nullable=False),
    sa.Column("description", sa.UnicodeText, nullable=False, server_default=""),
    sa.Column("creator_user_id", sa.UnicodeText, nullable=False),
    sa.Column("created", sa.DateTime(timezone=True), nullable=False,
              server_default=sa.text("now()")),
)

"""amp_dashboard: the reuses of the datasets (an application, an article, a
visualisation that uses a dataset), counted on the usage dashboard; and two
indexes on CKAN's tracking_summary for the tracking plugin's look-ups.

CKAN's tracking reads, for every dataset and resource of every search
result and dataset page, its latest summary row (``WHERE package_id = ?
ORDER BY tracking_date DESC LIMIT 1``, the same by ``url``). With only
single-column indexes PostgreSQL walks the date index backwards until it
meets the dataset, the whole table for a dataset never viewed: 1.3 s for a
30-row search at 10,000 datasets and a year of tracking
(docs/decisions/0017-usage-dashboard.md).

Revision ID: 5b2f8c1d4e70
Revises:
Create Date: 2026-12-03 10:15:00
"""
import sqlalchemy as sa
from alembic import op

revision = "5b2f8c1d4e70"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "amp_dashboard_reuse",
        sa.Column("id", sa.UnicodeText, primary_key=True),
        sa.Column("package_id", sa.UnicodeText,
                  sa.ForeignKey("package.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("title", sa.UnicodeText, nullable=False),
        sa.Column("url", sa.UnicodeText, nullable=False),
        sa.Column("description", sa.UnicodeText, nullable=False, server_default=""),
        sa.Column("creator_user_id", sa.UnicodeText, nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.text("now()")),
        sa.UniqueConstraint("package_id", "url", name="amp_dashboard_reuse_package_url"),
    )
    # tracking_summary is the tracking plugin's (migrated before amp_dashboard
    # where it is enabled: stack/migrations.py, deploy's CKAN_MIGRATE_PLUGINS);
    # without it there is nothing to index.
    op.execute("""
        DO $$ BEGIN
          IF to_regclass('tracking_summary') IS NOT NULL THEN
            CREATE INDEX IF NOT EXISTS amp_tracking_summary_package_date
              ON tracking_summary (package_id, tracking_date);
            CREATE INDEX IF NOT EXISTS amp_tracking_summary_url_date
              ON tracking_summary (url, tracking_date);
          END IF;
        END $$""")


def downgrade():
    op.execute("DROP INDEX IF EXISTS amp_tracking_summary_url_date")
    op.execute("DROP INDEX IF EXISTS amp_tracking_summary_package_date")
    op.drop_table("amp_dashboard_reuse")

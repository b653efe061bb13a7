"""amp_dashboard: the reuses of the datasets (an application, an article, a
visualisation that uses a dataset), counted on the usage dashboard.

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


def downgrade():
    op.drop_table("amp_dashboard_reuse")

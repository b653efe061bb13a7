"""amp_validation: the last check of each resource against its Table Schema.

Revision ID: 5b8e2f0c4d17
Revises:
Create Date: 2026-12-03 10:10:00
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "5b8e2f0c4d17"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "amp_validation_report",
        # One line per resource: its latest check (a new one replaces it).
        sa.Column("resource_id", sa.UnicodeText, primary_key=True),
        sa.Column("package_id", sa.UnicodeText, nullable=False, index=True),
        sa.Column("status", sa.UnicodeText, nullable=False, server_default="pending"),
        # The conforms_to address checked, and the local copy it named.
        sa.Column("schema_url", sa.UnicodeText, nullable=False),
        sa.Column("schema_name", sa.UnicodeText),
        sa.Column("schema_version", sa.UnicodeText),
        # What the check depends on (file, format, claims): unchanged, no new check.
        sa.Column("fingerprint", sa.UnicodeText, nullable=False),
        # The job that is to write this line (an older job finding another id stops).
        sa.Column("job_id", sa.UnicodeText),
        sa.Column("error_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("rows", sa.Integer, nullable=False, server_default="0"),
        sa.Column("truncated", sa.Boolean, nullable=False, server_default=sa.false()),
        # {problem, notes, errors}: English msgids and parameters (common/table_validation.py).
        sa.Column("report", JSONB, nullable=False, server_default="{}"),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.text("now()")),
        sa.Column("checked_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("status IN ('pending', 'valid', 'invalid', 'error')",
                           name="amp_validation_report_status"),
    )


def downgrade():
    op.drop_table("amp_validation_report")

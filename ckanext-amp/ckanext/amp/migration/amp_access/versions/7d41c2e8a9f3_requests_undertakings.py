"""amp_access: who signs a request's undertaking, where its text came from,
and the accepted texts themselves (by hash).

Revision ID: 7d41c2e8a9f3
Revises: 3c5e1a9b7d20
Create Date: 2026-12-02 09:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "7d41c2e8a9f3"
down_revision = "3c5e1a9b7d20"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("amp_access_request", sa.Column("undertaking_source", sa.UnicodeText))
    op.add_column("amp_access_request", sa.Column("signatory", sa.UnicodeText))
    op.create_index("amp_access_request_status_created", "amp_access_request",
                    ["status", "created"])
    op.create_table(
        "amp_access_undertaking",
        # The SHA-256 of the text, as requests keep it.
        sa.Column("sha256", sa.UnicodeText, primary_key=True),
        sa.Column("version", sa.UnicodeText, nullable=False),
        # convention (the dataset's convention's undertaking) or operator.
        sa.Column("source", sa.UnicodeText, nullable=False),
        sa.Column("reference", sa.UnicodeText),
        sa.Column("text", sa.UnicodeText, nullable=False),
        sa.Column("first_accepted", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.text("now()")),
    )


def downgrade():
    op.drop_table("amp_access_undertaking")
    op.drop_index("amp_access_request_status_created", table_name="amp_access_request")
    op.drop_column("amp_access_request", "signatory")
    op.drop_column("amp_access_request", "undertaking_source")

"""amp_dashboard: the open-data maturity self-assessments of the
organisations, every submission kept (docs/decisions/0018).

Revision ID: 4b7e2c9d1a53
Revises: 5b2f8c1d4e70
Create Date: 2026-12-03 10:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = "4b7e2c9d1a53"
down_revision = "5b2f8c1d4e70"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "amp_maturity_assessment",
        sa.Column("id", sa.UnicodeText, primary_key=True),
        sa.Column("organization_id", sa.UnicodeText, nullable=False),
        # The user who submitted it (user.id; the name is looked up when shown).
        sa.Column("author_id", sa.UnicodeText, nullable=False),
        sa.Column("submitted", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.text("now()")),
        # common/maturity.py's CHECKLIST_VERSION the answers refer to.
        sa.Column("checklist", sa.UnicodeText, nullable=False),
        # JSON {question code: "yes" | "no"} and {question code: comment}.
        sa.Column("answers", sa.UnicodeText, nullable=False),
        sa.Column("comments", sa.UnicodeText, nullable=False, server_default="{}"),
        sa.Column("score", sa.Integer, nullable=False),
    )
    op.create_index("amp_maturity_assessment_org_submitted", "amp_maturity_assessment",
                    ["organization_id", "submitted"])


def downgrade():
    op.drop_index("amp_maturity_assessment_org_submitted", "amp_maturity_assessment")
    op.drop_table("amp_maturity_assessment")

"""amp_access: grants, access requests and the append-only audit log.

Revision ID: 3c5e1a9b7d20
Revises:
Create Date: 2026-12-02 07:15:00
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "3c5e1a9b7d20"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "amp_access_request",
        sa.Column("id", sa.UnicodeText, primary_key=True),
        sa.Column("user_id", sa.UnicodeText, nullable=False, index=True),
        # The dataset asked for (a request may cover several: dataset_ids).
        sa.Column("dataset_id", sa.UnicodeText, nullable=False, index=True),
        sa.Column("dataset_ids", JSONB, nullable=False, server_default="[]"),
        sa.Column("owner_org", sa.UnicodeText, nullable=False, index=True),
        sa.Column("convention", sa.UnicodeText),
        sa.Column("organization", sa.UnicodeText, nullable=False),
        sa.Column("purpose", sa.UnicodeText, nullable=False),
        sa.Column("intended_diffusion", sa.UnicodeText, nullable=False),
        sa.Column("period_start", sa.Date, nullable=False),
        sa.Column("period_end", sa.Date, nullable=False),
        sa.Column("undertaking_version", sa.UnicodeText, nullable=False),
        sa.Column("undertaking_sha256", sa.UnicodeText, nullable=False),
        sa.Column("undertaking_accepted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.UnicodeText, nullable=False, server_default="pending"),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.text("now()")),
        sa.Column("decided_at", sa.DateTime(timezone=True)),
        sa.Column("decided_by", sa.UnicodeText),
        sa.Column("decision_reason", sa.UnicodeText),
        sa.Column("reminded_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("status IN ('pending', 'granted', 'refused', 'withdrawn')",
                           name="amp_access_request_status"),
        sa.CheckConstraint("period_end >= period_start", name="amp_access_request_period"),
    )
    op.create_table(
        "amp_grant",
        sa.Column("id", sa.UnicodeText, primary_key=True),
        sa.Column("dataset_id", sa.UnicodeText, nullable=False, index=True),
        sa.Column("user_id", sa.UnicodeText, nullable=False, index=True),
        sa.Column("convention", sa.UnicodeText),
        sa.Column("request_id", sa.UnicodeText, sa.ForeignKey("amp_access_request.id")),
        sa.Column("signatory", sa.UnicodeText, nullable=False),
        sa.Column("purpose", sa.UnicodeText, nullable=False),
        sa.Column("undertaking_version", sa.UnicodeText),
        sa.Column("undertaking_sha256", sa.UnicodeText),
        sa.Column("starts", sa.Date, nullable=False),
        sa.Column("ends", sa.Date, nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.text("now()")),
        sa.Column("created_by", sa.UnicodeText, nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        sa.Column("revoked_by", sa.UnicodeText),
        sa.Column("revoke_reason", sa.UnicodeText),
        sa.CheckConstraint("ends >= starts", name="amp_grant_period"),
    )
    op.create_table(
        "amp_access_log",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.text("now()"), index=True),
        # download, datastore, attestation, grant, revocation, decision
        sa.Column("kind", sa.UnicodeText, nullable=False),
        sa.Column("user_id", sa.UnicodeText),
        sa.Column("dataset_id", sa.UnicodeText, index=True),
        sa.Column("owner_org", sa.UnicodeText, index=True),
        sa.Column("resource_id", sa.UnicodeText),
        sa.Column("grant_id", sa.UnicodeText),
        # What gave the right: owner, party, grant, sysadmin.
        sa.Column("basis", sa.UnicodeText),
        sa.Column("detail", JSONB, nullable=False, server_default="{}"),
    )
    # Append-only: no update ever; deletions only by the retention job,
    # which sets amp.access_log_purge for its own transaction.
    op.execute("""
        CREATE OR REPLACE FUNCTION amp_access_log_append_only() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'DELETE'
               AND current_setting('amp.access_log_purge', true) = 'on' THEN
                RETURN OLD;
            END IF;
            RAISE EXCEPTION 'amp_access_log is append-only (% refused)', TG_OP;
        END
        $$
    """)
    op.execute("""
        CREATE TRIGGER amp_access_log_append_only
        BEFORE UPDATE OR DELETE ON amp_access_log
        FOR EACH ROW EXECUTE FUNCTION amp_access_log_append_only()
    """)


def downgrade():
    op.execute("DROP TRIGGER IF EXISTS amp_access_log_append_only ON amp_access_log")
    op.execute("DROP FUNCTION IF EXISTS amp_access_log_append_only()")
    op.drop_table("amp_access_log")
    op.drop_table("amp_grant")
    op.drop_table("amp_access_request")

"""Create the tables of amp_conventions: conventions, their parties, data
items, deliveries, events (append-only) and undertakings (versioned).

Revision ID: 3c5e8a1f2b70
Revises:
Create Date: 2026-12-01 09:00:00
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "3c5e8a1f2b70"
down_revision = None
branch_labels = None
depends_on = None

JSONB = postgresql.JSONB(astext_type=sa.Text())


def _convention_fk() -> sa.Column:
    return sa.Column("convention_id", sa.UnicodeText,
                     sa.ForeignKey("amp_convention.id", ondelete="CASCADE"), nullable=False)


def upgrade():
    op.create_table(
        "amp_convention",
        sa.Column("id", sa.UnicodeText, primary_key=True),
        sa.Column("reference", sa.UnicodeText, nullable=False, unique=True),
        sa.Column("title", sa.UnicodeText, nullable=False),
        sa.Column("kind", sa.UnicodeText, nullable=False),
        sa.Column("description", sa.UnicodeText),
        # [{organization_id, body, reference, date, url}]
        sa.Column("deliberations", JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
        sa.Column("date_signed", sa.Date),
        sa.Column("date_notified", sa.Date),
        sa.Column("initial_term_months", sa.Integer),
        sa.Column("tacit_renewal", sa.Boolean),
        sa.Column("renewal_term_months", sa.Integer),
        sa.Column("max_renewals", sa.Integer),
        sa.Column("notice_months", sa.Integer),
        # {internal_use_only, third_party_diffusion_needs_approval,
        #  third_party_access_needs_undertaking, free_of_charge,
        #  charter: {title, date, url}, text}
        sa.Column("usage", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
        sa.Column("licence_id", sa.UnicodeText),
        sa.Column("diffusion", sa.UnicodeText),
        sa.Column("notes", sa.UnicodeText),
        sa.Column("source", sa.UnicodeText),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.Column("modified", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.Column("created_by", sa.UnicodeText),
        sa.Column("modified_by", sa.UnicodeText),
        sa.CheckConstraint("max_renewals IS NULL OR max_renewals >= 0",
                           name="amp_convention_max_renewals_check"),
    )
    op.create_table(
        "amp_convention_party",
        sa.Column("id", sa.UnicodeText, primary_key=True),
        _convention_fk(),
        sa.Column("organization_id", sa.UnicodeText, nullable=False),
        sa.Column("role", sa.UnicodeText, nullable=False),
        # the organisation's SIRET when it signed (copied, not followed)
        sa.Column("siret", sa.UnicodeText),
        sa.Column("represented_by", sa.UnicodeText),
        sa.Column("position", sa.Integer, nullable=False, server_default="0"),
        sa.UniqueConstraint("convention_id", "organization_id",
                            name="amp_convention_party_unique"),
    )
    op.create_index("amp_convention_party_organization", "amp_convention_party",
                    ["organization_id"])
    op.create_table(
        "amp_convention_item",
        sa.Column("id", sa.UnicodeText, primary_key=True),
        _convention_fk(),
        sa.Column("key", sa.UnicodeText, nullable=False),
        sa.Column("position", sa.Integer, nullable=False, server_default="0"),
        sa.Column("provider_id", sa.UnicodeText, nullable=False),
        sa.Column("recipient_id", sa.UnicodeText, nullable=False),
        sa.Column("title", sa.UnicodeText, nullable=False),
        sa.Column("description", sa.UnicodeText),
        sa.Column("periodicity", sa.UnicodeText),
        sa.Column("granularity", sa.UnicodeText),
        sa.Column("history_depth", sa.UnicodeText),
        # [{name, type, unit?}]
        sa.Column("expected_columns", JSONB, nullable=False,
                  server_default=sa.text("'[]'::jsonb")),
        sa.Column("dataset", sa.UnicodeText),
        sa.Column("due_date", sa.Date),
        # [{name, commune?}]
        sa.Column("sites", JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
        sa.Column("site_count", sa.Integer),
        sa.Column("conforms_to", sa.UnicodeText),
        sa.UniqueConstraint("convention_id", "key", name="amp_convention_item_unique"),
    )
    op.create_index("amp_convention_item_dataset", "amp_convention_item", ["dataset"])
    op.create_table(
        "amp_convention_delivery",
        sa.Column("id", sa.UnicodeText, primary_key=True),
        _convention_fk(),
        sa.Column("item_id", sa.UnicodeText,
                  sa.ForeignKey("amp_convention_item.id", ondelete="CASCADE"), nullable=False),
        sa.Column("received", sa.Date, nullable=False),
        sa.Column("resource_id", sa.UnicodeText),
        sa.Column("file_name", sa.UnicodeText),
        sa.Column("url", sa.UnicodeText),
        sa.Column("recorded_by", sa.UnicodeText),
        sa.Column("harvest_job_id", sa.UnicodeText),
        sa.Column("status", sa.UnicodeText, nullable=False, server_default="received"),
        sa.Column("note", sa.UnicodeText),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
    )
    op.create_index("amp_convention_delivery_item", "amp_convention_delivery",
                    ["item_id", "received"])
    op.create_table(
        "amp_convention_event",
        sa.Column("id", sa.UnicodeText, primary_key=True),
        _convention_fk(),
        sa.Column("kind", sa.UnicodeText, nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("effective_date", sa.Date),
        sa.Column("note", sa.UnicodeText),
        sa.Column("data", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
        sa.Column("recorded_by", sa.UnicodeText),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        # the order in which events were written (same day, same second)
        sa.Column("seq", sa.BigInteger, sa.Identity(always=True), nullable=False),
    )
    op.create_index("amp_convention_event_convention", "amp_convention_event",
                    ["convention_id", "date", "seq"])
    op.create_table(
        "amp_convention_undertaking",
        sa.Column("id", sa.UnicodeText, primary_key=True),
        _convention_fk(),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("text", sa.UnicodeText, nullable=False),
        sa.Column("sha256", sa.UnicodeText, nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.Column("created_by", sa.UnicodeText),
        sa.UniqueConstraint("convention_id", "version", name="amp_convention_undertaking_unique"),
    )
    # The log and the undertakings are append-only: a row is never changed
    # (it goes only with its convention).
    op.execute("""
        CREATE OR REPLACE FUNCTION amp_conventions_append_only() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
        END
        $$
    """)
    for table in ("amp_convention_event", "amp_convention_undertaking"):
        op.execute(f"""
            CREATE TRIGGER {table}_append_only BEFORE UPDATE ON {table}
            FOR EACH ROW EXECUTE FUNCTION amp_conventions_append_only()
        """)


def downgrade():
    for table in ("amp_convention_undertaking", "amp_convention_event",
                  "amp_convention_delivery", "amp_convention_item",
                  "amp_convention_party", "amp_convention"):
        op.drop_table(table)
    op.execute("DROP FUNCTION IF EXISTS amp_conventions_append_only()")

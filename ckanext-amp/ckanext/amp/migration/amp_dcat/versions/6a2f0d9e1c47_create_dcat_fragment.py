"""amp_dcat: each dataset's stored DCAT fragment (docs/decisions/0013).

Revision ID: 6a2f0d9e1c47
Revises:
Create Date: 2026-12-02 16:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "6a2f0d9e1c47"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "amp_dcat_fragment",
        sa.Column("package_id", sa.UnicodeText, primary_key=True),
        sa.Column("org_id", sa.UnicodeText, index=True),
        # False: the catalogue does not list the record; no triples are kept.
        sa.Column("listed", sa.Boolean, nullable=False),
        # Set when something the fragment depends on changed (its organisation).
        sa.Column("stale", sa.Boolean, nullable=False, server_default=sa.false()),
        # Digest of the profile version, site URL, licence register... (fragments.context_key).
        sa.Column("context_key", sa.UnicodeText, nullable=False),
        sa.Column("metadata_modified", sa.UnicodeText),
        sa.Column("dataset_uri", sa.UnicodeText),
        sa.Column("digest", sa.UnicodeText, nullable=False),
        sa.Column("nt", sa.UnicodeText, nullable=False),
        sa.Column("ttl", sa.UnicodeText, nullable=False),
        sa.Column("xml", sa.UnicodeText, nullable=False),
        sa.Column("jsonld", sa.UnicodeText, nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.text("now()")),
    )


def downgrade():
    op.drop_table("amp_dcat_fragment")

"""amp_dcat: the digest of what each fragment was computed from.

Revision ID: 8c4d2e6f0a13
Revises: 6a2f0d9e1c47
Create Date: 2026-12-06 22:00:00

A reindex writes every dataset to the index again, and each write used to
compute its fragment again (the profile's graph, four serialisations): two
fifths of a portal's rebuild. ``source_digest`` is the digest of the
dataset's public view and of the context key the fragment was computed
from: when neither changed, the index write leaves the fragment as it is
(fragments.refresh; docs/decisions/0013-dcat-fragments.md). NULL for rows
written before: computed again at their next index write.
"""
import sqlalchemy as sa
from alembic import op

revision = "8c4d2e6f0a13"
down_revision = "6a2f0d9e1c47"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("amp_dcat_fragment", sa.Column("source_digest", sa.UnicodeText))


def downgrade():
    op.drop_column("amp_dcat_fragment", "source_digest")

"""amp_harvest: remote records (content hash, package, absence, withdrawal),
catalogue pages already read, and a summary per job.

Revision ID: 5c1e7a9d2f40
Revises:
Create Date: 2026-12-01 09:00:00
"""
from alembic import op

revision = "5c1e7a9d2f40"
down_revision = None
branch_labels = None
depends_on = None


# No foreign keys to ckanext-harvest's tables: the plugins' migrations may
# run in any order (``ckan amp harvest prune`` removes the rows of sources
# and jobs that are gone).


def upgrade():
    # One row per remote record of a source: what was written last, so that
    # an unchanged record is skipped, and when it went missing.
    op.execute("""
        CREATE TABLE amp_harvest_record (
            source_id text NOT NULL,
            remote_id text NOT NULL,
            package_id text,
            content_hash text,
            status text NOT NULL,
            message text,
            first_seen timestamp without time zone NOT NULL,
            last_written timestamp without time zone,
            missing_since timestamp without time zone,
            withdrawn_at timestamp without time zone,
            withdrawn_reason text,
            last_job_id text,
            PRIMARY KEY (source_id, remote_id)
        )
    """)
    op.execute("CREATE INDEX amp_harvest_record_package_idx ON amp_harvest_record (package_id)")
    # Catalogue pages whose bytes and context were seen before: an unchanged
    # page is not parsed again.
    op.execute("""
        CREATE TABLE amp_harvest_page (
            source_id text NOT NULL,
            url text NOT NULL,
            page_key text NOT NULL,
            next_url text,
            remote_ids text NOT NULL,
            job_id text,
            PRIMARY KEY (source_id, url)
        )
    """)
    op.execute("""
        CREATE TABLE amp_harvest_job (
            job_id text PRIMARY KEY,
            source_id text NOT NULL,
            counts text NOT NULL,
            notes text NOT NULL,
            created timestamp without time zone NOT NULL
        )
    """)


def downgrade():
    op.execute("DROP TABLE amp_harvest_job")
    op.execute("DROP TABLE amp_harvest_page")
    op.execute("DROP TABLE amp_harvest_record")

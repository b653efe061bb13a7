"""Split what every search reads (amp_search_match) from the stored document.

Revision ID: 4b7e2d9c6a15
Revises: 8d1f0c2a7b31
Create Date: 2026-11-29 09:00:00

A free-text search ranks every match and counts facets over all of them:
at 100,000 datasets it read the whole 2.7 KB-per-row table (285 MB, more
than PostgreSQL caches by default). ``amp_search_match`` keeps only what
filtering, ranking, sorting by date and faceting read (about 1.5 KB a row):
the search vector, the visibility and date columns, and ``short_fields``,
the indexed fields but the long or unique ones. ``amp_search_document``
keeps the stored fields, read for the page shown or for conditions on
analysed text or on the long fields. Searches read the two through a LEFT
JOIN on the document's primary key, which PostgreSQL drops from any query
that reads only columns of ``amp_search_match`` (``ENTRY`` in
ckanext/amp/search/engine.py). No view: CKAN's test fixtures drop every
table one by one, which a view on them would prevent.
See docs/decisions/0005-search-performance.md.
"""
from alembic import op

revision = "4b7e2d9c6a15"
down_revision = "8d1f0c2a7b31"
branch_labels = None
depends_on = None

#: Columns that move from amp_search_document to amp_search_match.
MOVED = ("site_id", "state", "capacity", "entity_type", "dataset_type", "metadata_modified",
         "permission_labels", "indexed_order", "search_vector")
#: Keys of ``fields`` left out of ``short_fields``: long or unique values
#: (conditions and facets on them read ``fields``). Keep in step with
#: ``LONG_OR_UNIQUE_FIELDS`` in ckanext/amp/search/compiler.py.
LONG_OR_UNIQUE = ("id", "index_id", "name", "title_string", "metadata_created", "metadata_modified",
             "res_url", "url", "urls", "download_url", "ckan_url")


def _array(values):
    return "ARRAY[" + ", ".join(f"'{value}'" for value in values) + "]::text[]"


def upgrade():
    op.execute("""
        CREATE TABLE amp_search_match (
            index_id text PRIMARY KEY
                REFERENCES amp_search_document (index_id) ON DELETE CASCADE,
            site_id text NOT NULL,
            state text,
            capacity text,
            entity_type text,
            dataset_type text,
            metadata_modified timestamptz,
            permission_labels text[] NOT NULL DEFAULT '{}',
            indexed_order bigserial NOT NULL,
            short_fields jsonb NOT NULL DEFAULT '{}',
            search_vector tsvector NOT NULL
        ) WITH (toast_tuple_target = 8160)
    """)
    # Rows stay whole and uncompressed in the heap up to a page: no TOAST
    # look-up nor decompression per match.
    for column in ("short_fields", "search_vector"):
        op.execute(f"ALTER TABLE amp_search_match ALTER COLUMN {column} SET STORAGE MAIN")
    op.execute(f"""
        INSERT INTO amp_search_match (index_id, site_id, state, capacity, entity_type,
            dataset_type, metadata_modified, permission_labels, indexed_order, short_fields,
            search_vector)
        SELECT index_id, site_id, state, capacity, entity_type, dataset_type, metadata_modified,
            permission_labels, indexed_order, fields - {_array(LONG_OR_UNIQUE)}, search_vector
        FROM amp_search_document
    """)
    op.execute("SELECT setval('amp_search_match_indexed_order_seq', "
               "coalesce((SELECT max(indexed_order) FROM amp_search_match), 0) + 1, false)")
    for column in MOVED:  # their indexes go with them
        op.execute(f"ALTER TABLE amp_search_document DROP COLUMN {column}")
    op.execute("CREATE INDEX amp_search_match_short_fields_idx "
               "ON amp_search_match USING gin (short_fields jsonb_path_ops)")
    op.execute("CREATE INDEX amp_search_match_vector_idx "
               "ON amp_search_match USING gin (search_vector)")
    op.execute("CREATE INDEX amp_search_match_labels_idx "
               "ON amp_search_match USING gin (permission_labels)")
    op.execute("CREATE INDEX amp_search_match_modified_idx "
               "ON amp_search_match (metadata_modified DESC NULLS LAST, indexed_order)")
    # CKAN adds +capacity, +state, +site_id and the permission labels to
    # every search: counting them is an index-only scan. index_id is there
    # because searches read the table through a join on it (dropped, but
    # PostgreSQL still wants the column for an index-only scan).
    op.execute("CREATE INDEX amp_search_match_visibility_idx ON amp_search_match "
               "(site_id, state, capacity) INCLUDE (permission_labels, index_id)")
    op.execute("ANALYZE amp_search_match")


def downgrade():
    op.execute("""
        ALTER TABLE amp_search_document
            ADD COLUMN site_id text, ADD COLUMN state text, ADD COLUMN capacity text,
            ADD COLUMN entity_type text, ADD COLUMN dataset_type text,
            ADD COLUMN metadata_modified timestamptz,
            ADD COLUMN permission_labels text[] NOT NULL DEFAULT '{}',
            ADD COLUMN indexed_order bigserial NOT NULL,
            ADD COLUMN search_vector tsvector
    """)
    op.execute("""
        UPDATE amp_search_document AS d SET site_id = m.site_id, state = m.state,
            capacity = m.capacity, entity_type = m.entity_type, dataset_type = m.dataset_type,
            metadata_modified = m.metadata_modified, permission_labels = m.permission_labels,
            indexed_order = m.indexed_order, search_vector = m.search_vector
        FROM amp_search_match AS m WHERE m.index_id = d.index_id
    """)
    # A document without its match row was never searchable: it goes.
    op.execute("DELETE FROM amp_search_document WHERE search_vector IS NULL OR site_id IS NULL")
    op.execute("ALTER TABLE amp_search_document ALTER COLUMN site_id SET NOT NULL, "
               "ALTER COLUMN search_vector SET NOT NULL, "
               "ALTER COLUMN search_vector SET STORAGE MAIN")
    op.execute("SELECT setval('amp_search_document_indexed_order_seq', "
               "coalesce((SELECT max(indexed_order) FROM amp_search_document), 0) + 1, false)")
    op.execute("DROP TABLE amp_search_match")
    op.execute("CREATE INDEX amp_search_document_vector_idx "
               "ON amp_search_document USING gin (search_vector)")
    op.execute("CREATE INDEX amp_search_document_labels_idx "
               "ON amp_search_document USING gin (permission_labels)")
    op.execute("CREATE INDEX amp_search_document_modified_idx "
               "ON amp_search_document (metadata_modified DESC NULLS LAST, indexed_order)")
    op.execute("CREATE INDEX amp_search_document_visibility_idx "
               "ON amp_search_document (site_id, state, capacity) INCLUDE (permission_labels)")

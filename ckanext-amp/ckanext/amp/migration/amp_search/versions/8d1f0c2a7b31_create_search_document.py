"""Create the search index table and its SQL helpers.

Revision ID: 8d1f0c2a7b31
Revises:
Create Date: 2026-11-22 08:30:00
"""
from alembic import op

revision = "8d1f0c2a7b31"
down_revision = None
branch_labels = None
depends_on = None

# Accented Latin letters folded to ASCII, so that "délibérations" and
# "deliberations" index and match alike whatever the database's locale
# (lower() only knows ASCII under the C locale).
FOLD_FROM = "ÀÁÂÃÄÅàáâãäåÇçÈÉÊËèéêëÌÍÎÏìíîïÑñÒÓÔÕÖØòóôõöøÙÚÛÜùúûüÝŸýÿ"
FOLD_TO = "aaaaaaaaaaaacceeeeeeeeiiiiiiiinnoooooooooooouuuuuuuuyyyy"


def upgrade():
    op.execute(f"""
        CREATE OR REPLACE FUNCTION amp_search_fold(value text) RETURNS text
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
            SELECT replace(replace(replace(replace(
                lower(translate(value, '{FOLD_FROM}', '{FOLD_TO}')),
                'œ', 'oe'), 'Œ', 'oe'), 'æ', 'ae'), 'Æ', 'ae')
        $$
    """)
    # French and English analysis side by side: a word matches when either
    # language's stemmer brings query and document to the same stem.
    op.execute("""
        CREATE OR REPLACE FUNCTION amp_search_vector(value text) RETURNS tsvector
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
            SELECT to_tsvector('french'::regconfig, amp_search_fold(coalesce(value, '')))
                || to_tsvector('english'::regconfig, amp_search_fold(coalesce(value, '')))
        $$
    """)
    op.execute("""
        CREATE OR REPLACE FUNCTION amp_search_values(fields jsonb, field text) RETURNS SETOF text
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
            SELECT value FROM jsonb_array_elements_text(
                CASE jsonb_typeof(fields -> field)
                    WHEN 'array' THEN fields -> field
                    ELSE jsonb_build_array(fields -> field)
                END) AS value
            WHERE value IS NOT NULL
        $$
    """)
    op.execute(r"""
        CREATE OR REPLACE FUNCTION amp_search_number(value text) RETURNS double precision
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
            SELECT CASE
                WHEN value ~ '^\s*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?\s*$'
                THEN value::double precision
            END
        $$
    """)
    op.execute("""
        CREATE TABLE amp_search_document (
            index_id text PRIMARY KEY,
            id text NOT NULL,
            site_id text NOT NULL,
            name text,
            title_string text,
            capacity text,
            state text,
            entity_type text,
            dataset_type text,
            metadata_created timestamptz,
            metadata_modified timestamptz,
            permission_labels text[] NOT NULL DEFAULT '{}',
            fields jsonb NOT NULL,
            texts jsonb NOT NULL DEFAULT '{}',
            search_vector tsvector NOT NULL,
            indexed_order bigserial NOT NULL,
            indexed_at timestamptz NOT NULL DEFAULT now()
        ) WITH (toast_tuple_target = 4080)
    """)
    # What every search reads stays in the row (no TOAST look-up per row);
    # the stored JSON of the dataset, read only for the page shown, lives
    # in a table of its own.
    for column in ("fields", "texts", "search_vector"):
        op.execute(f"ALTER TABLE amp_search_document ALTER COLUMN {column} SET STORAGE MAIN")
    op.execute("""
        CREATE TABLE amp_search_payload (
            index_id text PRIMARY KEY
                REFERENCES amp_search_document (index_id) ON DELETE CASCADE,
            data_dict text,
            validated_data_dict text
        )
    """)
    op.execute("CREATE INDEX amp_search_document_fields_idx "
               "ON amp_search_document USING gin (fields jsonb_path_ops)")
    op.execute("CREATE INDEX amp_search_document_vector_idx "
               "ON amp_search_document USING gin (search_vector)")
    op.execute("CREATE INDEX amp_search_document_labels_idx "
               "ON amp_search_document USING gin (permission_labels)")
    op.execute("CREATE INDEX amp_search_document_modified_idx "
               "ON amp_search_document (metadata_modified DESC NULLS LAST, indexed_order)")
    # CKAN adds +capacity, +state, +site_id and the permission labels to
    # every search: counting them is an index-only scan.
    op.execute("CREATE INDEX amp_search_document_visibility_idx "
               "ON amp_search_document (site_id, state, capacity) INCLUDE (permission_labels)")
    op.execute("CREATE INDEX amp_search_document_id_idx ON amp_search_document (id)")
    op.execute("CREATE INDEX amp_search_document_name_idx ON amp_search_document (name)")


def downgrade():
    op.execute("DROP TABLE IF EXISTS amp_search_payload")
    op.execute("DROP TABLE IF EXISTS amp_search_document")
    for signature in ("amp_search_number(text)", "amp_search_values(jsonb, text)",
                      "amp_search_vector(text)", "amp_search_fold(text)"):
        op.execute(f"DROP FUNCTION IF EXISTS {signature}")

"""The parts of each indexed geometry, for spatial searches without PostGIS.

Revision ID: 6c3e9a1f2d47
Revises: 4b7e2d9c6a15
Create Date: 2026-12-02 16:00:00

ckanext-spatial's ``solr-spatial-field`` backend indexes WKT in a
multi-valued spatial field (``spatial_geom``) and searches it with
``{!field f=spatial_geom}Intersects(ENVELOPE(...))``. Each value is read as
Solr reads it (ckanext/amp/common/spatial_shapes.py: cut at the
antimeridian, repaired) into points, lines and polygons; each one is a row
here with its bounding box (a GiST index on it as PostgreSQL's native
``box``: the prefilter) and its WKB (the exact test, with shapely). Documents
indexed before this revision get their rows here from their stored value.
See docs/decisions/0014-spatial-search.md.
"""
import sqlalchemy as sa
from alembic import op

revision = "6c3e9a1f2d47"
down_revision = "4b7e2d9c6a15"
branch_labels = None
depends_on = None

#: ckanext-spatial's default field name (ckanext.spatial.solr_geom_field_name).
GEOMETRY_FIELD = "spatial_geom"


def upgrade():
    op.execute("""
        CREATE TABLE amp_search_geometry (
            index_id text NOT NULL
                REFERENCES amp_search_document (index_id) ON DELETE CASCADE,
            field text NOT NULL,
            part integer NOT NULL,
            minx double precision NOT NULL,
            miny double precision NOT NULL,
            maxx double precision NOT NULL,
            maxy double precision NOT NULL,
            rectangle boolean NOT NULL,
            shape bytea NOT NULL,
            PRIMARY KEY (index_id, field, part)
        )
    """)
    op.execute("CREATE INDEX amp_search_geometry_bounds_idx ON amp_search_geometry "
               "USING gist (box(point(minx, miny), point(maxx, maxy)))")
    # The envelope of ckanext-spatial's solr-bbox backend, for its overlap
    # filter (ENVELOPE_BOX in ckanext/amp/search/compiler.py, same text).
    op.execute("""
        CREATE INDEX amp_search_match_envelope_idx ON amp_search_match USING gist (
            box(point(amp_search_number(short_fields ->> 'minx'),
                      amp_search_number(short_fields ->> 'miny')),
                point(amp_search_number(short_fields ->> 'maxx'),
                      amp_search_number(short_fields ->> 'maxy'))))
        WHERE short_fields ? 'minx'
    """)
    _backfill()


def _backfill():
    # The engine's own conversion (this revision's table is the current one).
    from ckanext.amp.search.engine import INSERT_GEOMETRY, geometry_rows

    connection = op.get_bind()
    stored = connection.execute(sa.text(
        "SELECT index_id, fields -> :field AS value FROM amp_search_document "
        "WHERE fields ? :field"), {"field": GEOMETRY_FIELD}).all()
    for index_id, value in stored:
        rows = geometry_rows(index_id, {GEOMETRY_FIELD: value})
        if rows:
            connection.execute(sa.text(INSERT_GEOMETRY), rows)
    connection.execute(sa.text(
        "UPDATE amp_search_match SET short_fields = short_fields - :field "
        "WHERE short_fields ? :field"), {"field": GEOMETRY_FIELD})


def downgrade():
    op.execute(f"""
        UPDATE amp_search_match AS m SET short_fields = m.short_fields
            || jsonb_build_object('{GEOMETRY_FIELD}', d.fields -> '{GEOMETRY_FIELD}')
        FROM amp_search_document AS d
        WHERE d.index_id = m.index_id AND d.fields ? '{GEOMETRY_FIELD}'
    """)
    op.execute("DROP INDEX amp_search_match_envelope_idx")
    op.execute("DROP TABLE amp_search_geometry")

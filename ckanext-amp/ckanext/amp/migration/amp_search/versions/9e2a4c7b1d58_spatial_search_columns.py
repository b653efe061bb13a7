"""Spatial searches at 100,000 datasets: the envelope as a column, narrow geometry rows.

Revision ID: 9e2a4c7b1d58
Revises: 6c3e9a1f2d47
Create Date: 2026-12-06 21:30:00

The backend's overlap filter and score read the dataset's envelope (its
``minx``, ``miny``, ``maxx``, ``maxy`` fields). Computed from
``short_fields`` at each search, the box cost five text-to-number
conversions per candidate row and per use (the filter's two bounds, the
score, the index recheck): 380 ms for a box meeting 42,000 datasets at
100,000. ``envelope`` is that same box, computed once when the row is
written (a generated column: the engine's writes do not change), with the
GiST index on it that the filter uses. NULL when the dataset has no
``minx`` or a bound is not a number, as the expression was.

The ``solr-spatial-field`` backend's searches scan ``amp_search_geometry``
by bounding box, two to five times per search; its rows carried their
shape (a commune: ~700 bytes of WKB) in the heap, so a box meeting 42,000
parts read 9,800 pages each time, and grouping the undecided parts by their
shape hashed every one. Each row gets ``shape_key``, the MD5 of its WKB,
and the bounding-box index covers what the scans read (the key, not the
shape): the scans read the index alone, the undecided parts are grouped by
key, one shape per key is read for the exact test, and the shapes found to
meet the query are given back by key (a few keys, not thousands of ids).
Rows are found by key through their own index. See docs/decisions/0014-spatial-search.md.
"""
from alembic import op

revision = "9e2a4c7b1d58"
down_revision = "6c3e9a1f2d47"
branch_labels = None
depends_on = None

ENVELOPE = ("box(point(amp_search_number(short_fields ->> 'minx'), "
            "amp_search_number(short_fields ->> 'miny')), "
            "point(amp_search_number(short_fields ->> 'maxx'), "
            "amp_search_number(short_fields ->> 'maxy')))")
BOUNDS = "box(point(minx, miny), point(maxx, maxy))"
#: What the spatial searches read of a part besides its box.
COVERED = ("field", "rectangle", "index_id", "shape_key", "minx", "miny", "maxx", "maxy")


def upgrade():
    op.execute(f"ALTER TABLE amp_search_match ADD COLUMN envelope box GENERATED ALWAYS AS "
               f"(CASE WHEN short_fields ? 'minx' THEN {ENVELOPE} END) STORED")
    op.execute("DROP INDEX IF EXISTS amp_search_match_envelope_idx")
    op.execute("CREATE INDEX amp_search_match_envelope_idx ON amp_search_match "
               "USING gist (envelope) WHERE envelope IS NOT NULL")
    op.execute("ANALYZE amp_search_match")
    op.execute("ALTER TABLE amp_search_geometry ADD COLUMN shape_key bytea GENERATED ALWAYS AS "
               "(decode(md5(shape), 'hex')) STORED")
    op.execute("CREATE INDEX amp_search_geometry_shape_key_idx "
               "ON amp_search_geometry (shape_key, field) INCLUDE (index_id)")
    # The box scans read the index alone (no heap row, shape included).
    op.execute("DROP INDEX amp_search_geometry_bounds_idx")
    op.execute(f"CREATE INDEX amp_search_geometry_bounds_idx ON amp_search_geometry "
               f"USING gist ({BOUNDS}) INCLUDE ({', '.join(COVERED)})")
    op.execute("ANALYZE amp_search_geometry")


def downgrade():
    op.execute("DROP INDEX amp_search_geometry_bounds_idx")
    op.execute(f"CREATE INDEX amp_search_geometry_bounds_idx ON amp_search_geometry "
               f"USING gist ({BOUNDS})")
    op.execute("DROP INDEX amp_search_geometry_shape_key_idx")
    op.execute("ALTER TABLE amp_search_geometry DROP COLUMN shape_key")
    op.execute("DROP INDEX amp_search_match_envelope_idx")
    op.execute("ALTER TABLE amp_search_match DROP COLUMN envelope")
    op.execute(f"CREATE INDEX amp_search_match_envelope_idx ON amp_search_match "
               f"USING gist ({ENVELOPE}) WHERE short_fields ? 'minx'")

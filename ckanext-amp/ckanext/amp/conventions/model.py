"""The tables of amp_conventions (created by the alembic migration in
``migration/amp_conventions``; ``ckan db upgrade -p amp_conventions``).

SQLAlchemy Core tables on their own ``MetaData`` (CKAN's metadata does not
know them, so CKAN's own table resets leave them to the plugin); every
statement goes through CKAN's ``model.Session``, hence its transaction.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

metadata = sa.MetaData()


def _convention_fk() -> sa.Column:
    return sa.Column("convention_id", sa.UnicodeText,
                     sa.ForeignKey("amp_convention.id", ondelete="CASCADE"), nullable=False)


convention = sa.Table(
    "amp_convention", metadata,
    sa.Column("id", sa.UnicodeText, primary_key=True),
    sa.Column("reference", sa.UnicodeText, nullable=False, unique=True),
    sa.Column("title", sa.UnicodeText, nullable=False),
    sa.Column("kind", sa.UnicodeText, nullable=False),
    sa.Column("description", sa.UnicodeText),
    sa.Column("deliberations", JSONB, nullable=False),
    sa.Column("date_signed", sa.Date),
    sa.Column("date_notified", sa.Date),
    sa.Column("initial_term_months", sa.Integer),
    sa.Column("tacit_renewal", sa.Boolean),
    sa.Column("renewal_term_months", sa.Integer),
    sa.Column("max_renewals", sa.Integer),
    sa.Column("notice_months", sa.Integer),
    sa.Column("usage", JSONB, nullable=False),
    sa.Column("licence_id", sa.UnicodeText),
    sa.Column("diffusion", sa.UnicodeText),
    sa.Column("notes", sa.UnicodeText),
    sa.Column("source", sa.UnicodeText),
    sa.Column("created", sa.DateTime(timezone=True), nullable=False),
    sa.Column("modified", sa.DateTime(timezone=True), nullable=False),
    sa.Column("created_by", sa.UnicodeText),
    sa.Column("modified_by", sa.UnicodeText),
)

party = sa.Table(
    "amp_convention_party", metadata,
    sa.Column("id", sa.UnicodeText, primary_key=True),
    _convention_fk(),
    sa.Column("organization_id", sa.UnicodeText, nullable=False),
    sa.Column("role", sa.UnicodeText, nullable=False),
    sa.Column("siret", sa.UnicodeText),
    sa.Column("represented_by", sa.UnicodeText),
    sa.Column("position", sa.Integer, nullable=False),
)

item = sa.Table(
    "amp_convention_item", metadata,
    sa.Column("id", sa.UnicodeText, primary_key=True),
    _convention_fk(),
    sa.Column("key", sa.UnicodeText, nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("provider_id", sa.UnicodeText, nullable=False),
    sa.Column("recipient_id", sa.UnicodeText, nullable=False),
    sa.Column("title", sa.UnicodeText, nullable=False),
    sa.Column("description", sa.UnicodeText),
    sa.Column("periodicity", sa.UnicodeText),
    sa.Column("granularity", sa.UnicodeText),
    sa.Column("history_depth", sa.UnicodeText),
    sa.Column("expected_columns", JSONB, nullable=False),
    sa.Column("dataset", sa.UnicodeText),
    sa.Column("due_date", sa.Date),
    sa.Column("sites", JSONB, nullable=False),
    sa.Column("site_count", sa.Integer),
    sa.Column("conforms_to", sa.UnicodeText),
)

delivery = sa.Table(
    "amp_convention_delivery", metadata,
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
    sa.Column("status", sa.UnicodeText, nullable=False),
    sa.Column("note", sa.UnicodeText),
    sa.Column("created", sa.DateTime(timezone=True), nullable=False),
)

event = sa.Table(
    "amp_convention_event", metadata,
    sa.Column("id", sa.UnicodeText, primary_key=True),
    _convention_fk(),
    sa.Column("kind", sa.UnicodeText, nullable=False),
    sa.Column("date", sa.Date, nullable=False),
    sa.Column("effective_date", sa.Date),
    sa.Column("note", sa.UnicodeText),
    sa.Column("data", JSONB, nullable=False),
    sa.Column("recorded_by", sa.UnicodeText),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("seq", sa.BigInteger, sa.Identity(always=True), nullable=False),
)

undertaking = sa.Table(
    "amp_convention_undertaking", metadata,
    sa.Column("id", sa.UnicodeText, primary_key=True),
    _convention_fk(),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("text", sa.UnicodeText, nullable=False),
    sa.Column("sha256", sa.UnicodeText, nullable=False),
    sa.Column("created", sa.DateTime(timezone=True), nullable=False),
    sa.Column("created_by", sa.UnicodeText),
)

#: Child tables, in the order their rows are deleted before their parent's.
CHILDREN = (delivery, event, undertaking, item, party)

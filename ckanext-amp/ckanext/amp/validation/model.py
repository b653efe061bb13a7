"""amp_validation's table (created by the alembic migration
``migration/amp_validation``; this module only maps it). In a metadata of
its own, as the other plugins' tables: CKAN's ``clean_db`` leaves it alone,
the tests empty it (tests/validation/conftest.py)."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import declarative_base

metadata = sa.MetaData()
Base = declarative_base(metadata=metadata)


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class ValidationReport(Base):
    """The latest check of one resource against the Table Schema it claims."""

    __tablename__ = "amp_validation_report"

    resource_id = sa.Column(sa.UnicodeText, primary_key=True)
    package_id = sa.Column(sa.UnicodeText, nullable=False)
    status = sa.Column(sa.UnicodeText, nullable=False, default="pending")
    schema_url = sa.Column(sa.UnicodeText, nullable=False)
    schema_name = sa.Column(sa.UnicodeText)
    schema_version = sa.Column(sa.UnicodeText)
    fingerprint = sa.Column(sa.UnicodeText, nullable=False)
    job_id = sa.Column(sa.UnicodeText)
    error_count = sa.Column(sa.Integer, nullable=False, default=0)
    rows = sa.Column(sa.Integer, nullable=False, default=0)
    truncated = sa.Column(sa.Boolean, nullable=False, default=False)
    report = sa.Column(JSONB, nullable=False, default=dict)
    queued_at = sa.Column(sa.DateTime(timezone=True), nullable=False, default=now)
    checked_at = sa.Column(sa.DateTime(timezone=True))

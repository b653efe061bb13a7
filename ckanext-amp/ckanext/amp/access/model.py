"""amp_access tables (created by the alembic migration
``migration/amp_access``; this module only maps them).

The tables live in a metadata of their own, not CKAN's: CKAN's test
``clean_db`` deletes the rows of every table in its metadata, and the audit
log refuses deletions (append-only, enforced by a trigger). Tests clean
them with ``TRUNCATE`` (tests/access/conftest.py).
"""
from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import declarative_base

metadata = sa.MetaData()
Base = declarative_base(metadata=metadata)


def _uuid() -> str:
    return str(uuid.uuid4())


class AccessRequest(Base):
    """A registered user's request for a restricted dataset's data."""

    __tablename__ = "amp_access_request"

    id = sa.Column(sa.UnicodeText, primary_key=True, default=_uuid)
    user_id = sa.Column(sa.UnicodeText, nullable=False)
    dataset_id = sa.Column(sa.UnicodeText, nullable=False)
    dataset_ids = sa.Column(JSONB, nullable=False, default=list)
    owner_org = sa.Column(sa.UnicodeText, nullable=False)
    convention = sa.Column(sa.UnicodeText)
    organization = sa.Column(sa.UnicodeText, nullable=False)
    purpose = sa.Column(sa.UnicodeText, nullable=False)
    intended_diffusion = sa.Column(sa.UnicodeText, nullable=False)
    period_start = sa.Column(sa.Date, nullable=False)
    period_end = sa.Column(sa.Date, nullable=False)
    undertaking_version = sa.Column(sa.UnicodeText, nullable=False)
    undertaking_sha256 = sa.Column(sa.UnicodeText, nullable=False)
    undertaking_accepted_at = sa.Column(sa.DateTime(timezone=True), nullable=False)
    #: ``convention`` or ``operator``: where the accepted text came from.
    undertaking_source = sa.Column(sa.UnicodeText)
    #: Who signs the undertaking (name and capacity), as the requester gave it.
    signatory = sa.Column(sa.UnicodeText)
    status = sa.Column(sa.UnicodeText, nullable=False, default="pending")
    created = sa.Column(sa.DateTime(timezone=True), nullable=False,
                        default=lambda: dt.datetime.now(dt.timezone.utc))
    decided_at = sa.Column(sa.DateTime(timezone=True))
    decided_by = sa.Column(sa.UnicodeText)
    decision_reason = sa.Column(sa.UnicodeText)
    reminded_at = sa.Column(sa.DateTime(timezone=True))


class Grant(Base):
    """A right to a restricted dataset's data, for one user, for a period."""

    __tablename__ = "amp_grant"

    id = sa.Column(sa.UnicodeText, primary_key=True, default=_uuid)
    dataset_id = sa.Column(sa.UnicodeText, nullable=False)
    user_id = sa.Column(sa.UnicodeText, nullable=False)
    convention = sa.Column(sa.UnicodeText)
    request_id = sa.Column(sa.UnicodeText, sa.ForeignKey("amp_access_request.id"))
    signatory = sa.Column(sa.UnicodeText, nullable=False)
    purpose = sa.Column(sa.UnicodeText, nullable=False)
    undertaking_version = sa.Column(sa.UnicodeText)
    undertaking_sha256 = sa.Column(sa.UnicodeText)
    starts = sa.Column(sa.Date, nullable=False)
    ends = sa.Column(sa.Date, nullable=False)
    created = sa.Column(sa.DateTime(timezone=True), nullable=False,
                        default=lambda: dt.datetime.now(dt.timezone.utc))
    created_by = sa.Column(sa.UnicodeText, nullable=False)
    revoked_at = sa.Column(sa.DateTime(timezone=True))
    revoked_by = sa.Column(sa.UnicodeText)
    revoke_reason = sa.Column(sa.UnicodeText)

    def live_on(self, day: dt.date) -> bool:
        """Within its dates and not revoked (its convention is checked apart)."""
        return self.revoked_at is None and self.starts <= day <= self.ends


class AccessLog(Base):
    """One line of the append-only audit log."""

    __tablename__ = "amp_access_log"

    id = sa.Column(sa.BigInteger, primary_key=True, autoincrement=True)
    at = sa.Column(sa.DateTime(timezone=True), nullable=False,
                   default=lambda: dt.datetime.now(dt.timezone.utc))
    kind = sa.Column(sa.UnicodeText, nullable=False)
    user_id = sa.Column(sa.UnicodeText)
    dataset_id = sa.Column(sa.UnicodeText)
    owner_org = sa.Column(sa.UnicodeText)
    resource_id = sa.Column(sa.UnicodeText)
    grant_id = sa.Column(sa.UnicodeText)
    basis = sa.Column(sa.UnicodeText)
    detail = sa.Column(JSONB, nullable=False, default=dict)


class UndertakingText(Base):
    """Every undertaking text a requester accepted, kept once by its hash:
    what a request's ``undertaking_sha256`` was computed from."""

    __tablename__ = "amp_access_undertaking"

    sha256 = sa.Column(sa.UnicodeText, primary_key=True)
    version = sa.Column(sa.UnicodeText, nullable=False)
    source = sa.Column(sa.UnicodeText, nullable=False)
    reference = sa.Column(sa.UnicodeText)
    text = sa.Column(sa.UnicodeText, nullable=False)
    first_accepted = sa.Column(sa.DateTime(timezone=True), nullable=False,
                               default=lambda: dt.datetime.now(dt.timezone.utc))


def as_dict(row: Any) -> dict[str, Any]:
    """A row as JSON-ready values (dates in ISO 8601)."""
    result: dict[str, Any] = {}
    for column in row.__table__.columns:
        value: Optional[Any] = getattr(row, column.name)
        if isinstance(value, (dt.date, dt.datetime)):
            value = value.isoformat()
        result[column.name] = value
    return result


TABLES = [AccessLog.__table__, Grant.__table__, AccessRequest.__table__,
          UndertakingText.__table__]

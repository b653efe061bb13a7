"""The fields of a convention and how each is read (``text``, ``date``,
``int``, ``bool`` — yes, no or not stated —, ``url``), with the choices
and the French labels of the codes (English msgids, shared catalogue).

The same tables serve the API, the forms and ``harvesters/*.yaml``;
docs/stewards-guide.md describes them for the stewards.
"""
from __future__ import annotations

from ckanext.amp.common.diffusion import LEVELS

#: The diffusion levels (common/diffusion.py).
DIFFUSION_LEVELS = tuple(LEVELS)

CONVENTION_FIELDS = {
    "reference": "text",
    "title": "text",
    "kind": "text",
    "description": "text",
    "date_signed": "date",
    "date_notified": "date",
    "initial_term_months": "int",
    "tacit_renewal": "bool",
    "renewal_term_months": "int",
    "max_renewals": "int",
    "notice_months": "int",
    "licence_id": "text",
    "diffusion": "text",
    "notes": "text",
    "source": "text",
}
#: Keys handled apart, or shown by amp_convention_show and sent back unchanged.
IGNORED_FIELDS = (
    "parties", "deliberations", "usage", "items", "undertaking", "id", "status", "events",
    "created", "modified", "created_by", "modified_by", "summary", "datasets", "url",
    "rights_statement", "usage_in_words",
)

PARTY_FIELDS = {"organization": "text", "role": "text", "represented_by": "text"}
PARTY_IGNORED = ("organization_id", "organization_title", "siret", "id", "position")
PARTY_ROLES = ("provider", "recipient", "both", "signatory")

DELIBERATION_FIELDS = {"organization": "text", "body": "text", "reference": "text",
                       "date": "date", "url": "url"}

USAGE_FIELDS = {
    "internal_use_only": "bool",
    "third_party_diffusion_needs_approval": "bool",
    "third_party_access_needs_undertaking": "bool",
    "free_of_charge": "bool",
    "text": "text",
}
CHARTER_FIELDS = {"title": "text", "date": "date", "url": "url"}

ITEM_FIELDS = {
    "key": "text",
    "title": "text",
    "description": "text",
    "provider": "text",
    "recipient": "text",
    "periodicity": "text",
    "granularity": "text",
    "history_depth": "text",
    "dataset": "text",
    "due_date": "date",
    "site_count": "int",
    "conforms_to": "url",
}
ITEM_IGNORED = ("expected_columns", "sites", "id", "provider_id", "recipient_id",
                "provider_title", "recipient_title", "position", "convention_id", "schedule")
COLUMN_FIELDS = {"name": "text", "type": "text", "unit": "text", "description": "text"}
#: Table Schema field types (frictionless).
COLUMN_TYPES = ("string", "number", "integer", "boolean", "date", "datetime", "time", "year",
                "yearmonth", "duration", "geopoint", "geojson", "object", "array", "any")
SITE_FIELDS = {"name": "text", "commune": "text"}

EVENT_FIELDS = {"kind": "text", "date": "date", "effective_date": "date", "note": "text"}
EVENT_IGNORED = ("id", "convention", "reference")

DELIVERY_STATUSES = ("received", "accepted", "rejected")

# --- labels (English msgids, French in the shared catalogue) -----------

KIND_LABELS = {
    "open_data_partnership": "Open data partnership",
    "data_exchange": "Data exchange",
    "smart_territory": "Smart territory",
    "cross_referencing": "Cross-referencing",
}
STATE_LABELS = {
    "draft": "Not notified (draft)",
    "active": "In force",
    "suspended": "Suspended",
    "terminated": "Terminated",
    "expired": "Expired",
}
ROLE_LABELS = {
    "provider": "Provides data",
    "recipient": "Receives data",
    "both": "Provides and receives data",
    "signatory": "Signatory",
}
EVENT_LABELS = {
    "notified": "notification",
    "renewed": "renewal",
    "not_renewed": "notice of non-renewal",
    "suspended": "suspension",
    "resumed": "resumption",
    "termination_notified": "notice of termination",
    "terminated": "termination",
    "rights_withdrawn": "rights withdrawn",
    "rights_restored": "rights restored",
    "end_reminder": "reminder of the end",
    "late_deliveries": "late deliveries notified",
    "undertaking_changed": "new version of the undertaking",
}
DELIVERY_LABELS = {
    "received": "On time",
    "received_late": "Received late",
    "late": "Late",
    "due": "Due",
    "pending": "Awaited",
}

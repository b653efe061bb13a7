"""What the portal writes for a remote record: the mapped fields, stamped
with the source's provenance and its convention's terms. Pure (no CKAN).

The remote record never decides who sees the data: the owner organisation
is the source's, the diffusion level and the licence are the convention's
(public only for a source of open data, or a convention that says so), and
the fields that carry visibility (``private``, ``access_rights``…) are
dropped from the remote side before stamping.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping
from urllib.parse import urlsplit

from ckanext.amp.common import diffusion as diffusion_rules
from ckanext.amp.common.licences import UnknownLicence, load_registry
from ckanext.amp.common.messages import TranslatableError

from .records import MappedRecord, content_hash

__all__ = ["ConventionTerms", "PROVENANCE_FIELDS", "SourceContext", "check_licence",
           "convention_fields", "stamp", "stamped_hash"]

#: Fields the harvester owns: whatever the remote record says is replaced.
PROVENANCE_FIELDS = ("source_portal", "canonical_url", "harvest_source", "harvest_remote_id",
                     "harvest_date", "harvest_withdrawn", "harvest_withdrawn_reason")
_REMOTE_NEVER = frozenset({
    "id", "name", "owner_org", "organization", "convention", "diffusion", "diffusion_basis",
    "diffusion_basis_note", "metadata_visibility", "access_rights", "private", "state", "type",
    "groups", "creator_user_id", "metadata_created", "metadata_modified", "revision_id",
    "quality_score", "relationships_as_object", "relationships_as_subject", *PROVENANCE_FIELDS,
})
_RESOURCE_NEVER = frozenset({"id", "package_id", "url_type", "revision_id", "datastore_active",
                             "cache_url", "cache_last_updated", "created", "position", "state"})
NON_PUBLIC = ("internal", "personal")


@dataclass(frozen=True)
class ConventionTerms:
    """What the convention says about the data it covers."""

    reference: str
    diffusion: str | None
    licence_id: str | None


@dataclass(frozen=True)
class SourceContext:
    """The source a record comes from."""

    source_name: str
    source_url: str
    owner_org: str
    mode: str = "copy"
    terms: ConventionTerms | None = None
    open_data_only: bool = False

    @property
    def portal(self) -> str:
        parts = urlsplit(self.source_url)
        return f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}/"


def _resource(resource: Mapping[str, Any], mode: str) -> dict[str, Any]:
    kept = {key: value for key, value in resource.items()
            if key not in _RESOURCE_NEVER and value not in (None, "", [], {})}
    if mode == "reference":
        # Cross-referencing: the downloads stay on the source portal.
        kept["url"] = kept.get("download_url") or kept.get("access_url") or kept.get("url") or ""
    return kept


def stamp(record: MappedRecord, context: SourceContext) -> dict[str, Any]:
    """The dataset dict to write for ``record`` (without ``harvest_date``,
    which changes at every write and is not part of the content)."""
    dataset = {key: value for key, value in record.dataset.items()
               if key not in _REMOTE_NEVER and key != "resources"}
    dataset["resources"] = [_resource(resource, context.mode)
                            for resource in record.dataset.get("resources") or []
                            if isinstance(resource, Mapping)]
    dataset["type"] = "dataset"
    dataset["owner_org"] = context.owner_org
    dataset.update(convention_fields(context))
    dataset["source_portal"] = context.portal
    if record.remote_url:
        dataset["canonical_url"] = record.remote_url
        if context.mode == "reference":
            dataset["url"] = record.remote_url
    dataset["harvest_source"] = context.source_name
    dataset["harvest_remote_id"] = record.remote_id
    return dataset


def convention_fields(context: SourceContext) -> dict[str, Any]:
    """What the source's convention decides of a dataset written under it:
    ``convention``, ``diffusion`` (public for a source of open data),
    ``license_id``, ``diffusion_basis`` and ``private``. A delivery
    (``amp_delivery``) sets them on the data item's dataset it feeds."""
    terms = context.terms
    fields: dict[str, Any] = {}
    if terms is not None:
        fields["convention"] = terms.reference
    diffusion = "public"
    if terms is not None and terms.diffusion and not context.open_data_only:
        diffusion = terms.diffusion
    fields["diffusion"] = diffusion
    if terms is not None and terms.licence_id:
        fields["license_id"] = terms.licence_id
    if diffusion != "public":
        fields["diffusion_basis"] = "convention"
    fields["private"] = diffusion in NON_PUBLIC
    return fields


def check_licence(dataset: dict[str, Any], terms: ConventionTerms | None,
                  allowed_open: Iterable[str] = ()) -> TranslatableError | None:
    """The licence of a stamped dataset, checked against its level before
    anything is written (the rules of :mod:`ckanext.amp.common.diffusion`):
    the registry's id replaces the variant the source used. Returns the
    problem, or None. A non-public dataset without a licence is left to the
    schema, which gives it its level's default."""
    value = dataset.get("license_id")
    entry = None
    if isinstance(value, str) and value.strip():
        try:
            entry = load_registry().map(value)
        except UnknownLicence as error:
            return error
        dataset["license_id"] = entry.id
    try:
        diffusion_rules.check_licence(dataset.get("diffusion"), entry,
                                      allowed_open=allowed_open,
                                      convention_licence=terms.licence_id if terms else None)
    except TranslatableError as error:
        return error
    return None


def stamped_hash(dataset: Mapping[str, Any]) -> str:
    """The content hash of a stamped dataset (what decides "unchanged")."""
    return content_hash({key: value for key, value in dataset.items() if key != "harvest_date"})

"""A CKAN action API package (``package_search`` / ``package_show``) onto
our schema (source type ``amp_ckan``). Pure.

Works with stock CKAN 2.x, ckanext-scheming/ckanext-dcat schemas (fields
at the top level: ``theme``, ``contact``, ``temporal_coverage``...), DataSud's
CKAN-compatible API (``category``, ``kinds``) and DKAN (``result`` as a
list, HTML descriptions, French dates, ckanext-spatial's ISO extras such as
``responsible-party`` and ``dataset-reference-date`` written as HTML-escaped
JSON). docs/decisions/0009-harvest-mapping.md has the table of fields.
"""
from __future__ import annotations

import html
import json
from typing import Any, Mapping

from ckanext.amp.common.harvest.builder import RecordBuilder
from ckanext.amp.common.harvest.records import MappedRecord
from ckanext.amp.common.harvest.spatial import read_spatial
from ckanext.amp.common.harvest.text import plain
from ckanext.amp.common.values import as_list

__all__ = ["ckan_package_to_record", "ckan_packages", "fill_from_package"]

#: ISO CI_RoleCode of ckanext-spatial's ``responsible-party`` extra -> our field.
_CONTACT_ROLES = {"pointOfContact"}
_PUBLISHER_ROLES = {"publisher"}
_CREATOR_ROLES = {"author", "originator"}


def ckan_packages(response: Any) -> list[dict[str, Any]]:
    """The packages of a CKAN API answer: ``package_search`` (``result.results``),
    ``package_show`` (``result``), DKAN's list, or a bare package."""
    if not isinstance(response, Mapping):
        return [item for item in response if isinstance(item, dict)] \
            if isinstance(response, list) else []
    result = response.get("result", response)
    if isinstance(result, Mapping) and isinstance(result.get("results"), list):
        result = result["results"]
    if isinstance(result, list):
        return [item for item in result if isinstance(item, dict)]
    return [dict(result)] if isinstance(result, Mapping) else []


def _extras(package: Mapping[str, Any]) -> dict[str, Any]:
    extras = package.get("extras")
    found: dict[str, Any] = {}
    if isinstance(extras, Mapping):
        found.update(extras)
    elif isinstance(extras, list):
        for item in extras:
            if isinstance(item, Mapping) and isinstance(item.get("key"), str):
                found.setdefault(item["key"], item.get("value"))
    return found


def _json(value: Any) -> Any:
    """An extra written as JSON, possibly HTML-escaped (DKAN); else as is."""
    if not isinstance(value, str):
        return value
    text = html.unescape(value).strip()
    if text[:1] in "[{":
        try:
            return json.loads(text)
        except ValueError:
            return value
    return value


def _get(package: Mapping[str, Any], extras: Mapping[str, Any], *keys: str) -> Any:
    for key in keys:
        for source in (package, extras):
            value = source.get(key)
            if value not in (None, "", [], {}):
                return _json(value)
    return None


def _base(base_url: Any) -> str:
    return plain(base_url).rstrip("/")


def ckan_package_to_record(package: dict[str, Any], base_url: str) -> MappedRecord:
    """Map one CKAN package of the portal at ``base_url`` (its root, e.g.
    ``https://www.datasud.fr/fr/indexer/service/ckan``)."""
    if not isinstance(package, Mapping):
        builder = RecordBuilder(None)
        builder.record.error("", "The record is not a CKAN dataset")
        return builder.finish()
    extras = _extras(package)
    remote_id = plain(package.get("id")) or plain(package.get("name")) \
        or plain(_get(package, extras, "identifier", "guid", "uri"))
    name = plain(package.get("name")) or remote_id
    base = _base(base_url)
    builder = RecordBuilder(remote_id, f"{base}/dataset/{name}" if base and name else None)
    fill_from_package(builder, package, base)
    return builder.finish()


def fill_from_package(builder: RecordBuilder, package: Mapping[str, Any], base: str = "") -> None:
    """Write the fields of a CKAN-shaped dataset dict (a CKAN API package,
    or what ckanext-dcat's RDF parser produces) into ``builder``."""
    extras = _extras(package)
    remote_id = builder.record.remote_id
    builder.title(package.get("title") or package.get("name"))
    builder.notes(package.get("notes") or extras.get("notes") or extras.get("description"))
    builder.keywords(package.get("tags"))
    builder.keywords(_get(package, extras, "keywords", "tag_string"))
    builder.themes(_get(package, extras, "theme", "themes", "topic-category"))
    for groups in (package.get("groups"), package.get("category")):
        # CKAN groups are the portal's own: kept when they map to a theme.
        from ckanext.amp.common.harvest.themes import read_themes

        mapped = read_themes(groups).themes
        if mapped:
            builder.dataset["theme"] = list(dict.fromkeys(builder.dataset.get("theme", []) + mapped))

    builder.licence(package.get("license_id"), package.get("license_url"),
                    package.get("license_title"), _get(package, extras, "license", "licence"))

    reference_dates = _get(package, extras, "dataset-reference-date")
    by_type: dict[str, Any] = {}
    for item in reference_dates if isinstance(reference_dates, list) else []:
        if isinstance(item, Mapping) and plain(item.get("type")):
            by_type.setdefault(plain(item["type"]), item.get("value"))
    builder.date("issued", _get(package, extras, "issued", "dcat_issued"),
                 by_type.get("publication"), by_type.get("creation"),
                 package.get("metadata_created"))
    builder.date("modified", _get(package, extras, "modified", "dcat_modified"),
                 by_type.get("revision"), package.get("metadata_modified"))
    temporal = package.get("temporal_coverage")
    for item in temporal if isinstance(temporal, list) else []:
        if isinstance(item, Mapping):
            builder.temporal(item.get("start"), item.get("end"))
    start = _get(package, extras, "temporal_start", "temporal-extent-begin")
    end = _get(package, extras, "temporal_end", "temporal-extent-end")
    if start or end:
        builder.temporal(plain(start), plain(end))

    builder.frequency(_get(package, extras, "frequency", "accrual_periodicity",
                           "frequency-of-update", "update_frequency"))
    builder.languages(_get(package, extras, "language", "dataset-language", "metadata-language"))

    # agents
    builder.agents("contact", package.get("contact") if isinstance(package.get("contact"), list)
                   else [])
    maintainer = {"name": package.get("maintainer"), "email": package.get("maintainer_email")}
    author = {"name": package.get("author"), "email": package.get("author_email")}
    extra_contact = {"name": extras.get("contact_name") or extras.get("contact-name"),
                     "email": extras.get("contact_email") or extras.get("contact-email")}
    contacts = [candidate for candidate in (maintainer, extra_contact)
                if any(plain(v) for v in candidate.values())]
    if not contacts and not builder.dataset.get("contact") and any(plain(v) for v in author.values()):
        contacts = [author]
    builder.agents("contact", contacts)
    if plain(author["name"]):
        builder.agents("creator", package.get("creator") if isinstance(package.get("creator"), list)
                       else author)
    parties = _get(package, extras, "responsible-party")
    for party in parties if isinstance(parties, list) else []:
        if not isinstance(party, Mapping):
            continue
        roles = set(as_list(party.get("roles") or party.get("role")))
        if roles & _CONTACT_ROLES:
            builder.agents("contact", party)
        if roles & _PUBLISHER_ROLES:
            builder.agents("publisher", party)
        if roles & _CREATOR_ROLES:
            builder.agents("creator", party)
    publisher = package.get("publisher")
    if isinstance(publisher, list) and publisher:
        builder.agents("publisher", publisher)
    elif plain(extras.get("publisher_name")):
        builder.agents("publisher", {"name": extras.get("publisher_name"),
                                     "email": extras.get("publisher_email"),
                                     "url": extras.get("publisher_url"),
                                     "uri": extras.get("publisher_uri")})
    elif isinstance(package.get("organization"), Mapping) and plain(package["organization"].get("title")):
        organization = package["organization"]
        builder.agents("publisher", {"name": organization.get("title"),
                                     "url": f"{base}/organization/{plain(organization.get('name'))}"
                                     if base and plain(organization.get("name")) else None})

    # spatial
    coverage = package.get("spatial_coverage")
    for item in coverage if isinstance(coverage, list) else []:
        if isinstance(item, Mapping):
            builder.spatial(read_spatial(zones=[item.get("uri"), item.get("text")],
                                         geometries=item.get("geom"),
                                         bboxes=None))
            if item.get("bbox") and not item.get("geom"):
                builder.spatial(read_spatial(geometries=item.get("bbox")))
    bbox = {key: extras.get(f"bbox-{key}-{suffix}") for key, suffix in
            (("west", "long"), ("east", "long"), ("north", "lat"), ("south", "lat"))}
    builder.spatial(read_spatial(
        zones=as_list(package.get("spatial_zones")) + [v for v in (
            _get(package, extras, "spatial_uri"), _get(package, extras, "spatial_text")) if v],
        geometries=_get(package, extras, "spatial"),
        bboxes=bbox if all(plain(v) for v in bbox.values()) else None,
    ))

    # identifiers and references
    builder.text("identifier", _get(package, extras, "identifier", "guid", "dct_identifier")
                 or remote_id, limit=500)
    builder.uri("uri", _get(package, extras, "uri"))
    builder.uri("url", package.get("url"))
    builder.uri("homepage", _get(package, extras, "homepage"))
    builder.text("version", package.get("version"), limit=100)
    builder.text("version_notes", _get(package, extras, "version_notes"), multiline=True)
    builder.text("provenance", _get(package, extras, "provenance", "lineage"), multiline=True)
    builder.text("temporal_resolution", _get(package, extras, "temporal_resolution"), limit=100)
    builder.number("spatial_resolution_in_meters",
                   _get(package, extras, "spatial_resolution_in_meters"))
    for field in ("documentation", "conforms_to", "is_referenced_by", "has_version",
                  "applicable_legislation"):
        builder.uris(field, _get(package, extras, field))
    builder.hvd_categories(_get(package, extras, "hvd_category"))

    resources = package.get("resources")
    for resource in resources if isinstance(resources, list) else []:
        if not isinstance(resource, Mapping):
            continue
        builder.resource(
            url=resource.get("url"), name=resource.get("name"),
            description=resource.get("description"), fmt=resource.get("format"),
            mimetype=resource.get("mimetype"), size=resource.get("size"),
            issued=resource.get("issued") or resource.get("created"),
            modified=resource.get("modified") or resource.get("last_modified"),
            download_url=resource.get("download_url"), access_url=resource.get("access_url"),
            license=resource.get("license"), rights=resource.get("rights"),
            conforms_to=_json(resource.get("conforms_to")),
            language=_json(resource.get("language")), hash=resource.get("hash"),
            hash_algorithm=resource.get("hash_algorithm"), uri=resource.get("uri"),
            documentation=_json(resource.get("documentation")),
            availability=resource.get("availability"), temporal_resolution=resource.get(
                "temporal_resolution"), compress_format=resource.get("compress_format"),
            package_format=resource.get("package_format"),
            applicable_legislation=_json(resource.get("applicable_legislation")))

"""An OpenDataSoft Explore API v2.1 dataset onto our schema (source type
``amp_ods``). Pure.

A ``catalog/datasets`` result is keyed on ``dataset_uid`` (it survives a
rename of ``dataset_id``); its page is ``{portal}/explore/dataset/{dataset_id}/``;
its data are the dataset's exports,
``{portal}/api/explore/v2.1/catalog/datasets/{dataset_id}/exports/{format}``
(CSV, JSON, Excel for every dataset with records; GeoJSON, Shapefile and KML
when it has the ``geo`` feature), and its attached files
``…/datasets/{dataset_id}/attachments/{attachment id}``. The metadata are
``metas.default`` (the standard template) and, where the portal fills it,
``metas.dcat`` (the DCAT interoperability template).
"""
from __future__ import annotations

import urllib.parse
from typing import Any, Mapping

from ckanext.amp.common.harvest.builder import RecordBuilder
from ckanext.amp.common.harvest.records import MappedRecord
from ckanext.amp.common.harvest.spatial import read_spatial
from ckanext.amp.common.harvest.text import plain
from ckanext.amp.common.values import as_list

__all__ = ["EXPORTS", "GEO_EXPORTS", "ods_dataset_to_record", "ods_datasets"]

#: Exports linked for every dataset with records: (format id, name, EU file type).
EXPORTS = (("csv", "Export CSV", "CSV"), ("json", "Export JSON", "JSON"),
           ("xlsx", "Export Excel", "XLSX"))
#: Exports added for datasets with the ``geo`` feature.
GEO_EXPORTS = (("geojson", "Export GeoJSON", "GEOJSON"), ("shp", "Export Shapefile", "SHP"),
               ("kml", "Export KML", "KML"))


def ods_datasets(response: Any) -> list[dict[str, Any]]:
    """The datasets of a ``catalog/datasets`` answer (``results``), or of a
    ``catalog/datasets/{id}`` answer (the dataset itself)."""
    if isinstance(response, Mapping):
        if isinstance(response.get("results"), list):
            return [item for item in response["results"] if isinstance(item, dict)]
        if "dataset_id" in response or "dataset_uid" in response:
            return [dict(response)]
    return []


def _quote(identifier: str) -> str:
    return urllib.parse.quote(identifier, safe="-_.~@")


def ods_dataset_to_record(dataset: dict[str, Any], portal_url: str) -> MappedRecord:
    """Map one ``catalog/datasets`` result of the portal at ``portal_url``
    (e.g. ``https://www.herault-data.fr``)."""
    if not isinstance(dataset, Mapping):
        builder = RecordBuilder(None)
        builder.record.error("", "The record is not an OpenDataSoft dataset")
        return builder.finish()
    portal = plain(portal_url).rstrip("/")
    dataset_id = plain(dataset.get("dataset_id"))
    uid = plain(dataset.get("dataset_uid"))
    page = f"{portal}/explore/dataset/{_quote(dataset_id)}/" if portal and dataset_id else None
    builder = RecordBuilder(uid, page)
    if not uid and dataset_id:
        builder.record.error("", "The dataset {dataset_id} has no dataset_uid",
                             dataset_id=dataset_id)
    metas = dataset.get("metas") if isinstance(dataset.get("metas"), Mapping) else {}
    meta = metas.get("default") if isinstance(metas.get("default"), Mapping) else {}
    dcat = metas.get("dcat") if isinstance(metas.get("dcat"), Mapping) else {}

    builder.title(meta.get("title") or dataset_id)
    builder.notes(meta.get("description"))
    builder.keywords(meta.get("keyword"))
    builder.themes(meta.get("theme"))
    builder.licence(meta.get("license"), meta.get("license_url"))
    builder.date("issued", dcat.get("issued"), dcat.get("created"))
    builder.date("modified", meta.get("modified"), meta.get("data_processed"))
    temporal = plain(dcat.get("temporal"))
    if plain(dcat.get("temporal_coverage_start")) or plain(dcat.get("temporal_coverage_end")):
        builder.temporal(dcat.get("temporal_coverage_start"), dcat.get("temporal_coverage_end"))
    elif "/" in temporal:
        start, end = temporal.split("/", 1)
        builder.temporal(start, end)
    builder.frequency(dcat.get("accrualperiodicity") or dcat.get("accrual_periodicity"))
    builder.languages(meta.get("language") or meta.get("metadata_languages"))

    contact = {"name": dcat.get("contact_name"), "email": dcat.get("contact_email")}
    if any(plain(value) for value in contact.values()):
        builder.agents("contact", contact)
    if plain(meta.get("publisher")):
        builder.agents("publisher", {"name": meta.get("publisher")})
    if plain(dcat.get("creator")):
        builder.agents("creator", {"name": dcat.get("creator")})

    area = meta.get("geographic_area")
    builder.spatial(read_spatial(
        zones=as_list(meta.get("territory"), split_commas=False) + as_list(dcat.get("spatial"),
                                                                           split_commas=False),
        geometries=area if area not in (None, "", {}) else None))

    builder.text("identifier", dataset_id or uid, limit=500)
    builder.uri("url", page)
    builder.text("provenance", meta.get("attributions"), multiline=True)
    references = plain(meta.get("references"))
    if references.startswith(("http://", "https://")):
        builder.uris("documentation", references, warn=False)

    if portal and dataset_id:
        api = f"{portal}/api/explore/v2.1/catalog/datasets/{_quote(dataset_id)}"
        features = set(as_list(dataset.get("features")))
        if dataset.get("has_records", True) and dataset.get("data_visible", True) is not False:
            exports = EXPORTS + (GEO_EXPORTS if "geo" in features else ())
            for fmt, name, code in exports:
                link = f"{api}/exports/{fmt}"
                builder.resource(url=link, name=name, fmt=code, download_url=link,
                                 modified=meta.get("data_processed") or meta.get("modified"))
        attachments = dataset.get("attachments")
        for attachment in attachments if isinstance(attachments, list) else []:
            if not isinstance(attachment, Mapping) or not plain(attachment.get("id")):
                continue
            link = plain(attachment.get("url"))
            if not link.startswith(("http://", "https://")):
                link = f"{api}/attachments/{_quote(plain(attachment['id']))}"
            builder.resource(url=link, name=attachment.get("title") or attachment.get("id"),
                             mimetype=attachment.get("mimetype"), download_url=link)
    return builder.finish()

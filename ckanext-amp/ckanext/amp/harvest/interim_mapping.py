"""INTERIM record mapping, to be deleted when the ``harvest-mapping`` branch
lands: ``common/harvest`` will then provide ``ckan_package_to_record`` and
``dcat_dataset_to_record`` (licences, themes, dates, spatial, contacts),
and the harvesters import those instead. Thin on purpose: it keeps what our
schema takes as it comes and maps nothing but resource formats, to an EU file type when the
format, the media type or the address's extension names one (CKAN would
otherwise guess a media type the schema refuses).
"""
from __future__ import annotations

from typing import Any, Mapping

from ckanext.amp.common.harvest.records import MappedRecord
from ckanext.amp.common.validation import InvalidValue, vocabulary_value

_RESOURCE_KEYS = ("url", "name", "description", "mimetype", "size", "access_url",
                  "download_url", "uri")


def _format(item: Mapping[str, Any]) -> str | None:
    url = str(item.get("download_url") or item.get("url") or item.get("access_url") or "")
    candidates = [item.get("format"), str(item.get("mimetype") or "").rsplit("/", 1)[-1],
                  url.split("?", 1)[0].rsplit("/", 1)[-1].rsplit(".", 1)[-1] if "." in url else None]
    for candidate in candidates:
        if candidate and str(candidate).strip():
            try:
                return vocabulary_value("file-type", str(candidate).strip(), to="code")
            except InvalidValue:
                continue
    return None


def _resources(items: Any) -> list[dict[str, Any]]:
    resources = []
    for item in items or []:
        if isinstance(item, Mapping) and (item.get("url") or item.get("access_url")
                                          or item.get("download_url")):
            resource = {key: item[key] for key in _RESOURCE_KEYS if item.get(key)}
            resource.setdefault("url", item.get("download_url") or item.get("access_url"))
            resource["format"] = _format(item) or "OCTET"
            resources.append(resource)
    return resources


def ckan_package_to_record(package: Mapping[str, Any], portal_url: str) -> MappedRecord:
    """A ``package_show`` dict of a remote CKAN."""
    dataset: dict[str, Any] = {
        "title": package.get("title") or package.get("name"),
        "notes": package.get("notes"),
        "name": package.get("name"),
        "license_id": package.get("license_id"),
        "url": package.get("url"),
        "version": package.get("version"),
        "tag_string": ",".join(t.get("name", "") for t in package.get("tags") or []
                               if isinstance(t, Mapping) and t.get("name")),
        "resources": _resources(package.get("resources")),
    }
    dataset = {key: value for key, value in dataset.items() if value not in (None, "", [])}
    page = f"{portal_url.rstrip('/')}/dataset/{package.get('name') or package.get('id')}"
    return MappedRecord(str(package.get("id") or package.get("name")), dataset, remote_url=page)


def dcat_dataset_to_record(dataset: Mapping[str, Any]) -> MappedRecord:
    """A dict of ckanext-dcat's RDF parser (with the amp_dcat_ap_fr profile)."""
    extras = {extra.get("key"): extra.get("value") for extra in dataset.get("extras") or []
              if isinstance(extra, Mapping)}
    remote_id = dataset.get("uri") or extras.get("uri") or dataset.get("identifier") \
        or extras.get("identifier") or dataset.get("name") or ""
    fields = {key: value for key, value in dataset.items()
              if key not in ("extras", "resources") and value not in (None, "", [])}
    fields["resources"] = _resources(dataset.get("resources"))
    record = MappedRecord(str(remote_id), fields,
                          remote_url=dataset.get("url") or (str(remote_id) if str(remote_id)
                                                            .startswith("http") else None))
    if not remote_id:
        record.error("", "The record has neither a URI nor an identifier")
    return record

"""Solr documents shaped exactly as CKAN indexes a dataset, for the engine's tests."""
from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

SITE = "default"
NOW = dt.datetime.now(dt.timezone.utc)


def solr_document(name: str, title: str, notes: str = "", *, tags: tuple[str, ...] = (),
                  organization: str | None = "metropole-amp", private: bool = False,
                  labels: tuple[str, ...] = ("public",), modified_days_ago: int = 1,
                  formats: tuple[str, ...] = ("CSV",), extras: dict[str, str] | None = None,
                  **more: Any) -> dict[str, Any]:
    package_id = str(uuid.uuid5(uuid.NAMESPACE_URL, name))
    modified = (NOW - dt.timedelta(days=modified_days_ago)).replace(tzinfo=None)
    data = {"id": package_id, "name": name, "title": title, "notes": notes}
    document = {
        "id": package_id, "name": name, "title": title, "title_string": title, "notes": notes,
        "site_id": SITE, "index_id": uuid.uuid5(uuid.NAMESPACE_DNS, name).hex,
        "entity_type": "package", "dataset_type": "dataset", "type": "dataset",
        "state": "active", "capacity": "private" if private else "public", "private": private,
        "tags": list(tags), "groups": [], "organization": organization,
        "owner_org": organization, "license_id": "etalab-2.0", "num_resources": len(formats),
        "num_tags": len(tags), "res_format": list(formats), "res_name": [f"{title} ({f})" for f in formats],
        "res_description": [], "res_url": [f"https://data.example.org/{name}.{f.lower()}" for f in formats],
        "metadata_created": modified.isoformat() + "Z", "metadata_modified": modified.isoformat() + "Z",
        "permission_labels": list(labels),
        "data_dict": json.dumps(data), "validated_data_dict": json.dumps(data),
    }
    for key, value in (extras or {}).items():
        document[f"extras_{key}"] = value
    document.update(more)
    return document

"""DCAT datasets onto our schema (source type ``amp_dcat``). Pure.

* :func:`dcat_dataset_to_record` takes the dict ckanext-dcat's RDF parser
  produces for one ``dcat:Dataset`` (``RDFParser(profiles=[...]).datasets()``,
  with our ``amp_dcat_ap_fr`` profile or stock ``euro_dcat_ap_2/3``): the
  parser does the RDF, this module does the values (its lists may be JSON
  text, its themes blank-node ids, its licences URIs, its frequencies Dublin
  Core terms...). The harvester runs the parser; nothing here imports CKAN.
* :func:`dcat_json_dataset_to_record` takes one dataset of a DCAT-JSON
  (Project Open Data ``data.json``) catalogue, as ckanext-dcat's
  ``dcat_json`` harvester reads.
"""
from __future__ import annotations

import json
from typing import Any, Mapping

from ckanext.amp.common.harvest.builder import RecordBuilder
from ckanext.amp.common.harvest.ckan import fill_from_package
from ckanext.amp.common.harvest.records import MappedRecord
from ckanext.amp.common.harvest.spatial import read_spatial
from ckanext.amp.common.harvest.text import plain
from ckanext.amp.common.values import as_list

__all__ = ["dcat_dataset_to_record", "dcat_json_dataset_to_record"]


def _list(value: Any) -> list[Any]:
    if isinstance(value, str) and value.strip().startswith("["):
        try:
            loaded = json.loads(value)
        except ValueError:
            return [value]
        return loaded if isinstance(loaded, list) else [loaded]
    return as_list(value, split_commas=False)


def dcat_dataset_to_record(dataset: dict[str, Any], catalogue_url: str | None = None) -> MappedRecord:
    """Map one dataset dict of ckanext-dcat's RDF parser. ``remote_id`` is
    its ``dct:identifier``, else its URI; ``remote_url`` its landing page,
    else its URI. ``catalogue_url`` is only used when the dataset has none
    of these (its position in the catalogue is then unknown)."""
    if not isinstance(dataset, Mapping):
        builder = RecordBuilder(None)
        builder.record.error("", "The record is not a DCAT dataset")
        return builder.finish()
    extras = {item.get("key"): item.get("value") for item in dataset.get("extras") or []
              if isinstance(item, Mapping)} if isinstance(dataset.get("extras"), list) else {}
    identifier = plain(dataset.get("identifier")) or plain(extras.get("identifier"))
    uri = plain(dataset.get("uri")) or plain(extras.get("uri"))
    landing = plain(dataset.get("url"))
    builder = RecordBuilder(identifier or uri, landing or uri or catalogue_url)
    normalised = dict(dataset)
    for key in ("theme", "language", "conforms_to", "documentation", "is_referenced_by",
                "has_version", "applicable_legislation", "hvd_category", "alternate_identifier"):
        if key in normalised:
            normalised[key] = _list(normalised[key])
    fill_from_package(builder, normalised, "")
    builder.text("dcat_type", dataset.get("dcat_type"), limit=500)
    alternates = [plain(value) for value in _list(dataset.get("alternate_identifier"))
                  if plain(value) and not _blank(plain(value))]
    if alternates:
        builder.dataset["alternate_identifier"] = alternates[:50]

    for item in _list(dataset.get("qualified_attribution")):
        if not isinstance(item, Mapping):
            continue
        agent = item.get("agent")
        if isinstance(agent, list) and agent:
            agent = agent[0]
        if not isinstance(agent, Mapping):
            agent = {"name": item.get("agent_name"), "email": item.get("agent_email"),
                     "url": item.get("agent_url"), "uri": item.get("agent_uri"),
                     "identifier": item.get("agent_identifier")}
        builder.attribution(agent, item.get("role"))
    relations = []
    for item in _list(dataset.get("qualified_relation")):
        if not isinstance(item, Mapping):
            continue
        relation = {key: plain(item.get(key)) for key in ("relation", "role", "uri")
                    if plain(item.get(key)).startswith(("http://", "https://"))}
        if relation.get("relation") and relation not in relations:
            relations.append(relation)
    if relations:
        builder.dataset["qualified_relation"] = relations
    return builder.finish()


def _blank(text: str) -> bool:
    from ckanext.amp.common.harvest.themes import _BNODE

    return bool(_BNODE.match(text))


def dcat_json_dataset_to_record(dataset: dict[str, Any], catalogue_url: str | None = None) -> MappedRecord:
    """Map one dataset of a DCAT-JSON (``data.json``) catalogue."""
    if not isinstance(dataset, Mapping):
        builder = RecordBuilder(None)
        builder.record.error("", "The record is not a DCAT dataset")
        return builder.finish()
    identifier = plain(dataset.get("identifier")) or plain(dataset.get("@id"))
    landing = plain(dataset.get("landingPage"))
    builder = RecordBuilder(identifier, landing or (identifier if identifier.startswith("http")
                                                    else catalogue_url))
    builder.title(dataset.get("title"))
    builder.notes(dataset.get("description"))
    builder.keywords(dataset.get("keyword"))
    builder.themes(dataset.get("theme"))
    distributions = [d for d in as_list(dataset.get("distribution")) if isinstance(d, Mapping)]
    builder.licence(dataset.get("license"), *[d.get("license") for d in distributions])
    builder.date("issued", dataset.get("issued"))
    builder.date("modified", dataset.get("modified"))
    temporal = plain(dataset.get("temporal"))
    if "/" in temporal:
        start, end = temporal.split("/", 1)
        builder.temporal(start, end)
    builder.frequency(dataset.get("accrualPeriodicity"))
    builder.languages(dataset.get("language"))
    contact = dataset.get("contactPoint")
    if isinstance(contact, Mapping):
        builder.agents("contact", {"name": contact.get("fn"), "email": contact.get("hasEmail")})
    publisher = dataset.get("publisher")
    builder.agents("publisher", publisher if isinstance(publisher, Mapping) else {"name": publisher})
    spatial = dataset.get("spatial")
    if plain(spatial):
        text = plain(spatial)
        looks_bbox = len([p for p in text.split(",") if p.strip()]) == 4
        builder.spatial(read_spatial(bboxes=text) if looks_bbox else
                        read_spatial(geometries=text) if text.startswith(("{", "POLYGON", "POINT"))
                        else read_spatial(zones=text))
    builder.text("identifier", identifier, limit=500)
    builder.uri("url", landing)
    builder.uris("conforms_to", dataset.get("conformsTo"))
    builder.uris("documentation", dataset.get("describedBy"), warn=False)
    for distribution in distributions:
        builder.resource(url=distribution.get("downloadURL") or distribution.get("accessURL"),
                         name=distribution.get("title"),
                         description=distribution.get("description"),
                         fmt=distribution.get("format"), mimetype=distribution.get("mediaType"),
                         size=distribution.get("byteSize"), issued=distribution.get("issued"),
                         modified=distribution.get("modified"),
                         download_url=distribution.get("downloadURL"),
                         access_url=distribution.get("accessURL"),
                         license=distribution.get("license"), rights=distribution.get("rights"))
    return builder.finish()

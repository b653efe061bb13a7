"""The ``amp_dcat_ap_fr`` RDF profile: DCAT-AP 3 (ckanext-dcat, with
scheming support) plus the bundle's fields, mapped by the CKAN-free
:mod:`ckanext.amp.common.dcat_mapping`."""
from __future__ import annotations

import json
from typing import Any

from ckan import model
from ckan.plugins import toolkit
from rdflib import URIRef
from rdflib.namespace import DCAT, DCTERMS

from ckanext.dcat.profiles import EuropeanDCATAP3Profile

from ckanext.amp.common import agents, dcat_mapping

#: Extras the DCAT-AP 2/3 parsers write for ``dct:spatial`` (rebuilt here).
_SPATIAL_EXTRAS = ("spatial", "spatial_uri", "spatial_text", "spatial_bbox", "spatial_centroid")


def _prune(items: Any, subfields: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The non-empty values of ``items`` (a list of dicts) whose keys are
    among ``subfields`` (scheming's ``repeating_subfields``), recursively."""
    by_name = {subfield["field_name"]: subfield for subfield in subfields}
    kept_items = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        kept = {}
        for name, value in item.items():
            subfield = by_name.get(name)
            if subfield is None or value in (None, "", [], {}):
                continue
            if name == "uri" and not str(value).startswith(("http://", "https://", "urn:")):
                # ckanext-dcat gives a blank node's id as the activity's URI.
                continue
            if subfield.get("repeating_subfields"):
                value = _prune(value, subfield["repeating_subfields"])
                if not value:
                    continue
            kept[name] = value
        if kept:
            kept_items.append(kept)
    return kept_items


def _portal_page(dataset_dict: dict[str, Any]) -> str | None:
    site_url = (toolkit.config.get("ckan.site_url") or "").rstrip("/")
    name = dataset_dict.get("name") or dataset_dict.get("id")
    return f"{site_url}/dataset/{name}" if site_url and name else None


def _licence_titles(license_id: Any) -> dict[str, str]:
    """Titles of a licence in the portal's register: the register's own (in
    the portal's language) and, for the receiving portals that run in English
    with CKAN's stock register, ``title_en`` (CKAN's stock title for CKAN's
    own licences)."""
    if not license_id:
        return {}
    licence = model.Package.get_license_register().get(license_id)
    if licence is None:
        return {}
    language = (toolkit.config.get("ckan.locale_default") or "en").split("_")[0]
    titles = {language: str(licence.title)}
    english = getattr(licence, "title_en", None)
    if english and language != "en":
        titles["en"] = str(english)
    return titles


class AmpDcatApFrProfile(EuropeanDCATAP3Profile):
    """DCAT-AP 3 + HVD + the French/AMP fields (docs/decisions/0004)."""

    # -- CKAN -> RDF -----------------------------------------------------
    def graph_from_dataset(self, dataset_dict: dict[str, Any], dataset_ref: Any) -> None:
        super().graph_from_dataset(agents.nest_agents(dataset_dict), dataset_ref)
        organization = dataset_dict.get("organization") or {}
        dcat_mapping.graph_from_dataset(
            self.g,
            dataset_ref,
            dataset_dict,
            publisher_name=organization.get("title") if isinstance(organization, dict) else None,
            landing_page=_portal_page(dataset_dict),
            licence_titles=_licence_titles(dataset_dict.get("license_id")),
        )
        self._add_convention(dataset_dict, dataset_ref)

    def _add_convention(self, dataset_dict: dict[str, Any], dataset_ref: Any) -> None:
        """``dct:rights`` of a dataset under a convention whose public
        summary the reader may see (amp_conventions, when loaded)."""
        reference = str(dataset_dict.get("convention") or "").strip()
        if not reference:
            return
        cache = self.__dict__.setdefault("_amp_conventions", {})
        if reference not in cache:
            try:
                cache[reference] = toolkit.get_action("amp_convention_show")(
                    {}, {"id": reference, "summary": True})
            except (KeyError, toolkit.ObjectNotFound, toolkit.NotAuthorized):
                cache[reference] = None
        summary = cache[reference]
        if not summary or not summary.get("rights_statement"):
            return
        standards = (summary.get("standards") or {})
        names = {dataset_dict.get("name"), dataset_dict.get("id")}
        dcat_mapping.add_convention(
            self.g, dataset_ref, summary["url"], summary["rights_statement"],
            lang=(toolkit.config.get("ckan.locale_default") or "fr").split("_")[0],
            conforms_to=sorted({uri for name, uris in standards.items() if name in names
                                for uri in uris}))

    def graph_from_catalog(self, catalog_dict: dict[str, Any], catalog_ref: Any) -> None:
        super().graph_from_catalog(catalog_dict, catalog_ref)
        catalog = {
            "publisher_name": toolkit.config.get("ckanext.amp.dcat.publisher_name"),
            "publisher_siret": toolkit.config.get("ckanext.amp.dcat.publisher_siret"),
            **(catalog_dict or {}),
        }
        dcat_mapping.graph_from_catalog(self.g, catalog_ref, catalog,
                                        toolkit.config.get("ckan.site_title"),
                                        toolkit.config.get("ckan.site_url"))

    # -- RDF -> CKAN -----------------------------------------------------
    def parse_dataset(self, dataset_dict: dict[str, Any], dataset_ref: Any) -> dict[str, Any]:
        dcat_mapping.flatten_geometries(self.g)
        dataset_dict = super().parse_dataset(dataset_dict, dataset_ref)
        fields = dcat_mapping.dataset_from_graph(self.g, dataset_ref)
        extras = dataset_dict.setdefault("extras", [])

        # dct:spatial: zones apart, the rest as spatial_coverage.
        if fields.get("spatial_zones"):
            others = dcat_mapping.other_spatial(self.g, dataset_ref)
            extras[:] = [e for e in extras if e["key"] not in _SPATIAL_EXTRAS]
            if self._schema_field("spatial_coverage"):
                if others:
                    dataset_dict["spatial_coverage"] = others
                else:
                    dataset_dict.pop("spatial_coverage", None)
            elif others:
                first = others[0]
                for key, extra in (("uri", "spatial_uri"), ("text", "spatial_text"),
                                   ("geom", "spatial"), ("bbox", "spatial_bbox"),
                                   ("centroid", "spatial_centroid")):
                    if first.get(key):
                        extras.append({"key": extra, "value": first[key]})

        for resource in dataset_dict.get("resources", []):
            dcat_mapping.resource_format_from_rdf(resource)

        # Licence: a URI the licence register does not know is kept as is.
        if not dataset_dict.get("license_id"):
            licence = self._first_licence(dataset_ref)
            if licence:
                dataset_dict["license_id"] = licence

        self._keep_schema_subfields(dataset_dict)

        for key, value in fields.items():
            extras[:] = [e for e in extras if e["key"] != key]
            if self._dataset_schema is not None and self._schema_field(key):
                dataset_dict[key] = value
            else:
                dataset_dict.pop(key, None)
                extras.append({"key": key,
                               "value": value if isinstance(value, str) else json.dumps(value)})
        return dataset_dict

    def _keep_schema_subfields(self, dataset_dict: dict[str, Any]) -> None:
        """ckanext-dcat's parser fills contacts, agents, provenance and
        attributions with keys the schema has no field for (RDF classes,
        translations) and with empty strings; keep what the schema, hence
        the form, holds."""
        if self._dataset_schema is None:
            return
        # amp_schema edits one agent in flat agent_* subfields; a schema with
        # ckanext-dcat's nested ones (dcat_ap_full) keeps the nested agents.
        flat = [field["field_name"] for field in self._dataset_schema.get("dataset_fields", [])
                if field["field_name"] in agents.AGENT_HOLDERS
                and any(sub["field_name"] in agents.AGENT_SUBFIELDS
                        for sub in field.get("repeating_subfields") or [])]
        agents.flatten_agents(dataset_dict, flat)
        for field in self._dataset_schema.get("dataset_fields", []):
            key = field["field_name"]
            if field.get("repeating_subfields") and dataset_dict.get(key):
                kept = _prune(dataset_dict[key], field["repeating_subfields"])
                if kept:
                    dataset_dict[key] = kept
                else:
                    dataset_dict.pop(key)

    def _first_licence(self, dataset_ref: Any) -> str | None:
        candidates = list(self.g.objects(dataset_ref, DCTERMS.license))
        for distribution in self.g.objects(dataset_ref, DCAT.distribution):
            candidates.extend(self.g.objects(distribution, DCTERMS.license))
        for licence in candidates:
            if isinstance(licence, URIRef):
                entry = dcat_mapping.load_vocabulary("licence").get(str(licence))
                return entry.uri if entry is not None and entry.uri else str(licence)
        return None

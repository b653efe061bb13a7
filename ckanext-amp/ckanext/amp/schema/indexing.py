"""What amp_schema adds to, and changes in, the search index document.

CKAN's stock Solr schema (``ckan/config/solr/schema.xml``) decides:

* ``quality_score`` has no field of its own, so it falls in the dynamic
  ``*`` field: a single-valued, indexed (not stored) ``string``. The score is
  written with three digits (``"085"``) so that sorting and ranges on the
  string follow the numbers (``sort=quality_score desc``,
  ``fq=quality_score:[050 TO 100]``, ``facet.field=quality_score``).
* A list in a single-valued field is refused by Solr (and by amp_search in
  strict mode). Every list of plain values (``theme``, ``language``,
  ``spatial_zones``, ``hvd_category``, ``applicable_legislation``,
  ``conforms_to``, ``documentation``...) is indexed twice: under
  ``vocab_<name>``, the stock multi-valued string field (one facet value per
  item, exact-match filters such as ``vocab_theme:"http://...ENVI"``, copied
  to the full-text field), and under its own name as one space-joined
  string. Lists of objects (scheming's repeating sub-fields: ``contact``,
  ``temporal_coverage``...) and objects are serialised as one JSON string,
  which is what ckanext-scheming's ``scheming_nerf_index`` does and what
  ckanext-dcat's own ``before_dataset_index`` reads back (it json-loads
  strings) to index ``extras_<field>__<subfield>``.
"""
from __future__ import annotations

import json
from typing import Any, Mapping

from ckanext.amp.common import quality, spatial_coverage
from ckanext.amp.common.solr_schema import load_schema

#: The index field of the score (dynamic ``*`` field, string, zero-padded).
QUALITY_FIELD = "quality_score"

#: Prefix of the stock multi-valued string fields lists are copied to.
LIST_PREFIX = "vocab_"


def _multi_valued(name: str) -> bool:
    """Whether CKAN's stock Solr schema makes ``name`` multi-valued."""
    spec = load_schema().field(name)
    return bool(spec and spec.multi_valued)


def _source(pkg_dict: Mapping[str, Any]) -> Mapping[str, Any]:
    """The dataset as package_show shows it: CKAN indexes the dict before the
    show schema runs (scheming fields still in ``extras``) and keeps the
    validated copy, with lists and resources, in ``validated_data_dict``."""
    for key in ("validated_data_dict", "data_dict"):
        text = pkg_dict.get(key)
        if isinstance(text, str) and text:
            try:
                loaded = json.loads(text)
            except ValueError:
                continue
            if isinstance(loaded, dict):
                return loaded
    return pkg_dict


#: Keys of the shown dataset that CKAN indexes in its own way.
_CKAN_KEYS = frozenset({"tags", "groups", "resources", "extras", "organization",
                        "relationships_as_object", "relationships_as_subject"})


def _plain_items(value: Any) -> list[str] | None:
    """The items of a list of plain values (None if not such a list)."""
    if not isinstance(value, (list, tuple)):
        return None
    if any(isinstance(item, (Mapping, list, tuple)) for item in value):
        return None
    return [str(item) for item in value if item not in (None, "")]


def index_document(pkg_dict: dict[str, Any], spatial_search: bool = False) -> dict[str, Any]:
    """Add the quality score and make every list fit the stock Solr schema.

    CKAN hands over its document with the scheming fields as they are
    stored (a JSON string for a list); the lists are read from the shown
    dataset (``validated_data_dict``). With ``spatial_search`` (ckanext-spatial's
    ``spatial_query`` loaded), the geometry of ``spatial_coverage`` is handed
    to it as ``extras_spatial`` and ``spatial``
    (:mod:`ckanext.amp.common.spatial_coverage`);
    it indexes them and removes them from the document.
    """
    source = _source(pkg_dict)
    if spatial_search and not pkg_dict.get("extras_spatial"):
        geometry = spatial_coverage.search_geometry(source.get("spatial_coverage"))
        if geometry is not None:
            # The plugin tests ``extras_spatial``, its backends read ``spatial``.
            pkg_dict["extras_spatial"] = pkg_dict["spatial"] = json.dumps(
                geometry, separators=(",", ":"))
    report = quality.score(source)
    pkg_dict[QUALITY_FIELD] = quality.index_value(report.score)
    for name, value in source.items():
        items = _plain_items(value)
        if items is None or name in _CKAN_KEYS or _multi_valued(name):
            continue
        if items:
            pkg_dict[LIST_PREFIX + name] = items
            pkg_dict[name] = " ".join(items)
        else:
            pkg_dict.pop(name, None)
    for name in list(pkg_dict):
        value = pkg_dict[name]
        if isinstance(value, Mapping):
            pkg_dict[name] = json.dumps(value)
            continue
        if not isinstance(value, (list, tuple)) or _multi_valued(name):
            continue
        items = _plain_items(value)
        if items is None:
            pkg_dict[name] = json.dumps(value)
        elif items:
            pkg_dict[LIST_PREFIX + name] = list(dict.fromkeys(
                list(pkg_dict.get(LIST_PREFIX + name) or []) + items))
            pkg_dict[name] = " ".join(items)
        else:
            pkg_dict.pop(name)
    return pkg_dict

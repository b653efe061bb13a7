"""Agents of a dataset as the form holds them and as ckanext-dcat does (pure).

The form (schemas/) gives each qualified attribution and each provenance
activity its agent as flat ``agent_*`` subfields; ckanext-dcat's DCAT-AP 3
profile reads and writes a nested agent dict (``agent`` /
``wasAssociatedWith``). :func:`nest_agents` and :func:`flatten_agents`
reshape one into the other, for ``ckanext.amp.dcat.profiles``. No CKAN.
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping

from ckanext.amp.common.values import stripped as _text

__all__ = ["AGENT_HOLDERS", "AGENT_SUBFIELDS", "flatten_agents", "nest_agents"]

#: The form's flat agent subfields and the keys of ckanext-dcat's agent dicts.
AGENT_SUBFIELDS = {"agent_name": "name", "agent_email": "email", "agent_url": "url",
                   "agent_uri": "uri", "agent_identifier": "identifier"}
#: Structured fields whose items hold one agent, and where ckanext-dcat nests it.
AGENT_HOLDERS = {"qualified_attribution": "agent", "provenance_activity": "wasAssociatedWith"}


def nest_agents(dataset: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``dataset`` whose attributions and activities carry their
    agent as ckanext-dcat expects (``agent`` / ``wasAssociatedWith``: a list
    of one agent dict) instead of the form's flat ``agent_*`` subfields."""
    nested = dict(dataset)
    for field, key in AGENT_HOLDERS.items():
        items = dataset.get(field)
        if not isinstance(items, list):
            continue
        nested[field] = []
        for item in items:
            if not isinstance(item, dict):
                continue
            rest = {k: v for k, v in item.items() if k not in AGENT_SUBFIELDS}
            agent = {AGENT_SUBFIELDS[k]: v for k, v in item.items()
                     if k in AGENT_SUBFIELDS and _text(v)}
            if agent:
                rest[key] = [agent]
            nested[field].append(rest)
    return nested


def flatten_agents(dataset: dict[str, Any], fields: Iterable[str]) -> None:
    """The inverse of :func:`nest_agents`, in place, for ``fields`` (those of
    :data:`AGENT_HOLDERS` whose schema has the flat subfields): the first
    agent of each attribution or activity becomes ``agent_*`` subfields."""
    back = {key: subfield for subfield, key in AGENT_SUBFIELDS.items()}
    for field in fields:
        key = AGENT_HOLDERS[field]
        for item in dataset.get(field) or []:
            if not isinstance(item, dict):
                continue
            agents = item.pop(key, None) or []
            if agents and isinstance(agents[0], dict):
                for name, value in agents[0].items():
                    if name in back and _text(value):
                        item[back[name]] = value

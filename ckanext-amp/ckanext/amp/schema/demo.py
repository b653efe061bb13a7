"""Demo data of the portal: ``ckan amp demo load`` (and ``make run``'s first run).

The organisations and datasets are in ``schemas/demo/organizations.yaml``
and ``schemas/demo/datasets.yaml`` (French text; each dataset names its
organisation with ``organization:``). They are written with CKAN's own
actions as the site user, so the schema of amp_schema validates them like
any other record.

Idempotent: records are found by name; an existing record is updated only
when the YAML says something else than what is stored (compared after the
schema's validation on both sides), so loading twice changes nothing, not
even ``metadata_modified``. A dataset refused by the schema stops the load
with a French message naming the dataset and the field; CKAN validates
before it writes, so nothing of that dataset is written.
"""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Optional

import yaml

from ckanext.amp.common.paths import data_path

ORGANIZATIONS_FILE = ("schemas", "demo", "organizations.yaml")
DATASETS_FILE = ("schemas", "demo", "datasets.yaml")

#: Organisation fields the loader writes (and compares).
ORGANIZATION_FIELDS = ("title", "description", "image_url", "kind", "siret", "insee_code",
                       "website", "contact_name", "contact_email")

#: Keys of a validated dataset that are not the loader's business.
_IGNORED_KEYS = frozenset({
    "id", "metadata_created", "metadata_modified", "revision_id", "num_resources",
    "num_tags", "organization", "groups", "relationships_as_object",
    "relationships_as_subject", "creator_user_id", "tracking_summary", "quality_score",
    "__extras", "__junk", "state", "type", "tag_string", "plugin_data",
})

#: Resource keys filled by CKAN, never by the YAML.
_RESOURCE_IGNORED = frozenset({
    "id", "package_id", "created", "last_modified", "metadata_modified", "position",
    "url_type", "tracking_summary", "state", "cache_url", "cache_last_updated",
    "datastore_active", "__extras", "__junk", "revision_id", "mimetype_inner",
})


class DemoError(Exception):
    """The demo data cannot be loaded (message in French)."""


@dataclass
class LoadReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"{len(self.created)} créé(s), {len(self.updated)} mis à jour, "
                f"{len(self.unchanged)} inchangé(s)")


# ---------------------------------------------------------------- reading


def _read_list(parts: tuple[str, ...], key: str, path: Optional[Path]) -> list[dict[str, Any]]:
    source = Path(path) if path is not None else data_path(*parts)
    try:
        with open(source, encoding="utf-8") as stream:
            content = yaml.safe_load(stream) or {}
    except OSError as exc:
        raise DemoError(f"fichier de démonstration illisible : {source} ({exc})") from None
    except yaml.YAMLError as exc:
        raise DemoError(f"fichier de démonstration mal formé : {source}\n{exc}") from None
    items = content.get(key) if isinstance(content, Mapping) else None
    if not isinstance(items, list) or not all(isinstance(i, Mapping) for i in items):
        raise DemoError(f"{source} : une liste « {key}: » d’objets est attendue")
    names = [str(item.get("name") or "") for item in items]
    if not all(names):
        raise DemoError(f"{source} : chaque entrée de « {key} » doit avoir un « name »")
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise DemoError(f"{source} : noms en double : {', '.join(duplicates)}")
    return [dict(item) for item in items]


def read_organizations(path: Optional[Path] = None) -> list[dict[str, Any]]:
    return _read_list(ORGANIZATIONS_FILE, "organizations", path)


def read_datasets(path: Optional[Path] = None) -> list[dict[str, Any]]:
    datasets = _read_list(DATASETS_FILE, "datasets", path)
    for dataset in datasets:
        if not dataset.get("organization"):
            raise DemoError(f"jeu de données « {dataset['name']} » : "
                            f"« organization » (nom de l’organisation) manquant")
    return datasets


# ----------------------------------------------------------- error messages


def _flatten_errors(errors: Any, prefix: str = "") -> list[tuple[str, str]]:
    """``[(field, message)]`` from a CKAN error dict (nested for resources
    and repeating sub-fields)."""
    found: list[tuple[str, str]] = []
    if isinstance(errors, Mapping):
        for key, value in errors.items():
            found.extend(_flatten_errors(value, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(errors, (list, tuple)):
        if all(isinstance(item, str) for item in errors):
            found.extend((prefix, item) for item in errors)
        else:
            for index, item in enumerate(errors):
                if item:
                    found.extend(_flatten_errors(item, f"{prefix}[{index}]"))
    elif errors:
        found.append((prefix, str(errors)))
    return found


def validation_message(kind: str, name: str, error_dict: Any) -> str:
    """French message naming the record and each refused field."""
    lines = [f"{kind} « {name} » refusé par le schéma, rien n’a été écrit pour lui :"]
    for field_name, message in _flatten_errors(error_dict) or [("?", str(error_dict))]:
        lines.append(f"  champ « {field_name} » : {message}")
    return "\n".join(lines)


# ------------------------------------------------------------- comparison


def _tag_names(value: Any) -> list[str]:
    names = []
    for tag in value or []:
        name = tag.get("name") if isinstance(tag, Mapping) else tag
        if name:
            names.append(str(name))
    return sorted(set(names))


def _normalise(validated: Mapping[str, Any], resource_keys: list[set[str]]) -> dict[str, Any]:
    """A validated dataset reduced to what the YAML decides."""
    result: dict[str, Any] = {}
    for key, value in validated.items():
        if key in _IGNORED_KEYS or str(key).startswith("__"):
            continue
        if key == "tags":
            result[key] = _tag_names(value)
        elif key == "extras":
            result[key] = sorted((str(e.get("key")), json.dumps(e.get("value"), sort_keys=True))
                                 for e in value or [] if isinstance(e, Mapping))
        elif key == "resources":
            resources = []
            for index, resource in enumerate(value or []):
                keys = resource_keys[index] if index < len(resource_keys) else set(resource)
                resources.append({k: v for k, v in resource.items()
                                  if k in keys and k not in _RESOURCE_IGNORED})
            result[key] = resources
        elif value in (None, "", [], {}):
            continue
        else:
            result[key] = value
    return result


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str, sort_keys=True))


# ----------------------------------------------------------------- loading


def _dataset_dict(entry: Mapping[str, Any], owner_org: str) -> dict[str, Any]:
    data = {k: copy.deepcopy(v) for k, v in entry.items() if k != "organization"}
    data["owner_org"] = owner_org
    data.setdefault("type", "dataset")
    data["private"] = bool(data.get("private", False))
    if isinstance(data.get("tag_string"), list):
        data["tag_string"] = ",".join(str(t) for t in data["tag_string"])
    return data


def _validated(context: dict[str, Any], data: dict[str, Any], package: Any) -> tuple[Any, Any]:
    import ckan.lib.plugins as lib_plugins
    import ckan.model as model

    plugin = lib_plugins.lookup_package_plugin(data.get("type") or "dataset")
    schema = plugin.update_package_schema()
    ctx = {"model": model, "session": model.Session, "user": context["user"],
           "ignore_auth": True, "package": package, "for_update": True}
    return lib_plugins.plugin_validate(plugin, ctx, copy.deepcopy(data), schema, "package_update")


def _dataset_unchanged(context: dict[str, Any], existing: dict[str, Any],
                       desired: dict[str, Any]) -> bool:
    """True when updating ``existing`` with ``desired`` would store the same."""
    import ckan.model as model

    package = model.Package.get(existing["id"])
    wanted = dict(desired, id=existing["id"])
    current = {k: v for k, v in existing.items() if k not in ("tags",)}
    current["tag_string"] = ",".join(_tag_names(existing.get("tags")))
    current["resources"] = [dict(r) for r in existing.get("resources") or []]
    new_data, new_errors = _validated(context, wanted, package)
    if new_errors:
        return False  # package_update reports the errors
    old_data, old_errors = _validated(context, current, package)
    if old_errors:
        return False
    keys = [set(r) for r in desired.get("resources") or []]
    return _jsonable(_normalise(new_data, keys)) == _jsonable(_normalise(old_data, keys))


def _load_organization(context: dict[str, Any], entry: Mapping[str, Any],
                       report: LoadReport) -> None:
    import ckan.plugins.toolkit as toolkit

    name = entry["name"]
    wanted = {k: entry[k] for k in ORGANIZATION_FIELDS if entry.get(k) not in (None, "")}
    try:
        existing = toolkit.get_action("organization_show")(
            dict(context), {"id": name, "include_datasets": False, "include_users": False,
                            "include_extras": True})
    except toolkit.ObjectNotFound:
        existing = None
    try:
        if existing is None:
            toolkit.get_action("organization_create")(dict(context), dict(wanted, name=name))
            report.created.append(name)
            return
        normalised = dict(wanted)
        if "siret" in normalised:
            normalised["siret"] = "".join(str(normalised["siret"]).split())
        if all(existing.get(k) == normalised.get(k) for k in ORGANIZATION_FIELDS
               if k in normalised or existing.get(k)):
            report.unchanged.append(name)
            return
        toolkit.get_action("organization_patch")(dict(context), dict(wanted, id=existing["id"]))
        report.updated.append(name)
    except toolkit.ValidationError as error:
        raise DemoError(validation_message("Organisation", name, error.error_dict)) from None


def _load_dataset(context: dict[str, Any], entry: Mapping[str, Any],
                  org_ids: Mapping[str, str], report: LoadReport) -> str:
    import ckan.plugins.toolkit as toolkit

    name = entry["name"]
    org = str(entry["organization"])
    if org not in org_ids:
        raise DemoError(f"Jeu de données « {name} » : champ « organization » : "
                        f"l’organisation « {org} » n’est pas dans organizations.yaml")
    desired = _dataset_dict(entry, org_ids[org])
    try:
        existing = toolkit.get_action("package_show")(dict(context), {"id": name})
    except toolkit.ObjectNotFound:
        existing = None
    try:
        if existing is None:
            toolkit.get_action("package_create")(dict(context), desired)
            report.created.append(name)
            return "créé"
        if _dataset_unchanged(context, existing, desired):
            report.unchanged.append(name)
            return "inchangé"
        toolkit.get_action("package_update")(dict(context), dict(desired, id=existing["id"]))
        report.updated.append(name)
        return "mis à jour"
    except toolkit.ValidationError as error:
        raise DemoError(validation_message("Jeu de données", name, error.error_dict)) from None


def load(echo: Callable[[str], None] = print, organizations_path: Optional[Path] = None,
         datasets_path: Optional[Path] = None,
         only: Iterable[str] = (),
         organizations_only: bool = False) -> tuple[LoadReport, LoadReport]:
    """Create or update the demo organisations and datasets (only the
    organisations with ``organizations_only``: the conventions that name them
    as parties are loaded between the two, and the datasets name the
    conventions).

    Returns the reports of the organisations and of the datasets; raises
    :class:`DemoError` (French message) at the first refused record.
    """
    import ckan.model as model
    import ckan.plugins.toolkit as toolkit

    organizations = read_organizations(organizations_path)
    datasets = read_datasets(datasets_path)
    wanted = set(only)
    if wanted:
        datasets = [d for d in datasets if d["name"] in wanted]
    if organizations_only:
        datasets = []
    site_user = toolkit.get_action("get_site_user")({"ignore_auth": True}, {})
    context = {"model": model, "session": model.Session, "user": site_user["name"],
               "ignore_auth": True}

    org_report = LoadReport()
    for index, entry in enumerate(organizations, 1):
        _load_organization(context, entry, org_report)
        echo(f"Organisation {index}/{len(organizations)} : {entry['name']}")
    org_ids = {}
    for entry in organizations:
        shown = toolkit.get_action("organization_show")(
            dict(context), {"id": entry["name"], "include_datasets": False,
                            "include_users": False})
        org_ids[entry["name"]] = shown["id"]

    dataset_report = LoadReport()
    total = len(datasets)
    for index, entry in enumerate(datasets, 1):
        outcome = _load_dataset(context, entry, org_ids, dataset_report)
        echo(f"Jeu de données {index}/{total} : {entry['name']} ({outcome})")
    echo(f"Organisations : {org_report.summary()}.")
    if not organizations_only:
        echo(f"Jeux de données : {dataset_report.summary()}.")
    return org_report, dataset_report

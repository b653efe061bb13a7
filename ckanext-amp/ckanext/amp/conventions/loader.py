"""``ckan amp conventions load``: the ``harvesters/*.yaml`` files, one per
partner relationship, into the portal (docs/architecture.md).

Each file has two keys: ``convention`` (validated and stored by the
actions of amp_conventions) and ``sources`` (handed to amp_harvest's
``amp_harvest_source_sync`` when that plugin is loaded). Idempotent: a
convention is updated only when its file says something else than what is
stored (compared after validation on both sides), so a second run changes
nothing. A file that fails validation changes nothing; the message names
the file, the line and the field (from the YAML nodes' marks).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Optional, Sequence

import yaml
from ckan.plugins import toolkit

from ckanext.amp.conventions import records, rights
from ckanext.amp.conventions.logic import action, validators

TOP_KEYS = ("convention", "sources")


class LoadError(Exception):
    """A file that cannot be loaded (message in French, with its lines)."""


@dataclass
class Report:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    sources: dict[str, int] = field(default_factory=lambda: {
        "created": 0, "updated": 0, "unchanged": 0})
    sources_skipped: int = 0

    def summary(self) -> str:
        return (f"Conventions : {len(self.created)} créée(s), {len(self.updated)} mise(s) à jour, "
                f"{len(self.unchanged)} inchangée(s)"
                + (f", {len(self.failed)} fichier(s) refusé(s)" if self.failed else ""))


def files_in(paths: Sequence[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.iterdir()
                                if p.suffix in (".yaml", ".yml") and p.is_file()))
        elif path.is_file():
            found.append(path)
        else:
            raise LoadError(f"{path} : fichier ou dossier introuvable")
    return found


# -------------------------------------------------------------- YAML marks


def _line(node: Optional[yaml.Node]) -> Optional[int]:
    return node.start_mark.line + 1 if node is not None else None


def line_of(root: yaml.Node, path: str) -> Optional[int]:
    """Line of ``path`` (``items[1].provider``) under ``root``; the line of
    the nearest enclosing node when the field is not written."""
    steps: list[Any] = []
    for part in path.replace("]", "").split("."):
        if not part:
            continue
        name, *indexes = part.split("[")
        if name:
            steps.append(name)
        steps.extend(int(index) for index in indexes if index.isdigit())
    node = root
    for step in steps:
        if isinstance(step, int) and isinstance(node, yaml.SequenceNode) \
                and step < len(node.value):
            node = node.value[step]
        elif isinstance(step, str) and isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == step:
                    node = value if isinstance(value, (yaml.MappingNode,
                                                       yaml.SequenceNode)) else key
                    break
            else:
                return _line(node)
        else:
            return _line(node)
    return _line(node)


def read(path: Path) -> tuple[dict[str, Any], yaml.Node]:
    """The file's content and the node of its ``convention``."""
    try:
        text = path.read_text(encoding="utf-8")
        root = yaml.compose(text)
        content = yaml.safe_load(text)
    except OSError as error:
        raise LoadError(f"{path} : illisible ({error})") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f", ligne {mark.line + 1}" if mark is not None else ""
        raise LoadError(f"{path}{where} : YAML mal formé ({getattr(error, 'problem', error)})") \
            from None
    if not isinstance(content, Mapping) or not isinstance(root, yaml.MappingNode):
        raise LoadError(f"{path} : les clés « convention: » et « sources: » sont attendues")
    unknown = [key for key in content if key not in TOP_KEYS]
    if unknown:
        raise LoadError(f"{path}, ligne {line_of(root, unknown[0])} : clé inconnue "
                        f"« {unknown[0]} » (attendu : convention, sources)")
    if not isinstance(content.get("convention"), Mapping):
        raise LoadError(f"{path}, ligne {line_of(root, 'convention') or 1} : "
                        f"« convention: » doit décrire la convention")
    sources = content.get("sources")
    if sources is not None and not isinstance(sources, list):
        raise LoadError(f"{path}, ligne {line_of(root, 'sources')} : "
                        f"« sources: » doit être une liste (éventuellement vide)")
    node = next(value for key, value in root.value if key.value == "convention")
    return dict(content), node


# ---------------------------------------------------------------- compare


def _comparable(clean: Mapping[str, Any]) -> dict[str, Any]:
    result = dict(clean)
    result["parties"] = [{k: v for k, v in p.items() if k != "siret"}
                         for p in clean.get("parties") or []]
    return result


def _stored_form(row: Mapping[str, Any]) -> dict[str, Any]:
    shown = action.convention_dicts([row])[0]
    return validators.validate_convention(shown, current=row)


# ------------------------------------------------------------------- load


def load_file(path: Path, context: dict[str, Any], report: Report,
              source_name: Optional[str] = None) -> str:
    """Create or update the convention of one file; returns what was done
    (``created``, ``updated``, ``unchanged``)."""
    content, node = read(path)
    data = dict(content["convention"])
    data["source"] = source_name or path.name
    reference = str(data.get("reference") or "")
    row = records.find(reference) if reference else None
    try:
        if row is None:
            toolkit.get_action("amp_convention_create")(dict(context), data)
            outcome = "created"
        else:
            clean = validators.validate_convention(
                data, current=row, event_rows=records.events([row["id"]])[row["id"]])
            if _comparable(clean) == _comparable(_stored_form(row)):
                outcome = "unchanged"
            else:
                toolkit.get_action("amp_convention_update")(dict(context),
                                                            {"id": row["id"], **data})
                outcome = "updated"
    except toolkit.ValidationError as error:
        lines = [f"{path} : convention « {reference or '?'} » refusée, rien n’a été écrit :"]
        for field_path, text in validators.flatten(error.error_dict):
            line = line_of(node, field_path)
            where = f"ligne {line}, " if line else ""
            lines.append(f"  {where}champ « {field_path or 'convention'} » : {text}")
        raise LoadError("\n".join(lines)) from None
    getattr(report, outcome).append(reference)
    words = {"created": "créée", "updated": "mise à jour", "unchanged": "inchangée"}
    try:
        _sync_sources(reference, content.get("sources") or [], context, report)
    except toolkit.ValidationError as error:
        # amp_harvest checks every source before writing any.
        lines = [f"{path} : convention « {reference} » {words[outcome]}, mais ses sources de "
                 f"moissonnage sont refusées, aucune n’a été écrite :"]
        for field_path, text in validators.flatten(error.error_dict):
            name = field_path.split(".")[0].split("[")[0] or "?"
            lines.append(f"  source « {name} » : {text}")
        raise LoadError("\n".join(lines)) from None
    return outcome


def _sync_sources(reference: str, sources: list, context: dict[str, Any], report: Report) -> None:
    try:
        sync = toolkit.get_action("amp_harvest_source_sync")
    except KeyError:
        report.sources_skipped += len(sources)
        return
    answer = sync(dict(context), {"convention": reference, "sources": sources}) or {}
    for key in report.sources:
        value = answer.get(key)
        report.sources[key] += len(value) if isinstance(value, list) else int(value or 0)


def load(paths: Sequence[Path], echo: Callable[[str], None] = print) -> Report:
    """Load every file; a refused file is reported and the others go on.
    Raises :class:`LoadError` at the end if some file was refused."""
    context = rights.site_context()
    report = Report()
    words = {"created": "créée", "updated": "mise à jour", "unchanged": "inchangée"}
    failures = []
    for path in files_in(paths):
        try:
            outcome = load_file(path, context, report)
        except LoadError as error:
            failures.append(str(error))
            report.failed.append(str(path))
            continue
        echo(f"  {path.name} : {report.__dict__[outcome][-1]} {words[outcome]}")
    echo(report.summary())
    if report.sources_skipped:
        echo(f"Sources de moissonnage : {report.sources_skipped} non chargée(s) "
             f"(plugin amp_harvest absent)")
    elif any(report.sources.values()):
        echo("Sources de moissonnage : {created} créée(s), {updated} mise(s) à jour, "
             "{unchanged} inchangée(s)".format(**report.sources))
    if failures:
        raise LoadError("\n".join(failures))
    return report

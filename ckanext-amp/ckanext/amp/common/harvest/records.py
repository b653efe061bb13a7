"""A remote record mapped onto the bundle's schema, with its problems. Pure.

Every source type (DCAT, CKAN API, OpenDataSoft, CSW, file deliveries) maps
what it reads to a :class:`MappedRecord`; the harvesters of ``amp_harvest``
then stamp it (owner organisation, convention, diffusion, licence,
provenance) and write it. A record with an error is not written: the error
goes on its harvest object, where the steward reads it. Warnings (a theme
kept as a keyword, a date read in a lax form) are written with it.

Messages are English gettext ids with parameters
(:class:`~ckanext.amp.common.messages.TranslatableError` convention),
translated by the CKAN layer with the shared catalogue.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Callable, Literal, Mapping

__all__ = ["ERROR", "WARNING", "MappedRecord", "Problem", "content_hash"]

ERROR: Literal["error"] = "error"
WARNING: Literal["warning"] = "warning"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a remote record.

    ``field`` names our schema field (or ``""`` for the whole record);
    ``msgid`` is an English ``str.format`` template and ``params`` its
    values; ``severity`` is :data:`ERROR` (the record is not written) or
    :data:`WARNING` (written, with the warning shown).
    """

    field: str
    msgid: str
    params: Mapping[str, Any] = field(default_factory=dict)
    severity: Literal["error", "warning"] = ERROR

    def message(self, gettext: Callable[[str], str] = lambda text: text) -> str:
        """The message through ``gettext`` (CKAN's ``toolkit._``)."""
        return gettext(self.msgid).format(**self.params)


@dataclass
class MappedRecord:
    """A remote record in our schema's field names.

    ``remote_id`` is the record's stable id on the source (an OpenDataSoft
    ``dataset_uid``, a CKAN id, a DCAT ``dct:identifier`` or URI);
    ``remote_url`` its page there. ``dataset`` holds our fields (title,
    notes, license_id, theme, resources…) but never ``owner_org``,
    ``convention``, ``diffusion`` or provenance: the harvester stamps those
    from the source and its convention.
    """

    remote_id: str
    dataset: dict[str, Any]
    remote_url: str | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == WARNING]

    def error(self, field_name: str, msgid: str, **params: Any) -> None:
        self.problems.append(Problem(field_name, msgid, params, ERROR))

    def warn(self, field_name: str, msgid: str, **params: Any) -> None:
        self.problems.append(Problem(field_name, msgid, params, WARNING))

    @property
    def content_hash(self) -> str:
        return content_hash(self.dataset)


def content_hash(dataset: Mapping[str, Any]) -> str:
    """SHA-256 of a dataset dict in canonical JSON (sorted keys, no spaces):
    the same content gives the same hash at every run, so an unchanged
    remote record is recognised and skipped."""
    canonical = json.dumps(dataset, sort_keys=True, separators=(",", ":"),
                           ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

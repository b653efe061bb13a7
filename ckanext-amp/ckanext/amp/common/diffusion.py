"""Diffusion levels and the rules they carry: the one table. Pure Python.

Who sees a dataset's record, who gets its data, which catalogues list it,
which EU access right it declares, which licences it may carry and which
level it may move to: everything is read from :data:`LEVELS` below
(docs/architecture.md, "Diffusion and access"). The search and catalogue
filters, the permission labels of ``amp_access``, the schema's validators
and the tests' expected visibility are all derived from it.

Audiences:

* ``everyone`` — anybody, anonymous visitors included;
* ``owner`` — members of the dataset's organisation (its producer);
* ``parties`` — members of the organisations that are parties of the
  dataset's convention, while the convention is in force;
* ``grantees`` — holders of a live grant on the dataset.

Sysadmins see everything (CKAN's rule), so they are not an audience.

A convention that has ended (expired, terminated, suspended) withdraws what
came under it: record and data go back to the owner alone. A convention not
yet in force (draft, or a reference that does not exist) gives the parties
nothing and leaves the record as ``metadata_visibility`` says.

Errors are :class:`~ckanext.amp.common.validation.InvalidValue` (English
msgid + parameters, translated by the CKAN layer).
"""
from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Optional, Protocol

from ckanext.amp.common.validation import InvalidValue, iso_date

__all__ = [
    "ACCESS_RIGHT_BASE",
    "Audience",
    "LEVELS",
    "LEVEL_LABELS",
    "Level",
    "METADATA_VISIBILITY_LABELS",
    "PUBLIC_LABEL",
    "Standing",
    "Viewer",
    "access_right_code",
    "access_right_uri",
    "audiences",
    "catalogue_filter",
    "check_licence",
    "check_restricted",
    "check_transition",
    "convention_label",
    "data_audience",
    "dataset_labels",
    "grant_label",
    "level_for_access_right",
    "level_of",
    "listed_in_catalogue",
    "may_get_data",
    "may_see_record",
    "owner_label",
    "record_audience",
    "withhold_data",
]


class Audience(str, enum.Enum):
    EVERYONE = "everyone"
    OWNER = "owner"
    PARTIES = "parties"
    GRANTEES = "grantees"


EVERYONE, OWNER, PARTIES, GRANTEES = (Audience.EVERYONE, Audience.OWNER,
                                      Audience.PARTIES, Audience.GRANTEES)
_SHARED = frozenset({OWNER, PARTIES, GRANTEES})
_OWNER_ONLY = frozenset({OWNER})
_ALL = frozenset({EVERYONE})


class Standing(str, enum.Enum):
    """Where the dataset's convention stands (``NONE``: no convention)."""

    NONE = "none"
    NOT_IN_FORCE = "not_in_force"  # draft, or a reference no convention has
    IN_FORCE = "in_force"
    ENDED = "ended"  # expired, terminated or suspended

    @classmethod
    def of(cls, state: Optional[str]) -> "Standing":
        """From a convention state (``draft``, ``active``, ``suspended``,
        ``terminated``, ``expired``; None: unknown reference)."""
        if state == "active":
            return cls.IN_FORCE
        if state in ("suspended", "terminated", "expired"):
            return cls.ENDED
        return cls.NOT_IN_FORCE


@dataclass(frozen=True)
class Level:
    """One diffusion level and the rules it carries."""

    code: str
    labels: Mapping[str, str]
    #: The level's name in a sentence (« restreint »).
    names: Mapping[str, str]
    #: EU access-right code (``PUBLIC``, ``RESTRICTED``, ``NON_PUBLIC``).
    access_right: str
    #: Who sees the record, by ``metadata_visibility`` (key ``""``: the only
    #: value, for levels where the visibility does not apply).
    record: Mapping[str, frozenset[Audience]]
    #: Who gets the data.
    data: frozenset[Audience]
    #: Levels a dataset at this level may move to.
    may_become: frozenset[str]
    #: Licences: open ones only (public) or never an open one.
    open_licence: bool
    #: Licence used when a steward gives none (a registry id), if any.
    default_licence: Optional[str] = None
    #: Whether leaving this level needs an attestation of anonymisation.
    leaving_needs_attestation: bool = False

    def label(self, lang: str = "fr") -> str:
        return self.labels.get(lang) or self.labels["fr"]

    def name(self, lang: str = "fr") -> str:
        return self.names.get(lang) or self.names["fr"]

    @property
    def visibility_applies(self) -> bool:
        return "" not in self.record


_ALL_LEVELS = frozenset({"public", "restricted", "internal", "personal"})

#: The table (docs/architecture.md). Order: the form's.
LEVELS: Mapping[str, Level] = {
    "public": Level(
        code="public",
        names={"fr": "public", "en": "public"},
        labels={"fr": "Public : tout le monde voit et télécharge", "en": "Public"},
        access_right="PUBLIC",
        record={"": _ALL},
        data=_ALL,
        may_become=_ALL_LEVELS,
        open_licence=True,
    ),
    "restricted": Level(
        code="restricted",
        names={"fr": "restreint", "en": "restricted"},
        labels={"fr": "Restreint : parties d’une convention et bénéficiaires d’un accès",
                "en": "Restricted"},
        access_right="RESTRICTED",
        record={"public": _ALL, "parties": _SHARED},
        data=_SHARED,
        may_become=_ALL_LEVELS,
        open_licence=False,
        default_licence="amp-parties",
    ),
    "internal": Level(
        code="internal",
        names={"fr": "interne", "en": "internal"},
        labels={"fr": "Interne : membres de l’organisation", "en": "Internal"},
        access_right="NON_PUBLIC",
        record={"": _OWNER_ONLY},
        data=_OWNER_ONLY,
        may_become=_ALL_LEVELS,
        open_licence=False,
        default_licence="amp-internal",
    ),
    "personal": Level(
        code="personal",
        names={"fr": "données personnelles", "en": "personal data"},
        labels={"fr": "Données personnelles : membres de l’organisation, jamais diffusées",
                "en": "Personal data"},
        access_right="NON_PUBLIC",
        record={"": _OWNER_ONLY},
        data=_OWNER_ONLY,
        # Never public nor restricted, whoever asks (GDPR).
        may_become=frozenset({"personal", "internal"}),
        open_licence=False,
        default_licence="amp-internal",
        leaving_needs_attestation=True,
    ),
}

#: Labels of the levels for the form (``{code: {"fr", "en"}}``).
LEVEL_LABELS: Mapping[str, Mapping[str, str]] = {code: level.labels for code, level in LEVELS.items()}

#: For ``restricted`` datasets: who sees the record itself.
METADATA_VISIBILITY_LABELS: Mapping[str, Mapping[str, str]] = {
    "public": {"fr": "Fiche visible de tous (les données restent réservées)",
               "en": "Record listed publicly (data restricted)"},
    "parties": {"fr": "Fiche visible des seules parties", "en": "Record visible to the parties only"},
}
#: The visibility a restricted record gets when none is given.
DEFAULT_METADATA_VISIBILITY = "public"

ACCESS_RIGHT_BASE = "http://publications.europa.eu/resource/authority/access-right/"

#: CKAN's label of what everybody sees.
PUBLIC_LABEL = "public"


# -- reading a dataset ---------------------------------------------------------

def _text(value: Any) -> str:
    return value.strip().lower() if isinstance(value, str) else ""


def _true(value: Any) -> bool:
    return value is True or _text(value) == "true"


def level_of(dataset: Mapping[str, Any]) -> Level:
    """The dataset's level. A dataset without one is public (the schema's
    default); a value that is not a level gets the strictest one."""
    code = _text(dataset.get("diffusion"))
    if not code:
        return LEVELS["public"]
    return LEVELS.get(code) or LEVELS["personal"]


def _visibility(level: Level, dataset: Mapping[str, Any]) -> str:
    if not level.visibility_applies:
        return ""
    value = _text(dataset.get("metadata_visibility")) or DEFAULT_METADATA_VISIBILITY
    # An unknown visibility gets the strictest one.
    return value if value in level.record else "parties"


# -- audiences ---------------------------------------------------------------

def audiences(dataset: Mapping[str, Any],
              standing: Standing = Standing.NONE) -> tuple[frozenset[Audience], frozenset[Audience]]:
    """``(record, data)`` audiences of a dataset whose convention stands as
    ``standing``. A CKAN private dataset is never seen by ``everyone``: its
    record goes to those who get its data (the owner, for a public one)."""
    level = level_of(dataset)
    record = level.record[_visibility(level, dataset)]
    data = level.data
    if standing is Standing.ENDED:
        return _OWNER_ONLY, _OWNER_ONLY
    if standing is not Standing.IN_FORCE:
        record, data = record - {PARTIES}, data - {PARTIES}
    if _true(dataset.get("private")):
        # Private: those who get the data see the record, never everyone.
        data = (data - {EVERYONE}) or _OWNER_ONLY
        record = (record - {EVERYONE}) or data
    return frozenset(record), frozenset(data)


def record_audience(dataset: Mapping[str, Any], standing: Standing = Standing.NONE) -> frozenset[Audience]:
    return audiences(dataset, standing)[0]


def data_audience(dataset: Mapping[str, Any], standing: Standing = Standing.NONE) -> frozenset[Audience]:
    return audiences(dataset, standing)[1]


@dataclass(frozen=True)
class Viewer:
    """What a person is, towards one dataset."""

    sysadmin: bool = False
    owner_member: bool = False
    #: Member of a party organisation of the dataset's convention.
    party: bool = False
    #: Holds a live grant on the dataset.
    grantee: bool = False

    def audiences(self) -> frozenset[Audience]:
        found = {EVERYONE}
        if self.owner_member:
            found.add(OWNER)
        if self.party:
            found.add(PARTIES)
        if self.grantee:
            found.add(GRANTEES)
        return frozenset(found)


def may_see_record(dataset: Mapping[str, Any], viewer: Viewer,
                   standing: Standing = Standing.NONE) -> bool:
    return viewer.sysadmin or bool(record_audience(dataset, standing) & viewer.audiences())


def may_get_data(dataset: Mapping[str, Any], viewer: Viewer,
                 standing: Standing = Standing.NONE) -> bool:
    return viewer.sysadmin or bool(data_audience(dataset, standing) & viewer.audiences())


def listed_in_catalogue(dataset: Mapping[str, Any], standing: Standing = Standing.NONE) -> bool:
    """Whether the public catalogues (DCAT, CSV, sitemap) list the record."""
    return EVERYONE in record_audience(dataset, standing)


# -- permission labels -------------------------------------------------------

def owner_label(organization_id: str) -> str:
    """CKAN's own label of an organisation's members."""
    return f"member-{organization_id}"


def convention_label(reference: str) -> str:
    return f"convention-{reference.strip()}"


def grant_label(dataset_id: str) -> str:
    return f"grant-{dataset_id}"


def dataset_labels(dataset: Mapping[str, Any], standing: Standing = Standing.NONE) -> list[str]:
    """CKAN permission labels of a dataset (``id``, ``owner_org``,
    ``convention``, ``creator_user_id`` read from it): who may see its record.

    ``public`` when everyone does; otherwise the owner's members, the
    convention's parties and the dataset's grantees, as its level says.
    """
    record = record_audience(dataset, standing)
    if EVERYONE in record:
        return [PUBLIC_LABEL]
    labels = []
    owner = str(dataset.get("owner_org") or "")
    if OWNER in record:
        if owner:
            labels.append(owner_label(owner))
        elif dataset.get("creator_user_id"):
            labels.append(f"creator-{dataset['creator_user_id']}")
    reference = str(dataset.get("convention") or "").strip()
    if PARTIES in record and reference:
        labels.append(convention_label(reference))
    if GRANTEES in record and dataset.get("id"):
        labels.append(grant_label(str(dataset["id"])))
    # A record nobody but sysadmins may see still needs a label that no
    # user holds (no label would mean "no restriction" to some callers).
    return labels or ["sysadmin-only"]


def catalogue_filter() -> str:
    """The Lucene filter of the records the public catalogues list, derived
    from :data:`LEVELS` (Solr and amp_search alike): CKAN's ``public``
    permission label (amp_access withdraws it from records whose convention
    ended) and a level whose record everyone sees. A missing value counts
    as its default (no level: public; no visibility: public), as in
    :func:`listed_in_catalogue`."""
    def value_clause(field: str, values: list[str], default: str) -> str:
        parts = [f"{field}:{value}" for value in values]
        if default in values:
            parts.append(f"(*:* -{field}:*)")
        return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"

    clauses = []
    for level in LEVELS.values():
        open_to = [visibility for visibility, record in level.record.items() if EVERYONE in record]
        if not open_to:
            continue
        level_clause = value_clause("diffusion", [level.code], next(iter(LEVELS)))
        if level.visibility_applies:
            visibility = value_clause("metadata_visibility", open_to, DEFAULT_METADATA_VISIBILITY)
            level_clause = f"({level_clause} AND {visibility})"
        clauses.append(level_clause)
    return f"+capacity:public +permission_labels:{PUBLIC_LABEL} +({' OR '.join(clauses)})"


# -- access rights -------------------------------------------------------------

def access_right_code(diffusion: Any) -> Optional[str]:
    """EU access-right code of a level (None when not a level)."""
    level = LEVELS.get(_text(diffusion))
    return level.access_right if level else None


def access_right_uri(diffusion: Any) -> Optional[str]:
    """EU access-right URI of a level (None when not a level)."""
    code = access_right_code(diffusion)
    return ACCESS_RIGHT_BASE + code if code else None


def level_for_access_right(uri: Any) -> Optional[str]:
    """The level of a harvested record that gives only ``dct:accessRights``:
    the least open level declaring that right (``NON_PUBLIC`` → internal)."""
    code = str(uri or "").strip().rstrip("/").rsplit("/", 1)[-1].upper()
    for level in LEVELS.values():
        if level.access_right == code:
            return level.code
    return None


# -- licences ----------------------------------------------------------------

class LicenceFacts(Protocol):
    """What the rules read of a licence register entry
    (:class:`ckanext.amp.common.licences.Licence`)."""

    id: str
    open: bool
    decree: bool
    levels: frozenset[str]


def check_licence(diffusion: Any, licence: Optional[LicenceFacts], *,
                  allowed_open: Iterable[str] = (),
                  convention_licence: Optional[str] = None) -> Optional[InvalidValue]:
    """Licence/level consistency. Raises :class:`InvalidValue` when the
    licence cannot be used; returns a warning (an ``InvalidValue`` not
    raised) when it may be used only because the operator allows it.

    * ``public``: an open licence of the French decree list (Licence Ouverte
      2.0, ODbL 1.0); another open licence only if its id is in
      ``allowed_open`` (the operator's option), with a warning.
    * ``restricted``, ``internal``, ``personal``: a licence that is not open
      and is meant for the level; for ``restricted``, the convention's
      licence when the convention has one.
    """
    level = level_of({"diffusion": diffusion})
    if licence is None:
        if level.open_licence:
            raise InvalidValue("A public dataset needs a licence: Licence Ouverte 2.0 or ODbL")
        return None
    if level.open_licence:
        if licence.open and licence.decree:
            return None
        if licence.open and licence.id in set(allowed_open):
            return InvalidValue(
                "{value} is not on the French decree's list of licences (Licence Ouverte 2.0, "
                "ODbL): allowed by the operator, prefer Licence Ouverte 2.0", value=licence.id)
        raise InvalidValue("{value} is not an open licence allowed for public data: "
                           "choose Licence Ouverte 2.0 or ODbL", value=licence.id)
    if licence.open:
        raise InvalidValue("A {diffusion} dataset cannot carry the open licence {value}: "
                           "its data is not open", diffusion=level.code, value=licence.id)
    if convention_licence and level.code == "restricted" and licence.id != convention_licence:
        raise InvalidValue("A restricted dataset under a convention carries the convention's "
                           "licence ({expected}), not {value}",
                           expected=convention_licence, value=licence.id)
    if licence.levels and level.code not in licence.levels:
        raise InvalidValue("The licence {value} is not meant for {diffusion} data",
                           value=licence.id, diffusion=level.code)
    return None


# -- changes of level ------------------------------------------------------------

ATTESTATION_FIELDS = ("anonymisation_by", "anonymisation_date", "anonymisation_method")


def check_transition(previous: Any, new: Any,
                     attestation: Optional[Mapping[str, Any]] = None,
                     today: Optional[dt.date] = None) -> Optional[dict[str, str]]:
    """A change of level from ``previous`` to ``new`` (None: a new dataset).

    Refuses a move the previous level forbids (personal data never becomes
    public or restricted, whoever asks). Leaving ``personal`` needs an
    attestation of anonymisation (who, when, how: the fields of
    :data:`ATTESTATION_FIELDS`); it is returned, normalised, to be kept
    in the audit log.
    """
    before = _text(previous)
    after = _text(new) or "public"
    if not before or before == after or before not in LEVELS:
        return None
    level = LEVELS[before]
    if after not in level.may_become:
        raise InvalidValue("Personal data can never become {diffusion}", diffusion=after)
    if not level.leaving_needs_attestation:
        return None
    given = {key: str((attestation or {}).get(key) or "").strip() for key in ATTESTATION_FIELDS}
    if not all(given.values()):
        raise InvalidValue("Leaving personal data needs an attestation of anonymisation: "
                           "who anonymised the data, when and how")
    when = iso_date(given["anonymisation_date"])
    if when > (today or dt.date.today()).isoformat():
        raise InvalidValue("The anonymisation date {value} is in the future", value=when)
    given["anonymisation_date"] = when
    return given


def check_restricted(diffusion: Any, convention: Any, diffusion_basis: Any) -> None:
    """A restricted dataset comes under a convention, or is shared by
    explicit grants only (then its reason is not « convention »)."""
    if _text(diffusion) != "restricted":
        return
    if str(convention or "").strip():
        return
    if _text(diffusion_basis) in ("", "convention"):
        raise InvalidValue("A restricted dataset needs the reference of its convention, or a "
                           "reason other than a convention when access is given by grants only")


# -- what is data ----------------------------------------------------------------

#: Resource fields that give the data itself: a link's address is data.
RESOURCE_DATA_FIELDS = ("url", "access_url", "download_url", "hash")
#: Index fields that carry those addresses (CKAN's Solr document).
INDEX_DATA_FIELDS = ("res_url", "urls", "download_url")


def withhold_data(dataset: dict[str, Any]) -> dict[str, Any]:
    """Remove the data from a dataset dict shown to someone who may see the
    record but not get the data: resource addresses, uploads, datastore.
    Names, descriptions and formats stay (they describe what exists).
    Changes and returns ``dataset``; each resource is marked
    ``amp_withheld``."""
    for resource in dataset.get("resources") or []:
        if not isinstance(resource, dict):
            continue
        for name in RESOURCE_DATA_FIELDS:
            if name in resource:
                resource[name] = ""
        if resource.get("datastore_active"):
            resource["datastore_active"] = False
        resource["amp_withheld"] = True
    return dataset

"""The open-data maturity checklist an organisation assesses itself with.
Pure Python, no CKAN import.

The checklist is OpenDataLab's, as a French master's thesis on open data in
local authorities gives it in its annex (docs/decisions/0018-obligations-maturity.md):
32 yes/no questions under five themes (steering and commitment, organisation
and skills, opening the data, citizens' engagement, running the ecosystem),
each theme in sub-themes. An assessment answers every question ``yes`` or
``no``, with an optional comment each; its **score** is the share of ``yes``
(0-100, rounded), overall and per theme.

Usage::

    answers = validate(form_answers, form_comments)   # or raises InvalidAssessment
    score(answers.answers)                              # 63
    theme_scores(answers.answers)                       # {"pilotage": 82, ...}
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Optional

from ckanext.amp.common.messages import TranslatableError

__all__ = [
    "ANSWERS", "CHECKLIST_VERSION", "COMMENT_MAX", "ITEMS", "THEMES", "Assessment",
    "InvalidAssessment", "Item", "Theme", "items_of", "score", "theme_scores", "validate",
]

#: Version of the checklist stored with each assessment (a later list gets another).
CHECKLIST_VERSION = "opendatalab-2018"

#: The answers a question takes.
ANSWERS = ("yes", "no")

#: Longest comment kept per question (characters).
COMMENT_MAX = 500


def _in(labels: Mapping[str, str], lang: str) -> str:
    return labels.get(lang) or labels["fr"]


@dataclass(frozen=True)
class Theme:
    code: str
    labels: Mapping[str, str]

    def label(self, lang: str = "fr") -> str:
        return _in(self.labels, lang)


@dataclass(frozen=True)
class Item:
    code: str
    theme: str
    #: Sub-theme, in French and English.
    group: Mapping[str, str]
    labels: Mapping[str, str]

    def label(self, lang: str = "fr") -> str:
        return _in(self.labels, lang)

    def group_label(self, lang: str = "fr") -> str:
        return _in(self.group, lang)


THEMES: tuple[Theme, ...] = (
    Theme("pilotage", {"fr": "Pilotage, leadership et engagement interne",
                       "en": "Steering, leadership and internal commitment"}),
    Theme("organisation", {"fr": "Organisation et compétences", "en": "Organisation and skills"}),
    Theme("ouverture", {"fr": "Ouverture des données", "en": "Opening the data"}),
    Theme("citoyens", {"fr": "Engagement citoyen", "en": "Citizens’ engagement"}),
    Theme("ecosysteme", {"fr": "Animation de l’écosystème", "en": "Running the ecosystem"}),
)

_G = {
    "engagements": {"fr": "Engagements", "en": "Commitments"},
    "plan": {"fr": "Plan stratégique", "en": "Strategic plan"},
    "adhesion": {"fr": "Adhésion", "en": "Support"},
    "structure": {"fr": "Structure", "en": "Structure"},
    "competences": {"fr": "Compétences", "en": "Skills"},
    "sources": {"fr": "Sources", "en": "Sources"},
    "demande": {"fr": "Demande", "en": "Demand"},
    "acteurs": {"fr": "Acteurs", "en": "Actors"},
    "promotion": {"fr": "Promotion", "en": "Promotion"},
}

_RAW: tuple[tuple[str, str, str, str, str], ...] = (
    # (code, theme, group, French, English)
    ("engagements_clairs", "pilotage", "engagements",
     "Des engagements clairs ont été définis pour le projet open data",
     "Clear commitments have been set for the open data project"),
    ("engagement_politique", "pilotage", "engagements", "Un engagement politique existe",
     "There is a political commitment"),
    ("engagement_citoyens", "pilotage", "engagements",
     "Un engagement vis-à-vis des citoyens existe", "There is a commitment to the citizens"),
    ("communication_ouverture", "pilotage", "engagements",
     "La communication et la publicité sur l’ouverture des données ont été faites",
     "The opening of the data has been announced and publicised"),
    ("plan_strategique", "pilotage", "plan",
     "Un plan stratégique a été arrêté lors de la mandature actuelle",
     "A strategic plan has been adopted during the current term of office"),
    ("calendrier_priorites", "pilotage", "plan", "Un calendrier et des priorités ont été définis",
     "A schedule and priorities have been set"),
    ("plan_suivi", "pilotage", "plan", "L’exécution du plan est suivie",
     "The plan’s execution is monitored"),
    ("soutiens_identifies", "pilotage", "adhesion",
     "Les groupes qui soutiennent la démarche sont identifiés",
     "The groups supporting the approach are identified"),
    ("soutiens_pouvoir", "pilotage", "adhesion",
     "Les groupes qui soutiennent la démarche ont un pouvoir suffisant",
     "The groups supporting the approach have enough power"),
    ("resistants_identifies", "pilotage", "adhesion",
     "Les groupes résistants à la démarche sont identifiés",
     "The groups resisting the approach are identified"),
    ("resistants_leviers", "pilotage", "adhesion",
     "Des leviers de gestion sont identifiés pour les groupes résistants à la démarche",
     "Management levers are identified for the groups resisting the approach"),
    ("organisation_pilotage", "organisation", "structure",
     "Une organisation a été mise en place pour le pilotage et l’exécution de la politique "
     "open data", "An organisation steers and carries out the open data policy"),
    ("organes_controle", "organisation", "structure", "Des organes de contrôle sont mis en place",
     "Oversight bodies are in place"),
    ("equipes_internes", "organisation", "structure", "Des équipes internes ont été sollicitées",
     "Internal teams have been called upon"),
    ("responsabilites", "organisation", "competences",
     "Des responsabilités claires ont été définies pour les différents acteurs",
     "Clear responsibilities have been set for each actor"),
    ("implication", "organisation", "competences", "Un niveau d’implication suffisant est présent",
     "The level of involvement is sufficient"),
    ("adhesion_acteurs", "organisation", "competences", "Les acteurs adhèrent à la démarche",
     "The actors support the approach"),
    ("maturite_interne", "organisation", "competences",
     "Le niveau de maturité des acteurs internes par rapport à l’open data est suffisant",
     "The internal actors’ open data maturity is sufficient"),
    ("communication_interne", "ouverture", "sources",
     "Des actions de communication ont été réalisées en interne",
     "Internal communication actions have been carried out"),
    ("competences_techniques", "ouverture", "sources",
     "Les expériences et compétences des équipes techniques incluent la gestion de données et "
     "la gestion de portail de données ouvertes",
     "The technical teams’ experience and skills include data management and running an "
     "open data portal"),
    ("perimetre_ouvert", "ouverture", "sources", "Un périmètre de données est déjà ouvert",
     "Some data is already open"),
    ("bases_identifiees", "ouverture", "demande",
     "Les bases de données existantes qui pourraient être exploitées sont déjà identifiées",
     "The existing databases that could be used are already identified"),
    ("bases_qualite", "ouverture", "demande",
     "Le niveau de qualité de ces bases est bon et leur mise à jour fréquente",
     "These databases are of good quality and often updated"),
    ("proprietaires_identifies", "citoyens", "acteurs",
     "Les propriétaires des données sont identifiés", "The data owners are identified"),
    ("demande_societe_civile", "citoyens", "acteurs",
     "La demande de données provenant de la société civile et des médias est qualifiée "
     "(niveau, nature)",
     "The demand for data from civil society and the media is qualified (level, nature)"),
    ("champions_region", "citoyens", "promotion",
     "Les « champions » et promoteurs de l’ouverture des données au niveau de la région sont "
     "identifiés", "The regional champions and promoters of open data are identified"),
    ("demande_secteur_prive", "citoyens", "promotion",
     "La demande de données de la part du secteur privé est qualifiée (niveau, nature)",
     "The private sector’s demand for data is qualified (level, nature)"),
    ("publics_identifies", "ecosysteme", "acteurs", "Les publics de l’open data sont identifiés",
     "The audiences of open data are identified"),
    ("partenaires_identifies", "ecosysteme", "acteurs",
     "Les partenaires (producteurs, contributeurs, fournisseurs de service) et les "
     "consommateurs de l’open data sont identifiés",
     "The partners (producers, contributors, service providers) and consumers of open data "
     "are identified"),
    ("initiatives_ecosysteme", "ecosysteme", "acteurs",
     "Des initiatives ont été lancées auprès de l’écosystème pour promouvoir la démarche "
     "(réseaux sociaux, consultation participative, événements…)",
     "Initiatives promote the approach to the ecosystem (social networks, participatory "
     "consultation, events…)"),
    ("animation_pilotee", "ecosysteme", "acteurs", "L’animation du réseau est pilotée",
     "The network’s animation is steered"),
    ("outils_partage", "ecosysteme", "acteurs",
     "Des outils sont mis à disposition des acteurs pour partager leurs bonnes pratiques",
     "Tools are offered to the actors to share their good practices"),
)

ITEMS: tuple[Item, ...] = tuple(
    Item(code, theme, _G[group], {"fr": fr, "en": en}) for code, theme, group, fr, en in _RAW)

_CODES = frozenset(item.code for item in ITEMS)


def items_of(theme: str) -> list[Item]:
    return [item for item in ITEMS if item.theme == theme]


class InvalidAssessment(TranslatableError):
    """An assessment refused: an English msgid and its parameters, and the
    codes of the questions at fault (:attr:`items`)."""

    def __init__(self, msgid: str, items: tuple[str, ...] = (), **params: Any) -> None:
        super().__init__(msgid, **params)
        self.items = items


@dataclass(frozen=True)
class Assessment:
    """A valid assessment: every question answered."""

    answers: Mapping[str, str]
    comments: Mapping[str, str]

    @property
    def score(self) -> int:
        return score(self.answers)


def validate(answers: Mapping[str, Any], comments: Optional[Mapping[str, Any]] = None
             ) -> Assessment:
    """An :class:`Assessment` from the form's answers (``code -> "yes"|"no"``;
    ``oui``/``non``, booleans accepted) and comments; unknown codes are refused,
    comments are trimmed and empty ones dropped."""
    unknown = sorted(set(answers) - _CODES) + sorted(set(comments or {}) - _CODES)
    if unknown:
        raise InvalidAssessment("Unknown question: {codes}", tuple(unknown),
                                codes=", ".join(unknown))
    normalised: dict[str, str] = {}
    wrong: list[str] = []
    for item in ITEMS:
        value = _answer(answers.get(item.code))
        if value is None:
            wrong.append(item.code)
        else:
            normalised[item.code] = value
    if wrong:
        raise InvalidAssessment("Answer every question ({n} without an answer)", tuple(wrong),
                                n=len(wrong))
    kept: dict[str, str] = {}
    for code, text in (comments or {}).items():
        text = str(text or "").strip()
        if len(text) > COMMENT_MAX:
            raise InvalidAssessment("A comment is at most {max} characters long", (code,),
                                    max=COMMENT_MAX)
        if text:
            kept[code] = text
    return Assessment(normalised, kept)


def _answer(value: Any) -> Optional[str]:
    if value is True:
        return "yes"
    if value is False:
        return "no"
    text = str(value or "").strip().lower()
    return {"yes": "yes", "oui": "yes", "no": "no", "non": "no"}.get(text)


def _share(answers: Mapping[str, str], items: list[Item] | tuple[Item, ...]) -> int:
    if not items:
        return 0
    yes = sum(1 for item in items if answers.get(item.code) == "yes")
    # Half up (62.5 -> 63), not Python's round-half-even.
    return (200 * yes + len(items)) // (2 * len(items))


def score(answers: Mapping[str, str]) -> int:
    """Share of the questions answered ``yes``, 0-100, rounded half up."""
    return _share(answers, ITEMS)


def theme_scores(answers: Mapping[str, str]) -> dict[str, int]:
    """Share of ``yes`` per theme (0-100), in :data:`THEMES` order."""
    return {theme.code: _share(answers, items_of(theme.code)) for theme in THEMES}

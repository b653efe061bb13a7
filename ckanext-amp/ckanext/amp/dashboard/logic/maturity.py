"""Actions of the open-data maturity self-assessment: an organisation's
admins and editors submit the checklist of ``common/maturity.py``; every
submission is kept (table ``amp_maturity_assessment``, migration
``migration/amp_dashboard``) with its date, author and score.

``amp_dashboard_maturity_submit`` ``{organization, answers, comments?}`` -> the stored assessment
``amp_dashboard_maturity_show`` ``{organization, limit?}`` -> ``{organization, checklist,
latest, history}``
"""
from __future__ import annotations

import json
import uuid
from typing import Any, Mapping

import sqlalchemy as sa

from ckan import model
from ckan.plugins import toolkit

from ckanext.amp.common import maturity
from ckanext.amp.dashboard.logic.action import now
from ckanext.amp.translation import page_language

TABLE = sa.table(
    "amp_maturity_assessment",
    sa.column("id"), sa.column("organization_id"), sa.column("author_id"),
    sa.column("submitted"), sa.column("checklist"), sa.column("answers"),
    sa.column("comments"), sa.column("score"),
)


def organization(context: Mapping[str, Any], data_dict: Mapping[str, Any]) -> model.Group:
    """The organisation named in ``data_dict`` (name or id), else ``ValidationError``."""
    wanted = str(data_dict.get("organization") or "").strip()
    org = model.Group.get(wanted) if wanted else None
    if org is None or not org.is_organization or org.state != "active":
        raise toolkit.ValidationError({"organization": [toolkit._("Organisation not found")]})
    return org


def _json_mapping(value: Any, field: str) -> dict[str, Any]:
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip() else {}
        except ValueError:
            raise toolkit.ValidationError({field: [toolkit._("Not a JSON object")]}) from None
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise toolkit.ValidationError({field: [toolkit._("Not a JSON object")]})
    return dict(value)


def _author_names(ids: set[str]) -> dict[str, dict[str, str]]:
    if not ids:
        return {}
    users = model.Session.query(model.User).filter(model.User.id.in_(ids)).all()
    return {user.id: {"name": user.name, "display_name": user.display_name} for user in users}


def _record(row: Any, authors: Mapping[str, Mapping[str, str]]) -> dict[str, Any]:
    answers = json.loads(row.answers)
    author = authors.get(row.author_id, {})
    return {
        "id": row.id, "organization_id": row.organization_id,
        "author_id": row.author_id, "author": author.get("name", ""),
        "author_display_name": author.get("display_name", ""),
        "submitted": row.submitted.isoformat(), "checklist": row.checklist,
        "answers": answers, "comments": json.loads(row.comments or "{}"),
        "score": row.score, "theme_scores": maturity.theme_scores(answers),
    }


def amp_dashboard_maturity_submit(context: dict[str, Any], data_dict: dict[str, Any]
                                  ) -> dict[str, Any]:
    """Keep one self-assessment of an organisation against the maturity checklist.

    :param organization: name or id of the organisation
    :type organization: string
    :param answers: ``{question code: "yes" | "no"}``, every question of
        ``amp_dashboard_maturity_show``'s checklist (a JSON string too)
    :type answers: dictionary
    :param comments: ``{question code: text}``, optional, at most 500
        characters each
    :type comments: dictionary
    :returns: the stored assessment ``{id, organization_id, author_id,
        author, submitted, checklist, answers, comments, score, theme_scores}``
    :rtype: dictionary
    """
    toolkit.check_access("amp_dashboard_maturity_submit", context, data_dict)
    org = organization(context, data_dict)
    answers = _json_mapping(data_dict.get("answers"), "answers")
    comments = _json_mapping(data_dict.get("comments"), "comments")
    try:
        assessment = maturity.validate(answers, comments)
    except maturity.InvalidAssessment as error:
        message = error.translate(toolkit._)
        raise toolkit.ValidationError({"answers": [message],
                                       **{code: [message] for code in error.items}}) from None
    user = model.User.get(str(context.get("user") or ""))
    if user is None:  # pragma: no cover - the auth function refuses anonymous callers
        raise toolkit.NotAuthorized(toolkit._("Log in to see the dashboards"))
    record = {
        "id": str(uuid.uuid4()), "organization_id": org.id, "author_id": user.id,
        "submitted": now(), "checklist": maturity.CHECKLIST_VERSION,
        "answers": json.dumps(assessment.answers, sort_keys=True),
        "comments": json.dumps(assessment.comments, sort_keys=True, ensure_ascii=False),
        "score": assessment.score,
    }
    model.Session.execute(TABLE.insert().values(**record))
    if not context.get("defer_commit"):
        model.repo.commit()
    row = model.Session.execute(sa.select(TABLE).where(TABLE.c.id == record["id"])).one()
    return _record(row, _author_names({user.id}))


@toolkit.side_effect_free
def amp_dashboard_maturity_show(context: dict[str, Any], data_dict: dict[str, Any]
                                ) -> dict[str, Any]:
    """An organisation's latest maturity self-assessment and its history.

    :param organization: name or id of the organisation
    :type organization: string
    :param limit: how many past assessments to return, the latest first
        (default 50)
    :type limit: int
    :param lang: ``fr`` (default) or ``en``, the language of the checklist
    :type lang: string
    :returns: ``{organization: {id, name, title}, checklist: {version,
        themes: [{code, label, questions: [{code, group, label}]}]}, latest
        (an assessment, or null), history: [assessment...], count}``
    :rtype: dictionary
    """
    toolkit.check_access("amp_dashboard_maturity_show", context, data_dict)
    org = organization(context, data_dict)
    lang = str(data_dict.get("lang") or page_language())
    lang = "en" if lang.startswith("en") else "fr"
    try:
        limit = max(1, min(500, int(data_dict.get("limit") or 50)))
    except (TypeError, ValueError):
        raise toolkit.ValidationError({"limit": [toolkit._("Must be a whole number")]}) from None
    where = TABLE.c.organization_id == org.id
    count = model.Session.execute(sa.select(sa.func.count()).select_from(TABLE).where(where)
                                  ).scalar_one()
    rows = list(model.Session.execute(
        sa.select(TABLE).where(where)
        .order_by(TABLE.c.submitted.desc(), TABLE.c.id.desc()).limit(limit)))
    authors = _author_names({row.author_id for row in rows})
    history = [_record(row, authors) for row in rows]
    return {
        "organization": {"id": org.id, "name": org.name, "title": org.title or org.name},
        "checklist": checklist(lang),
        "latest": history[0] if history else None,
        "history": history,
        "count": count,
    }


def checklist(lang: str = "fr") -> dict[str, Any]:
    """The checklist's themes and questions, labelled in ``lang``."""
    return {"version": maturity.CHECKLIST_VERSION, "themes": [{
        "code": theme.code, "label": theme.label(lang),
        "questions": [{"code": item.code, "group": item.group_label(lang), "label": item.label(lang)}
                  for item in maturity.items_of(theme.code)],
    } for theme in maturity.THEMES]}


def get_actions() -> dict[str, Any]:
    return {"amp_dashboard_maturity_submit": amp_dashboard_maturity_submit,
            "amp_dashboard_maturity_show": amp_dashboard_maturity_show}

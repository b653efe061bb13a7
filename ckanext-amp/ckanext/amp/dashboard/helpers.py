"""Template helpers of amp_dashboard, and the facet labels of the dataset
list (used by plugin.py): the portal's identity, the home page's figures,
the dashboards' labels and chart data."""
from __future__ import annotations

import json
import os
from typing import Any, Iterable, Mapping, Optional

from ckan import authz, plugins
from ckan.plugins import toolkit

from ckanext.amp.web import user_name

from ckanext.amp.common import diffusion, freshness, quality_bands
from ckanext.amp.common.vocabularies import load_vocabulary
from ckanext.amp.translation import page_language

__all__ = [
    "amp_chart_json",
    "amp_dashboard_allowed",
    "amp_freshness_buckets",
    "amp_frequency_label",
    "amp_home",
    "amp_portal",
    "amp_reuse_count",
    "amp_tracking_enabled",
]

#: Options of the portal's identity; each may come from the environment
#: (``ckanext.amp.portal.name`` <- ``CKANEXT__AMP__PORTAL__NAME``).
PORTAL_OPTIONS = ("ckanext.amp.portal.name", "ckanext.amp.portal.owner",
                  "ckanext.amp.portal.logo", "ckanext.amp.portal.intro")

#: Index field of the quality band facet (not in the index: a range on ``quality_score``).
QUALITY_BAND_FACET = "quality_band"

#: Index field of the quality score (schema/indexing.py: zero-padded string).
QUALITY_SCORE_FIELD = "quality_score"

#: Facets added to the dataset list: index field -> English title (msgid).
FACETS = {
    "vocab_theme": "Themes",
    "vocab_spatial_zones": "Territories",
    "diffusion": "Diffusion level",
    "vocab_hvd_category": "High-value category",
    "frequency": "Update frequency",
    QUALITY_BAND_FACET: "Metadata quality",
}

#: Facet field -> vocabulary whose labels its values get.
_FACET_VOCABULARIES = {
    "vocab_theme": "data-theme",
    "vocab_spatial_zones": "zones",
    "vocab_hvd_category": "hvd-category",
    "frequency": "frequency",
}

#: Buckets of the freshness distribution -> English label (msgid).
BUCKET_LABELS = {
    "on_time": "Up to date",
    "late_1": "Late by up to one interval",
    "late_3": "Late by one to three intervals",
    "late_more": "Late by more than three intervals",
    "unscheduled": "No schedule (continuous, irregular, one-off)",
    "no_frequency": "No frequency given",
    "no_date": "No update date",
}
assert tuple(BUCKET_LABELS) == freshness.BUCKETS


def env_name(option: str) -> str:
    """``ckanext.amp.portal.name`` -> ``CKANEXT__AMP__PORTAL__NAME``."""
    return option.upper().replace(".", "__")


def apply_environment(config: Any, environ: Mapping[str, str] = os.environ) -> None:
    """Options of the portal's identity set by environment variables."""
    for option in PORTAL_OPTIONS:
        value = environ.get(env_name(option))
        if value:
            config[option] = value


_lang = page_language


def amp_portal() -> dict[str, Any]:
    """The portal's identity: ``name``, ``owner``, ``logo`` (URL or ""),
    ``intro`` (HTML from the operator's Markdown, or the bundle's text)."""
    config = toolkit.config
    intro = config.get("ckanext.amp.portal.intro") or ""
    name = config.get("ckanext.amp.portal.name") or "MData"
    owner = config.get("ckanext.amp.portal.owner") or ""
    if intro:
        html = toolkit.h.render_markdown(intro)
    else:
        html = toolkit.h.literal("<p>{}</p>").format(toolkit._(
            "{name} is the data portal of the {owner}: the data of the Métropole, "
            "its municipalities and its partners, to find, download and reuse.").format(
                name=name, owner=owner or name))
    return {"name": name, "owner": owner, "logo": config.get("ckanext.amp.portal.logo") or "",
            "intro": html}


def _search(**params: Any) -> dict[str, Any]:
    try:
        return toolkit.get_action("package_search")({"user": user_name()}, params)
    except toolkit.ValidationError:  # pragma: no cover - a broken index
        return {"count": 0, "results": [], "facets": {}}


def _popular(rows: int) -> list[dict[str, Any]]:
    """The most used datasets: by recent views (the last 14 days) when
    CKAN's ``tracking`` plugin counts them, else (or while none is viewed)
    by followers."""
    if plugins.plugin_loaded("tracking"):
        viewed = _search(q="*:*", fq="views_recent:[1 TO *]", rows=rows,
                         sort="views_recent desc, metadata_modified desc")["results"]
        if viewed:
            return viewed
    import sqlalchemy as sa
    from ckan import model

    table = sa.table("user_following_dataset", sa.column("object_id"))
    ids = [row[0] for row in model.Session.execute(
        sa.select(table.c.object_id).group_by(table.c.object_id)
        .order_by(sa.func.count().desc()).limit(rows * 4))]
    if not ids:
        return []
    found = {d["id"]: d for d in _search(
        q="*:*", fq="id:(" + " OR ".join(f'"{i}"' for i in ids) + ")", rows=len(ids))["results"]}
    return [found[i] for i in ids if i in found][:rows]


def amp_home(rows: int = 6) -> dict[str, Any]:
    """What the home page shows: dataset count, the EU themes with their
    counts (every theme, in the vocabulary's order), the latest and the most
    used datasets, the organisations with the most datasets."""
    lang = _lang()
    facets = _search(q="*:*", rows=0, **{"facet": "true", "facet.field": ["vocab_theme"],
                                          "facet.limit": -1})
    counts = facets.get("facets", {}).get("vocab_theme", {})
    themes = [{"uri": entry.value, "code": entry.code, "label": entry.label(lang),
               "count": counts.get(entry.value, 0)}
              for entry in load_vocabulary("data-theme") if not entry.deprecated]
    latest = _search(q="*:*", rows=rows, sort="metadata_modified desc")["results"]
    organizations = toolkit.get_action("organization_list")(
        {"user": user_name()}, {"all_fields": True, "sort": "package_count desc", "limit": 8})
    organization_count = len(toolkit.get_action("organization_list")({"user": user_name()}, {}))
    return {"count": facets.get("count", 0), "themes": themes, "latest": latest,
            "popular": _popular(rows), "organizations": organizations,
            "organization_count": organization_count}


def amp_dashboard_allowed() -> bool:
    """Whether the current user sees the dashboards (editor, admin, sysadmin)."""
    user = user_name()
    return bool(user and (authz.is_sysadmin(user)
                          or authz.has_user_permission_for_some_org(user, "create_dataset")))


def amp_reuse_count(package_id: str) -> Optional[int]:
    """How many reuses the dataset has (None: the caller may not see it)."""
    try:
        return len(toolkit.get_action("amp_dashboard_reuse_list")(
            {"user": user_name()}, {"package_id": package_id}))
    except (toolkit.NotAuthorized, toolkit.ObjectNotFound):
        return None


def amp_tracking_enabled() -> bool:
    """Whether CKAN's tracking plugin records the visits."""
    return plugins.plugin_loaded("tracking")


def amp_freshness_buckets() -> list[dict[str, str]]:
    """``[{"code", "label"}]`` of the freshness distribution, translated."""
    return [{"code": code, "label": toolkit._(label)} for code, label in BUCKET_LABELS.items()]


def amp_frequency_label(value: Any) -> str:
    text = str(value or "")
    return load_vocabulary("frequency").label(text, _lang(), default=text) if text else ""


def amp_chart_json(kind: str, labels: Iterable[str], values: Iterable[Any], title: str,
                   axis: Optional[str] = None) -> str:
    """The data of one chart (``data-chart`` of its canvas, read by dashboard.js)."""
    return json.dumps({"kind": kind, "labels": list(labels), "values": list(values),
                       "title": title, "axis": axis or ""}, ensure_ascii=False)


# ------------------------------------------------------------------ facets

def facet_titles() -> dict[str, str]:
    return {field: toolkit._(title) for field, title in FACETS.items()}


def _value_label(field: str, value: str, lang: str) -> str:
    if field == "diffusion":
        level = diffusion.LEVELS.get(value)
        return level.name(lang).capitalize() if level else value
    vocabulary = _FACET_VOCABULARIES.get(field)
    if vocabulary:
        return load_vocabulary(vocabulary).label(value, lang, default=value)
    return value


def band_facet(score_counts: Mapping[str, int]) -> dict[str, Any]:
    """The quality band facet (CKAN's ``search_facets`` shape) from the
    counts per score."""
    counts = quality_bands.counts_by_band(score_counts)
    return {"title": QUALITY_BAND_FACET, "items": [
        {"name": band.code, "display_name": toolkit._(band.label), "count": counts[band.code]}
        for band in quality_bands.BANDS if counts[band.code]]}


def label_facets(search_facets: dict[str, Any]) -> None:
    """Vocabulary labels as the display names of our facets' values."""
    lang = _lang()
    for field in FACETS:
        facet = search_facets.get(field)
        if not facet or field == QUALITY_BAND_FACET:
            continue
        for item in facet.get("items", []):
            item["display_name"] = _value_label(field, item["name"], lang)

"""The validation tab of the dashboards: resources checked against the
Table Schema they claim, per organisation, from amp_validation's
``amp_validation_summary`` (looked up at call time: without amp_validation
the tab says the checks are off).

``amp_dashboard_validation`` ``{organization?, limit?}`` -> ``{enabled,
organizations: [...], totals: {valid, invalid, pending, not_checked,
total, no_schema}, invalid: [...], invalid_count}``
"""
from __future__ import annotations

from typing import Any

from ckan.plugins import toolkit

from ckanext.amp.dashboard.logic.action import organizations_in_scope

#: Buckets of the tab, in its order -> English label (msgid).
BUCKET_LABELS = {
    "valid": "Valid",
    "invalid": "Invalid",
    "pending": "Check pending",
    "not_checked": "Not checked",
}


@toolkit.side_effect_free
def amp_dashboard_validation(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    """Resources valid, invalid, pending and not checked against their
    schema, per organisation the caller edits (every one for a sysadmin),
    and the invalid ones, the most errors first.

    :param organization: an organisation's name or id (default: all in scope)
    :type organization: string
    :param limit: invalid resources listed (0: all)
    :type limit: int
    :rtype: dictionary
    """
    toolkit.check_access("amp_dashboard_view", context, data_dict)
    organizations = organizations_in_scope(context, data_dict.get("organization"))
    empty = {"enabled": False, "organizations": [], "invalid": [], "invalid_count": 0,
             "totals": dict.fromkeys(list(BUCKET_LABELS) + ["total", "no_schema"], 0)}
    try:
        summary = toolkit.get_action("amp_validation_summary")
    except KeyError:  # amp_validation not loaded
        return empty
    if not organizations:
        return dict(empty, enabled=True)
    figures = summary({"user": context.get("user")},
                      {"organization_ids": [org["id"] for org in organizations],
                       "limit": data_dict.get("limit")})
    return dict(figures, enabled=True)


def get_actions() -> dict[str, Any]:
    return {"amp_dashboard_validation": amp_dashboard_validation}

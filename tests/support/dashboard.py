"""Shared pieces of the dashboard tests (tests/dashboard, tests/browser):
dates N days ago, datasets made by a sysadmin, API headers, and how many
colours a canvas holds once Chart.js has drawn it."""
from __future__ import annotations

import datetime as dt
from typing import Any, Mapping

from support.data import dataset_fields

FREQ = "http://publications.europa.eu/resource/authority/frequency/"


def days_ago(days: int) -> str:
    return (dt.date.today() - dt.timedelta(days=days)).isoformat()


def create(sysadmin: Mapping[str, Any], org: Mapping[str, Any], name: str, **fields: Any
           ) -> dict[str, Any]:
    """A valid dataset ``name`` of ``org`` (its title from the name), by ``package_create``."""
    from ckan.tests import helpers

    return helpers.call_action("package_create", context={"user": sysadmin["name"]},
                               **dataset_fields(org, name=name, title=name.replace("-", " "),
                                                **fields))


def auth(user: Mapping[str, Any]) -> dict[str, str]:
    """Headers of an API call as ``user`` (a factory user with a token)."""
    return {"Authorization": user["token"]}


def canvas_colours(page: Any, selector: str) -> int:
    """How many distinct colours the canvas holds (1: blank)."""
    return page.evaluate("""(selector) => {
        const canvas = document.querySelector(selector);
        const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        const colours = new Set();
        for (let i = 0; i < data.length; i += 4 * 7) {
            colours.add(data[i] + ',' + data[i + 1] + ',' + data[i + 2] + ',' + data[i + 3]);
            if (colours.size > 50) break;
        }
        return colours.size;
    }""", selector)

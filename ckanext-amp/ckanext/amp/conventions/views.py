"""Pages of amp_conventions (French): /conventions and a convention's page."""
from __future__ import annotations

from flask import Blueprint

conventions = Blueprint("amp_conventions", __name__)


def get_blueprints() -> list[Blueprint]:
    return [conventions]

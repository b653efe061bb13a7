"""``ckan amp conventions ...`` commands."""
from __future__ import annotations

from typing import Any

import click

from ckanext.amp.cli import amp


@amp.group()
def conventions() -> None:
    """Conventions de partage de données (amp_conventions)."""


def get_commands() -> list[Any]:
    return [amp]

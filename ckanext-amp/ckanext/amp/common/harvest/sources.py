"""A harvest source's configuration, and the secrets it names. Pure (no CKAN).

The configuration is the JSON that ckanext-harvest keeps with the source.
It may name a credential but never hold one: a key that looks like a
secret (``api_key``, ``password``, ``token``…) is refused, so that nothing
``harvest_source_show`` returns can leak a partner's key.

Credentials are looked up by name, in the operator's secrets file (outside
the repository, ``NAME=value`` lines) and then in the environment under
``AMP_CREDENTIAL_<NAME>``: the prefix keeps a source's configuration from
naming any other variable of the portal's environment (the database URL,
CKAN's secret key) and sending it to a partner.
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from ckanext.amp.common.messages import TranslatableError

__all__ = ["CREDENTIAL_ENV_PREFIX", "ConfigError", "SourceConfig", "parse_config",
           "resolve_credential"]

MODES = ("copy", "reference")
CREDENTIAL_ENV_PREFIX = "AMP_CREDENTIAL_"
_CREDENTIAL_NAME = re.compile(r"^[A-Z][A-Z0-9_]{1,63}$")
_SECRET_KEY = re.compile(r"(api_?key|apikey|password|passwd|secret|token|authorization|bearer)",
                         re.I)
#: Keys every source type understands; each type adds its own.
COMMON_KEYS = frozenset({
    "convention", "open_data_only", "mode", "credential", "grace_days", "max_withdraw_share",
    "max_pages", "user_agent",
})


class ConfigError(TranslatableError):
    """A source configuration refused (English msgid + parameters)."""


@dataclass(frozen=True)
class SourceConfig:
    """The validated configuration of a source."""

    convention: str | None = None
    open_data_only: bool = False
    mode: str = "copy"
    credential: str | None = None
    grace_days: float | None = None
    max_withdraw_share: float | None = None
    max_pages: int | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def canonical(self) -> str:
        """A stable JSON text (for fingerprints)."""
        return json.dumps({"convention": self.convention, "open_data_only": self.open_data_only,
                           "mode": self.mode, "credential": self.credential,
                           "extra": dict(self.extra)}, sort_keys=True, default=str)


def _number(config: Mapping[str, Any], key: str, minimum: float, maximum: float | None,
            integer: bool = False) -> float | int | None:
    if key not in config or config[key] is None:
        return None
    value = config[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or \
            (integer and not float(value).is_integer()):
        raise ConfigError("The option {key} must be a number", key=key)
    if value < minimum or (maximum is not None and value > maximum):
        raise ConfigError("The option {key} must be between {minimum} and {maximum}", key=key,
                          minimum=minimum, maximum=maximum if maximum is not None else "∞")
    return int(value) if integer else float(value)


def parse_config(text: str | Mapping[str, Any] | None,
                 type_keys: frozenset[str] = frozenset()) -> SourceConfig:
    """The :class:`SourceConfig` of a source's JSON configuration; raises
    :class:`ConfigError` in English (translated by the caller)."""
    if text is None or (isinstance(text, str) and not text.strip()):
        raw: Any = {}
    elif isinstance(text, str):
        try:
            raw = json.loads(text)
        except ValueError as error:
            raise ConfigError("The configuration is not valid JSON: {reason}",
                              reason=str(error)) from None
    else:
        raw = dict(text)
    if not isinstance(raw, dict):
        raise ConfigError("The configuration must be a JSON object")

    for key, value in raw.items():
        if key != "credential" and _SECRET_KEY.search(key):
            raise ConfigError(
                "The configuration must not hold a secret ({key}): store it in the secrets "
                "file or the environment and give its name in \"credential\"", key=key)
        if isinstance(value, str) and re.match(r"(?i)^(bearer|apikey|basic)\s+\S", value):
            raise ConfigError(
                "The configuration must not hold a secret ({key}): store it in the secrets "
                "file or the environment and give its name in \"credential\"", key=key)
    unknown = sorted(set(raw) - COMMON_KEYS - type_keys)
    if unknown:
        raise ConfigError("Unknown configuration options: {keys}", keys=", ".join(unknown))

    convention = raw.get("convention")
    if convention is not None and (not isinstance(convention, str) or not convention.strip()):
        raise ConfigError("The option convention must be a convention reference")
    open_data_only = raw.get("open_data_only", False)
    if not isinstance(open_data_only, bool):
        raise ConfigError("The option {key} must be true or false", key="open_data_only")
    if not convention and not open_data_only:
        raise ConfigError(
            "A source needs a convention (\"convention\": its reference), unless it harvests "
            "only openly licensed public data (\"open_data_only\": true)")
    mode = raw.get("mode", "copy")
    if mode not in MODES:
        raise ConfigError("The option mode must be one of: {choices}", choices=", ".join(MODES))
    credential = raw.get("credential")
    if credential is not None and (not isinstance(credential, str)
                                   or not _CREDENTIAL_NAME.match(credential)):
        raise ConfigError(
            "The option credential is the NAME of a secret (capital letters, digits and _), "
            "never the secret itself")
    return SourceConfig(
        convention=convention.strip() if convention else None,
        open_data_only=open_data_only,
        mode=mode,
        credential=credential,
        grace_days=_number(raw, "grace_days", 0, 3650),
        max_withdraw_share=_number(raw, "max_withdraw_share", 0, 1),
        max_pages=_number(raw, "max_pages", 1, None, integer=True),  # type: ignore[arg-type]
        extra={key: raw[key] for key in raw if key in type_keys},
    )


def _read_secrets(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        name, value = line.split("=", 1)
        values[name.strip()] = value.strip().strip('"').strip("'")
    return values


def resolve_credential(name: str, secrets_file: str | Path | None = None,
                       environ: Mapping[str, str] | None = None) -> str:
    """The secret named ``name``: from ``secrets_file`` if given and it has
    the name, else from ``AMP_CREDENTIAL_<name>`` in the environment.
    Raises :class:`ConfigError` (which never contains the value)."""
    if not _CREDENTIAL_NAME.match(name or ""):
        raise ConfigError(
            "The option credential is the NAME of a secret (capital letters, digits and _), "
            "never the secret itself")
    if secrets_file:
        path = Path(secrets_file)
        try:
            values = _read_secrets(path)
        except OSError as error:
            raise ConfigError("The secrets file {path} cannot be read ({reason})",
                              path=str(path), reason=error.strerror or str(error)) from None
        if values.get(name):
            return values[name]
    env = os.environ if environ is None else environ
    value = env.get(CREDENTIAL_ENV_PREFIX + name)
    if value:
        return value
    raise ConfigError(
        "The credential {name} is not defined: add it to the secrets file "
        "(ckanext.amp.harvest.secrets_file) or set the environment variable {variable}",
        name=name, variable=CREDENTIAL_ENV_PREFIX + name)

"""amp_harvest's configuration options (declared in config_declaration.yaml)."""
from __future__ import annotations

from typing import Any

from ckan.plugins import toolkit

from ckanext.amp.common.harvest.fetch import MB, FetchPolicy

PREFIX = "ckanext.amp.harvest."


def _get(name: str, default: Any) -> Any:
    value = toolkit.config.get(PREFIX + name)
    return default if value in (None, "") else value


def _float(name: str, default: float) -> float:
    return float(_get(name, default))


def _int(name: str, default: int) -> int:
    return int(_get(name, default))


def allowed_hosts() -> list[str]:
    return toolkit.aslist(_get("allowed_hosts", ""))


def fetch_policy() -> FetchPolicy:
    return FetchPolicy.from_options(
        allowed_hosts(),
        max_bytes=_int("max_response_bytes", 200 * MB),
        max_redirects=_int("max_redirects", 5),
        connect_timeout=_float("connect_timeout", 10),
        read_timeout=_float("read_timeout", 30),
        deadline=_float("request_timeout", 300),
        max_retries=_int("max_retries", 3),
        retry_after_cap=_float("retry_after_cap", 60),
        max_ratio=_int("max_decompression_ratio", 100),
    )


def gather_timeout() -> float:
    return _float("gather_timeout", 1800)


def job_timeout_minutes() -> float:
    return _float("job_timeout", 240)


def grace_days() -> float:
    return _float("withdraw_grace_days", 7)


def max_withdraw_share() -> float:
    return _float("max_withdraw_share", 0.2)


def max_pages() -> int:
    return _int("max_pages", 10000)


def secrets_file() -> str | None:
    return _get("secrets_file", None)


def retention_days() -> int:
    return _int("retention_days", 90)


def keep_jobs() -> int:
    return _int("keep_jobs", 5)


def public_extra_licences() -> list[str]:
    """The operator's other open licences allowed for public data (amp_schema's option)."""
    return toolkit.aslist(toolkit.config.get("ckanext.amp.schema.public_extra_licences") or "")


def delivery_root() -> str | None:
    """The folder under which ``amp_delivery`` sources may watch folders."""
    return _get("delivery_root", None)

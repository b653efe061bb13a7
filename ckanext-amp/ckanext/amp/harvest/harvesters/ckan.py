"""``amp_ckan``: a remote CKAN's action API, ``package_search`` paged (sorted
by id, so that pages are stable), with filters (``fq``, ``q``,
``organizations``)."""
from __future__ import annotations

from urllib.parse import urlencode


from ckanext.amp.common.harvest import documents
from ckanext.amp.common.harvest.ckan import ckan_package_to_record
from ckanext.amp.common.harvest.fetch import Response, redact
from ckanext.amp.common.harvest.sources import ConfigError, SourceConfig
from ckanext.amp.harvest.harvesters.base import AmpHarvester, JobContext, Page

DEFAULT_ROWS = 100
MAX_ROWS = 1000


class AmpCkanHarvester(AmpHarvester):
    source_type = "amp_ckan"
    title = "CKAN (convention, MData)"
    description = ("API d’un portail CKAN (package_search par pages, filtres), sous une "
                   "convention ou de données ouvertes seulement.")
    type_config_keys = frozenset({"fq", "q", "organizations", "rows", "credential_header",
                                  "credential_prefix"})
    accept = "application/json"

    def check_type_config(self, config: SourceConfig) -> None:
        rows = config.extra.get("rows", DEFAULT_ROWS)
        if isinstance(rows, bool) or not isinstance(rows, int) or not 1 <= rows <= MAX_ROWS:
            raise ConfigError("The option {key} must be between {minimum} and {maximum}",
                              key="rows", minimum=1, maximum=MAX_ROWS)
        organizations = config.extra.get("organizations", [])
        if not isinstance(organizations, list) or \
                not all(isinstance(o, str) and o.strip() for o in organizations):
            raise ConfigError("The option organizations must be a list of organisation names")
        for key in ("fq", "q"):
            if key in config.extra and not isinstance(config.extra[key], str):
                raise ConfigError("The option {key} must be a text", key=key)

    def _api(self, context: JobContext) -> str:
        base = context.source_url.rstrip("/")
        for suffix in ("/api/3/action/package_search", "/api/3/action", "/api/3", "/api"):
            if base.endswith(suffix):
                base = base[: -len(suffix)]
                break
        return base

    def _url(self, context: JobContext, start: int) -> str:
        extra = context.config.extra
        filters = [extra["fq"]] if extra.get("fq") else []
        if extra.get("organizations"):
            filters.append("organization:(" + " OR ".join(extra["organizations"]) + ")")
        params = {"rows": extra.get("rows", DEFAULT_ROWS), "start": start, "sort": "id asc"}
        if filters:
            params["fq"] = " AND ".join(f"({f})" for f in filters)
        if extra.get("q"):
            params["q"] = extra["q"]
        return f"{self._api(context)}/api/3/action/package_search?{urlencode(params)}"

    def first_url(self, context: JobContext) -> str:
        return self._url(context, 0)

    def parse_page(self, context: JobContext, url: str, response: Response) -> Page:
        answer = documents.parse_json(response.content, url)
        result = answer.get("result") if isinstance(answer, dict) else None
        if not isinstance(result, dict) or not isinstance(result.get("results"), list):
            raise documents.DocumentError(
                "{url} is not a CKAN package_search answer (no result.results)", url=redact(url))
        packages = [p for p in result["results"] if isinstance(p, dict)]
        portal = self._api(context)
        records = []
        for package in packages:
            if package.get("type") == "harvest":
                continue
            records.append(ckan_package_to_record(package, portal))
        rows = int(context.config.extra.get("rows", DEFAULT_ROWS))
        start = int(dict(_query(url)).get("start", 0))
        count = result.get("count")
        more = len(packages) >= rows and (not isinstance(count, int) or start + rows < count)
        return Page(records, self._url(context, start + rows) if more else None)


def _query(url: str) -> list[tuple[str, str]]:
    from urllib.parse import parse_qsl, urlsplit

    return parse_qsl(urlsplit(url).query)

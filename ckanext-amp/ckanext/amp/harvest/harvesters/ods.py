"""``amp_ods``: an OpenDataSoft portal through its Explore API v2.1,
``catalog/datasets`` paged by ``limit``/``offset`` in a stable order, or
its catalogue export past the API's 10,000 window
(:mod:`ckanext.amp.common.harvest.explore`); datasets mapped by
:func:`~ckanext.amp.common.harvest.ods.ods_dataset_to_record`, keyed on
``dataset_uid``. A key is sent as ``Authorization: Apikey <key>``.
"""
from __future__ import annotations

from ckanext.amp.common.harvest import documents, explore
from ckanext.amp.common.harvest.fetch import Response, redact
from ckanext.amp.common.harvest.ods import ods_dataset_to_record, ods_datasets
from ckanext.amp.common.harvest.sources import ConfigError, SourceConfig
from ckanext.amp.harvest.harvesters.base import AmpHarvester, JobContext, Page


class AmpOdsHarvester(AmpHarvester):
    source_type = "amp_ods"
    title = "OpenDataSoft (convention, MData)"
    description = ("Portail OpenDataSoft (API Explore v2.1, catalogue par pages ou export), "
                   "sous une convention ou de données ouvertes seulement.")
    type_config_keys = frozenset({"limit", "where", "refine"})
    accept = "application/json"

    def check_type_config(self, config: SourceConfig) -> None:
        limit = config.extra.get("limit", explore.DEFAULT_LIMIT)
        if isinstance(limit, bool) or not isinstance(limit, int) \
                or not 1 <= limit <= explore.MAX_LIMIT:
            raise ConfigError("The option {key} must be between {minimum} and {maximum}",
                              key="limit", minimum=1, maximum=explore.MAX_LIMIT)
        if "where" in config.extra and not isinstance(config.extra["where"], str):
            raise ConfigError("The option {key} must be a text", key="where")
        refine = config.extra.get("refine", [])
        if not isinstance(refine, str) and not (
                isinstance(refine, list) and all(isinstance(r, str) for r in refine)):
            raise ConfigError("The option refine must be a text or a list of texts")

    def credential_headers(self, config: SourceConfig, secret: str) -> dict[str, str]:
        return {"Authorization": f"Apikey {secret}"}

    def _limit(self, context: JobContext) -> int:
        return int(context.config.extra.get("limit", explore.DEFAULT_LIMIT))

    def _page_url(self, context: JobContext, offset: int) -> str:
        extra = context.config.extra
        return explore.datasets_url(explore.portal_of(context.source_url), self._limit(context),
                                    offset, extra.get("where"),
                                    explore.refinements(extra.get("refine")))

    def first_url(self, context: JobContext) -> str:
        return self._page_url(context, 0)

    def parse_page(self, context: JobContext, url: str, response: Response) -> Page:
        portal = explore.portal_of(context.source_url)
        answer = documents.parse_json(response.content, url)
        if "/catalog/exports/" in url:
            if not isinstance(answer, list):
                raise documents.DocumentError(
                    "{url} is not an OpenDataSoft catalogue export (a JSON list of datasets)",
                    url=redact(url))
            return Page([ods_dataset_to_record(d, portal)
                         for d in ods_datasets({"results": answer})], None)
        if not isinstance(answer, dict) or not isinstance(answer.get("results"), list):
            raise documents.DocumentError(
                "{url} is not an OpenDataSoft catalog/datasets answer (no results)",
                url=redact(url))
        datasets = ods_datasets(answer)
        offset = explore.offset_of(url)
        limit = self._limit(context)
        step = explore.next_step(offset, limit, len(answer["results"]), answer.get("total_count"))
        extra = context.config.extra
        if step.kind == "export":
            # Past the window: the export lists every dataset, this page none.
            return Page([], explore.export_url(portal, extra.get("where"),
                                               explore.refinements(extra.get("refine"))))
        if step.kind == "overflow":
            raise documents.DocumentError(
                "{url}: the catalogue grew past the {count} datasets the API pages through "
                "while it was read: reading stopped there and no dataset was withdrawn (the "
                "next job reads its export)", url=redact(url), count=explore.MAX_WINDOW)
        records = [ods_dataset_to_record(d, portal) for d in datasets]
        next_url = self._page_url(context, step.offset) if step.kind == "page" else None
        return Page(records, next_url)

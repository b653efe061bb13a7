"""amp_dcat's pages: ``/catalog.csv`` (OpenDataFrance SCDL "catalogue"), and
the RDF catalogue and dataset documents assembled from the stored
fragments (docs/decisions/0013-dcat-fragments.md), which replace
ckanext-dcat's views of ``/catalog.{format}`` and ``/dataset/{id}.{format}``.

Every RDF document carries an ``ETag`` and a ``Last-Modified`` and is
answered ``304 Not Modified`` when the harvester already has it. The whole
catalogue in one document is ``/catalog.{format}?page=all``: streamed, or
refused above ``ckanext.amp.dcat.whole_catalogue_max_datasets``.
"""
from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
from typing import Any, Callable, Iterable, Iterator, Optional

from dateutil.parser import parse as parse_date
from flask import Blueprint, Response, make_response, request, stream_with_context
from ckan.plugins import toolkit

from ckanext.amp.common import dcat_fragments, diffusion
from ckanext.amp.dcat import fragments
from ckanext.amp.dcat.logic.action import IN_CATALOGUE

amp_dcat = Blueprint("amp_dcat", __name__)

#: Endpoint format -> fragment format.
URL_FORMATS = {"ttl": "ttl", "n3": "ttl", "nt": "nt", "rdf": "xml", "xml": "xml", "jsonld": "jsonld"}
CONTENT_TYPES = {"ttl": "text/turtle", "n3": "text/n3", "nt": "application/n-triples",
                 "rdf": "application/rdf+xml", "xml": "application/rdf+xml",
                 "jsonld": "application/ld+json"}
#: Datasets read from the index and the fragment table at a time.
CHUNK = 500
WHOLE_OPTION = "ckanext.amp.dcat.whole_catalogue_max_datasets"

#: ckanext-dcat's views, kept for what the fragments do not serve.
_ORIGINAL: dict[str, Callable[..., Any]] = {}


def catalogue_csv():
    try:
        body = toolkit.get_action("amp_catalogue_csv")({}, {})
    except toolkit.NotAuthorized:
        return toolkit.abort(403)
    response = make_response(body)
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = 'inline; filename="catalogue.csv"'
    return response


amp_dcat.add_url_rule("/catalog.csv", view_func=catalogue_csv, endpoint="catalogue_csv")


def get_blueprints():
    return [amp_dcat]


def replace_dcat_views(app: Any) -> Any:
    """IMiddleware: ckanext-dcat's RDF views become ours (same URLs)."""
    for endpoint, view in (("dcat.read_catalog", read_catalog),
                           ("dcat.read_dataset", read_dataset),
                           ("dcat.read_dataset_series", read_dataset)):
        original = app.view_functions.get(endpoint)
        if original is not None and original is not view:
            _ORIGINAL[endpoint] = original
            app.view_functions[endpoint] = view
    return app


# -- conditional requests --------------------------------------------------------

def _http_date(moment: Optional[dt.datetime]) -> Optional[str]:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return email.utils.format_datetime(moment.astimezone(dt.timezone.utc), usegmt=True)


def _moment(value: Any) -> Optional[dt.datetime]:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
    if not value:
        return None
    try:
        moment = parse_date(str(value))
    except (ValueError, OverflowError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def _not_modified(etag: str, last_modified: Optional[dt.datetime]) -> bool:
    """RFC 9110: If-None-Match first; If-Modified-Since only without it."""
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        return dcat_fragments.etag_matches(if_none_match, etag)
    since = request.headers.get("If-Modified-Since")
    if since and last_modified is not None:
        try:
            moment = email.utils.parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.timezone.utc)
        return last_modified.replace(microsecond=0) <= moment
    return False


def _validators(response: Response, etag: str, last_modified: Optional[dt.datetime]) -> Response:
    response.headers["ETag"] = etag
    if last_modified is not None:
        response.headers["Last-Modified"] = _http_date(last_modified)
    response.headers.setdefault("Cache-Control", "public, no-cache")
    return response


def _answer(_format: str, etag: str, last_modified: Optional[dt.datetime],
            chunks: Callable[[], Iterable[str]], stream: bool = False) -> Response:
    """304, or the document: joined (a page or a dataset: its size is
    bounded by the page size) or streamed (the whole catalogue)."""
    if _not_modified(etag, last_modified):
        return _validators(Response(status=304), etag, last_modified)
    if stream:
        body: Any = stream_with_context(piece.encode("utf-8") for piece in chunks())
    else:
        body = "".join(chunks()).encode("utf-8")
    response = Response(body, status=200, content_type=CONTENT_TYPES[_format])
    return _validators(response, etag, last_modified)


def _conditional(response: Any, last_modified: Optional[dt.datetime] = None) -> Any:
    """ETag (of the body) and 304 on a document ckanext-dcat computed."""
    if not isinstance(response, Response) or response.status_code != 200 or response.is_streamed:
        return response
    etag = dcat_fragments.strong_etag(hashlib.sha1(response.get_data()).hexdigest())
    if _not_modified(etag, last_modified):
        return _validators(Response(status=304), etag, last_modified)
    return _validators(response, etag, last_modified)


# -- the catalogue -----------------------------------------------------------------

def _format_of(_format: Optional[str]) -> Optional[str]:
    if not _format:
        from ckanext.dcat.utils import check_access_header

        _format = check_access_header()
    return _format


def _search_params() -> dict[str, Any]:
    """ckanext-dcat's search of the catalogue (logic._search_ckan_datasets),
    asking the index for ids and dates only."""
    params: dict[str, Any] = {
        "q": request.args.get("q") or "*:*",
        "fq": request.args.get("fq"),
        "sort": "metadata_modified desc",
        "fl": ["id", "metadata_modified"],
        "fq_list": ["-dataset_type:harvest", "-dataset_type:showcase"],
    }
    modified_since = request.args.get("modified_since")
    if modified_since:
        try:
            modified_since = parse_date(modified_since).isoformat() + "Z"
        except (ValueError, OverflowError):
            raise toolkit.ValidationError(
                toolkit._("Wrong modified date format. Use ISO-8601 format"))
        params["fq_list"].append(f"metadata_modified:[{modified_since} TO NOW]")
    return params


def _search(params: dict[str, Any], rows: int, start: int = 0) -> dict[str, Any]:
    token = IN_CATALOGUE.set(True)
    try:
        return toolkit.get_action("package_search")({}, {**params, "rows": rows, "start": start})
    finally:
        IN_CATALOGUE.reset(token)


def _header(pagination_info: Optional[dict[str, Any]]) -> tuple[dcat_fragments.Fragment, str,
                                                                 Optional[dt.datetime]]:
    """The ``dcat:Catalog`` (and hydra paging) as the profile writes it."""
    from ckanext.dcat.processors import RDFSerializer
    from rdflib.namespace import DCTERMS

    token = IN_CATALOGUE.set(True)
    try:
        serializer = RDFSerializer()
        catalog_ref = serializer.graph_from_catalog({})
        if pagination_info:
            serializer._add_pagination_triples(pagination_info)
    finally:
        IN_CATALOGUE.reset(token)
    modified = _moment(serializer.g.value(catalog_ref, DCTERMS.modified))
    return dcat_fragments.header_fragment(serializer.g), str(catalog_ref), modified


def _pieces(fmt: str, catalogue_uri: str, items: list[dict[str, Any]],
            rows: dict[str, dict[str, Any]]) -> Iterator[str]:
    for offset in range(0, len(items), CHUNK):
        chunk = items[offset:offset + CHUNK]
        texts = fragments.bodies([item["id"] for item in chunk], fmt)
        for item in chunk:
            yield dcat_fragments.link(catalogue_uri, rows[item["id"]]["dataset_uri"], fmt)
            yield texts.get(item["id"], "")


def _listed(items: list[dict[str, Any]], rows: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return [item for item in items if (rows.get(item["id"]) or {}).get("listed")]


def _latest(moments: Iterable[Optional[dt.datetime]]) -> Optional[dt.datetime]:
    known = [_moment(m) for m in moments if m is not None]
    return max(known) if known else None


def read_catalog(_format=None, package_type=None):
    original = _ORIGINAL.get("dcat.read_catalog")
    _format = _format_of(_format)
    fmt = URL_FORMATS.get(_format or "")
    if fmt is None:  # an HTML page, or a format ckanext-dcat answers itself
        return original(_format=_format, package_type=package_type)
    if not fragments.enabled():
        return _conditional(original(_format=_format, package_type=package_type))
    try:
        params = _search_params()
        if request.args.get("page") == "all":
            return _whole_catalogue(_format, fmt, params)
        return _catalogue_page(_format, fmt, params)
    except toolkit.ValidationError as error:
        return toolkit.abort(409, str(error))


def _catalogue_page(_format: str, fmt: str, params: dict[str, Any]) -> Response:
    from ckanext.dcat.logic import _pagination_info, wrong_page_exception

    per_page = int(toolkit.config.get("ckanext.dcat.datasets_per_page", 100))
    try:
        page = int(request.args.get("page") or 1)
    except ValueError:
        raise wrong_page_exception
    if page < 1:
        raise wrong_page_exception
    query = _search(params, per_page, per_page * (page - 1))
    key = fragments.context_key()
    rows = fragments.ensure_fresh(query["results"], key)
    items = _listed(query["results"], rows)
    header, catalogue_uri, modified = _header(_pagination_info(query, {"page": page}))
    etag = dcat_fragments.strong_etag(fmt, key, header.digest,
                                      *(rows[item["id"]]["digest"] for item in items))
    last_modified = _latest([modified, *(rows[item["id"]]["updated"] for item in items)])
    return _answer(_format, etag, last_modified, lambda: dcat_fragments.document(
        fmt, header, _pieces(fmt, catalogue_uri, items, rows)))


def _whole_catalogue(_format: str, fmt: str, params: dict[str, Any]) -> Response:
    count = _search(params, 0)["count"]
    limit = toolkit.asint(toolkit.config.get(WHOLE_OPTION, 100000))
    if count > limit:
        first = f"{request.base_url}?page=1"
        message = toolkit._(
            "The catalogue holds {count} datasets, more than the {limit} this portal "
            "serves in one document: read it page by page, from {url}").format(
                count=count, limit=limit, url=first)
        response = make_response(message + "\n", 403)
        response.headers["Content-Type"] = "text/plain; charset=utf-8"
        response.headers["Link"] = f'<{first}>; rel="first"'
        return response
    key = fragments.context_key()
    header, catalogue_uri, modified = _header(None)
    latest = fragments.latest_update()
    etag = dcat_fragments.strong_etag(fmt, "all", key, header.digest, count, latest,
                                      sorted(request.args.items()))
    last_modified = _latest([modified, latest])

    def pieces() -> Iterator[str]:
        for start in range(0, count, CHUNK):
            results = _search(params, CHUNK, start)["results"]
            rows = fragments.ensure_fresh(results, key)
            yield from _pieces(fmt, catalogue_uri, _listed(results, rows), rows)

    return _answer(_format, etag, last_modified,
                   lambda: dcat_fragments.document(fmt, header, pieces()), stream=True)


# -- a dataset ---------------------------------------------------------------------

def read_dataset(_id, _format=None, package_type=None):
    original = _ORIGINAL.get("dcat.read_dataset")
    requested = _format
    _format = _format_of(_format)
    fmt = URL_FORMATS.get(_format or "")
    if fmt is None:  # an HTML page, or a format ckanext-dcat answers itself
        return original(_id, _format=requested, package_type=package_type)
    if not fragments.enabled():
        return _conditional(original(_id, _format=_format, package_type=package_type))
    try:
        dataset = toolkit.get_action("package_show")({}, {"id": _id})
    except (toolkit.ObjectNotFound, toolkit.NotAuthorized):
        return toolkit.abort(404)
    if dataset.get("type") == "harvest" or dataset.get("private") \
            or not diffusion.listed_in_catalogue(dataset):
        # Not in the catalogue: a member's own view, computed (or a 404).
        return _conditional(original(_id, _format=_format, package_type=package_type),
                            _moment(dataset.get("metadata_modified")))
    key = fragments.context_key()
    rows = fragments.ensure_fresh(
        [{"id": dataset["id"], "metadata_modified": dataset.get("metadata_modified")}], key)
    row = rows.get(dataset["id"])
    if not row or not row["listed"]:
        return _conditional(original(_id, _format=_format, package_type=package_type))
    etag = dcat_fragments.strong_etag(fmt, key, row["digest"])
    return _answer(_format, etag, _moment(row["updated"]), lambda: dcat_fragments.document(
        fmt, dcat_fragments.EMPTY, [fragments.bodies([dataset["id"]], fmt).get(dataset["id"], "")]))

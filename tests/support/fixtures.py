"""pytest fixtures of the shared test infrastructure (imported by
``tests/conftest.py``, so every test directory has them).

=================  ========  ===================================================
fixture            scope     what
=================  ========  ===================================================
``smtp_server``    session   a real SMTP server (:class:`support.smtp.SmtpServer`)
``smtp``           function  the same, emptied for the test
``portal_options`` module    extra ini options of the module's portal
                             (override it in a module; default ``{}``)
``portal``         module    a running CKAN (:class:`support.portal.Portal`) with
                             the plugins of `make run`, its own database, a
                             sysadmin (``portal.admin``) and its mail sent to
                             ``smtp_server``
``browser``        session   Chromium (Debian's) under Playwright
``new_page``       function  ``new_page()``: a page in a fresh context (its own
                             cookies: one per user), French, on ``portal.url``;
                             its ``goto`` returns once CKAN's JavaScript runs
``page``           function  the first such page
``screenshot``     function  ``screenshot(name, page=None)`` -> PNG path
=================  ========  ===================================================

When a test fails, every page it opened is screenshot and the report gets
their paths, the pages' JavaScript errors and what the portal logged during
the test.
"""
from __future__ import annotations

import re
from typing import Callable, Iterator, Optional

import pytest

from ckanext.amp.stack.cli import artifacts_dir

from support.portal import Portal, PortalTemplates, admin_url
from support.smtp import SmtpServer

MAIL_FROM = "MData <portail@mdata.invalid>"
_LOCAL = r"(https?|wss?)://(127\.0\.0\.1|localhost)(:\d+)?(/|$)|(data|blob|about):"
LOCAL_URL = re.compile(f"^({_LOCAL})")
#: Matched by the browser itself (no round trip for local requests).
OUTSIDE_URL = re.compile(f"^(?!{_LOCAL})")

_PAGES = pytest.StashKey[list]()
_LOG_OFFSET = pytest.StashKey[int]()


def _test_name(item: pytest.Item) -> str:
    return f"{item.module.__name__}__{item.name}" if item.module else item.name


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def smtp(smtp_server: SmtpServer) -> SmtpServer:
    smtp_server.clear()
    return smtp_server


@pytest.fixture(scope="session")
def portal_templates(smtp_server: SmtpServer, tmp_path_factory) -> Iterator[PortalTemplates]:
    workdir = tmp_path_factory.mktemp("portals")
    templates = PortalTemplates(admin_url(), workdir, artifacts_dir() / "portals", {
        "smtp.server": smtp_server.address,
        "smtp.starttls": "false",
        "smtp.mail_from": MAIL_FROM,
        # Compiled once for every portal of the session.
        "ckan.webassets.path": str(workdir / "webassets"),
    })
    try:
        yield templates
    finally:
        templates.close()


@pytest.fixture(scope="module")
def portal_options() -> dict:
    """Ini options added to the module's portal (``ckan.plugins`` among
    them to change its plugins). Override in a test module::

        @pytest.fixture(scope="module")
        def portal_options():
            return {"ckanext.amp.access.reminder_days": "3"}
    """
    return {}


@pytest.fixture(scope="module")
def portal(request, portal_templates: PortalTemplates, portal_options: dict) -> Iterator[Portal]:
    live = portal_templates.start(request.module.__name__, portal_options)
    try:
        yield live
    finally:
        live.stop()


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError as exc:  # an old venv: `make install` brings it
        pytest.fail(f"Playwright is not installed ({exc}): run `make install`", pytrace=False)
    from support.browser import TIMEOUT_MS, launch

    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        chromium = launch(playwright)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def new_page(request, browser, portal: Portal) -> Iterator[Callable]:
    from support.browser import (READY_SCRIPT, TIMEOUT_MS, new_context_options,
                                 wait_for_ckan_after_goto)

    contexts = []
    pages = request.node.stash.setdefault(_PAGES, [])

    def make(base_url: Optional[str] = None, **options):
        context = browser.new_context(**{**new_context_options(base_url or portal.url),
                                         **options})
        context.set_default_timeout(TIMEOUT_MS)
        context.add_init_script(READY_SCRIPT)
        contexts.append(context)
        # Nothing leaves the machine: requests to other hosts are refused
        # and listed (page.outside_requests).
        outside: list = []
        context.route(OUTSIDE_URL,
                      lambda route: (outside.append(route.request.url), route.abort()))
        page = context.new_page()
        page.outside_requests = outside  # type: ignore[attr-defined]
        page.js_errors = []  # type: ignore[attr-defined]
        page.on("pageerror", lambda error: page.js_errors.append(str(error)))
        page.on("console", lambda message: message.type == "error"
                and not message.text.startswith("Failed to load resource")
                and page.js_errors.append(f"console: {message.text}"))
        # CKAN's tracking.js gives up on its POST /_tracking after 300 ms
        # (its own timeout; the server records the visit all the same); a
        # request the browser cancels because the page moved on to the next
        # one (net::ERR_ABORTED: a script still loading when a link is
        # followed) is not the page's error either.
        page.on("requestfailed", lambda request: LOCAL_URL.match(request.url)
                and not request.url.endswith("/_tracking")
                and "ERR_ABORTED" not in str(request.failure)
                and page.js_errors.append(f"request failed: {request.url} "
                                          f"({request.failure})"))
        wait_for_ckan_after_goto(page)
        pages.append(page)
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def screenshot(request) -> Callable:
    from support.browser import save_screenshot

    def take(name: str, page=None, full_page: bool = True):
        pages = request.node.stash.get(_PAGES, [])
        target = page or (pages[0] if pages else None)
        if target is None:
            raise RuntimeError("screenshot(): this test opened no page")
        return save_screenshot(target, f"{_test_name(request.node)}__{name}", full_page)
    return take


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call):
    outcome = yield
    report = outcome.get_result()
    portal = getattr(item, "funcargs", {}).get("portal")
    if report.when == "setup" and isinstance(portal, Portal):
        item.stash[_LOG_OFFSET] = portal.log_size()
    if report.when not in ("setup", "call") or not report.failed:
        return
    lines = []
    for number, page in enumerate(item.stash.get(_PAGES, []), start=1):
        try:
            from support.browser import save_screenshot
            path = save_screenshot(page, f"{_test_name(item)}__failure-{number}")
            lines.append(f"page {number} ({page.url}): {path}")
        except Exception as exc:  # a closed page: say so, keep the report
            lines.append(f"page {number}: no screenshot ({exc})")
        for error in getattr(page, "js_errors", [])[:20]:
            lines.append(f"  {error}")
        for url in sorted(set(getattr(page, "outside_requests", [])))[:20]:
            lines.append(f"  refused (outside this machine): {url}")
    if lines:
        report.sections.append(("screenshots", "\n".join(lines)))
    if isinstance(portal, Portal):
        logged = portal.log_since(item.stash.get(_LOG_OFFSET, 0))
        report.sections.append((f"portal log during the test ({portal.log_path})",
                                logged or "(nothing)"))

"""A real browser for tests: Debian's Chromium driven by Playwright (sync
API) with that executable; Playwright's own browsers are never downloaded.

Helpers used by the fixtures (``support.fixtures``) and by tests: starting
the browser, logging in through CKAN's real form, screenshots, and a check
for English left untranslated in a page.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable, Optional, Union

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect

from ckanext.amp.stack import chromium
from ckanext.amp.stack.cli import artifacts_dir

from support.portal import User

LOCALE = "fr-FR"
TIMEZONE = "Europe/Paris"
#: Playwright's wait for a selector or a navigation (ms): generous, the
#: machine is shared; a test fails when it runs out, it never sleeps.
TIMEOUT_MS = 30_000


#: Marks ``<html data-amp-ckan-ready>`` once CKAN's JavaScript modules are
#: initialised: CKAN starts them only after fetching its translations
#: (``/api/i18n/<lang>``), after the page's ``load`` event; a test that
#: types into a form before then races them (the slug of a title…).
READY_SCRIPT = """
document.addEventListener('DOMContentLoaded', function () {
  var mark = function () { document.documentElement.setAttribute('data-amp-ckan-ready', '1'); };
  if (!window.ckan || !window.ckan.module) { mark(); return; }
  var initialize = window.ckan.module.initialize;
  window.ckan.module.initialize = function () {
    var result = initialize.apply(this, arguments);
    mark();
    return result;
  };
});
"""


def ckan_ready(page: Page) -> None:
    """Wait until CKAN's JavaScript modules of the current page run."""
    page.wait_for_selector("html[data-amp-ckan-ready]", state="attached")


def wait_for_ckan_after_goto(page: Page) -> None:
    """Make ``page.goto`` return once the page's CKAN modules run."""
    goto = page.goto

    def goto_ready(url: str, **options):
        response = goto(url, **options)
        if response is not None and "text/html" in (response.headers.get("content-type") or ""):
            ckan_ready(page)
        return response
    page.goto = goto_ready  # type: ignore[method-assign]


def screenshot_dir() -> Path:
    folder = artifacts_dir() / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def launch(playwright: Playwright) -> Browser:
    """Chromium from Debian (``AMP_TEST_CHROMIUM`` to use another); the test
    fails, never skips, when it is not installed."""
    executable = chromium.executable()
    if not executable.exists():
        pytest.fail(chromium.missing_message(executable), pytrace=False)
    return playwright.chromium.launch(executable_path=str(executable), headless=True,
                                      args=list(chromium.LAUNCH_ARGS))


def new_context_options(base_url: Optional[str]) -> dict:
    options = {"locale": LOCALE, "timezone_id": TIMEZONE,
               "viewport": {"width": 1280, "height": 900}}
    if base_url:
        options["base_url"] = base_url
    return options


def safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-")[:150] or "page"


def save_screenshot(page: Page, name: str, full_page: bool = True) -> Path:
    """A PNG of the page (whole, or what the window shows) in the
    screenshot folder; its path is printed."""
    path = screenshot_dir() / f"{safe_name(name)}.png"
    page.screenshot(path=str(path), full_page=full_page)
    print(f"screenshot: {path}")
    return path


def login(page: Page, user: Union[User, str], password: Optional[str] = None) -> None:
    """Log in through CKAN's login form (``/user/login``) and check that the
    portal shows the account as logged in."""
    name = user.name if isinstance(user, User) else user
    if password is None:
        if not isinstance(user, User):
            raise TypeError("login(page, name, password): the password is missing")
        password = user.password
    page.goto("/user/login")
    if page.locator(".account.authed").count():
        logout(page)
        page.goto("/user/login")
    page.fill("#field-login", name)
    page.fill("#field-password", password)
    page.locator("form:has(#field-login) button[type=submit]").click()
    page.wait_for_load_state()
    if page.locator(".account.authed").count() == 0:
        errors = page.locator(".error-explanation, .alert-error, .alert-danger")
        shown = errors.all_inner_texts() if errors.count() else []
        raise AssertionError(f"login of {name!r} failed at {page.url}: "
                             f"{' | '.join(t.strip() for t in shown) or 'no error shown'}")


def logout(page: Page) -> None:
    page.locator(".account.authed form button[type=submit]").click()
    expect(page.locator(".account.not-authed")).to_be_visible()


def choose(page: Page, select_id: str, label: str) -> None:
    """Pick the option labelled ``label`` in ``<select id=select_id>`` as a
    person would: through its select2 widget when CKAN gave it one (typing
    to filter a multiple choice), else the plain list. Checks the choice
    reached the form."""
    select = page.locator(f"select#{select_id}")
    widget = page.locator(f"#s2id_{select_id}")
    if widget.count():
        if "select2-container-multi" in (widget.get_attribute("class") or ""):
            box = widget.locator("input.select2-input")
            box.click()
            box.fill(label)
        else:
            widget.locator("a.select2-choice").click()
        results = page.locator(".select2-drop-active .select2-result-selectable")
        results.filter(has_text=label).first.click()
    else:
        values = select.evaluate(
            "(s, label) => Array.from(s.options)"
            ".filter(o => o.textContent.trim() === label).map(o => o.value)", label)
        assert values, f"no option {label!r} in #{select_id}"
        select.select_option(value=values[0])
    chosen = select.evaluate("s => Array.from(s.selectedOptions, o => o.textContent.trim())")
    assert any(label in text for text in chosen), \
        f"{label!r} not chosen in #{select_id} (chosen: {chosen})"


# -- French pages -----------------------------------------------------------------------

#: Words of CKAN's English interface that are no French words: one of them in
#: a page's main content means a label left untranslated.
ENGLISH_UI_WORDS = frozenset("""
    about activity add additional all and author back by cancel changed click created
    dashboard dataset datasets delete download edit field filter filters followers
    from groups have here home last license licenses log maintainer more name new
    next not of organization organizations please previous private remove required
    resource resources save search select show since state that the there this title
    to update updated upload value view views visibility was what when which with
    you your
""".split())
_PATH = re.compile(r"\S*/\S*")  # URLs and paths are no interface text
_WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿœŒ’']+")


def english_words(text: str, ignore: Iterable[str] = ()) -> list[str]:
    """English interface words found in ``text`` (lower-cased, in order of
    appearance, each once), except ``ignore``."""
    skipped = {word.lower() for word in ignore}
    found: list[str] = []
    for word in _WORD.findall(_PATH.sub(" ", text)):
        lower = word.lower()
        if lower in ENGLISH_UI_WORDS and lower not in skipped and lower not in found:
            found.append(lower)
    return found


def assert_french(page: Page, selector: str = ".main", ignore: Iterable[str] = ()) -> None:
    """The visible text of ``selector`` holds no English interface word
    (``ignore``: words the page legitimately shows, e.g. a title's)."""
    text = page.locator(selector).first.inner_text()
    found = english_words(text, ignore)
    assert not found, (f"English left untranslated on {page.url} ({selector}): "
                       f"{', '.join(found)}\n--- text ---\n{text[:3000]}")


def canvas_colours(page: Page, selector: str) -> int:
    """How many distinct colours the canvas ``selector`` holds (1: blank,
    a plot drawn holds many): the dashboards' plots are checked with it."""
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

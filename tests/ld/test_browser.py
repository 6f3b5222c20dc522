"""End to end in a real browser: Debian's Chromium, headless, against the real ``kg serve``.

A researcher's path (issue #6, "Done when"): open the query page, run an example
in YASGUI, see result rows, follow a result link to an entity page, and find
there an evidence quote and its article. On the way, screenshots of the home
page, the results, an entity page, a source page, the timeline and the
ontology go to tests/artifacts/ (and docs/img/ for the README), and every
request the browser makes is recorded: none may leave this server.

Every page is loaded under the server's Content-Security-Policy (issue #11,
point 6): the browser reports each thing the policy blocks (a
``securitypolicyviolation`` event, listened for before any script of the
page runs) and the test fails on any, so a page that needs more than the
policy allows is seen at once.

The server is started with a small row cap and a short timeout so that the
page's handling of a cut result and of a timeout is seen too.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.ld.conftest import DOCS_IMG, save_screenshot
from tests.server.conftest import LiveServer, start_server, stop_server
from tests.server.helpers import CARTESIAN

pytestmark = pytest.mark.server

MAX_ROWS = 20  # the "start here" example has more rows than this: its result is cut
TIMEOUT = 2


@pytest.fixture(scope="module")
def capped(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    log = tmp_path_factory.mktemp("ld-browser") / "kg-serve.log"
    server = start_server(
        dist, log, "--workers", "1", "--max-rows", str(MAX_ROWS), "--query-timeout", str(TIMEOUT)
    )
    yield server
    stop_server(server)


@pytest.fixture
def page(browser: Any, capped: LiveServer) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    opened.requests = []  # type: ignore[attr-defined]
    opened.on("request", lambda r: opened.requests.append(r.url))
    opened.errors = []  # type: ignore[attr-defined]
    opened.on("pageerror", lambda e: opened.errors.append(str(e)))
    opened.add_init_script(RECORD_VIOLATIONS)
    opened.blocked = []  # type: ignore[attr-defined]
    opened.on("console", lambda m: _note_blocked(opened, m.text))
    yield opened
    opened.blocked += _violations(opened)
    context.close()
    outside = [u for u in opened.requests if not u.startswith((capped.url, "data:"))]
    assert not outside, f"the pages made requests outside this server: {outside}"
    assert not opened.errors, opened.errors
    assert not opened.blocked, f"the Content-Security-Policy blocked: {opened.blocked}"


# Each violation of the page's policy, kept on window for the test to read.
RECORD_VIOLATIONS = """
window.cahrViolations = [];
document.addEventListener("securitypolicyviolation", (e) => window.cahrViolations.push(
  `${e.effectiveDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`));
"""


def _note_blocked(page: Any, text: str) -> None:
    """Chromium also logs a blocked item, with the hash that would allow it."""
    if "Content Security Policy" in text:
        page.blocked.append(text)


def _violations(page: Any) -> list[str]:
    try:
        found: list[str] = page.evaluate("window.cahrViolations || []")
    except Exception:  # the page is gone (closed): its console lines were kept
        return []
    return found


def visit(page: Any, url: str) -> None:
    """Go to ``url`` (a page that must carry a policy), keeping the violations the page
    before it recorded."""
    page.blocked += _violations(page)
    response = page.goto(url)
    assert "default-src" in response.headers.get("content-security-policy", ""), url


def test_query_result_link_entity_evidence(page: Any, capped: LiveServer) -> None:
    visit(page, capped.url + "/")
    page.wait_for_selector("#yasgui .yasqe")
    assert page.locator("[data-example]").count() >= 2
    save_screenshot(page, "home.png")

    page.click('[data-example="0"]')  # "start here": a query whose answers are resources
    page.wait_for_selector(".yasr table tbody tr")
    rows = page.locator(".yasr table tbody tr").count()
    assert rows == MAX_ROWS
    # Drag a column wider: YASGUI's resizer adds a style then (allowed by its hash).
    grip = page.locator(".grip-handle > div").first
    grip.dispatch_event("mousedown", {"pageX": 10})
    page.locator("body").dispatch_event("mouseup")
    notice = page.locator("#query-notice")
    notice.wait_for(state="visible")
    assert "cut" in notice.inner_text() and str(MAX_ROWS) in notice.inner_text()
    page.mouse.move(0, 0)  # no hover highlight in the screenshot
    save_screenshot(page, "query.png")

    link = page.locator('.yasr a.cahr-local[href^="/id/statement-"]').first
    target = link.get_attribute("href")
    page.blocked += _violations(page)
    link.click()
    page.wait_for_url(f"**{target}")
    assert page.locator("h1").inner_text()
    quote = page.locator("#evidence ~ ol blockquote.evidence").first
    assert quote.is_visible() and quote.inner_text().strip()
    article = page.locator(".evidence-article a.article-title").first
    assert article.get_attribute("href").startswith("/source/")
    assert article.inner_text().strip()
    save_screenshot(page, "entity.png")

    page.blocked += _violations(page)
    article.click()
    page.wait_for_url("**/source/**")
    assert page.locator("#contributed").is_visible()
    save_screenshot(page, "source.png")


def test_a_timeout_is_shown_as_such(page: Any, capped: LiveServer) -> None:
    page.goto(capped.url + "/")
    page.wait_for_selector("#yasgui .yasqe")
    page.evaluate(
        "q => { const t = window.cahrYasgui.getTab(); t.setQuery(q); t.query().catch(() => {}); }",
        CARTESIAN,
    )
    notice = page.locator("#query-notice.error")
    notice.wait_for(state="visible", timeout=(TIMEOUT + 20) * 1000)
    assert "timeout" in notice.inner_text().lower()
    assert page.locator(".yasr table tbody tr").count() == 0


def test_timeline_and_ontology(page: Any, capped: LiveServer, dist: Path) -> None:
    visit(page, capped.url + "/timeline")
    assert page.locator("ol.timeline > li").count() > 20
    assert page.locator("ol.timeline > li.implied").count() > 0
    save_screenshot(page, "timeline.png")
    visit(page, capped.url + "/ontology")
    assert page.locator(".cahr-nav").evaluate("n => getComputedStyle(n).fontSize") == "14px"
    diagram = page.locator('img[src="/ontology/diagram.svg"]')
    assert diagram.evaluate("img => img.naturalWidth") > 200, "the diagram is drawn"
    if os.environ.get("CAHR_UPDATE_SCREENSHOTS") == "1":  # a plain run writes no tracked file
        DOCS_IMG.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(dist / "ontology.svg", DOCS_IMG / "ontology-diagram.svg")


def test_readable_on_a_phone(browser: Any, capped: LiveServer) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    phone = context.new_page()
    for path in ("/id/kassym-jomart-tokayev", "/timeline", "/"):
        phone.goto(capped.url + path)
        overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{path} scrolls sideways on a phone by {overflow}px"
    phone.goto(capped.url + "/id/kassym-jomart-tokayev")
    save_screenshot(phone, "entity-phone.png")
    context.close()


@pytest.mark.parametrize(
    "path", ["/id/", "/dumps/", "/.well-known/void", "/graph/inferred", "/id/no-such-thing"]
)
def test_other_pages_render_under_the_policy(page: Any, capped: LiveServer, path: str) -> None:
    """Each kind of page renders styled (site.css applies) and the policy blocks nothing."""
    visit(page, capped.url + path)
    assert page.locator("h1").inner_text().strip()
    header = page.locator(".site-header")
    assert header.is_visible()
    assert header.evaluate("h => getComputedStyle(h).display") != "inline", "site.css applies"

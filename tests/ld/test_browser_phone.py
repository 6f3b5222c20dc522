"""No page scrolls sideways on a 390 px phone (issue #14, point 7), in headless Chromium.

Every page type is loaded at 390 px: the query page with a wide result drawn,
a permalink, the index, an entity, an article, a graph, the timeline, the
dumps, VoID, the ontology (pyLODE's, inside the site's frame) and an error
page. Wide tables scroll inside their own box, never the page; the page's
tap targets (links and buttons of the header and the query page) are at
least 24 px high.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from cahr.server.pages.permalinks import question_id
from tests.ld import test_browser
from tests.ld.conftest import save_screenshot
from tests.ld.test_browser import RECORD_VIOLATIONS, _violations
from tests.server.conftest import LiveServer

pytestmark = pytest.mark.server
capped = test_browser.capped  # the server of test_browser.py

WIDTH = 390
PAGES = [
    "/id/",
    "/id/kassym-jomart-tokayev",
    "/source/central-asia-digest-2023-12",
    "/graph/inferred",
    "/timeline",
    "/dumps/",
    "/.well-known/void",
    "/ontology",
    "/id/no-such-thing",
]


@pytest.fixture
def phone(browser: Any, capped: LiveServer) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": WIDTH, "height": 844}, is_mobile=True)
    opened = context.new_page()
    opened.add_init_script(RECORD_VIOLATIONS)
    yield opened
    assert not _violations(opened)
    context.close()


def scroll_width(page: Any) -> int:
    width: int = page.evaluate("document.scrollingElement.scrollWidth")
    return width


@pytest.mark.parametrize("path", PAGES)
def test_no_page_scrolls_sideways(phone: Any, capped: LiveServer, path: str) -> None:
    phone.goto(capped.url + path)
    assert phone.locator("h1").first.inner_text().strip()
    assert scroll_width(phone) <= WIDTH, f"{path} is {scroll_width(phone)} px wide"


def test_the_ontology_is_inside_the_site_frame_with_one_title(
    phone: Any, capped: LiveServer
) -> None:
    phone.goto(capped.url + "/ontology")
    assert phone.locator(".site-header nav a[href='/id/']").is_visible()
    assert phone.locator("h1").count() == 1
    title = phone.locator("h1").inner_text().strip()
    assert phone.title() == f"{title} · CAHR-KG"
    assert "ontologyCAHR" not in title


def test_query_results_scroll_in_their_box(phone: Any, capped: LiveServer) -> None:
    phone.goto(capped.url + "/")
    phone.wait_for_selector("#yasgui .yasqe")
    phone.click('[data-example="0"]')
    phone.wait_for_selector(".yasr table tbody tr")
    assert scroll_width(phone) <= WIDTH, f"the results make the page {scroll_width(phone)} px wide"
    save_screenshot(phone, "query-phone.png")
    # the run and share buttons leave the first line's text alone
    buttons = phone.locator(".yasqe_buttons").bounding_box()
    line = phone.locator(".CodeMirror-line").first
    text_right = line.evaluate(
        "l => { const r = document.createRange(); r.selectNodeContents(l);"
        " return Math.max(...[...r.getClientRects()].filter(c => c.top < l.getBoundingClientRect().top + 20)"
        ".map(c => c.right)); }"
    )
    assert text_right <= buttons["x"] + 1, "the buttons cover the first line's text"
    # tap targets of the header and of the query page are at least 24 px high
    small = phone.evaluate(
        "() => [...document.querySelectorAll('.site-header a, .examples button, .toolbar a')]"
        ".filter(e => e.getBoundingClientRect().height < 24).map(e => e.textContent.trim())"
    )
    assert not small, f"tap targets under 24 px: {small}"


def test_a_permalink_page_fits(phone: Any, capped: LiveServer) -> None:
    phone.goto(capped.url + "/")
    query = phone.evaluate(
        "JSON.parse(document.getElementById('cahr-config').textContent).examples[1].query"
    )
    phone.goto(f"{capped.url}/q/{question_id(query)}")
    phone.wait_for_selector(".yasr table tbody tr")
    assert scroll_width(phone) <= WIDTH


def test_an_error_page_is_styled_with_the_sites_navigation(phone: Any, capped: LiveServer) -> None:
    response = phone.goto(capped.url + "/id/no-such-thing")
    assert response.status == 404
    assert phone.locator(".site-header nav a[href='/timeline']").is_visible()
    assert phone.locator(".error-next a").count() >= 3
    message = phone.locator(".error-message")
    assert "no-such-thing" in message.inner_text()
    assert message.evaluate("m => getComputedStyle(m).whiteSpace") == "pre-wrap", "site.css applies"
    assert scroll_width(phone) <= WIDTH

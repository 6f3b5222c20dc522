# ruff: noqa: F811  (the fixtures page and capped come from test_browser.py, named as there)
"""Search and the article reader in a real browser (issue #14, points 1 and 5).

Headless Chromium against the real ``kg serve``, under the site's Content-Security-Policy
(the ``page`` fixture of test_browser.py fails a test on any blocked script or style and
on any request leaving this server): a search typed in the header of another page, a
name in the article's other spelling, the autocomplete list and the choice of one of its
names, and the reader's marked passage followed to the page of what it vouches for.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.ld.conftest import save_screenshot
from tests.ld.test_browser import capped, page, visit  # noqa: F401 (fixtures)
from tests.server.conftest import LiveServer

pytestmark = pytest.mark.server

HRC = "kazakhstan-hrc-candidacy-2020"


def test_search_from_the_header(page: Any, capped: LiveServer) -> None:
    visit(page, capped.url + "/timeline")
    box = page.locator("header .site-search input[name=q]")
    box.fill("human rights")
    box.press("Enter")
    page.wait_for_url("**/search?q=human+rights")
    for group in ("resource", "statement", "passage"):
        assert page.locator(f'[data-group="{group}"] .hit').count() > 0, group
    assert page.locator(".snippet mark").first.is_visible()
    assert page.locator("header .site-search input[name=q]").input_value() == "human rights"
    save_screenshot(page, "search.png")
    # a passage result opens the reader at its paragraph
    passage = page.locator('[data-group="passage"] .hit-title').first
    target = passage.get_attribute("href")
    assert target.startswith("/source/") and "#p-" in target
    passage.click()
    page.wait_for_url(f"**{target}")
    paragraph = page.locator(f"#{target.split('#')[1]}")
    assert paragraph.is_visible() and "human" in paragraph.inner_text().lower()


@pytest.mark.parametrize("spelling", ["Tleuberdi", "Tileuberdi"])
def test_a_name_in_either_spelling(page: Any, capped: LiveServer, spelling: str) -> None:
    visit(page, f"{capped.url}/search?q={spelling}")
    first = page.locator('[data-group="resource"] .hit-title').first
    assert first.get_attribute("href") == "/id/mukhtar-tileuberdi"
    assert (
        page.locator('[data-group="resource"] .hit[data-iri$="/mukhtar-tileuberdi"]').count() == 1
    )
    first.click()
    page.wait_for_url("**/id/mukhtar-tileuberdi")
    assert "Tileuberdi" in page.locator("h1").inner_text()


def test_autocomplete_as_you_type(page: Any, capped: LiveServer) -> None:
    visit(page, capped.url + "/id/")
    box = page.locator("header .site-search input[name=q]")
    box.press_sequentially("tleu", delay=40)
    options = page.locator("#site-search-list [role=option]")
    options.first.wait_for(state="visible")
    assert box.get_attribute("aria-expanded") == "true"
    first = options.first
    assert "Mukhtar Tileuberdi" in first.inner_text() and "Tleuberdi" in first.inner_text()
    save_screenshot(page, "search-autocomplete.png")
    box.press("ArrowDown")
    assert first.get_attribute("aria-selected") == "true"
    box.press("Enter")
    page.wait_for_url("**/id/mukhtar-tileuberdi")


def test_the_readers_highlight_leads_to_a_fact(page: Any, capped: LiveServer) -> None:
    visit(page, f"{capped.url}/source/{HRC}")
    assert page.locator(".citation").is_visible()
    marks = page.locator(".reader-text mark a")
    assert marks.count() > 20
    save_screenshot(page, "reader.png")
    mark = page.locator('.reader-text mark a[href^="/id/statement-"]').first
    target = mark.get_attribute("href")
    spoken = mark.inner_text().strip()
    assert spoken
    mark.click()
    page.wait_for_url(f"**{target}")
    assert page.locator("h1").inner_text()
    # the statement's page shows the article's words that the reader marked
    assert spoken[:30] in page.locator("main").inner_text()


def test_a_quote_anchor_opens_the_reader_at_the_quote(page: Any, capped: LiveServer) -> None:
    visit(page, f"{capped.url}/source/{HRC}")
    anchor = page.locator(".q-anchor").nth(5).get_attribute("id")
    visit(page, capped.url + "/id/")  # a fresh load, not a jump within the page
    visit(page, f"{capped.url}/source/{HRC}#{anchor}")
    mark = page.locator(f'mark[data-q="{anchor}"]').first
    assert mark.is_visible()
    assert mark.evaluate(
        "m => { const r = m.getBoundingClientRect(); return r.top < innerHeight; }"
    )

"""Entity pages lead with what matters (#14, point 6), seen in headless Chromium.

The articles' own words about the resource come first (for a person, also those of his
post holdings and statements), then the stated facts, each with the words that state it,
and the inferred facts last, the trivial ones folded away.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.ld import test_browser
from tests.ld.conftest import save_screenshot
from tests.server.conftest import LiveServer

pytestmark = pytest.mark.server

# The server and the page of tests/ld/test_browser.py: a page there fails on any error, any
# request outside the server and anything the Content-Security-Policy blocks.
capped = test_browser.capped
page = test_browser.page
visit = test_browser.visit

TOKAYEV = "/id/kassym-jomart-tokayev"
DECREE = "/id/decree-on-human-rights-action-plan-2023"


def sections(page: Any) -> list[str]:
    ids: list[str] = page.eval_on_selector_all("article.resource h2[id]", "hs => hs.map(h => h.id)")
    return ids


def test_tokayev_page_leads_with_his_words(page: Any, capped: LiveServer) -> None:
    visit(page, capped.url + TOKAYEV)
    order = sections(page)
    assert order.index("evidence") < order.index("facts") < order.index("inferred"), order
    assert order[0] == "evidence", "the articles' words come first"
    words = page.locator("section.article-words")
    # his own quotes are those of his post holdings: they are on screen, not folded
    quote = words.locator("blockquote.evidence", has_text="President Kassym-Jomart Tokayev of")
    assert quote.first.is_visible()
    assert words.locator(".evidence-article").count() >= 4, "each article that names him"
    # the count says what it counts, and matches the table's rows
    rows = page.locator("table.stated tr.fact").count()
    card = page.locator(".cards .card", has_text="stated fact").inner_text()
    assert " ".join(card.split()).startswith(f"{rows} stated fact"), card
    # trivial inferences are folded: there, but not on screen until opened
    trivial = page.locator("details.inferred-trivial")
    assert trivial.count() == 1
    assert not trivial.locator("tr.inferred-fact").first.is_visible()
    assert page.locator("table.inferred-shown tr.inferred-fact").first.is_visible()
    trivial.locator("> summary").click()
    assert trivial.locator("tr.inferred-fact").first.is_visible()
    save_screenshot(page, "entity-tokayev.png")


def test_decree_page_gives_each_fact_its_words(page: Any, capped: LiveServer) -> None:
    visit(page, capped.url + DECREE)
    order = sections(page)
    assert order.index("evidence") < order.index("facts"), order
    row = page.locator("table.stated tr.fact", has=page.locator('a[title="cahr:date"]'))
    words = row.locator(
        'li.fact-source[data-graph$="/tokayev-decree-action-plan-2023-12-08"] blockquote.fact-words'
    )
    assert words.first.is_visible(), "a fact's words are shown, not folded"
    assert "December 8, 2023" in words.first.inner_text()
    # its place in the archived text links to the attestation, which names it
    link = row.locator('a[href^="/evidence/tokayev-decree-action-plan-2023-12-08/"]').first
    href = link.get_attribute("href")
    link.click()
    page.wait_for_url(f"**{href}")
    assert "https://w3id.org/cahr" + href in page.content()
    save_screenshot(page, "entity-decree-attestation.png")

"""The query page for researchers (issue #14, points 2 to 4), in headless Chromium.

A question's rows name resources by their names and link to their pages; Back
shows the results again; a share link and a permalink reopen their query in a
new browser and run it; tabs outlive a reload; the timeline, bar chart and
graph views draw. Each page is loaded under the server's policy, and no
request leaves this server (the ``page`` fixture of test_browser.py checks both).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from cahr.server.pages.permalinks import carried_id, question_id
from tests.ld import test_browser
from tests.ld.conftest import save_screenshot
from tests.ld.test_browser import RECORD_VIOLATIONS, _violations, visit
from tests.server.conftest import LiveServer

pytestmark = pytest.mark.server
# The server and page of test_browser.py (a small row cap; policy and requests checked).
capped = test_browser.capped
page = test_browser.page

TOKAYEV = "https://w3id.org/cahr/id/kassym-jomart-tokayev"
CONSTRUCT = (
    "CONSTRUCT { ?s <https://w3id.org/cahr/ontology#speaker> ?o }"
    " WHERE { ?s <https://w3id.org/cahr/ontology#speaker> ?o } LIMIT 10"
)
SMALL = "SELECT ?s WHERE { ?s a <https://w3id.org/cahr/ontology#Person> } ORDER BY ?s LIMIT 3"


def examples(page: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = page.evaluate(
        "JSON.parse(document.getElementById('cahr-config').textContent).examples"
    )
    return found


def ask(page: Any, file_prefix: str) -> dict[str, Any]:
    """Click the button of the question whose file starts with ``file_prefix``."""
    found = examples(page)
    index = next(i for i, e in enumerate(found) if e["file"].startswith(file_prefix))
    page.click(f'[data-example="{index}"]')
    return found[index]


def open_home(page: Any, url: str) -> None:
    visit(page, url + "/")
    page.wait_for_selector("#yasgui .yasqe")


def test_a_rows_resources_open_as_pages_and_back_shows_the_results(
    page: Any, capped: LiveServer
) -> None:
    open_home(page, capped.url)
    ask(page, "01-")
    signer = page.locator(f'.yasr a.cahr-local[data-iri="{TOKAYEV}"]').first
    signer.wait_for()
    # the IRI reads as the resource's name (a label looked up), with the IRI on hover
    page.wait_for_function(
        "a => a.textContent.includes('Tokayev')", arg=signer.element_handle(), timeout=10000
    )
    assert signer.get_attribute("title") == TOKAYEV
    assert signer.get_attribute("href") == "/id/kassym-jomart-tokayev"
    # a date reads as a date: no quotes, no datatype (the datatype is on hover)
    cells = page.locator(".yasr table tbody td span.nonIri").all_inner_texts()
    assert "2023-12-08" in cells and not any("^^" in c for c in cells)
    rows = page.locator(".yasr table tbody tr").count()
    page.blocked += _violations(page)
    signer.click()
    page.wait_for_url("**/id/kassym-jomart-tokayev")
    assert "Tokayev" in page.locator("h1").inner_text()
    page.blocked += _violations(page)
    page.go_back()
    page.wait_for_selector(".yasr table tbody tr")
    assert page.locator(".yasr table tbody tr").count() == rows, "Back shows the results again"


def test_a_share_link_reopens_its_query_in_a_new_browser(
    page: Any, browser: Any, capped: LiveServer
) -> None:
    open_home(page, capped.url)
    page.evaluate("q => { const t = window.cahrYasgui.getTab(); t.setQuery(q); }", SMALL)
    link = page.evaluate("window.cahrYasgui.getTab().getShareableLink()")
    assert link.startswith(capped.url) and "query=" in link
    context = browser.new_context()
    other = context.new_page()
    other.add_init_script(RECORD_VIOLATIONS)
    other.goto(link)
    other.wait_for_selector(".yasr table tbody tr")
    assert other.evaluate("window.cahrYasgui.getTab().getQuery()") == SMALL
    assert other.locator(".yasr table tbody tr").count() == 3
    assert not _violations(other)
    context.close()


def test_a_permalink_reopens_its_query_and_has_csv_and_json(
    page: Any, browser: Any, capped: LiveServer
) -> None:
    open_home(page, capped.url)
    page.evaluate("q => { const t = window.cahrYasgui.getTab(); t.setQuery(q); }", SMALL)
    page.wait_for_function(
        "() => (document.getElementById('permalink').getAttribute('href') || '').startsWith('/q/z')"
    )
    permalink = page.locator("#permalink").get_attribute("href")
    assert permalink == "/q/" + carried_id(SMALL), "the page and the server agree on the id"
    context = browser.new_context()
    other = context.new_page()
    other.add_init_script(RECORD_VIOLATIONS)
    other.goto(capped.url + permalink)
    other.wait_for_selector(".yasr table tbody tr")
    assert other.evaluate("window.cahrYasgui.getTab().getQuery()") == SMALL
    for name, media_type in (("CSV", "text/csv"), ("JSON", "application/sparql-results+json")):
        href = other.locator("#opened a", has_text=name).get_attribute("href")
        answer = httpx.get(capped.url + href, timeout=30)
        assert answer.status_code == 200 and answer.headers["content-type"].startswith(media_type)
    assert not _violations(other)
    context.close()
    # a question's permalink is a hash of its text; one that names nothing is a 404
    question = examples(page)[1]
    answer = httpx.get(f"{capped.url}/q/{question_id(question['query'])}", timeout=30)
    assert answer.status_code == 200 and question["name"] in answer.text
    assert httpx.get(capped.url + "/q/000000000000", timeout=30).status_code == 404


@pytest.mark.parametrize(
    "qid",
    [
        "z!!!",  # not base64url
        "zAAAA",  # not a DEFLATE stream
        carried_id(SMALL)[:-6],  # cut short
        carried_id("#" + " " * 1_500_000),  # a small id for a query over max_request_bytes
    ],
)
def test_a_bad_permalink_is_a_clear_400(capped: LiveServer, qid: str) -> None:
    answer = httpx.get(f"{capped.url}/q/{qid}", timeout=30)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["message"]


def test_tabs_and_their_edits_outlive_a_reload(page: Any, capped: LiveServer) -> None:
    open_home(page, capped.url)
    tabs = page.evaluate("Object.keys(window.cahrYasgui._tabs).length")
    page.evaluate("q => { window.cahrYasgui.getTab().setQuery(q); }", SMALL)
    page.wait_for_timeout(500)  # YASGUI stores the tab on its change event
    page.blocked += _violations(page)
    page.reload()
    page.wait_for_selector("#yasgui .yasqe")
    assert page.evaluate("Object.keys(window.cahrYasgui._tabs).length") == tabs
    assert page.evaluate("window.cahrYasgui.getTab().getQuery()") == SMALL


def test_the_timeline_chart_and_graph_views_draw(page: Any, capped: LiveServer) -> None:
    open_home(page, capped.url)
    ask(page, "17-")  # #defaultView:Timeline
    page.wait_for_selector(".cahr-timeline .vis-item")
    assert page.locator(".cahr-timeline .vis-item").count() >= 10
    link = page.locator(".cahr-timeline a.cahr-local").first
    assert link.get_attribute("href").startswith("/id/")
    page.mouse.move(0, 0)
    save_screenshot(page, "view-timeline.png")

    ask(page, "22-")  # #defaultView:BarChart
    canvas = page.locator(".cahr-chart canvas")
    canvas.wait_for()
    page.wait_for_function(
        "() => window.Chart && Chart.getChart(document.querySelector('.cahr-chart canvas'))"
    )
    bars = page.evaluate("Chart.getChart(document.querySelector('.cahr-chart canvas')).data.labels")
    assert "Human rights" in bars and canvas.evaluate("c => c.width") > 200
    save_screenshot(page, "view-chart.png")

    page.click('[data-example="0"]')  # "start here", IRI-to-IRI rows: a graph can draw them
    page.wait_for_selector(".yasr table tbody tr")
    page.evaluate("window.cahrYasgui.getTab().getYasr().selectPlugin('cahrGraph')")
    graph = page.locator(".cahr-graph canvas").first
    graph.wait_for()
    assert int(page.locator(".cahr-graph").get_attribute("data-nodes")) > 5
    # every node reads as its resource's name, not its slug (names asked again when the
    # server's small row cap cuts the answer of a batch)
    page.wait_for_function(
        "() => { const g = document.querySelector('.cahr-graph').__graph;"
        " return g && g.nodes().every(n => n.data('name') !== n.id().split('/').pop()); }",
        timeout=15000,
    )
    page.wait_for_timeout(500)
    save_screenshot(page, "view-graph.png")

    # a CONSTRUCT's triples as a graph
    page.evaluate(
        "q => { const t = window.cahrYasgui.getTab(); t.setQuery(q); t.query().catch(() => {}); }",
        CONSTRUCT,
    )
    page.wait_for_function(
        "() => { const y = window.cahrYasgui.getTab().getYasr();"
        " return y.results && y.results.getType() === 'ttl'; }"
    )
    page.evaluate("window.cahrYasgui.getTab().getYasr().selectPlugin('cahrGraph')")
    page.locator(".cahr-graph canvas").first.wait_for()
    assert int(page.locator(".cahr-graph").get_attribute("data-nodes")) >= 3


def test_the_timeline_filters_by_article_kind_and_status(page: Any, capped: LiveServer) -> None:
    visit(page, capped.url + "/timeline")
    form = page.locator("#timeline-filters")
    assert form.is_visible()
    every = page.locator("ol.timeline > li").count()
    page.select_option("#timeline-filters select[name=status]", "implied")
    shown = page.locator("ol.timeline > li:visible")
    assert 0 < shown.count() < every
    statuses = shown.evaluate_all("items => items.map(li => li.dataset.status)")
    assert all("implied" in s for s in statuses), statuses
    assert page.url.endswith("?status=implied"), "a filtered timeline is a link"
    page.select_option("#timeline-filters select[name=status]", "")
    kind = page.locator("ol.timeline > li").first.get_attribute("data-kind")
    page.select_option("#timeline-filters select[name=kind]", kind)
    kinds = shown.evaluate_all("items => items.map(li => li.dataset.kind)")
    assert kinds and set(kinds) == {kind}
    page.select_option("#timeline-filters select[name=kind]", "")
    options = page.locator("#timeline-filters select[name=article] option")
    assert options.count() > 5
    article = options.nth(1).get_attribute("value")
    page.select_option("#timeline-filters select[name=article]", article)
    links = shown.evaluate_all(
        "items => items.map(li => [...li.querySelectorAll('a')].map(a => a.getAttribute('href')))"
    )
    assert links and all(article in hrefs for hrefs in links)
    # the filter is kept in the address: a reload shows the same facts
    page.select_option("#timeline-filters select[name=article]", "")
    page.select_option("#timeline-filters select[name=status]", "implied")
    count = shown.count()
    visit(page, page.url)
    assert page.locator("ol.timeline > li:visible").count() == count
    save_screenshot(page, "timeline-filtered.png")


def test_a_permalinks_query_cannot_break_out_of_the_page(page: Any, capped: LiveServer) -> None:
    """The query is anyone's text: markup in it stays text (in the config and the editor)."""
    hostile = "# <!--<script></script><img src=x onerror=alert(1)>\n" + SMALL
    visit(page, f"{capped.url}/q/{carried_id(hostile)}")
    page.wait_for_selector(".yasr table tbody tr")
    assert page.evaluate("window.cahrYasgui.getTab().getQuery()") == hostile
    assert page.locator("#main img[src='x']").count() == 0
    assert page.locator("h2#browse").is_visible(), "the rest of the page is still a page"

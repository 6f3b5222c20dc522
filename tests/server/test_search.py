"""Search, the article reader and the machine-readable forms (issue #14, points 1, 5, 8),
over HTTP against the real ``kg serve``.

What the tests hold the answers to is read from the build's own files (the dataset
by rdflib, the archived texts in sources/), not from the index under test.
"""

from __future__ import annotations

import csv
import io
import re
import sqlite3
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import Dataset, URIRef
from rdflib.namespace import RDF, SKOS

from cahr.dist import SEARCH_NAME, read_manifest
from cahr.iris import CAHR, ID
from cahr.layout import Layout
from cahr.pipeline.quotes import normalise
from cahr.search import match_expression, terms_of
from tests.server.conftest import LiveServer

TILEUBERDI = "/id/mukhtar-tileuberdi"
HRC = "kazakhstan-hrc-candidacy-2020"


@pytest.fixture(scope="module")
def http(live_server: LiveServer) -> httpx.Client:
    with httpx.Client(base_url=live_server.url, timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def quads(dist: Path) -> Dataset:
    found = Dataset()
    found.parse(dist / "dataset.nq", format="nquads")
    return found


def objects(data: Dataset, s: URIRef | None, p: URIRef) -> list:
    """The objects of ``s p`` in any graph of ``data`` (its default graph is empty)."""
    return [o for _, _, o, _ in data.quads((s, p, None, None))]


def first_resource(payload: dict) -> str:
    return payload["results"]["resource"][0]["page"]


@pytest.mark.parametrize("spelling", ["Tleuberdi", "Tileuberdi", "tleub", "TILEUBERDI"])
def test_either_spelling_finds_the_one_resource(http: httpx.Client, spelling: str) -> None:
    found = http.get("/search.json", params={"q": spelling}).json()
    assert first_resource(found) == TILEUBERDI
    pages = [r["page"] for r in found["results"]["resource"]]
    assert pages.count(TILEUBERDI) == 1  # grouped: one result per resource


def test_both_spellings_are_in_the_data_for_that_resource(quads: Dataset) -> None:
    """The premise of the test above: the graph records both, on one resource."""
    names = {str(o) for o in objects(quads, URIRef(ID["mukhtar-tileuberdi"]), SKOS.altLabel)}
    assert {"Tleuberdi", "Tileuberdi"} <= names


def test_results_are_grouped_with_marked_snippets_and_links(http: httpx.Client) -> None:
    found = http.get("/search", params={"q": "Tileuberdi"}, headers={"Accept": "application/json"})
    assert found.status_code == 200 and found.headers["Content-Location"].startswith("/search.json")
    groups = found.json()["results"]
    assert groups["resource"] and groups["statement"] and groups["passage"]
    for group in groups.values():
        for result in group:
            assert result["matches"]
            assert all("<mark>" in m["html"] for m in result["matches"])
    passage = groups["passage"][0]
    assert re.fullmatch(rf"/source/{HRC}#p-\d+", passage["page"])
    # every link of the page answers
    for result in groups["resource"][:3] + groups["statement"][:3] + groups["passage"][:2]:
        assert http.get(result["page"].split("#")[0]).status_code == 200


def test_a_passage_result_is_the_text_of_its_paragraph(http: httpx.Client, layout: Layout) -> None:
    found = http.get("/search.json", params={"q": "listening state"}).json()
    passage = found["results"]["passage"][0]
    text = layout.source_text(passage["article"]).read_text(encoding="utf-8")
    snippet = passage["matches"][0]["snippet"].strip("…")
    assert normalise(snippet) in normalise(text)


def test_filters_by_kind_and_article(http: httpx.Client) -> None:
    people = http.get("/search.json", params={"q": "Tileuberdi", "kind": "Person"}).json()
    assert [r["page"] for r in people["results"]["resource"]] == [TILEUBERDI]
    assert not people["results"]["statement"] and not people["results"]["passage"]
    statements = http.get("/search.json", params={"q": "tokayev", "kind": "Statement"}).json()
    assert statements["results"]["statement"] and not statements["results"]["resource"]
    one = http.get("/search.json", params={"q": "kazakhstan", "article": HRC}).json()
    assert all(r["article"] == HRC for g in one["results"].values() for r in g)
    assert http.get("/search", params={"q": "x", "kind": "Nothing"}).status_code == 400
    assert http.get("/search", params={"q": "x", "article": "no-such"}).status_code == 400


def test_the_html_page_and_the_header_box(http: httpx.Client) -> None:
    page = http.get("/search", params={"q": "Tleuberdi"}).text
    assert f'class="hit-title" href="{TILEUBERDI}"' in page
    assert "<mark>Tleuberdi</mark>" in page
    for path in ("/", "/id/", "/timeline", TILEUBERDI, f"/source/{HRC}", "/dumps/"):
        html = http.get(path).text
        assert 'class="site-search"' in html and 'action="/search"' in html, path
        assert "/assets/search.js" in html


def test_autocomplete(http: httpx.Client) -> None:
    answer = http.get("/search/suggest", params={"q": "tleu"})
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith(
        "application/json"
    )
    first = answer.json()["suggestions"][0]
    assert first["page"] == TILEUBERDI and first["matched"] == "Tleuberdi"
    assert http.get("/search/suggest", params={"q": ""}).json()["suggestions"] == []
    assert http.get("/assets/search.js").status_code == 200


@pytest.mark.parametrize(
    "q",
    [
        "",
        " ",
        '"',
        '" * NEAR ( ) :',
        "NEAR(tokayev kazakhstan, 2)",
        "text: tokayev",
        "tokayev OR kazakhstan NOT",
        "^tok",
        "-tok",
        "*",
        "{}[]'\\",
        "\u00a0\u200b\ufeff",
        "Тлеуберди",
        "a" * 500,
        "tok " * 100,
    ],
)
def test_odd_searches_are_answered(http: httpx.Client, q: str) -> None:
    for path in ("/search", "/search.json", "/search.csv", "/search/suggest"):
        answer = http.get(path, params={"q": q})
        assert answer.status_code == 200, (path, q, answer.text[:200])


@pytest.mark.parametrize(
    "query",
    [
        "q=" + "a" * 10_000,
        "q=%00",
        "q=tok%00en",
        "q=%ff%fe",
        "q=%C3%28",
        "q=" + "%22" * 600,
    ],
)
def test_bad_searches_are_a_4xx_with_a_message(http: httpx.Client, query: str) -> None:
    for path in ("/search", "/search.json", "/search/suggest"):
        answer = http.get(f"{path}?{query}")
        assert 200 <= answer.status_code < 500, (path, query)
        if answer.status_code >= 400:
            assert answer.json()["error"]["message"]


def test_no_search_text_reaches_fts5_as_syntax(dist: Path) -> None:
    """Every expression made from hostile text is valid FTS5 and matches words only."""
    db = sqlite3.connect(f"file:{dist / SEARCH_NAME}?mode=ro", uri=True)
    for q in ['" * NEAR ( ) :', 'a"b', "x:y", "NOT AND OR", "(((", "^a", "a*b*", "'\"\\"]:
        expression = match_expression(terms_of(q))
        if expression is not None:
            db.execute("SELECT count(*) FROM hits WHERE hits MATCH ?", (expression,)).fetchone()


def test_a_repeated_search_is_answered_from_the_cache_the_same(http: httpx.Client) -> None:
    one = http.get("/search.json", params={"q": "geneva"})
    two = http.get("/search.json", params={"q": "geneva"})
    assert one.json() == two.json()


# -- the article reader -----------------------------------------------------------------


def test_the_reader_marks_every_located_quote(
    http: httpx.Client, quads: Dataset, layout: Layout
) -> None:
    html = http.get(f"/source/{HRC}").text
    text = layout.source_text(HRC).read_text(encoding="utf-8")
    anchors = re.findall(r'id="q-(\d+)-(\d+)"', html)
    assert anchors
    for start, end in anchors:
        assert normalise(text[int(start) : int(end)])  # offsets cut real words out of the text
    # every quote the article's graph holds is found and marked
    graph = quads.graph(URIRef(f"https://w3id.org/cahr/graph/{HRC}"))
    quotes = {
        normalise(str(o)) for p in (CAHR.evidence, CAHR.quote) for o in graph.objects(None, p)
    }
    marked = {normalise(text[int(s) : int(e)]) for s, e in anchors}
    assert quotes <= marked
    # paragraphs have anchors, and a mark links to a resource page that answers
    assert 'id="p-1"' in html
    targets = set(re.findall(r'<mark data-q="q-\d+-\d+"><a href="(/[^"]+)"', html))
    assert targets
    # the quotes' notes name every resource that carries a quote of its own
    notes = "".join(re.findall(r'<details class="para-quotes">.*?</details>', html, re.DOTALL))
    # (a quote on an implied-value mark vouches for the mark's subject)
    holders = set()
    for x in set(graph.subjects(CAHR.evidence, None)):
        if (x, RDF.type, CAHR.ImpliedValue) in graph:
            holders.update(str(s) for s in graph.objects(x, CAHR.impliedSubject))
        else:
            holders.add(str(x))
    holders = {h for h in holders if h.startswith(str(ID))}
    assert holders
    for holder in holders:
        assert f'href="/id/{holder.rsplit("/", 1)[1]}"' in notes, holder
    for target in sorted(targets)[:5]:
        assert http.get(target).status_code == 200


def test_the_reader_has_a_citation_and_keeps_the_description(http: httpx.Client) -> None:
    html = http.get(f"/source/{HRC}").text
    assert 'class="citation"' in html and "4 December 2023" in html
    assert f'href="/sources/{HRC}.txt"' in html
    assert 'id="contributed"' in html  # what the article contributed, as before


def test_the_reader_keeps_linked_data(http: httpx.Client) -> None:
    answer = http.get(f"/source/{HRC}", headers={"Accept": "text/turtle"})
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("text/turtle")


def test_the_archived_text_is_served_as_received(http: httpx.Client, layout: Layout) -> None:
    answer = http.get(f"/sources/{HRC}.txt")
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("text/plain")
    assert answer.content == layout.source_text(HRC).read_bytes()
    assert http.get("/sources/no-such-article.txt").status_code == 404
    assert http.get(f"/sources/{HRC}.pdf").status_code == 404


def test_the_index_is_in_the_manifest(dist: Path) -> None:
    files = read_manifest(dist)["files"]
    assert SEARCH_NAME in files and files[SEARCH_NAME]["media_type"] == "application/vnd.sqlite3"


# -- machine-readable forms ---------------------------------------------------------------


@pytest.mark.parametrize("path", ["/id/", "/timeline", "/search?q=tokayev"])
def test_pages_have_json_and_csv_forms(http: httpx.Client, path: str) -> None:
    by_json = http.get(path, headers={"Accept": "application/json"})
    assert by_json.status_code == 200 and by_json.headers["Content-Type"].startswith(
        "application/json"
    )
    assert "Accept" in by_json.headers["Vary"]
    by_csv = http.get(path, headers={"Accept": "text/csv"})
    assert by_csv.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(by_csv.text)))
    assert rows and all(r["iri"].startswith("https://w3id.org/cahr/") for r in rows)
    stem, _, query = path.partition("?")
    suffixed = stem.rstrip("/") + ".csv" + (f"?{query}" if query else "")
    assert http.get(suffixed).text == by_csv.text
    refused = http.get(path, headers={"Accept": "text/turtle"})
    assert refused.status_code == 406 and "text/csv" in refused.json()["error"]["message"]


def test_the_id_forms_list_every_resource(http: httpx.Client, quads: Dataset) -> None:
    rows = list(csv.DictReader(io.StringIO(http.get("/id.csv").text)))
    listed = {r["iri"] for r in rows}
    typed = {
        str(s)
        for s, _, _, _ in quads.quads((None, RDF.type, None, None))
        if isinstance(s, URIRef) and str(s).startswith(str(ID))
    }
    assert listed == typed
    assert http.get("/id.json").json()["total"] == len(rows)


def test_the_timeline_forms_hold_its_dates(http: httpx.Client, quads: Dataset) -> None:
    entries = http.get("/timeline.json").json()["entries"]
    dated = [e for e in entries if e["role"] == "date"]
    assert dated
    for entry in dated:
        values = {str(o) for o in objects(quads, URIRef(entry["iri"]), CAHR.date)}
        assert any(v.startswith(entry["date"]) for v in values), entry
    kinds = {e["kind"] for e in entries}
    assert {"statement", "decree"} <= kinds


# -- random input, in process -------------------------------------------------------------


@pytest.fixture(scope="module")
def search_app(dist: Path) -> Any:
    from cahr.server import create_app
    from tests.server.conftest import served

    made = create_app({"dist": str(dist), "cache_mb": 0})
    yield made
    served(made).close()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    q=st.text(max_size=600),
    kind=st.sampled_from(["", "Person", "Statement", "x\u0000", "Person*"]),
    path=st.sampled_from(["/search", "/search.json", "/search.csv", "/search/suggest"]),
)
def test_random_searches_never_fail_the_server(
    search_app: Any, q: str, kind: str, path: str
) -> None:
    answer = search_app.test_client().get(path, query_string={"q": q, "kind": kind})
    assert answer.status_code < 500, (q, kind, answer.data[:200])
    if answer.status_code >= 400:
        assert answer.get_json()["error"]["message"]

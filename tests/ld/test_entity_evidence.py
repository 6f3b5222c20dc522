"""For one fact, a SPARQL query, the entity's JSON-LD and its page give the same words (#13.4),
and an entity page shows recorded disagreements (#14.6).

The live server is the real ``kg serve`` on the session's build, talked to over HTTP; the
disagreement is a small fixture added to a copy of that build.
"""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest
from flask.testing import FlaskClient

from cahr.dist import MANIFEST, file_entry, read_manifest
from cahr.iris import CAHR, GRAPH, ID, SOURCE
from cahr.server import create_app
from tests.server.conftest import LiveServer, served, start_server, stop_server

DECREE_ARTICLE = "tokayev-decree-action-plan-2023-12-08"
DECREE = "decree-on-human-rights-action-plan-2023"

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def live_server(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The real ``kg serve`` on the session's build, one worker."""
    server = start_server(
        dist, tmp_path_factory.mktemp("evidence") / "kg-serve.log", "--workers", "1"
    )
    yield server
    stop_server(server)


WORDS_QUERY = """PREFIX cahr: <https://w3id.org/cahr/ontology#>
PREFIX oa: <http://www.w3.org/ns/oa#>
SELECT ?words ?start ?end WHERE {
  GRAPH <%(graph)s> {
    <%(subject)s> cahr:attestation ?a .
    ?a cahr:vouchesFor <%(property)s> ; cahr:exactWords ?words ; oa:start ?start ; oa:end ?end .
  }
}"""


class FactWords(HTMLParser):
    """The words that vouch for each stated fact, per article graph:
    {(property, graph): [words, ...]} over the rows of the table of stated facts."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[tuple[str, str], list[str]] = {}
        self._graph = ""
        self._in_stated = False
        self._property: str | None = None
        self._row: list[str] | None = None
        self._quote: list[str] | None = None
        self._first_link = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        classes = (found.get("class") or "").split()
        if tag == "table" and "stated" in classes:
            self._in_stated = True
        if not self._in_stated:
            return
        if tag == "tr" and "fact" in classes:
            self._row = []
        if tag == "th" and found.get("scope") == "row":
            self._first_link = True
        if tag == "a" and self._first_link:
            self._property = found.get("title")
            self._first_link = False
        if tag == "li" and "fact-source" in classes:
            self._graph = found.get("data-graph") or ""
        if tag == "blockquote" and "fact-words" in classes:
            self._quote = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._in_stated = False
        if tag == "blockquote" and self._quote is not None and self._property:
            words = self.rows.setdefault((self._property, self._graph), [])
            words.append("".join(self._quote).strip())
            self._quote = None
        if tag == "tr":
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._quote is not None:
            self._quote.append(data)


def sparql_words(server: LiveServer, subject: str, prop: str) -> list[str]:
    query = WORDS_QUERY % {"graph": GRAPH[DECREE_ARTICLE], "subject": subject, "property": prop}
    answer = httpx.post(
        server.url + "/sparql",
        data={"query": query},
        headers={"Accept": "application/sparql-results+json"},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    return sorted(b["words"]["value"] for b in answer.json()["results"]["bindings"])


def json_ld_words(server: LiveServer, subject: str, prop: str) -> list[str]:
    answer = httpx.get(
        server.url + subject.removeprefix("https://w3id.org/cahr"),
        headers={"Accept": "application/json"},
        timeout=10,
    )
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/ld+json")
    nodes = {n["@id"]: n for n in _nodes(answer.json())}
    words = []
    for attestation in nodes[_compact(subject)].get("cahr:attestation", []):
        if f"{DECREE_ARTICLE}/" not in attestation["@id"]:
            continue  # another article's words (an attestation's IRI names its article)
        node = nodes[attestation["@id"]]
        vouched = [v["@id"] for v in _listed(node.get("cahr:vouchesFor"))]
        if _compact(prop) in vouched:
            words += [str(w) for w in _listed(node["cahr:exactWords"])]
    return sorted(words)


def _compact(iri: str) -> str:
    for prefix, ns in (("id:", str(ID)), ("cahr:", str(CAHR)), ("src:", str(SOURCE))):
        if iri.startswith(ns):
            return prefix + iri[len(ns) :]
    return iri


def _listed(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _nodes(document: Any) -> list[dict[str, Any]]:
    graph = document.get("@graph", [document]) if isinstance(document, dict) else document
    found = []
    for node in graph:
        if "@graph" in node:
            found += _nodes(node)
        elif "@id" in node:
            found.append(node)
    return found


def page_words(server: LiveServer, subject: str) -> dict[tuple[str, str], list[str]]:
    answer = httpx.get(server.url + subject.removeprefix("https://w3id.org/cahr"), timeout=10)
    assert answer.status_code == 200
    parser = FactWords()
    parser.feed(answer.text)
    return parser.rows


@pytest.mark.parametrize(
    ("subject", "prop"),
    [(ID[DECREE], CAHR.date), (ID[DECREE], CAHR.approves), (ID[DECREE], CAHR.signer)],
)
def test_one_fact_has_the_same_words_by_query_api_and_page(
    live_server: LiveServer, subject: str, prop: str
) -> None:
    by_query = sparql_words(live_server, str(subject), str(prop))
    assert by_query, "the worked example attests this fact"
    assert json_ld_words(live_server, str(subject), str(prop)) == by_query
    shown = page_words(live_server, str(subject))
    # in the decree article's graph, exactly its attestations' words (other articles' follow)
    assert sorted(shown[(_compact(str(prop)), str(GRAPH[DECREE_ARTICLE]))]) == by_query, shown


# -- sources disagree: a small fixture --------------------------------------------------

DISAGREEMENT = """
<https://w3id.org/cahr/id/disagreement-fixture> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/cahr/ontology#Disagreement> <{g}> .
<https://w3id.org/cahr/id/disagreement-fixture> <https://w3id.org/cahr/ontology#disputedResource> <https://w3id.org/cahr/id/{x}> <{g}> .
<https://w3id.org/cahr/id/disagreement-fixture> <https://w3id.org/cahr/ontology#disputedProperty> <https://w3id.org/cahr/ontology#date> <{g}> .
<https://w3id.org/cahr/id/disagreement-fixture> <https://w3id.org/cahr/ontology#hasClaim> <https://w3id.org/cahr/id/claim-fixture-a> <{g}> .
<https://w3id.org/cahr/id/disagreement-fixture> <https://w3id.org/cahr/ontology#hasClaim> <https://w3id.org/cahr/id/claim-fixture-b> <{g}> .
<https://w3id.org/cahr/id/claim-fixture-a> <https://w3id.org/cahr/ontology#claimedValue> "2023-12-08"^^<http://www.w3.org/2001/XMLSchema#date> <{g}> .
<https://w3id.org/cahr/id/claim-fixture-a> <https://w3id.org/cahr/ontology#claimedIn> <https://w3id.org/cahr/source/{a}> <{g}> .
<https://w3id.org/cahr/id/claim-fixture-a> <https://w3id.org/cahr/ontology#evidence> "Words of the first fixture article" <{g}> .
<https://w3id.org/cahr/id/claim-fixture-b> <https://w3id.org/cahr/ontology#claimedValue> "2023-12"^^<http://www.w3.org/2001/XMLSchema#gYearMonth> <{g}> .
<https://w3id.org/cahr/id/claim-fixture-b> <https://w3id.org/cahr/ontology#claimedIn> <https://w3id.org/cahr/source/{b}> <{g}> .
<https://w3id.org/cahr/id/claim-fixture-b> <https://w3id.org/cahr/ontology#evidence> "Words of the second fixture article" <{g}> .
"""


@pytest.fixture(scope="module")
def disputed_client(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    copy = tmp_path_factory.mktemp("disputed") / "dist"
    shutil.copytree(dist, copy)
    quads = DISAGREEMENT.format(
        g=GRAPH[DECREE_ARTICLE],
        x="signing-of-decree-on-human-rights-action-plan-2023",
        a=DECREE_ARTICLE,
        b="central-asia-digest-2023-12",
    )
    with (copy / "dataset.nq").open("a", encoding="utf-8") as file:
        file.write(quads.lstrip())
    # the server checks each file against the manifest's checksum
    manifest = read_manifest(copy)
    manifest["files"]["dataset.nq"] = file_entry("dataset.nq", (copy / "dataset.nq").read_bytes())
    (copy / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    app = create_app({"dist": str(copy)})
    yield app.test_client()
    served(app).close()


def test_a_recorded_disagreement_shows_each_value_with_its_article_and_words(
    disputed_client: FlaskClient,
) -> None:
    page = disputed_client.get("/id/signing-of-decree-on-human-rights-action-plan-2023")
    html = page.get_data(as_text=True)
    assert 'id="disagreements"' in html
    section = html[
        html.index('id="disagreements"') : html.index(
            "</section>", html.index('id="disagreements"')
        )
    ]
    # the fixture's disagreement (the real data records others on this resource too)
    start = section.index('data-iri="https://w3id.org/cahr/id/disagreement-fixture"')
    end = section.find('<div class="disagreement"', start)
    fixture = section[start : end if end != -1 else len(section)]
    assert fixture.count('class="claim"') == 2
    for shown in (
        "8 December 2023",
        "December 2023",
        "Words of the first fixture article",
        "Words of the second fixture article",
        "/source/central-asia-digest-2023-12",
        f"/source/{DECREE_ARTICLE}",
    ):
        assert shown in fixture, shown
    # the disputed property's row in the facts table points at the disagreement
    assert 'class="badge disputed" href="#disagreements"' in html
    # and the page without a record shows none
    plain = disputed_client.get(f"/id/{DECREE}").get_data(as_text=True)
    assert 'id="disagreements"' not in plain


def test_json_on_an_entity_is_json_ld(live_server: LiveServer) -> None:
    answer = httpx.get(
        live_server.url + f"/id/{DECREE}", headers={"Accept": "application/json"}, timeout=10
    )
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/ld+json")
    assert "Accept" in answer.headers["vary"]
    assert answer.headers["content-location"] == f"/id/{DECREE}.jsonld"
    assert json.loads(answer.text)["@context"]
    # a browser still gets the page
    page = httpx.get(live_server.url + f"/id/{DECREE}", headers={"Accept": "text/html"}, timeout=10)
    assert page.headers["content-type"].startswith("text/html")


def test_the_docs_give_tokayevs_folded_inferences(ld_client: FlaskClient) -> None:
    """docs/linked-data.md: "Tokayev's page shows N and folds M"."""
    html = ld_client.get("/id/kassym-jomart-tokayev").get_data(as_text=True)
    shown = html.count('<tr class="inferred-fact">')
    section = html[html.index('class="inferred-trivial"') :]
    folded = section.count('<tr class="inferred-fact">')
    docs = (Path(__file__).resolve().parents[2] / "docs" / "linked-data.md").read_text("utf-8")
    assert f"Tokayev's page shows {shown - folded} and folds {folded}." in " ".join(docs.split())


def test_each_fact_s_words_link_to_their_passage_in_the_reader(live_server: LiveServer) -> None:
    """#14, point 5: a fact's words on its page open the reader at the very passage, which
    the reader marks at those characters of the archived text."""
    page = httpx.get(live_server.url + f"/id/{DECREE}", timeout=10).text
    links = set(re.findall(r'class="to-reader" href="(/source/[^"#]+)#q-(\d+)-(\d+)"', page))
    assert len(links) >= 5
    assert ("/source/" + DECREE_ARTICLE) in {path for path, _, _ in links}
    sources = Path(__file__).resolve().parents[2] / "sources"
    for path, start, end in links:
        slug = path.removeprefix("/source/")
        # each link opens the reader of the article whose words these are
        text = (sources / f"{slug}.txt").read_text(encoding="utf-8")
        reader = httpx.get(live_server.url + path, timeout=10).text
        assert f'id="q-{start}-{end}"' in reader, (slug, start, end)
        # the characters are words of the article (the attestation's words, unfolded)
        assert text[int(start) : int(end)].strip()

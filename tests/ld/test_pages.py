"""What the pages tell a researcher: sources, quotes, inferences and dates (issue #6).

Checked against the data itself: the articles that assert a fact are the
named graphs holding it, the quotes are the subject's ``cahr:evidence`` in
those graphs, inferred facts come with a derivation, and the timeline tells
stated dates from implied ones.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import RDF, RDFS

from cahr.dist import read_manifest
from cahr.iris import BASE, CAHR, ID, INFERRED_GRAPH
from cahr.server.pages.index import get_index
from cahr.server.pages.resource import Describer
from cahr.server.pages.timeline import timeline
from cahr.server.pages.why import Explainer, Explanation
from cahr.server.state import get_store

TOKAYEV = str(ID["kassym-jomart-tokayev"])
DECREE = str(ID["decree-on-human-rights-action-plan-2023"])
HRC = "kazakhstan-hrc-candidacy-2020"
# src/href of anything a page loads by itself (not links a person may follow)
LOADED = re.compile(r'<(?:script|img|iframe|source|link)\b[^>]*?\b(?:src|href)="([^"]+)"')


def page(client: FlaskClient, path: str) -> str:
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def test_every_fact_names_its_articles_and_their_words(ld_app, dataset: Dataset) -> None:
    """For each stated fact of the decree: the graphs holding it, and the subject's quotes there."""
    with ld_app.test_request_context():
        store = get_store()
        description = Describer(store, get_index(store)).describe(DECREE)
    assert description is not None
    node = URIRef(DECREE)
    checked = 0
    for group in description.facts:
        for fact in group.facts:
            graphs = {
                str(g)
                for _, _, _, g in dataset.quads((node, fact.predicate.node, fact.value.node, None))
                if str(g).startswith(BASE) and str(g) != str(INFERRED_GRAPH)
            }
            assert {s.graph for s in fact.sources} == graphs
            for source in fact.sources:
                quotes = {
                    str(q) for q in dataset.graph(URIRef(source.graph)).objects(node, CAHR.evidence)
                }
                assert set(source.quotes) == quotes
            checked += 1
    assert checked >= 10


def test_the_entity_page_shows_quotes_articles_posts_and_spellings(
    ld_client: FlaskClient, dataset: Dataset
) -> None:
    html = page(ld_client, "/id/kassym-jomart-tokayev")
    assert "<h1>Kassym-Jomart Tokayev</h1>" in html
    for label in dataset.objects(URIRef(TOKAYEV), RDFS.label):
        assert str(label) in html, "every spelling is shown"
    assert "Posts held" in html and "President of Kazakhstan" in html
    assert "20 May 2024" in html, "a post holding's date"
    assert '<blockquote class="evidence">' in html
    for slug in ("us-kazakhstan-dialogue-2024", "tokayev-decree-action-plan-2023-12-08"):
        assert f'href="/source/{slug}"' in html
    assert 'class="badge inferred"' in html and "Official" in html


def test_a_statement_page_shows_its_quote_and_article(ld_client: FlaskClient) -> None:
    html = page(ld_client, "/id/statement-mukhtar-tileuberdi-2020-02-24-2")
    assert "if elected, we are committed" in html
    assert "Tileuberdi told the UN Human Rights Council in Geneva." in html
    assert f'href="/source/{HRC}"' in html


def test_implied_values_are_marked_with_their_reasoning(ld_client: FlaskClient) -> None:
    html = page(ld_client, "/id/upr-review-of-kazakhstan-2019")
    assert "implied" in html
    assert "November 7th last year" in html


def _rules(explanation: Explanation | None) -> list[str]:
    """The rules of a derivation and of the derivations of its premises, depth first."""
    if explanation is None:
        return []
    found = [explanation.rule]
    for premise in explanation.premises:
        found += _rules(premise.explanation)
    return found


def _stated(explanation: Explanation | None) -> set[tuple]:
    """The stated facts a derivation rests on, at any depth."""
    if explanation is None:
        return set()
    found: set[tuple] = set()
    for premise in explanation.premises:
        found |= {premise.triple} if premise.asserted else _stated(premise.explanation)
    return found


def test_inferred_facts_are_explained_from_the_build_s_record(ld_app) -> None:
    """Official (class definition), Agent (subclass chain), holdsPost (property chain):
    each a lookup of the reasoner's record, which ends at stated facts."""
    with ld_app.test_request_context():
        store = get_store()
        index = get_index(store)
        explainer = Explainer(index.axioms, store.quads)
        node = URIRef(TOKAYEV)
        official = explainer.explain((node, RDF.type, CAHR.Official))
        agent = explainer.explain((node, RDF.type, URIRef("http://www.w3.org/ns/prov#Agent")))
        holds = explainer.explain((node, CAHR.holdsPost, ID["president-of-kazakhstan"]))
        unexplained = [
            q
            for q in store.quads(node, None, None, str(INFERRED_GRAPH))
            if explainer.explain(q[:3]) is None
        ]
        stated = explainer.explain((node, RDF.type, CAHR.Person))
    assert official is not None
    assert "intersection (cls-int1)" in _rules(official)
    assert "property chain (prp-spo2)" in _rules(official)
    assert any("owl:equivalentClass" in a or "cahr:Official" in a for a in official.axiom_texts)
    assert agent is not None and agent.rule == "subclass (cax-sco)"
    assert str(agent.axioms[0][2]) == "http://www.w3.org/ns/prov#Agent"
    assert holds is not None and holds.rule == "property chain (prp-spo2)"
    assert any(p.asserted for p in holds.premises)
    assert all(p.asserted or p.explanation is not None for p in holds.premises)
    assert (ID["president-of-kazakhstan"], RDF.type, CAHR.PublicPost) in _stated(official) or any(
        p[1] == CAHR.heldPost for p in _stated(official)
    )
    assert not unexplained
    assert stated is None  # stated, not derived: the record has no entry


def test_the_entity_page_shows_each_inferred_fact_s_recorded_derivation(
    ld_client: FlaskClient,
) -> None:
    html = page(ld_client, "/id/kassym-jomart-tokayev")
    section = html[html.index('id="inferred"') :]
    rows = section.count('class="inferred-fact"')
    assert rows > 5
    assert "no simple rule here accounts for" not in section
    assert section.count('<div class="why">') >= rows
    for rule in ("subclass (cax-sco)", "property chain (prp-spo2)", "intersection (cls-int1)"):
        assert rule in section, rule
    assert "cahr:Person and (cahr:holdsPost some cahr:PublicPost)" in section


def test_the_source_page_lists_what_the_article_contributed(
    ld_client: FlaskClient, dist: Path
) -> None:
    html = page(ld_client, f"/source/{HRC}")
    counts = read_manifest(dist)["articles"][HRC]
    match = re.search(r'<h3>Statements <span class="badge count">(\d+)</span>', html)
    assert match and int(match.group(1)) == counts["statements"]
    assert f'href="/source/{HRC}/timeline"' in html
    assert f'href="/graph/{HRC}"' in html


def test_the_timeline_tells_stated_from_implied(ld_app) -> None:
    with ld_app.test_request_context():
        store = get_store()
        index = get_index(store)
        whole = timeline(store, index)
        one = timeline(store, index, f"https://w3id.org/cahr/graph/{HRC}")
    decree = [e for e in whole.entries if e.iri == DECREE]
    assert decree and decree[0].key.text() == "8 December 2023" and decree[0].stated
    upr = [e for e in whole.entries if e.iri.endswith("upr-review-of-kazakhstan-2019")]
    assert upr and upr[0].status == "implied" and upr[0].implied[0][1].reasoning
    assert {e.kind for e in whole.entries} >= {"statement", "funding", "decree", "meeting"}
    assert [e.key.iso() for e in whole.entries] == sorted(
        e.key.iso() for e in whole.entries
    ) or all(
        a.position <= b.position for a, b in zip(whole.entries, whole.entries[1:], strict=False)
    )
    assert one.entries and all(
        any(a.slug == HRC for a in e.stated) or any(a.slug == HRC for a, _ in e.implied)
        for e in one.entries
    )
    assert len(one.entries) < len(whole.entries)


def test_timeline_pages(ld_client: FlaskClient) -> None:
    html = page(ld_client, "/timeline")
    assert "<svg" in html and 'class="dot implied"' in html
    assert f'href="/id/{DECREE.rsplit("/", 1)[1]}"' in html
    assert "Timeline of one article" in page(ld_client, f"/source/{HRC}/timeline")


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/id/",
        "/id/kazakhstan",
        f"/source/{HRC}",
        f"/graph/{HRC}",
        "/timeline",
        "/dumps/",
        "/.well-known/void",
        "/ontology",
    ],
)
def test_pages_load_nothing_from_outside(ld_client: FlaskClient, path: str) -> None:
    """No CDN, no web font: whatever a page loads comes from this server."""
    html = page(ld_client, path)
    for url in LOADED.findall(html):
        if 'rel="alternate"' in url or url.startswith(("/", "data:", "#")):
            continue
        pytest.fail(f"{path} loads {url}")
    assert "@import" not in html and "fonts.googleapis" not in html


def test_home_offers_every_competency_question(ld_client: FlaskClient, layout) -> None:
    html = page(ld_client, "/")
    files = layout.competency_files()
    assert html.count('data-example="') == len(files) + 1  # the questions and "start here"
    assert '"endpoint": "/sparql"' in html
    assert "yasgui.min.js" in html


def test_literals_read_like_text(ld_client: FlaskClient) -> None:
    html = page(ld_client, "/id/us-funding-unhcr-afghan-refugees-pakistan-2023-12")
    assert "77,000,000" in html and "December 2023" in html
    assert Literal("77000000").n3() not in html


def test_a_dump_may_be_cached_checked_and_resumed(ld_client: FlaskClient, dist: Path) -> None:
    """A proxy cache may keep a dump (nginx stores no ``no-cache`` answer, so every download
    went to a replica, and one killed mid-stream cut it); the client can verify the
    checksum, and resume a cut download with a range."""
    body = (dist / "union.nt").read_bytes()
    whole = ld_client.get("/dumps/union.nt", buffered=True)
    assert whole.status_code == 200 and whole.data == body
    assert whole.headers["Cache-Control"] == "public, max-age=300"
    digest = base64.b64encode(hashlib.sha256(body).digest()).decode()
    assert whole.headers["Repr-Digest"] == f"sha-256=:{digest}:"
    rest = ld_client.get("/dumps/union.nt", headers={"Range": "bytes=1000-"}, buffered=True)
    assert rest.status_code == 206 and rest.data == body[1000:]
    assert rest.headers["Content-Range"] == f"bytes 1000-{len(body) - 1}/{len(body)}"

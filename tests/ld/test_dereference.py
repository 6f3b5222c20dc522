"""Every IRI of the graph dereferences: a page that names it, RDF that describes it.

The IRIs come from ``dataset.nq`` as rdflib reads it, not from the server, so
an IRI the server forgot would show here. Each maps to the same path on the
server (BRIEF, "Identifiers"); ontology terms (``ontology#Decree``) to the
ontology document, where the page has an anchor for the term.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient
from rdflib import BNode, Dataset, Graph, URIRef
from werkzeug.test import TestResponse

from cahr.iris import BASE
from cahr.server.pages.present import local_path
from tests.ld.rdfcheck import canonical

# The smallest plausible dataset: five articles, their graphs, the ontology.
MIN_IRIS = {"id": 300, "source": 5, "graph": 7, "ontology": 100}


def by_path(iris: list[str]) -> dict[str, list[str]]:
    """Server path -> the IRIs it answers for (several for the ontology document)."""
    paths: dict[str, list[str]] = defaultdict(list)
    for iri in iris:
        path = local_path(iri)
        assert path is not None
        paths[path.split("#", 1)[0]].append(iri)
    return paths


def answers(
    client: FlaskClient, iris: list[str], accept: str, failures: list[Any]
) -> Iterator[tuple[str, list[str], TestResponse]]:
    """(path, the IRIs it answers for, the response) for each path; non-200s go to ``failures``."""
    for path, named in by_path(iris).items():
        response = client.get(path, headers={"Accept": accept})
        if response.status_code == 200:
            yield path, named, response
        else:
            failures.append((path, response.status_code))


def test_every_kind_of_iri_is_there(iris: list[str]) -> None:
    """The list the tests below walk cannot shrink silently."""
    kinds: dict[str, int] = defaultdict(int)
    for iri in iris:
        kinds[iri[len(BASE) :].split("/")[0].split("#")[0]] += 1
    for kind, least in MIN_IRIS.items():
        assert kinds[kind] >= least, (kind, kinds[kind])


def test_every_iri_has_a_page_that_names_it(ld_client: FlaskClient, iris: list[str]) -> None:
    failures: list[Any] = []
    for _, named, response in answers(ld_client, iris, "text/html", failures):
        page = response.get_data(as_text=True)
        for iri in named:
            if "#" in iri:
                # a term of the ontology: its IRI on the page, and an anchor for its fragment
                fragment = iri.split("#", 1)[1]
                if iri not in page or f'id="{fragment}"' not in page:
                    failures.append((iri, "no anchor or IRI on the ontology page"))
            elif iri not in page:
                failures.append((iri, "not named on its page"))
    assert not failures, failures[:20]


def test_every_iri_has_rdf_that_describes_it(
    ld_client: FlaskClient, iris: list[str], dataset: Dataset
) -> None:
    """The Turtle of an IRI holds every triple the dataset has with it as subject."""
    union = Graph()
    for s, p, o, _ in dataset.quads((None, None, None, None)):
        union.add(canonical((s, p, o)))
    failures: list[Any] = []
    for path, named, response in answers(ld_client, iris, "text/turtle", failures):
        answer = Graph()
        answer.parse(data=response.data, format="turtle")
        answered = {canonical(t) for t in answer}
        for iri in named:
            node = URIRef(iri)
            expected = set(union.triples((node, None, None)))
            if "/graph/" in iri and iri not in {str(g) for g in dataset.contexts()}:
                continue
            if "/graph/" in iri:
                expected = {canonical(t) for t in dataset.graph(node)}
            elif path == "/ontology":
                # a term: the OWL file describes it (its entailments are in the inferred graph)
                expected = {
                    canonical(t)
                    for t in dataset.graph(URIRef(BASE + "graph/ontology")).triples(
                        (node, None, None)
                    )
                }
            if not expected:
                # only ever an object (or a graph name): the answer must still mention it
                if not any(node in t for t in answered):
                    failures.append((iri, "not in its RDF"))
            else:
                # blank nodes (OWL class expressions) have new labels in each parse: compare
                # those by count, everything else triple by triple
                named_expected = {t for t in expected if not isinstance(t[2], BNode)}
                blank = len(expected) - len(named_expected)
                answered_blank = sum(
                    1 for t in answered if t[0] == node and isinstance(t[2], BNode)
                )
                if not named_expected <= answered or answered_blank < blank:
                    failures.append((iri, f"{len(named_expected - answered)} triples missing"))
    assert not failures, failures[:20]


@pytest.mark.parametrize("path", ["/ontology/0.1.0", "/ontology"])
def test_the_ontology_iris(ld_client: FlaskClient, path: str) -> None:
    page = ld_client.get(path, headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "https://w3id.org/cahr/ontology#Official" in page
    assert 'id="ActionPlan"' in page, "the local name of a term is an anchor"
    assert '<img src="/ontology/diagram.svg"' in page, "the Graphviz diagram is on the page"
    diagram = ld_client.get("/ontology/diagram.svg")
    assert diagram.status_code == 200 and diagram.mimetype == "image/svg+xml"
    assert b"<svg" in diagram.data and b"Official" in diagram.data

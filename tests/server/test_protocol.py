"""The SPARQL 1.1 Protocol through Flask's test client, on both engines.

https://www.w3.org/TR/sparql11-protocol/ : the three routes of a query, the
dataset parameters, content negotiation and the 400s. Results are parsed
back and compared by meaning (bindings, graph isomorphism), never as strings.
"""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.query import Result

from cahr.formats import DEFAULT_RDF_TYPE, DEFAULT_RESULT_TYPE, RDF_TYPES, RESULT_TYPES
from cahr.store import Solutions
from tests.server.conftest import served
from tests.server.helpers import (
    CONSTRUCT,
    COUNT_ALL,
    DECREE,
    DIALOGUE,
    SMALL,
    count_of,
    error_of,
)

FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
# rdflib result parser names for our result media types
RESULT_PARSERS = {
    "application/sparql-results+json": "json",
    "application/sparql-results+xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
}


def _rows(body: bytes, media_type: str) -> set[tuple[str, ...]]:
    """The rows of a SELECT result as strings, whatever its format."""
    result = Result.parse(io.BytesIO(body), format=RESULT_PARSERS[media_type])
    return {tuple(str(v) for v in row) for row in result}


def test_get_post_form_and_post_direct_give_the_same_answer(
    app: Flask, client: FlaskClient
) -> None:
    expected = len(served(app).store)
    by_get = client.get("/sparql", query_string={"query": COUNT_ALL})
    by_form = client.post("/sparql", data={"query": COUNT_ALL})
    by_body = client.post("/sparql", data=COUNT_ALL.encode(), content_type=DIRECT)
    by_body_charset = client.post(
        "/sparql", data=COUNT_ALL.encode(), content_type=f"{DIRECT}; charset=utf-8"
    )
    counts = {count_of(r) for r in (by_get, by_form, by_body, by_body_charset)}
    # The default graph is the deduplicated union: fewer triples than the quads.
    assert counts == {served(app).manifest["union_triples"]}
    assert served(app).manifest["union_triples"] < expected


def test_default_graph_is_the_union_without_repeats(client: FlaskClient, app: Flask) -> None:
    """A triple several graphs hold is one answer, not one per graph (BRIEF, known pitfalls)."""
    # counted, not listed: the union has grown past the server's row limit (max_rows)
    response = client.get(
        "/sparql",
        query_string={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"},
        headers={"Accept": "text/csv"},
    )
    [[solutions]] = list(csv.reader(io.StringIO(response.get_data(as_text=True))))[1:]
    assert int(solutions) == served(app).manifest["union_triples"]
    # ...although some triples are in several graphs (the ontology and the inferred graph, ...).
    graphs_of: dict[tuple[object, ...], set[str]] = {}
    for s, p, o, g in served(app).store.quads():
        graphs_of.setdefault((s, p, o), set()).add(g)
    assert len(graphs_of) == int(solutions)
    assert any(len(graphs) > 1 for graphs in graphs_of.values())


def test_default_graph_uri_chooses_the_default_graph(client: FlaskClient, app: Flask) -> None:
    counts = served(app).manifest["graphs"]
    one = client.get("/sparql", query_string={"query": COUNT_ALL, "default-graph-uri": DIALOGUE})
    assert count_of(one) == counts[DIALOGUE]
    two = client.post("/sparql", data={"query": COUNT_ALL, "default-graph-uri": [DIALOGUE, DECREE]})
    assert counts[DIALOGUE] < count_of(two) <= counts[DIALOGUE] + counts[DECREE]
    # Direct POST: dataset parameters travel in the URL.
    direct = client.post(
        "/sparql?" + urlencode({"default-graph-uri": DECREE}), data=COUNT_ALL, content_type=DIRECT
    )
    assert count_of(direct) == counts[DECREE]


def test_named_graph_uri_limits_the_named_graphs(client: FlaskClient) -> None:
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    response = client.get(
        "/sparql", query_string={"query": query, "named-graph-uri": [DIALOGUE, DECREE]}
    )
    names = {b["g"]["value"] for b in response.get_json()["results"]["bindings"]}
    assert names == {DIALOGUE, DECREE}
    everything = client.get("/sparql", query_string={"query": query}).get_json()
    assert len(everything["results"]["bindings"]) > 2


def test_default_graph_uri_alone_leaves_no_named_graphs(client: FlaskClient) -> None:
    """SPARQL 1.1 Protocol 2.1.4: the dataset is made of the given graphs, and only of them."""
    query = "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    response = client.get("/sparql", query_string={"query": query, "default-graph-uri": DECREE})
    assert count_of(response) == 0


def test_named_graph_uri_alone_leaves_an_empty_default_graph(client: FlaskClient) -> None:
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    response = client.get("/sparql", query_string={"query": query, "named-graph-uri": DECREE})
    assert count_of(response) == 0


def test_from_a_graph_of_the_dataset_is_honoured(client: FlaskClient, app: Flask) -> None:
    query = f"SELECT (COUNT(*) AS ?n) FROM <{DECREE}> WHERE {{ ?s ?p ?o }}"
    assert (
        count_of(client.get("/sparql", query_string={"query": query}))
        == served(app).manifest["graphs"][DECREE]
    )


@pytest.mark.parametrize("media_type", list(RESULT_TYPES))
def test_select_in_every_results_format(client: FlaskClient, media_type: str) -> None:
    response = client.get("/sparql", query_string={"query": SMALL}, headers={"Accept": media_type})
    assert response.status_code == 200 and response.mimetype == media_type
    reference = client.get(
        "/sparql",
        query_string={"query": SMALL},
        headers={"Accept": "application/sparql-results+json"},
    )
    rows = _rows(response.data, media_type)
    assert len(rows) == 5
    assert rows == _rows(reference.data, "application/sparql-results+json")
    assert response.headers["X-CAHR-Rows"] == "5"


@pytest.mark.parametrize("media_type", list(RESULT_TYPES))
def test_ask_in_every_results_format(client: FlaskClient, media_type: str) -> None:
    for query, expected in (("ASK { ?s ?p ?o }", True), ("ASK { <urn:x:none> ?p ?o }", False)):
        response = client.get(
            "/sparql", query_string={"query": query}, headers={"Accept": media_type}
        )
        assert response.status_code == 200 and response.mimetype == media_type
        if media_type in ("text/csv", "text/tab-separated-values"):
            assert response.get_data(as_text=True).split() == ["_askResult", str(expected).lower()]
        else:
            parsed = Result.parse(io.BytesIO(response.data), format=RESULT_PARSERS[media_type])
            assert parsed.askAnswer is expected


def _graph(body: bytes, media_type: str) -> Graph:
    rdflib_format = RDF_TYPES[media_type][1]
    if rdflib_format in ("nquads", "trig"):
        dataset = Dataset()
        dataset.parse(data=body, format=rdflib_format)
        graph = Graph()
        for s, p, o, _ in dataset.quads():
            graph.add((s, p, o))
        return graph
    return Graph().parse(data=body, format=rdflib_format)


@pytest.mark.parametrize("media_type", list(RDF_TYPES))
def test_construct_in_every_rdf_format(app: Flask, client: FlaskClient, media_type: str) -> None:
    response = client.post("/sparql", data={"query": CONSTRUCT}, headers={"Accept": media_type})
    assert response.status_code == 200 and response.mimetype == media_type
    expected = Graph()
    for triple in served(app).store.query(CONSTRUCT).triples:  # type: ignore[union-attr]
        expected.add(triple)
    assert len(expected) > 10
    assert isomorphic(_graph(response.data, media_type), expected)


def test_describe_answers_a_graph(client: FlaskClient) -> None:
    response = client.get(
        "/sparql", query_string={"query": "DESCRIBE <https://w3id.org/cahr/id/kazakhstan>"}
    )
    assert response.mimetype == DEFAULT_RDF_TYPE
    graph = _graph(response.data, DEFAULT_RDF_TYPE)
    assert (URIRef("https://w3id.org/cahr/id/kazakhstan"), None, None) in graph


@pytest.mark.parametrize(
    ("accept", "query", "expected"),
    [
        (None, SMALL, DEFAULT_RESULT_TYPE),
        ("*/*", SMALL, DEFAULT_RESULT_TYPE),
        (None, CONSTRUCT, DEFAULT_RDF_TYPE),
        ("*/*", CONSTRUCT, DEFAULT_RDF_TYPE),
        (
            "text/csv;q=0.5, application/sparql-results+xml;q=0.9",
            SMALL,
            "application/sparql-results+xml",
        ),
        ("text/*", SMALL, "text/csv"),
        ("text/*;q=0.2, text/tab-separated-values", SMALL, "text/tab-separated-values"),
        ("application/sparql-results+json;q=0, */*;q=0.1", SMALL, "application/sparql-results+xml"),
        ("application/json", SMALL, "application/sparql-results+json"),
        (
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            SMALL,
            "application/sparql-results+xml",
        ),
        ("application/ld+json;q=0.8, application/n-triples", CONSTRUCT, "application/n-triples"),
        ("application/rdf+xml, text/turtle;q=0.1", CONSTRUCT, "application/rdf+xml"),
        ("application/n-quads", CONSTRUCT, "application/n-quads"),
        ("application/trig", CONSTRUCT, "application/trig"),
    ],
)
def test_accept_with_q_values_chooses_the_format(
    client: FlaskClient, accept: str | None, query: str, expected: str
) -> None:
    headers = {"Accept": accept} if accept else {}
    response = client.get("/sparql", query_string={"query": query}, headers=headers)
    assert response.status_code == 200
    assert response.mimetype == expected
    assert "Accept" in response.headers["Vary"]


@pytest.mark.parametrize(
    ("accept", "query"),
    [
        ("image/png", SMALL),
        ("text/turtle", SMALL),
        ("application/sparql-results+json", CONSTRUCT),
        ("text/csv, text/tab-separated-values;q=0.5", CONSTRUCT),
        ("*/*;q=0", SMALL),
    ],
)
def test_an_accept_nothing_satisfies_gets_406(client: FlaskClient, accept: str, query: str) -> None:
    response = client.get("/sparql", query_string={"query": query}, headers={"Accept": accept})
    error = error_of(response, 406)
    assert accept in error["message"]


@pytest.mark.parametrize(
    ("params", "accept", "expected"),
    [
        # What SPARQLWrapper sends: format, output and results, beside its Accept header.
        (
            {"format": "json", "output": "json", "results": "json"},
            "application/sparql-results+json,"
            "application/json,text/javascript,application/javascript",
            "application/sparql-results+json",
        ),
        (
            {"format": ["tsv", "text/tab-separated-values"]},
            "text/tab-separated-values",
            "text/tab-separated-values",
        ),
        ({"format": "csv"}, "application/sparql-results+json", "text/csv"),
        ({"output": "xml"}, None, "application/sparql-results+xml"),
        ({"format": "text/csv"}, None, "text/csv"),
        # A value that names nothing we write for this result is ignored: Accept decides.
        ({"format": "html"}, "text/csv", "text/csv"),
        ({"format": "turtle"}, None, DEFAULT_RESULT_TYPE),
    ],
)
def test_format_and_output_parameters_are_tolerated(
    client: FlaskClient, params: dict[str, object], accept: str | None, expected: str
) -> None:
    headers = {"Accept": accept} if accept else {}
    response = client.get("/sparql", query_string={"query": SMALL, **params}, headers=headers)
    assert response.status_code == 200
    assert response.mimetype == expected


def test_format_parameter_for_a_graph(client: FlaskClient) -> None:
    response = client.post("/sparql", data={"query": CONSTRUCT, "format": ["json", "turtle"]})
    assert response.mimetype == "text/turtle"
    jsonld = client.post("/sparql", data={"query": CONSTRUCT, "output": "json-ld"})
    assert jsonld.mimetype == "application/ld+json"
    assert json.loads(jsonld.data)


def test_head_answers_headers_only(client: FlaskClient) -> None:
    response = client.head("/sparql", query_string={"query": SMALL})
    assert response.status_code == 200 and response.data == b""
    assert response.mimetype == DEFAULT_RESULT_TYPE


# -- 400s: a request the client can fix, with a message that says how ------------------------


def test_a_syntax_error_is_400_with_the_parser_message_and_position(client: FlaskClient) -> None:
    lines = ["PREFIX cahr: <https://w3id.org/cahr/ontology#>", "SELECT ?s", "WHERE { ?s ?p ?o . }}"]
    error = error_of(client.get("/sparql", query_string={"query": "\n".join(lines)}), 400)
    assert error["title"] == "Query syntax error"
    assert error["line"] == 3
    assert 1 <= error["column"] <= len(lines[2]) + 1
    assert error["message"].startswith(f"line 3, column {error['column']}: expected")


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { ?s ?p ?o }}",
        "SELECT * WHERE { ?s ?p }",
        "PREFIX x: <http://example.org/> SELECT * WHERE { ?s y:p ?o }",
        "SELECT ?x WHERE { ?s ?p ?o } GROUP BY ?s",
        "SELECT * WHERE { ?s ?p ?o } ; SELECT * WHERE { ?s ?p ?o }",
        "ASK {} ASK {}",
        "\u0000",
        "not sparql at all",
    ],
)
def test_bad_queries_are_400_never_500(client: FlaskClient, query: str) -> None:
    error = error_of(client.post("/sparql", data={"query": query}), 400)
    assert error["title"] == "Query syntax error"


def test_no_query(client: FlaskClient) -> None:
    assert (
        "no query" in error_of(client.post("/sparql", data="", content_type=FORM), 400)["message"]
    )
    assert (
        "no query"
        in error_of(client.post("/sparql", data={"default-graph-uri": DIALOGUE}), 400)["message"]
    )
    assert (
        "empty" in error_of(client.post("/sparql", data=b"", content_type=DIRECT), 400)["message"]
    )
    assert "empty" in error_of(client.get("/sparql?query="), 400)["message"]


@pytest.mark.parametrize(
    "request_kwargs",
    [
        {"method": "GET", "query_string": {"query": [SMALL, SMALL]}},
        {"method": "POST", "data": {"query": [SMALL, COUNT_ALL]}},
        {"method": "POST", "query_string": {"query": SMALL}, "data": {"query": SMALL}},
        {"method": "POST", "query_string": {"query": SMALL}, "data": SMALL, "content_type": DIRECT},
    ],
)
def test_two_queries_are_400(client: FlaskClient, request_kwargs: dict[str, object]) -> None:
    response = client.open("/sparql", **request_kwargs)  # type: ignore[arg-type]
    assert "2 queries" in error_of(response, 400)["message"]


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/json",
        "multipart/form-data; boundary=x",
        "text/turtle",
        None,
    ],
)
def test_a_post_in_another_media_type_is_400(client: FlaskClient, content_type: str | None) -> None:
    response = client.post("/sparql", data=f"query={SMALL}".encode(), content_type=content_type)
    error = error_of(response, 400)
    assert FORM in error["message"] and DIRECT in error["message"]


def test_a_body_that_is_not_its_charset_is_400(client: FlaskClient) -> None:
    response = client.post("/sparql", data=b"SELECT * { ?s ?p \xff }", content_type=DIRECT)
    assert "utf-8" in error_of(response, 400)["message"].lower()
    unknown = client.post("/sparql", data=b"ASK {}", content_type=f"{DIRECT}; charset=klingon")
    assert "klingon" in error_of(unknown, 400)["message"]


def test_other_methods_are_405_with_allow(client: FlaskClient) -> None:
    for method in ("PUT", "DELETE", "PATCH"):
        response = client.open("/sparql", method=method, data=SMALL)
        error_of(response, 405)
        assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}


def test_rows_are_rdflib_terms_through_the_store(app: Flask) -> None:
    """The expected values above come from the store itself: check it answers terms."""
    result = served(app).store.query(SMALL)
    assert isinstance(result, Solutions)
    assert all(isinstance(t, URIRef | Literal) or t is not None for row in result.rows for t in row)

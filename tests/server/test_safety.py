"""Safe by default (issue #5, point 3), through Flask's test client on both engines.

Read-only: every update form, by every route, method and parameter, is
refused with a 4xx and changes nothing. Offline: SERVICE, FROM / FROM NAMED
and the dataset parameters naming anything outside the dataset are refused,
and a loopback listener proves that no connection was even tried; file: IRIs
leak nothing. Limits: request size (413, 414) and the row cap, never silent.
"""

from __future__ import annotations

import time
from pathlib import Path

import pyoxigraph as ox
import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.server.conftest import Listener, served
from tests.server.helpers import CONSTRUCT, COUNT_ALL, DIALOGUE, count_of, error_of

MARK = "urn:cahr:test:inserted"
UPDATES = [
    f"INSERT DATA {{ <{MARK}> <{MARK}> <{MARK}> }}",
    f"insert data {{ GRAPH <{DIALOGUE}> {{ <{MARK}> <{MARK}> <{MARK}> }} }}",
    f"PREFIX x: <urn:x:> # a comment\nINSERT DATA {{ <{MARK}> <{MARK}> <{MARK}> }}",
    "DELETE DATA { <https://w3id.org/cahr/id/kazakhstan> a <https://w3id.org/cahr/ontology#Place> }",
    "DELETE WHERE { ?s ?p ?o }",
    f"DELETE {{ ?s ?p ?o }} INSERT {{ <{MARK}> ?p ?o }} WHERE {{ ?s ?p ?o }}",
    f"INSERT {{ <{MARK}> ?p ?o }} WHERE {{ ?s ?p ?o }}",
    f"WITH <{DIALOGUE}> DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }}",
    f"LOAD <file:///etc/passwd> INTO GRAPH <{MARK}>",
    "CLEAR ALL",
    "CLEAR DEFAULT",
    f"DROP GRAPH <{DIALOGUE}>",
    "DROP ALL",
    f"CREATE GRAPH <{MARK}>",
    f"ADD <{DIALOGUE}> TO <{MARK}>",
    f"MOVE <{DIALOGUE}> TO <{MARK}>",
    f"COPY DEFAULT TO <{MARK}>",
]
ROUTES = ["get-query", "get-update", "form-query", "form-update", "direct-query", "direct-update"]


def _send(client: FlaskClient, route: str, text: str):  # type: ignore[no-untyped-def]
    method, _, param = route.partition("-")
    if method == "get":
        return client.get("/sparql", query_string={param: text})
    if method == "form":
        return client.post("/sparql", data={param: text})
    media = "application/sparql-query" if param == "query" else "application/sparql-update"
    return client.post("/sparql", data=text.encode(), content_type=media)


def _fingerprint(client: FlaskClient) -> tuple[int, int, bool]:
    graphs = "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    marked = client.get("/sparql", query_string={"query": f"ASK {{ <{MARK}> ?p ?o }}"})
    return (
        count_of(client.get("/sparql", query_string={"query": COUNT_ALL})),
        count_of(client.get("/sparql", query_string={"query": graphs})),
        marked.get_json()["boolean"],
    )


@pytest.mark.parametrize("route", ROUTES)
def test_every_update_by_every_route_is_refused_and_changes_nothing(
    app: Flask, client: FlaskClient, route: str
) -> None:
    before, quads = _fingerprint(client), len(served(app).store)
    for update in UPDATES:
        error = error_of(_send(client, route, update), 403)
        assert "read-only" in error["message"]
    assert _fingerprint(client) == before
    assert before[2] is False
    assert len(served(app).store) == quads


def test_updates_hidden_in_a_query_request_are_refused(client: FlaskClient) -> None:
    before = _fingerprint(client)
    for text in (
        f"SELECT * WHERE {{ ?s ?p ?o }} ; INSERT DATA {{ <{MARK}> <{MARK}> <{MARK}> }}",
        f"ASK {{}} INSERT DATA {{ <{MARK}> <{MARK}> <{MARK}> }}",
    ):
        response = client.post("/sparql", data={"query": text})
        assert 400 <= response.status_code < 500
    response = client.post("/sparql", data={"query": "ASK {}", "update": UPDATES[0]})
    error_of(response, 403)
    assert _fingerprint(client) == before


@pytest.mark.parametrize(
    "path",
    ["/sparql", "/", "/graph/us-kazakhstan-dialogue-2024", "/id/kazakhstan", "/dumps/dataset.nq"],
)
@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_no_route_accepts_a_writing_method(client: FlaskClient, path: str, method: str) -> None:
    response = client.open(
        path, method=method, data=b"<urn:a> <urn:b> <urn:c> .", content_type="application/n-triples"
    )
    assert response.status_code in (404, 405)
    error_of(response, response.status_code)


def _outside_requests(url: str) -> list[dict[str, object]]:
    """Requests whose query or dataset names ``url``: each one would make a naive engine fetch it."""
    return [
        {"query": f"SELECT * WHERE {{ SERVICE <{url}sparql> {{ ?s ?p ?o }} }}"},
        {"query": f"SELECT * WHERE {{ ?s ?p ?o . sErViCe SILENT <{url}> {{ ?s ?p ?o }} }}"},
        {"query": f"PREFIX r: <{url}> SELECT * WHERE {{ SERVICE r:sparql {{ ?s ?p ?o }} }}"},
        {
            "query": "SELECT * WHERE { SERVICE ?endpoint { ?s ?p ?o } "
            f"VALUES ?endpoint {{ <{url}> }} }}"
        },
        {"query": f"SELECT * FROM <{url}graph.ttl> WHERE {{ ?s ?p ?o }}"},
        {"query": f"SELECT * FROM NAMED <{url}graph.ttl> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"},
        {"query": f"BASE <{url}> SELECT * FROM <graph.ttl> WHERE {{ ?s ?p ?o }}"},
        {"query": f"CONSTRUCT {{ ?s ?p ?o }} FROM <{url}g> WHERE {{ ?s ?p ?o }}"},
        {"query": COUNT_ALL, "default-graph-uri": f"{url}graph.ttl"},
        {"query": COUNT_ALL, "named-graph-uri": f"{url}graph.ttl"},
        {"query": COUNT_ALL, "default-graph-uri": [DIALOGUE, f"{url}graph.ttl"]},
        {"update": f"LOAD <{url}graph.ttl>"},
    ]


def test_the_loopback_listener_sees_a_naive_engine(listener: Listener) -> None:
    """The control: pyoxigraph alone does connect for SERVICE, so the listener would see it."""
    try:
        list(ox.Store().query(f"SELECT * WHERE {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}"))
    except OSError:
        pass
    deadline = time.monotonic() + 5
    while not listener.connections and time.monotonic() < deadline:
        time.sleep(0.05)
    assert listener.connections


def test_no_query_makes_the_server_connect_anywhere(
    client: FlaskClient, listener: Listener
) -> None:
    for params in _outside_requests(listener.url):
        for response in (
            client.get("/sparql", query_string=params),
            client.post("/sparql", data=params),
        ):
            error = error_of(response, 403)
            assert (
                listener.url.rstrip("/") in error["message"]
                or "read-only" in error["message"]
                or "SERVICE" in error["message"]
            )
    time.sleep(0.3)
    assert listener.connections == []


def test_file_iris_leak_nothing(client: FlaskClient, tmp_path: Path) -> None:
    secret = tmp_path / "secret.ttl"
    token = "s3cr3t-t0ken-8d1f"
    secret.write_text(f'<urn:secret> <urn:is> "{token}" .\n')
    iri = secret.as_uri()
    refused = [
        {"query": f"SELECT * FROM <{iri}> WHERE {{ ?s ?p ?o }}"},
        {"query": f"SELECT * FROM NAMED <{iri}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"},
        {"query": COUNT_ALL, "default-graph-uri": iri},
        {"query": COUNT_ALL, "named-graph-uri": "file:///etc/passwd"},
        {"query": "SELECT * WHERE { SERVICE <file:///etc/passwd> { ?s ?p ?o } }"},
        {"update": f"LOAD <{iri}>"},
    ]
    for params in refused:
        response = client.post("/sparql", data=params)
        assert 400 <= response.status_code < 500
        assert token not in response.get_data(as_text=True)
    # Naming a file as a resource is only an IRI: nothing is read.
    for query in (
        f"DESCRIBE <{iri}>",
        f"SELECT * WHERE {{ <{iri}> ?p ?o }}",
        "SELECT * WHERE { <file:///etc/passwd> ?p ?o }",
    ):
        response = client.post("/sparql", data={"query": query})
        assert response.status_code == 200
        text = response.get_data(as_text=True)
        assert token not in text and "root:" not in text


def test_a_large_request_is_413_and_a_long_url_414(make_app) -> None:  # type: ignore[no-untyped-def]
    client = make_app(max_request_bytes=2000).test_client()
    long_query = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 3000
    for response in (
        client.post("/sparql", data={"query": long_query}),
        client.post("/sparql", data=long_query, content_type="application/sparql-query"),
    ):
        error = error_of(response, 413)
        assert "2000 bytes" in error["message"] and "max_request_bytes" in error["message"]
    error = error_of(client.get("/sparql", query_string={"query": long_query}), 414)
    assert "2000 bytes" in error["message"]
    assert client.post("/sparql", data={"query": "ASK {}"}).status_code == 200


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_the_row_cap_is_announced(make_app, engine: str) -> None:  # type: ignore[no-untyped-def]
    client = make_app(max_rows=7, engine=engine).test_client()
    cut = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert len(cut.get_json()["results"]["bindings"]) == 7
    assert cut.headers["X-CAHR-Truncated"] == "true"
    assert cut.headers["X-CAHR-Rows"] == "7"
    assert "7 rows" in cut.headers["Warning"] and "max_rows" in cut.headers["Warning"]
    graph = client.post(
        "/sparql", data={"query": CONSTRUCT}, headers={"Accept": "application/n-triples"}
    )
    assert graph.headers["X-CAHR-Truncated"] == "true"
    assert len([line for line in graph.get_data(as_text=True).splitlines() if line.strip()]) == 7
    whole = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 7"})
    assert whole.headers["X-CAHR-Truncated"] == "false" and "Warning" not in whole.headers


@pytest.mark.parametrize("depth", [40, 65, 5000, 100_000])
def test_deep_nesting_is_400_never_a_crash(app: Flask, client: FlaskClient, depth: int) -> None:
    """Oxigraph's parser dies of a stack overflow near 5,000 levels, rdflib's algebra near 30.

    A query process that runs a query long is replaced by design (it was niced): what
    must not happen is one that ends on its own.
    """
    runner = served(app).runner
    died = runner.load()["died"]
    for query in (
        "SELECT * WHERE " + "{" * depth + " ?s ?p ?o " + "}" * depth,
        "SELECT * WHERE { FILTER(" + "(" * depth + "1" + ")" * depth + ") }",
    ):
        response = client.post("/sparql", data={"query": query})
        if depth <= 64 and served(app).engine in ("oxigraph", "oxigraph-disk", "remote"):
            assert response.status_code == 200
        else:
            assert "nest" in error_of(response, 400)["message"]
    assert runner.load()["died"] == died

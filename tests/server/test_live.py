"""The real ``kg serve`` on a free loopback port, queried over HTTP by real clients.

SPARQLWrapper (JSON results, Turtle graphs, its format parameters), rdflib's
SPARQLStore (GET, POST and form POST; default-graph-uri from a graph's
identifier), plain HTTP for the HTTP-citizen parts and the access log, the
safety tests once more over the network, and the timeout: a cartesian
product is stopped, its CPU freed, while /healthz and a small query answer
within a second.
"""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.error import HTTPError

import httpx
import pytest
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import JSON, POST, TURTLE, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from cahr.dist import read_manifest
from cahr.iris import CAHR
from cahr.store import open_store
from tests.server.conftest import LIVE_TIMEOUT, Listener, LiveServer
from tests.server.helpers import (
    CARTESIAN,
    CONSTRUCT,
    COUNT_ALL,
    DIALOGUE,
    SMALL,
    cpu_seconds,
    descendants,
)

pytestmark = pytest.mark.server


def _wrapper(server: LiveServer, query: str, fmt: str, method: str = "GET") -> SPARQLWrapper:
    client = SPARQLWrapper(server.url + "/sparql")
    client.setQuery(query)
    client.setReturnFormat(fmt)
    client.setMethod(method)
    return client


def test_the_server_is_alive_and_serves_the_build(live_server: LiveServer, dist: Path) -> None:
    assert live_server.process.poll() is None
    health = live_server.healthz()
    assert health["status"] == "ok"
    assert health["build_id"] == read_manifest(dist)["build_id"]


@pytest.mark.parametrize("method", ["GET", POST])
def test_sparqlwrapper_json_results(live_server: LiveServer, dist: Path, method: str) -> None:
    result = _wrapper(live_server, COUNT_ALL, JSON, method).queryAndConvert()
    assert isinstance(result, dict)
    [row] = result["results"]["bindings"]
    assert int(row["n"]["value"]) == read_manifest(dist)["union_triples"]
    rows = _wrapper(live_server, SMALL, JSON, method).queryAndConvert()["results"]["bindings"]
    assert len(rows) == 5 and all(r["s"]["type"] == "uri" for r in rows)
    ask = _wrapper(
        live_server, "ASK { ?s a <https://w3id.org/cahr/ontology#Decree> }", JSON, method
    )
    assert ask.queryAndConvert()["boolean"] is True


def test_sparqlwrapper_turtle_graph(live_server: LiveServer, dist: Path) -> None:
    client = _wrapper(live_server, CONSTRUCT, TURTLE)
    response = client.query()
    assert response.response.headers["Content-Type"].startswith("text/turtle")
    graph = Graph().parse(data=response.convert(), format="turtle")
    expected = Graph()
    for triple in open_store(dist).query(CONSTRUCT).triples:  # type: ignore[union-attr]
        expected.add(triple)
    assert len(graph) > 10 and isomorphic(graph, expected)


def test_sparqlwrapper_errors(live_server: LiveServer) -> None:
    with pytest.raises(QueryBadFormed, match="line 1"):
        _wrapper(live_server, "SELECT * WHERE { ?s ?p }", JSON).query()
    update = _wrapper(live_server, "INSERT DATA { <urn:a> <urn:b> <urn:c> }", JSON, POST)
    with pytest.raises(HTTPError) as refused:  # SPARQLWrapper passes a 403 through as it is
        update.query()
    assert refused.value.code == 403 and b"read-only" in refused.value.read()
    assert (
        _wrapper(live_server, "ASK { <urn:a> ?p ?o }", JSON).queryAndConvert()["boolean"] is False
    )


@pytest.mark.parametrize("method", ["GET", "POST", "POST_FORM"])
def test_rdflib_sparqlstore(live_server: LiveServer, dist: Path, method: str) -> None:
    local = open_store(dist)
    store = SPARQLStore(live_server.url + "/sparql", method=method)
    graph = Graph(store)
    decrees = set(graph.subjects(RDF.type, CAHR.Decree))
    assert decrees and decrees == {q[0] for q in local.quads(None, RDF.type, CAHR.Decree)}
    rows = list(graph.query("SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p"))
    assert sum(int(n) for _, n in rows) == read_manifest(dist)["union_triples"]
    # A graph with an IRI for identifier sends it as default-graph-uri.
    dialogue = Graph(store, identifier=URIRef(DIALOGUE))
    assert len(dialogue) == read_manifest(dist)["graphs"][DIALOGUE]
    store.close()


def test_http_behaviours_over_the_network(live_server: LiveServer) -> None:
    url = live_server.url + "/sparql"
    with httpx.Client(timeout=10) as client:
        big = client.get(
            url,
            params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 500"},
            headers={"Accept-Encoding": "gzip"},
        )
        assert big.headers["Content-Encoding"] == "gzip"
        # Content-Length counts the compressed bytes; httpx hands over the decompressed ones.
        assert int(big.headers["Content-Length"]) < len(big.content) / 3
        assert len(big.json()["results"]["bindings"]) == 500
        etag = big.headers["ETag"]
        again = client.get(
            url,
            params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 500"},
            headers={"If-None-Match": etag, "Accept-Encoding": "gzip"},
        )
        assert again.status_code == 304 and again.content == b""
        preflight = client.options(
            url, headers={"Origin": "https://example.org", "Access-Control-Request-Method": "POST"}
        )
        assert preflight.status_code == 200
        assert preflight.headers["Access-Control-Allow-Origin"] == "*"
        huge = client.post(url, data={"query": "ASK {} #" + "x" * 1_100_000})
        assert huge.status_code == 413 and "max_request_bytes" in huge.json()["error"]["message"]


def test_one_access_log_line_per_request(live_server: LiveServer) -> None:
    marker = f"/no-such-page-{time.time_ns()}"
    httpx.get(live_server.url + marker, timeout=5)
    deadline = time.monotonic() + 5
    pattern = re.compile(rf'"GET {marker}" 404 \d+B \d+\.\dms')
    while not pattern.search(live_server.log_text()):
        assert time.monotonic() < deadline, live_server.log_text()[-2000:]
        time.sleep(0.05)
    assert len(pattern.findall(live_server.log_text())) == 1


def test_no_request_makes_the_real_server_connect(
    live_server: LiveServer, listener: Listener
) -> None:
    url = live_server.url + "/sparql"
    queries = [
        {"query": f"SELECT * WHERE {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}"},
        {"query": f"SELECT * FROM <{listener.url}g.ttl> WHERE {{ ?s ?p ?o }}"},
        {"query": f"SELECT * FROM NAMED <{listener.url}g.ttl> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"},
        {"query": COUNT_ALL, "default-graph-uri": f"{listener.url}g.ttl"},
        {"query": COUNT_ALL, "named-graph-uri": f"{listener.url}g.ttl"},
        {"update": f"LOAD <{listener.url}g.ttl>"},
    ]
    for params in queries:
        assert httpx.get(url, params=params, timeout=5).status_code == 403
        assert httpx.post(url, data=params, timeout=5).status_code == 403
    time.sleep(0.3)
    assert listener.connections == []


def _tree_cpu(root: int, seconds: float) -> float:
    """CPU seconds the process tree under ``root`` used during the next ``seconds``."""
    before = cpu_seconds(descendants(root))
    time.sleep(seconds)
    after = cpu_seconds(descendants(root))
    return sum(after[pid] - before.get(pid, 0.0) for pid in after)


def test_the_timeout_stops_a_cartesian_product(live_server: LiveServer) -> None:
    url, root = live_server.url, live_server.process.pid
    idle = _tree_cpu(root, 0.5)
    with ThreadPoolExecutor(1) as pool:
        started = time.monotonic()
        heavy = pool.submit(httpx.post, url + "/sparql", data={"query": CARTESIAN}, timeout=30)
        time.sleep(0.3)
        busy = _tree_cpu(root, 0.5)
        for path, params in (("/healthz", None), ("/sparql", {"query": SMALL})):
            asked = time.monotonic()
            response = httpx.get(url + path, params=params, timeout=1)
            assert response.status_code == 200 and time.monotonic() - asked < 1
        response = heavy.result()
        elapsed = time.monotonic() - started
    assert response.status_code == 503
    error = response.json()["error"]
    assert error["message"] == (
        f"the query ran longer than the limit of {LIVE_TIMEOUT} s and was stopped"
    )
    assert error["limit_seconds"] == LIVE_TIMEOUT
    assert LIVE_TIMEOUT <= elapsed < LIVE_TIMEOUT + 1.5
    # The stopped query's process is replaced, and the new one loads the build: the
    # tree settles within seconds, and stays idle for a whole second.
    settle = time.monotonic() + 10
    after = _tree_cpu(root, 1.0)
    while after >= min(0.1, busy / 2) and time.monotonic() < settle:
        after = _tree_cpu(root, 1.0)
    print(
        f"CPU of the server's process tree: idle {idle:.2f} s per 0.5 s; during the query "
        f"{busy:.2f} s per 0.5 s; after the 503 {after:.2f} s per 1 s"
    )
    # The query burned CPU (a whole core when the machine is otherwise idle)...
    assert busy >= 0.1
    # ...and once it is stopped, nothing does: the server's tree is idle again.
    assert after < min(0.1, busy / 2)
    assert httpx.get(url + "/sparql", params={"query": COUNT_ALL}, timeout=5).status_code == 200

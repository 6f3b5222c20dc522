"""The remote store (``cahr/store/remote.py``) against a real Oxigraph server loaded from dist/.

The same answers as the embedded store, its errors mapped (400 to a syntax
error, silence to a timeout, a refused connection to 503), a server holding
other data refused at start, and nothing refused ever reaching the server (a
recording proxy stands between). The protocol tests run on this store too
(``tests/server/conftest.py``), and the competency questions, directly and
through ``kg serve --store`` (``test_competency_remote.py``).
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from rdflib import BNode, URIRef

from cahr.cli import main
from cahr.dist import read_manifest
from cahr.errors import (
    InputError,
    QueryRefused,
    QuerySyntaxError,
    QueryTimeout,
    StoreUnavailable,
)
from cahr.server import create_app
from cahr.server.web.cache import HEADER
from cahr.store import Boolean, Solutions, Store, Triples, open_store
from cahr.store.remote import RemoteStore
from tests.remote.oxigraph import load, running
from tests.server.conftest import served
from tests.server.helpers import CONSTRUCT, DECREE, DIALOGUE, error_of

TOKAYEV = URIRef("https://w3id.org/cahr/id/kassym-jomart-tokayev")
LABEL = URIRef("http://www.w3.org/2000/01/rdf-schema#label")
ONTOLOGY = "https://w3id.org/cahr/graph/ontology"


@pytest.fixture(scope="module")
def remote(remote_endpoint: str, dist: Path) -> RemoteStore:
    store = open_store(dist, remote=remote_endpoint, timeout=10)
    assert isinstance(store, RemoteStore)
    return store


@pytest.fixture(scope="module")
def embedded(dist: Path) -> Store:
    return open_store(dist)


def _rows(store: Store, text: str, **dataset: Any) -> list[tuple[str, ...]]:
    """A result as sortable text, blank nodes made alike (their labels are the store's own)."""
    result = store.query(text, **dataset)
    if isinstance(result, Boolean):
        return [(str(result.value),)]
    items = result.rows if isinstance(result, Solutions) else result.triples
    assert isinstance(result, Solutions | Triples)
    return sorted(tuple("_:b" if isinstance(t, BNode) else str(t) for t in item) for item in items)


@pytest.mark.parametrize(
    ("text", "dataset"),
    [
        ("SELECT ?s ?p ?o WHERE { ?s ?p ?o }", {}),
        ("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g", {}),
        ("ASK { ?s a <https://w3id.org/cahr/ontology#Decree> }", {}),
        ("ASK { ?s a <https://w3id.org/cahr/ontology#Nothing> }", {}),
        (CONSTRUCT, {}),
        (f"DESCRIBE <{TOKAYEV}>", {}),
        ("SELECT * WHERE { ?s ?p ?o }", {"default_graphs": [DECREE], "named_graphs": []}),
        (
            "SELECT ?g ?s WHERE { GRAPH ?g { ?s a ?c } }",
            {"default_graphs": [], "named_graphs": [DIALOGUE, DECREE]},
        ),
        ("SELECT ?s WHERE { ?s ?p ?o }", {"default_graphs": [], "named_graphs": [DIALOGUE]}),
    ],
)
def test_the_remote_store_answers_as_the_embedded_one(
    remote: RemoteStore, embedded: Store, text: str, dataset: dict[str, list[str]]
) -> None:
    assert _rows(remote, text, **dataset) == _rows(embedded, text, **dataset)


def test_the_build_comes_from_the_local_manifest(remote: RemoteStore, dist: Path) -> None:
    manifest = read_manifest(dist)
    assert remote.build_id == manifest["build_id"]
    assert remote.graphs() == sorted(manifest["graphs"]) == open_store(dist).graphs()
    assert len(remote) == sum(manifest["graphs"].values())


@pytest.mark.parametrize(
    "pattern",
    [
        {"subject": TOKAYEV},
        {"obj": TOKAYEV},
        {"subject": TOKAYEV, "predicate": LABEL},
        {"predicate": LABEL, "graph": DIALOGUE},
        {"graph": ONTOLOGY},
    ],
    ids=["subject", "object", "subject-predicate", "predicate-graph", "graph"],
)
def test_quads_match_the_embedded_store(
    remote: RemoteStore, embedded: Store, pattern: dict[str, Any]
) -> None:
    def text(store: Store) -> list[tuple[str, ...]]:
        found = store.quads(**pattern)
        return sorted(tuple("_:b" if isinstance(t, BNode) else str(t) for t in q) for q in found)

    assert text(remote) == text(embedded) != []


def test_quads_about_a_blank_node(remote: RemoteStore) -> None:
    """A blank node cannot be named in a query: asked by variable, kept by label."""
    everything = list(remote.quads(graph=ONTOLOGY))
    blanks = {q[0] for q in everything if isinstance(q[0], BNode)}
    assert blanks
    for node in sorted(blanks)[:5]:
        assert sorted(remote.quads(node, graph=ONTOLOGY)) == sorted(
            q for q in everything if q[0] == node
        )
        assert set(remote.quads(node)) >= {q for q in everything if q[0] == node}


def test_the_servers_400_is_a_syntax_error_with_its_position(
    remote: RemoteStore, request: pytest.FixtureRequest
) -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        remote.query("SELECT ?s WHERE { ?s ?p }")
    if request.node.callspec.params["remote_endpoint"] == "virtuoso":
        # Virtuoso says "SPARQL compiler, line 1: syntax error at ..." (no column); kg serve
        # never shows it: the vetting reports Oxigraph's error before a store is asked.
        assert "syntax error" in caught.value.message
    else:
        assert (caught.value.line, caught.value.column) == (1, 26)
    with pytest.raises(QueryRefused, match="never updates"):
        remote.query("INSERT DATA { <urn:a> <urn:b> <urn:c> }")


def test_a_silent_server_is_a_timeout(dist: Path) -> None:
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(4)  # connections are queued, never answered
    try:
        store = RemoteStore(f"http://127.0.0.1:{silent.getsockname()[1]}/query", dist, timeout=1)
        started = time.monotonic()
        with pytest.raises(QueryTimeout):
            store.query("ASK {}")
        assert 0.9 < time.monotonic() - started < 5
    finally:
        silent.close()


def _closed_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port: int = sock.getsockname()[1]
    sock.close()
    return port


def test_no_server_is_a_clear_error_at_start(
    dist: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/query"
    with pytest.raises(StoreUnavailable, match="cannot be reached"):
        RemoteStore(url, dist).query("ASK {}")
    with pytest.raises(StoreUnavailable, match=url):
        create_app({"dist": str(dist), "store": url})
    assert main(["serve", "--dist", str(dist), "--store", url]) == 3
    assert f"the remote store {url} cannot be reached" in capsys.readouterr().err
    with pytest.raises(InputError, match="not an http"):
        RemoteStore("file:///etc/passwd", dist)


def test_a_server_holding_a_repeating_union_is_refused(
    dist: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Oxigraph's --union-default-graph repeats triples that several graphs hold (BRIEF)."""
    load(dist, tmp_path / "db", union=False)
    with running(tmp_path / "db", "--union-default-graph") as server:
        with pytest.raises(InputError, match="load union.nt into its default graph"):
            RemoteStore(server.query_url, dist).check()
        assert main(["serve", "--dist", str(dist), "--store", server.query_url]) == 2
    assert "rather than using a union-default-graph option" in capsys.readouterr().err


def test_a_server_holding_another_build_is_refused(dist: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    lines = (dist / "dataset.nq").read_text(encoding="utf-8").splitlines(True)
    (other / "dataset.nq").write_text("".join(x for x in lines if f"<{DIALOGUE}> ." in x))
    load(other, tmp_path / "db", union=False)
    with running(tmp_path / "db") as server:
        with pytest.raises(InputError, match=f"does not hold build .*<{ONTOLOGY}> has 0 triples"):
            RemoteStore(server.query_url, dist).check()


# -- everything of ours stays in front --------------------------------------------------


class _Recorder(BaseHTTPRequestHandler):
    """Forwards every request to the upstream server and records what it was sent."""

    upstream = ""
    seen: list[str] = []
    # Changes the upstream's answer (body, Content-Type) before it is passed on.
    rewrite: Callable[[bytes, str], bytes] = staticmethod(lambda data, media_type: data)
    # The Accept header sent upstream instead of the store's own (None: the store's).
    accept: str | None = None

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        # The store sends its queries as a form (SPARQL 1.1 Protocol 2.1.2).
        self.seen.append(urllib.parse.parse_qs(body.decode("ascii"))["query"][0])
        query = self.path.partition("?")[2]
        request = urllib.request.Request(
            self.upstream + ("?" + query if query else ""),
            data=body,
            headers={
                k: v for k, v in self.headers.items() if k.lower() in ("content-type", "accept")
            },
        )
        if self.accept is not None:
            request.add_header("Accept", self.accept)
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                status, headers, data = answer.status, answer.headers, answer.read()
        except urllib.error.HTTPError as exc:
            status, headers, data = exc.code, exc.headers, exc.read()
        data = self.rewrite(data, headers.get("Content-Type", ""))
        self.send_response(status)
        self.send_header("Content-Type", headers.get("Content-Type", "text/plain"))
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@contextlib.contextmanager
def _proxy(upstream: str, **changes: Any) -> Iterator[tuple[str, list[str]]]:
    """A recording proxy in front of ``upstream``: its URL and the queries it passed
    (``changes``: a ``rewrite`` of the answers, an ``accept`` sent in place of the store's)."""
    seen: list[str] = []
    handler = type("Recorder", (_Recorder,), {"upstream": upstream, "seen": seen, **changes})
    proxy = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{proxy.server_address[1]}/query", seen
    finally:
        proxy.shutdown()
        proxy.server_close()
        thread.join()


@pytest.fixture
def recorded(oxigraph_endpoint: str) -> Iterator[tuple[str, list[str]]]:
    with _proxy(oxigraph_endpoint) as found:
        yield found


def _fresh_blank_labels(data: bytes, media_type: str) -> bytes:
    """Label the blank nodes of each answer b0, b1, ... as they first appear (Jena's default)."""
    if not media_type.startswith("application/sparql-results+json"):
        return data
    answer = json.loads(data)
    labels: dict[str, str] = {}
    for binding in answer.get("results", {}).get("bindings", []):
        for value in binding.values():
            if value["type"] == "bnode":
                value["value"] = labels.setdefault(value["value"], f"b{len(labels)}")
    return json.dumps(answer).encode("utf-8")


def test_a_server_that_labels_blank_nodes_afresh_is_refused(
    oxigraph_endpoint: str, dist: Path
) -> None:
    RemoteStore(oxigraph_endpoint, dist).check()  # Oxigraph keeps its labels
    with _proxy(oxigraph_endpoint, rewrite=staticmethod(_fresh_blank_labels)) as (url, _):
        with pytest.raises(InputError, match="labels blank nodes afresh in each answer"):
            RemoteStore(url, dist).check()


def test_an_answer_in_sparql_xml_is_refused(oxigraph_endpoint: str, dist: Path) -> None:
    """An endpoint that ignores Accept and answers in SPARQL XML is a broken store, not read:
    pyoxigraph's XML results parser trims the white space at either end of a literal (an
    attestation's oa:prefix begins with a newline), so the answer would be silently wrong."""
    xml = "application/sparql-results+xml"
    with _proxy(oxigraph_endpoint, accept=xml) as (url, _):
        store = RemoteStore(url, dist)
        for text in ("SELECT ?s WHERE { ?s ?p ?o } LIMIT 1", "ASK { ?s ?p ?o }"):
            with pytest.raises(StoreUnavailable, match=f"answered in {re.escape(xml)}, not in"):
                store.query(text)
    assert RemoteStore(oxigraph_endpoint, dist).query("ASK { ?s ?p ?o }") == Boolean(True)


def test_the_server_never_sees_a_refused_query(
    make_app: Callable[..., Flask], recorded: tuple[str, list[str]]
) -> None:
    url, seen = recorded
    client = make_app(store=url).test_client()
    seen.clear()  # the check at start
    refused = {
        403: [
            {"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"},
            {"update": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"},
            {"query": "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }"},
            {"query": "ASK {}", "default-graph-uri": "http://example.org/elsewhere"},
        ],
        400: [{"query": "SELECT ?s WHERE { ?s ?p }"}, {"query": "SELECT * WHERE " + "{" * 70}],
    }
    for status, requests in refused.items():
        for data in requests:
            error_of(client.post("/sparql", data=data), status)
    assert seen == []
    good = {"query": "SELECT ?s WHERE { ?s a <https://w3id.org/cahr/ontology#Decree> }"}
    first, second = (client.post("/sparql", data=good) for _ in range(2))
    assert (first.headers[HEADER], second.headers[HEADER]) == ("miss", "hit")
    assert first.data == second.data and first.get_json()["results"]["bindings"]
    assert seen == [good["query"]]  # once: the second answer came from the cache


def test_the_row_cap_stops_reading_the_server(
    make_app: Callable[..., Flask], remote_endpoint: str
) -> None:
    client = make_app(store=remote_endpoint, max_rows=7).test_client()
    cut = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert len(cut.get_json()["results"]["bindings"]) == 7
    assert (cut.headers["X-CAHR-Truncated"], cut.headers["X-CAHR-Rows"]) == ("true", "7")


def test_a_server_that_goes_away_is_503_with_retry_after(
    make_app: Callable[..., Flask], dist: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    load(dist, tmp_path / "db")
    with running(tmp_path / "db") as server:
        app = make_app(store=server.query_url)
        client = app.test_client()
        assert client.get("/sparql", query_string={"query": "ASK {}"}).status_code == 200
    assert served(app).engine == "remote"
    for path in ("/sparql?query=ASK%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D", "/id/kassym-jomart-tokayev"):
        gone = client.get(path)
        error = error_of(gone, 503)
        assert gone.headers["Retry-After"] == "5"
        assert "could not be reached" in error["message"]
        assert server.query_url not in gone.get_data(as_text=True)  # for the log only
    assert server.query_url in caplog.text

"""Issue #11, points 1, 2 and 5: vetting on the parse, a network-less query process, the base IRI.

Every attack form below was written to slip past a vetting that reads the raw
text's tokens (as ``cahr.query`` did): SPARQL escapes in keywords and IRIs,
prefixed names with reserved-character escapes, comments and strings that
hide or fake keywords, SERVICE with a variable, in every nesting, updates
spelled with escapes. Each is sent to the real ``kg serve`` with a loopback
listener as the target, and must be refused while the listener sees nothing.
Then the vetting is turned off (from Python only) to prove that the query
processes cannot connect anyway.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cahr.errors import QueryRefused, QuerySyntaxError
from cahr.query import vet
from cahr.server.protocol.runner import NETWORK_REFUSED, Job, QueryRunner
from tests.server.conftest import Listener, LiveServer

GRAPHS = ["https://w3id.org/cahr/graph/ontology"]
TARGET = "http://127.0.0.1:{port}/"
# How many attack forms there are: the list cannot shrink silently.
ATTACKS = 40


def attacks(url: str) -> list[str]:
    """Queries that would make a naive endpoint open a connection to ``url`` (or write)."""
    host = url.removeprefix("http://").rstrip("/")
    esc_iri = url.replace(":", r"\u003A").replace("/", r"\u002F")
    return [
        # \u escapes in the keyword, 4 and 8 digits, any case of the hex digits
        rf"SELECT * WHERE {{ \u0053ERVICE <{url}> {{ ?s ?p ?o }} }}",
        rf"SELECT * WHERE {{ \U00000053ERVICE <{url}> {{ ?s ?p ?o }} }}",
        rf"SELECT * WHERE {{ \u0073\u0065rvice <{url}> {{ ?s ?p ?o }} }}",
        rf"SELECT * WHERE {{ SERVIC\u0045 SILENT <{url}> {{ ?s ?p ?o }} }}",
        # escapes inside the SERVICE IRI, and a whole escaped IRI
        rf"SELECT * WHERE {{ SERVICE <http\u003a//{host}/> {{ ?s ?p ?o }} }}",
        rf"SELECT * WHERE {{ SERVICE <{esc_iri}> {{ ?s ?p ?o }} }}",
        rf"SELECT * WHERE {{ SERVICE \u003C{url}\u003E {{ ?s ?p ?o }} }}",
        # prefixed names with reserved-character escapes: a fake string, a fake comment
        rf"PREFIX ex: <http://example.org/> SELECT * WHERE {{ ?s ex:a\'b ?o . "
        rf"SERVICE <{url}> {{ ?s ?p ?o }} }} # '",
        rf"PREFIX ex: <http://example.org/> SELECT * WHERE {{ ?s ex:a\#b ?o . "
        rf"SERVICE <{url}> {{ ?s ?p ?o }} }}",
        # a variable endpoint, bound by VALUES or BIND, SILENT or not
        f"SELECT * WHERE {{ SERVICE ?e {{ ?s ?p ?o }} VALUES ?e {{ <{url}> }} }}",
        f"SELECT * WHERE {{ BIND(<{url}> AS ?e) SERVICE SILENT ?e {{ ?s ?p ?o }} }}",
        "SELECT * WHERE { SERVICE ?e { ?s ?p ?o } }",
        # prefixed-name and BASE-relative endpoints
        f"PREFIX r: <{url}> SELECT * WHERE {{ SERVICE r:sparql {{ ?s ?p ?o }} }}",
        f"BASE <{url}> SELECT * WHERE {{ SERVICE <sparql> {{ ?s ?p ?o }} }}",
        rf"PREFIX r: <{url}> SELECT * WHERE {{ SERVICE r:\u0073parql {{ ?s ?p ?o }} }}",
        # in every context a group graph pattern can nest in
        f"SELECT * WHERE {{ {{ SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }} }}",
        f"SELECT * WHERE {{ ?s ?p ?o OPTIONAL {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
        f"SELECT * WHERE {{ {{ ?s ?p ?o }} UNION {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
        f"SELECT * WHERE {{ ?s ?p ?o MINUS {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
        f"SELECT * WHERE {{ ?s ?p ?o FILTER EXISTS {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
        f"SELECT * WHERE {{ ?s ?p ?o FILTER NOT EXISTS {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
        f"SELECT * WHERE {{ GRAPH ?g {{ SERVICE <{url}> {{ ?s <p>/<q>* ?o }} }} }}",
        f"ASK {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
        f"DESCRIBE ?s WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
        # comments between tokens, a comment ended by a lone CR, keywords in any case
        f"SELECT * WHERE {{ #x\n SeRvIcE #y\n <{url}> #z\n {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ ?s ?p ?o # hidden?\rSERVICE <{url}> {{ ?s ?p ?o }} \n}}",
        f'SELECT * WHERE {{ ?s ?p "# not a comment" . SERVICE <{url}> {{ ?s ?p ?o }} }}',
        f"SELECT * WHERE {{ ?s ?p '''\n''' . SERVICE <{url}> {{ ?s ?p ?o }} }}",
        # an escaped backslash that a second decoding would turn into an escape
        rf"SELECT * WHERE {{ \u005Cu0053ERVICE <{url}> {{ ?s ?p ?o }} }}",
        # outside graphs, spelled with escapes, prefixes, BASE
        rf"SELECT * \u0046ROM <{url}g> WHERE {{ ?s ?p ?o }}",
        rf"SELECT * FROM <http\u003A//{host}/g> WHERE {{ ?s ?p ?o }}",
        f"SELECT * FROM NAMED <{url}g> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        f"BASE <{url}> SELECT * FROM <g.ttl> WHERE {{ ?s ?p ?o }}",
        f"PREFIX r: <{url}> ASK FROM r:g {{ ?s ?p ?o }}",
        # updates spelled with escapes, in any case, after a query, several at once
        r"\u0049NSERT DATA { <urn:a> <urn:b> <urn:c> }",
        rf"L\u004FAD <{url}g.ttl>",
        f"load <{url}g.ttl> ; DROP ALL",
        f"SELECT * WHERE {{ ?s ?p ?o }} ; LOAD <{url}g.ttl>",
        "# only a comment\n\\u0044ELETE WHERE { ?s ?p ?o }",
    ]


def refused(text: str) -> None:
    """Assert that vetting ``text`` raises (and so that nothing evaluates it)."""
    with pytest.raises((QueryRefused, QuerySyntaxError)):
        vet(text, GRAPHS, base_iri="http://127.0.0.1:8000/sparql")


@pytest.mark.parametrize("index", range(ATTACKS))
def test_every_attack_form_is_refused_by_the_vetting(index: int) -> None:
    forms = attacks(TARGET.format(port=9))
    assert len(forms) == ATTACKS
    refused(forms[index])


def test_keywords_in_strings_and_comments_are_not_refused() -> None:
    text = (
        'SELECT * WHERE { ?s ?p "SERVICE <http://127.0.0.1:9/> INSERT DATA FROM" . '
        "# SERVICE <http://127.0.0.1:9/> { } LOAD <x>\n"
        "?s <http://example.org/SERVICE> ?o }"
    )
    info = vet(text, GRAPHS)
    assert info.form == "SELECT" and info.from_graphs == []


def _spell(word: str, cases: list[bool], escaped: list[bool]) -> str:
    out = []
    for char, upper, esc in zip(word, cases, escaped, strict=False):
        char = char.upper() if upper else char.lower()
        out.append(f"\\u{ord(char):04X}" if esc else char)
    return "".join(out)


_gap = st.sampled_from([" ", "\n", "\t", "\r\n", " # note\n", "\r#c\r", "  "])
_flags = st.lists(st.booleans(), min_size=7, max_size=7)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    cases=_flags,
    escaped=_flags,
    gaps=st.lists(_gap, min_size=4, max_size=4),
    silent=st.booleans(),
    endpoint=st.sampled_from(
        ["<http://127.0.0.1:9/>", "?e", "r:x", "<x>", "<http\\u003A//127.0.0.1:9/>"]
    ),
    context=st.sampled_from(
        [
            "{}",
            "OPTIONAL {}",
            "{ ?a ?b ?c } UNION {}",
            "MINUS {}",
            "FILTER EXISTS {}",
            "{ SELECT * WHERE {} }",
        ]
    ),
)
def test_equivalent_spellings_of_service_are_all_refused(
    cases: list[bool],
    escaped: list[bool],
    gaps: list[str],
    silent: bool,
    endpoint: str,
    context: str,
) -> None:
    keyword = _spell("SERVICE", cases, escaped)
    service = (
        f"{keyword}{gaps[0]}{'SILENT' + gaps[1] if silent else ''}{endpoint}{gaps[2]}{{ ?s ?p ?o }}"
    )
    text = (
        f"PREFIX r: <http://127.0.0.1:9/>{gaps[3]}SELECT * WHERE {{ ?s ?p ?o "
        + context.replace("{}", "{ " + service + " }", 1)
        + " }"
    )
    with pytest.raises(QueryRefused, match="SERVICE"):
        vet(text, GRAPHS, base_iri="http://127.0.0.1:8000/sparql")


@settings(max_examples=200, deadline=None)
@given(
    word=st.sampled_from(["INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE"]),
    cases=_flags,
    escaped=_flags,
    gap=_gap,
)
def test_equivalent_spellings_of_updates_are_all_refused(
    word: str, cases: list[bool], escaped: list[bool], gap: str
) -> None:
    rest = {
        "INSERT": "DATA { <urn:a> <urn:b> <urn:c> }",
        "DELETE": "WHERE { ?s ?p ?o }",
        "LOAD": "<http://127.0.0.1:9/g>",
        "CLEAR": "ALL",
        "DROP": "ALL",
        "CREATE": "GRAPH <urn:g>",
    }[word]
    with pytest.raises(QueryRefused, match="read-only"):
        vet(f"{gap}{_spell(word, cases, escaped)}{gap}{rest}", GRAPHS)


def _wait_for_nothing(listener: Listener) -> None:
    time.sleep(0.5)  # a connection, if any, would have been made by now
    assert listener.connections == []


def test_the_real_server_refuses_every_form_and_connects_nowhere(
    live_server: LiveServer, listener: Listener
) -> None:
    url = live_server.url + "/sparql"
    statuses = []
    with httpx.Client(timeout=10) as http:
        for text in attacks(listener.url):
            for response in (
                http.get(url, params={"query": text}),
                http.post(url, data={"query": text}),
                http.post(
                    url, content=text.encode(), headers={"Content-Type": "application/sparql-query"}
                ),
            ):
                statuses.append(response.status_code)
                assert response.status_code in (400, 403), (text, response.text)
                assert response.json()["error"]["message"]
    assert len(statuses) == 3 * ATTACKS
    _wait_for_nothing(listener)


def test_validators_that_match_never_skip_the_vetting(
    live_server: LiveServer, listener: Listener
) -> None:
    """Point 2 and the 304: an ETag is the build's (the same for every SELECT answer in
    one media type), so a client holding any answer's tag could ask a forbidden query
    with it. The answer must still be the 403 (400 for a text that does not parse)."""
    url = live_server.url + "/sparql"
    outside = "https://example.org/graph/elsewhere"
    forbidden = {
        f"SELECT * WHERE {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}": 403,
        f"SELECT * WHERE {{ \\u0053ERVICE <{listener.url}> {{ ?s ?p ?o }} }}": 403,
        f"SELECT * FROM <{outside}> WHERE {{ ?s ?p ?o }}": 403,
        f"SELECT * FROM NAMED <{outside}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}": 403,
        "INSERT DATA { <urn:a> <urn:b> <urn:c> }": 403,
        "SELECT * WHERE { ?s ?p": 400,
    }
    with httpx.Client(timeout=20) as http:
        allowed = http.get(url, params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1"})
        assert allowed.status_code == 200
        etag, modified = allowed.headers["ETag"], allowed.headers["Last-Modified"]
        # The validators do hold for an allowed query: 304 without a body.
        again = http.get(url, params={"query": "ASK { ?s ?p ?o }"}, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.content == b""
        for text, status in forbidden.items():
            for headers in (
                {"If-None-Match": etag},
                {"If-None-Match": "*"},
                {"If-Modified-Since": modified},
                {"If-Match": '"an-old-tag"'},
            ):
                for method in ("GET", "HEAD"):
                    response = http.request(method, url, params={"query": text}, headers=headers)
                    assert response.status_code == status, (text, headers, method)
                    if method == "GET":
                        assert response.json()["error"]["message"], (text, headers)
    _wait_for_nothing(listener)


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_with_the_vetting_off_the_query_process_still_cannot_connect(
    dist: Path, listener: Listener, engine: str
) -> None:
    """Point 2: a SERVICE query that slipped past the vetting meets the seccomp filter."""
    runner = QueryRunner(dist, engine, timeout=10, size=1)
    try:
        for text in (
            f"SELECT * WHERE {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}",
            f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}",
        ):
            with pytest.raises(QueryRefused) as refusal:
                runner.run(Job(text, vet=False))
            message = str(refusal.value)
            assert message == NETWORK_REFUSED or "SERVICE is not allowed" in message, message
        # SILENT turns the failure into no solutions (SPARQL 1.1 Federated Query, 4): the
        # query answers, and still no connection was made.
        silent = f"SELECT * WHERE {{ SERVICE SILENT <{listener.url}> {{ ?s ?p ?o }} }}"
        if engine == "oxigraph":
            assert runner.run(Job(silent, vet=False)).rows == 1  # the one empty solution
        # The same process still answers an ordinary query.
        assert runner.run(Job("ASK { ?s ?p ?o }", vet=False)).rows == 1
    finally:
        runner.close()
    _wait_for_nothing(listener)


def test_with_the_vetting_off_oxigraph_meets_the_filter(dist: Path, listener: Listener) -> None:
    """Oxigraph has no hook to refuse SERVICE: the refusal is the kernel's."""
    runner = QueryRunner(dist, "oxigraph", timeout=10, size=1)
    try:
        with pytest.raises(QueryRefused, match="cannot open any"):
            runner.run(
                Job(f"SELECT * WHERE {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}", vet=False)
            )
    finally:
        runner.close()
    _wait_for_nothing(listener)


def kg(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cahr.cli", *args], capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_kg_query_refuses_escaped_service_on_every_engine(
    dist: Path, listener: Listener, engine: str
) -> None:
    for text in (
        rf"SELECT * WHERE {{ \u0053ERVICE <{listener.url}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE ?e {{ ?s ?p ?o }} VALUES ?e {{ <{listener.url}> }} }}",
    ):
        result = kg("query", "--dist", str(dist), "--engine", engine, text)
        assert result.returncode == 2, result.stderr
        assert "SERVICE is not allowed" in result.stderr
    _wait_for_nothing(listener)


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib", "remote"])
def test_relative_iris_resolve_against_the_service_iri(
    make_app, request: pytest.FixtureRequest, engine: str
) -> None:  # type: ignore[no-untyped-def]
    """Point 5: without BASE, ``<x>`` is relative to the URL the query was sent to."""
    if engine == "remote":
        settings = {"store": request.getfixturevalue("oxigraph_endpoint")}
    else:
        settings = {"engine": engine}
    client = make_app(**settings).test_client()
    response = client.get("/sparql", query_string={"query": "SELECT ?v WHERE { BIND(<x> AS ?v) }"})
    assert response.status_code == 200, response.get_data(as_text=True)
    [binding] = response.get_json()["results"]["bindings"]
    assert binding["v"]["value"] == "http://localhost/x"
    based = client.get(
        "/sparql",
        query_string={"query": "BASE <http://example.org/b/> SELECT ?v WHERE { BIND(<x> AS ?v) }"},
    )
    assert based.get_json()["results"]["bindings"][0]["v"]["value"] == "http://example.org/b/x"


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_kg_query_resolves_relative_iris_against_the_w3id_service(dist: Path, engine: str) -> None:
    result = kg(
        "query",
        "--dist",
        str(dist),
        "--engine",
        engine,
        "--format",
        "json",
        "SELECT ?v WHERE { BIND(<id/kazakhstan> AS ?v) }",
    )
    assert result.returncode == 0, result.stderr
    [binding] = json.loads(result.stdout)["results"]["bindings"]
    assert binding["v"]["value"] == "https://w3id.org/cahr/id/kazakhstan"


def _connect(listener_port: int) -> None:
    import socket

    with socket.create_connection(("127.0.0.1", listener_port), timeout=2):
        pass


def test_oxigraphs_second_opinion_runs_only_off_the_network(listener: Listener) -> None:
    """A remote store's query process keeps its sockets: Oxigraph's syntax check of an
    unvetted text (which evaluates it) runs in a forked process behind the filter."""
    from cahr.sandbox import check_apart
    from cahr.store.oxigraph import check_syntax

    def connects(text: str, base_iri: str | None) -> None:
        _connect(listener.port)

    with pytest.raises(RuntimeError, match="PermissionError"):
        check_apart(connects, "", None, timeout=10)
    check_apart(
        check_syntax, f"ASK {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}", None, timeout=10
    )
    with pytest.raises(QuerySyntaxError) as error:
        check_apart(check_syntax, "SELECT * WHERE { ?s ?p }", None, timeout=10)
    assert error.value.line == 1 and error.value.column is not None
    with pytest.raises(RuntimeError, match="sandboxed"):
        check_syntax("ASK {}")  # this process (pytest) is not sandboxed: Oxigraph never runs here
    _wait_for_nothing(listener)


@settings(max_examples=200, deadline=None)
@given(
    cases=st.lists(st.booleans(), min_size=5, max_size=5),
    escaped=st.lists(st.booleans(), min_size=5, max_size=5),
    gap=_gap,
    named=st.booleans(),
    graph=st.sampled_from(
        [
            "<http://127.0.0.1:9/g>",
            "<g.ttl>",
            "r:g",
            "<file:///etc/passwd>",
            r"<http\u003A//127.0.0.1:9/>",
        ]
    ),
)
def test_equivalent_spellings_of_outside_graphs_are_all_refused(
    cases: list[bool], escaped: list[bool], gap: str, named: bool, graph: str
) -> None:
    keyword = _spell("FROM", cases, escaped) + (
        gap + _spell("NAMED", cases, escaped) if named else ""
    )
    text = f"PREFIX r: <http://127.0.0.1:9/>{gap}SELECT *{gap}{keyword}{gap}{graph}{gap}WHERE {{ ?s ?p ?o }}"
    with pytest.raises(QueryRefused, match="does not hold"):
        vet(text, GRAPHS, base_iri="http://127.0.0.1:8000/sparql")

"""Query vetting and `kg query` on the built dataset."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cahr.errors import QueryRefused, QuerySyntaxError
from cahr.query import guess_form, vet

GRAPHS = ["https://w3id.org/cahr/graph/ontology"]


@pytest.mark.parametrize(
    "update",
    [
        "INSERT DATA { <a> <b> <c> }",
        "PREFIX x: <http://x/> DELETE WHERE { ?s ?p ?o }",
        "LOAD <http://example.org/data.ttl>",
        "CLEAR ALL",
        "DROP GRAPH <http://x/>",
        "CREATE GRAPH <http://x/>",
        "ADD DEFAULT TO <http://x/>",
        "MOVE DEFAULT TO <http://x/>",
        "COPY DEFAULT TO <http://x/>",
        "WITH <http://x/> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
        "# comment\n  insert data { <a> <b> <c> }",
    ],
)
def test_updates_are_refused(update: str) -> None:
    with pytest.raises(QueryRefused, match="read-only"):
        vet(update, GRAPHS)


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { service silent <http://127.0.0.1:9/> { ?s ?p ?o } }",
    ],
)
def test_service_is_refused(query: str) -> None:
    with pytest.raises(QueryRefused, match="SERVICE"):
        vet(query, GRAPHS)


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }",
        "SELECT * FROM NAMED <http://127.0.0.1:9/g> WHERE { GRAPH ?g { ?s ?p ?o } }",
        "PREFIX f: <file:///etc/> SELECT * FROM f:passwd WHERE { ?s ?p ?o }",
    ],
)
def test_graphs_outside_the_dataset_are_refused(query: str) -> None:
    with pytest.raises(QueryRefused, match="does not hold"):
        vet(query, GRAPHS)


def test_dataset_parameters_outside_the_dataset_are_refused() -> None:
    with pytest.raises(QueryRefused, match="default-graph-uri"):
        vet("SELECT * { ?s ?p ?o }", GRAPHS, default_graphs=["file:///etc/passwd"])
    vet("SELECT * { ?s ?p ?o }", GRAPHS, default_graphs=GRAPHS)


def test_keywords_inside_strings_iris_and_comments_are_not_operations() -> None:
    query = (
        'SELECT * WHERE { ?s ?p "INSERT DATA SERVICE FROM <file:///x>" . '
        "# SERVICE <http://x/>\n ?s <http://ex.org/LOAD> ?o }"
    )
    info = vet(query, GRAPHS)
    assert info.form == "SELECT" and info.from_graphs == []
    assert guess_form("ASK { ?a ?b ?c FILTER(?a < ?b) }") == "ASK"


def test_empty_query_is_a_syntax_error() -> None:
    with pytest.raises(QuerySyntaxError):
        vet("  \n", GRAPHS)


def kg(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cahr.cli", *args], capture_output=True, text=True, timeout=120
    )


def test_kg_query_answers_as_table_and_json(dist: Path) -> None:
    query = (
        "PREFIX cahr: <https://w3id.org/cahr/ontology#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
        "SELECT ?name ?date WHERE { ?d a cahr:Decree ; cahr:signer/rdfs:label ?name ; cahr:date ?date }"
    )
    table = kg("query", "--dist", str(dist), query)
    assert table.returncode == 0, table.stderr
    assert "Kassym-Jomart Tokayev" in table.stdout and "2023-12-08" in table.stdout
    result = kg("query", "--dist", str(dist), "--format", "json", query)
    bindings = json.loads(result.stdout)["results"]["bindings"]
    assert {b["date"]["value"] for b in bindings} == {"2023-12-08"}


def test_kg_query_reports_syntax_errors_with_position(dist: Path) -> None:
    result = kg("query", "--dist", str(dist), "SELECT * WHERE { ?s ?p }")
    assert result.returncode == 2
    assert "line 1, column" in result.stderr


def test_kg_query_graph_results_as_turtle(dist: Path) -> None:
    result = kg(
        "query",
        "--dist",
        str(dist),
        "--format",
        "turtle",
        "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH <https://w3id.org/cahr/graph/tokayev-decree-action-plan-2023-12-08> { ?s ?p ?o } } LIMIT 5",
    )
    assert result.returncode == 0, result.stderr
    from rdflib import Graph

    assert len(Graph().parse(data=result.stdout, format="turtle")) == 5


# -- issue #11: the vetting reads the parse, not the raw tokens --------------------------------


def test_the_engine_gets_the_decoded_text_that_was_vetted() -> None:
    info = vet(r'SELECT ?v WHERE { BIND("\u00e9t\u00E9" AS ?v) }', GRAPHS)
    assert info.text == 'SELECT ?v WHERE { BIND("été" AS ?v) }'
    # A lone CR ends a comment for the grammar: it becomes a line feed for both parsers.
    assert vet("ASK { # c\r?s ?p ?o }", GRAPHS).text == "ASK { # c\n?s ?p ?o }"


@pytest.mark.parametrize(
    "text, message",
    [
        (r"ASK { \u005Cu0053 }", "cannot be vetted"),
        (r'ASK { FILTER("\uD800" = "") }', "names no Unicode character"),
        (r'ASK { FILTER("\U00110000" = "") }', "names no Unicode character"),
    ],
)
def test_escapes_the_parsers_would_read_differently_are_refused(text: str, message: str) -> None:
    with pytest.raises(QueryRefused, match=message):
        vet(text, GRAPHS)


def test_a_text_only_the_engine_reads_cannot_be_vetted() -> None:
    """Where the two grammars differ, the stricter answer wins: never evaluate it."""
    text = "SELECT * WHERE { ?s ?p }"
    with pytest.raises(QuerySyntaxError):
        vet(text, GRAPHS)  # no second opinion: rdflib's error

    def engine_reads_it(text: str, base_iri: str | None) -> None:
        return None

    with pytest.raises(QueryRefused, match="cannot be vetted"):
        vet(text, GRAPHS, explain=engine_reads_it)


def test_the_engine_explains_what_neither_parser_reads() -> None:
    def engine_refuses(text: str, base_iri: str | None) -> None:
        raise QuerySyntaxError("expected something", 1, 9)

    with pytest.raises(QuerySyntaxError, match="expected something") as error:
        vet("SELECT * WHERE { ?s ?p }", GRAPHS, explain=engine_refuses)
    assert (error.value.line, error.value.column) == (1, 9)


@pytest.mark.parametrize(
    "chain",
    [
        "SELECT * WHERE { FILTER(" + " || ".join(["?x"] * 1_001) + ") }",
        "SELECT * WHERE { FILTER(" + " - ".join(["?x"] * 1_001) + ") }",
        "SELECT * WHERE { ?s " + " ; ".join(["<http://x/p> ?o"] * 1_001) + " }",
        "SELECT * WHERE { ?s <http://x/p> " + " , ".join(["<http://x/o>"] * 1_001) + " }",
        "SELECT * WHERE { ?s " + " / ".join(["<http://x/p>"] * 1_001) + " ?o }",
    ],
    ids=["or", "minus", "semicolon", "comma", "path"],
)
def test_long_chains_are_400_with_the_limit(chain: str) -> None:
    """Refused at once, not parsed: rdflib took 33 s to parse 3,000 ';' (past the time limit)."""
    with pytest.raises(QuerySyntaxError, match="up to 1000"):
        vet(chain, GRAPHS)


def test_many_triple_patterns_parse_and_too_many_say_why() -> None:
    """rdflib recurses about ten frames a pattern: Python's default limit failed at 100."""
    patterns = " . ".join(f"?s{i} ?p ?o" for i in range(300))
    assert vet(f"SELECT * WHERE {{ {patterns} }}", GRAPHS).form == "SELECT"
    patterns = " . ".join(f"?s{i} ?p ?o" for i in range(3_000))
    with pytest.raises(QuerySyntaxError, match="up to 1000"):
        vet(f"SELECT * WHERE {{ {patterns} }}", GRAPHS)


def test_a_repeated_query_is_vetted_from_the_cache() -> None:
    from cahr import query

    text = "SELECT * WHERE { ?s ?p ?o } LIMIT 12345"
    query._verdicts.pop((text, None), None)
    vet(text, GRAPHS)
    assert (text, None) in query._verdicts
    # The dataset is checked on every call, not cached with the verdict.
    with pytest.raises(QueryRefused, match="default-graph-uri"):
        vet(text, GRAPHS, default_graphs=["http://127.0.0.1:9/g"])


def test_relative_from_resolves_against_the_base() -> None:
    with pytest.raises(QueryRefused, match="http://127.0.0.1:8000/g"):
        vet("SELECT * FROM <g> WHERE { ?s ?p ?o }", GRAPHS, base_iri="http://127.0.0.1:8000/sparql")
    graph = GRAPHS[0]
    info = vet(
        "SELECT * FROM <ontology> WHERE { ?s ?p ?o }",
        GRAPHS,
        base_iri=graph.rsplit("/", 1)[0] + "/x",
    )
    assert info.from_graphs == [graph]

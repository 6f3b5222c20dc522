"""Thousands of malformed and mutated requests: a 2xx, a 304 or a 4xx with a message, never a 5xx.

Hypothesis mutates real queries (SELECT, ASK, CONSTRUCT, DESCRIBE, updates,
SERVICE) with SPARQL tokens and stray characters, and sends them by every
route with random Accept headers, format parameters, dataset parameters,
media types and raw bodies, through Flask's test client on both engines.
A 5xx would be a bug shown as such (``server/errors.py``); a hang would
trip the query timeout and show up as a 503.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from werkzeug.test import TestResponse

from cahr.formats import ALIASES, RDF_TYPES, RESULT_TYPES
from tests.server.helpers import DIALOGUE

pytestmark = pytest.mark.slow

SEEDS = [
    "SELECT ?s WHERE { ?s a <https://w3id.org/cahr/ontology#Decree> }",
    "PREFIX cahr: <https://w3id.org/cahr/ontology#>\n"
    "SELECT ?p ?o WHERE { ?d a cahr:Decree ; ?p ?o } LIMIT 20",
    "ASK { ?s ?p ?o }",
    f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{DIALOGUE}> {{ ?s ?p ?o }} }} LIMIT 10",
    "DESCRIBE <https://w3id.org/cahr/id/kazakhstan>",
    'SELECT (COUNT(?s) AS ?n) WHERE { ?s ?p ?o FILTER(REGEX(STR(?o), "^Kaz", "i")) }',
    "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g",
    "SELECT * WHERE { ?s ?p ?o OPTIONAL { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l } "
    "FILTER(LANG(?l) = 'en') } LIMIT 5",
    'SELECT ?x WHERE { VALUES ?x { 1 "a"@en <urn:x> } BIND(STR(?x) AS ?y) }',
    "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
    "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }",
]
TOKENS = [
    "{",
    "}",
    "(",
    ")",
    ".",
    ";",
    ",",
    "?x",
    "$y",
    "<",
    ">",
    "<urn:x>",
    '"',
    "'",
    '"""',
    "#",
    "\n",
    "PREFIX",
    "BASE",
    "SELECT",
    "WHERE",
    "FILTER",
    "OPTIONAL",
    "UNION",
    "GRAPH",
    "SERVICE",
    "FROM",
    "NAMED",
    "INSERT",
    "DELETE",
    "LOAD",
    "LIMIT",
    "OFFSET",
    "GROUP BY",
    "BIND(",
    "VALUES",
    "a",
    "*",
    "\\",
    "\x00",
    "é",
    "𝄞",
    "%",
    "%00",
    "9" * 30,
    "file:///etc/passwd",
    "^^",
    "@en",
    "_:b",
    "COUNT(",
    "MINUS",
    "NOT EXISTS",
]
MEDIA_TYPES = (
    list(RESULT_TYPES)
    + list(RDF_TYPES)
    + ["*/*", "text/*", "application/*", "text/html", "application/json", "image/png", ""]
)
HEADER_TEXT = st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=40)


@st.composite
def mutated_query(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(text)))
        edit = draw(st.sampled_from(["insert", "delete", "replace", "cut"]))
        if edit == "insert":
            piece = draw(st.sampled_from(TOKENS) | st.text(max_size=4))
            text = text[:i] + piece + text[i:]
        elif edit == "delete":
            text = text[:i] + text[draw(st.integers(i, min(len(text), i + 8))) :]
        elif edit == "replace":
            text = text[:i] + draw(st.characters(exclude_categories=["Cs"])) + text[i + 1 :]
        else:
            text = text[:i]
    return text


@st.composite
def accept_header(draw: st.DrawFn) -> str:
    if draw(st.booleans()):
        return draw(HEADER_TEXT)
    ranges = draw(st.lists(st.sampled_from(MEDIA_TYPES), max_size=4))
    parts = []
    for media in ranges:
        q = draw(st.none() | st.sampled_from(["0", "0.5", "1", "1.5", "-1", "x", ""]))
        parts.append(media if q is None else f"{media};q={q}")
    return draw(st.sampled_from([", ", ",", " ,;"])).join(parts)


FORMAT_VALUES = st.sampled_from(list(ALIASES) + ["html", "", "application/sparql-results+json"])


@st.composite
def request_args(draw: st.DrawFn, query: st.SearchStrategy[str]) -> dict[str, Any]:
    """Keyword arguments for ``client.open``: a route, its parameters and headers."""
    params: dict[str, Any] = {"query": draw(query)}
    if draw(st.integers(0, 3)) == 0:
        params[draw(st.sampled_from(["format", "output", "results"]))] = draw(FORMAT_VALUES)
    if draw(st.integers(0, 5)) == 0:
        params[draw(st.sampled_from(["default-graph-uri", "named-graph-uri"]))] = draw(
            st.sampled_from([DIALOGUE, "http://127.0.0.1:9/g", "", "file:///etc/passwd"])
            | st.text(max_size=10)
        )
    if draw(st.integers(0, 9)) == 0:
        params["query"] = [params["query"], draw(query)]
    headers = {"Accept": draw(accept_header())} if draw(st.booleans()) else {}
    route = draw(st.sampled_from(["get", "form", "direct"]))
    if route == "get":
        return {"method": "GET", "query_string": params, "headers": headers}
    if route == "form":
        return {"method": "POST", "data": params, "headers": headers}
    text = params.pop("query")
    body = text[0] if isinstance(text, list) else text
    return {
        "method": "POST",
        "query_string": params,
        "headers": headers,
        "data": body.encode("utf-8", "surrogatepass"),
        "content_type": "application/sparql-query",
    }


@st.composite
def odd_request(draw: st.DrawFn) -> dict[str, Any]:
    """Requests that are wrong below the query: media types, bodies, methods, paths, headers."""
    headers = {
        name: draw(HEADER_TEXT)
        for name in draw(
            st.lists(
                st.sampled_from(
                    [
                        "Accept",
                        "Accept-Encoding",
                        "If-None-Match",
                        "If-Modified-Since",
                        "Origin",
                        "Access-Control-Request-Method",
                        "Range",
                        "If-Match",
                    ]
                ),
                max_size=4,
                unique=True,
            )
        )
    }
    content_type = draw(
        st.sampled_from(
            [
                "application/sparql-query",
                "application/sparql-query; charset=latin-1",
                "application/sparql-query; charset=nope",
                "application/x-www-form-urlencoded",
                "application/sparql-update",
                "multipart/form-data",
                "text/plain",
                "application/json",
                "",
            ]
        )
        | HEADER_TEXT
    )
    return {
        "method": draw(st.sampled_from(["GET", "POST", "HEAD", "OPTIONS", "PUT", "DELETE"])),
        "path": draw(
            st.sampled_from(
                [
                    "/sparql",
                    "/sparql/",
                    "/healthz",
                    "/sparql?query=ASK{}",
                    "/sparql?query=%ff%fe",
                    "/sparql?update=CLEAR%20ALL",
                ]
            )
        ),
        "data": draw(st.binary(max_size=300)),
        "content_type": content_type,
        "headers": headers,
    }


def _check(response: TestResponse) -> None:
    status = response.status_code
    event(f"status {status}")  # pytest --hypothesis-show-statistics shows the spread
    assert status < 500, (status, response.get_data(as_text=True)[:500])
    if status >= 400 and response.request.method != "HEAD":
        if response.mimetype == "application/json":
            assert response.get_json()["error"]["message"]
        else:
            assert response.mimetype == "text/html" and f"{status} " in response.get_data(
                as_text=True
            )


FUZZ = settings(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@settings(FUZZ, max_examples=1000)
@given(args=request_args(mutated_query()))
def test_mutated_queries_by_every_route(app: Flask, args: dict[str, Any]) -> None:
    _check(app.test_client().open("/sparql", **args))


@settings(FUZZ, max_examples=500)
@given(args=request_args(st.text(max_size=60)))
def test_random_text_as_queries(app: Flask, args: dict[str, Any]) -> None:
    _check(app.test_client().open("/sparql", **args))


@settings(FUZZ, max_examples=500)
@given(args=odd_request())
def test_odd_media_types_bodies_methods_and_headers(app: Flask, args: dict[str, Any]) -> None:
    path = args.pop("path")
    _check(app.test_client().open(path, **args))

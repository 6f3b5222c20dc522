"""Helpers shared by the server tests: queries, error checks, and the /proc readers
(``benchmarks/procfs.py``, shared with the benchmarks)."""

from __future__ import annotations

from typing import Any

from werkzeug.test import TestResponse

from benchmarks.procfs import alive, cpu_seconds, descendants

__all__ = ["alive", "count_of", "cpu_seconds", "descendants", "error_of"]

GRAPH = "https://w3id.org/cahr/graph/"
DIALOGUE = GRAPH + "us-kazakhstan-dialogue-2024"
DECREE = GRAPH + "tokayev-decree-action-plan-2023-12-08"
COUNT_ALL = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
SMALL = (
    "SELECT ?s ?p ?o WHERE { ?s a <https://w3id.org/cahr/ontology#Decree> ; ?p ?o "
    "FILTER(isIRI(?o)) } ORDER BY ?p ?o LIMIT 5"
)
CONSTRUCT = (
    "PREFIX cahr: <https://w3id.org/cahr/ontology#> "
    "CONSTRUCT { ?d a cahr:Decree ; ?p ?o } WHERE { ?d a cahr:Decree ; ?p ?o }"
)
# Three unrelated patterns: about 9,000^3 combinations, counted in full. No
# engine answers this within seconds: it is what the timeout must stop.
CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def error_of(response: TestResponse, status: int) -> dict[str, Any]:
    """The error object of a response, checked against the one error shape."""
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    error: dict[str, Any] = body["error"]
    assert error["status"] == status
    assert error["title"] and error["message"]
    return error


def count_of(response: TestResponse) -> int:
    """The single integer of a one-row SPARQL JSON result."""
    assert response.status_code == 200, response.get_data(as_text=True)
    [row] = response.get_json()["results"]["bindings"]
    return int(next(iter(row.values()))["value"])

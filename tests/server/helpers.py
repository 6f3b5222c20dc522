"""Helpers shared by the server tests: queries, error checks, CPU accounting."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from werkzeug.test import TestResponse

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


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User + system CPU seconds of each live process (gone ones are left out)."""
    ticks = os.sysconf("SC_CLK_TCK")
    found = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        found[pid] = (int(fields[11]) + int(fields[12])) / ticks
    return found


def descendants(root: int) -> list[int]:
    """``root`` and every process below it."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (FileNotFoundError, ProcessLookupError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def alive(pid: int) -> bool:
    """Whether ``pid`` is a running (not a zombie) process."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"

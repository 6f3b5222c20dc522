"""The competency questions on the remote store: directly, and through ``kg serve --store``.

The questions and the articles' values are those of ``tests/test_competency.py``
(its ``answer`` and ``check``); here the graph sits in a real Oxigraph server
loaded from dist/, and in the second test every question travels the whole
way: HTTP to ``kg serve``, vetting, a query process, the SPARQL 1.1 Protocol
to Oxigraph, and back as SPARQL JSON.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from cahr.store import open_store
from cahr.store.remote import RemoteStore
from tests.server.conftest import LiveServer, start_server, stop_server
from tests.test_competency import EXPECTED, QUESTIONS, Row, answer, check

IDS = [p.stem for p in QUESTIONS]


@pytest.fixture(scope="module")
def remote(oxigraph_endpoint: str, dist: Path) -> RemoteStore:
    store = open_store(dist, remote=oxigraph_endpoint)
    assert isinstance(store, RemoteStore)
    return store


@pytest.fixture(scope="module")
def served_remote(
    oxigraph_endpoint: str, dist: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """The real ``kg serve --store URL`` (gunicorn, two workers) in front of Oxigraph server."""
    log = tmp_path_factory.mktemp("remote") / "kg-serve.log"
    server = start_server(dist, log, "--store", oxigraph_endpoint, "--workers", "2")
    assert server.healthz()["engine"] == "remote"
    yield server
    stop_server(server)


@pytest.mark.parametrize("path", QUESTIONS, ids=IDS)
def test_question_on_the_remote_store(path: Path, remote: RemoteStore) -> None:
    assert path.name in EXPECTED
    check(path.name, answer(remote, path))


@pytest.mark.parametrize("path", QUESTIONS, ids=IDS)
def test_question_through_kg_serve_store(path: Path, served_remote: LiveServer) -> None:
    response = httpx.post(
        served_remote.url + "/sparql",
        data={"query": path.read_text(encoding="utf-8")},
        headers={"Accept": "application/sparql-results+json"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    if "boolean" in body:
        check(path.name, body["boolean"])
        return
    names = body["head"]["vars"]
    rows: list[Row] = [
        {name: binding[name]["value"] if name in binding else None for name in names}
        for binding in body["results"]["bindings"]
    ]
    check(path.name, rows)

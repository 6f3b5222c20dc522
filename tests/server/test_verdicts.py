"""Verdicts shared between the query processes of one worker (issue #11, throughput).

A query process passes the verdict of its parse to its worker, which hands it
with the same text and base IRI to its other query processes, so that each
text is parsed once per worker. What must hold: a verdict only ever travels
with the exact text and base it was made on, the dataset is still checked on
every query, and a refusal is never passed on as a pass.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cahr import query
from cahr.errors import QueryRefused
from cahr.server.protocol.runner import Job, QueryRunner, _answer
from cahr.store import open_store
from cahr.store.oxigraph import check_syntax

BASE = "http://127.0.0.1:8000/sparql"
ASK = "ASK { ?s ?p ?o }"


def test_a_passing_verdict_is_returned_once_and_adopted_by_another_process(dist: Path) -> None:
    store = open_store(dist, "oxigraph")
    query._verdicts.clear()
    first = _answer(store, check_syntax, Job(ASK, base_iri=BASE))
    assert first[0] == "ok"
    verdict = first[-1]
    assert isinstance(verdict, query.Verdict) and verdict.info is not None
    # Another process (an empty verdict cache) given the verdict does not pass one back.
    query._verdicts.clear()
    second = _answer(store, check_syntax, Job(ASK, base_iri=BASE, verdict=verdict))
    assert second[0] == "ok" and second[-1] is None
    assert second[1].body == first[1].body
    assert query.kept_verdict(ASK, BASE) == verdict


def test_an_adopted_verdict_still_gets_the_dataset_checked(dist: Path) -> None:
    store = open_store(dist, "oxigraph")
    text = "SELECT * FROM <https://example.org/elsewhere> WHERE { ?s ?p ?o }"
    parsed = query._parse(query.canonical(text), BASE)
    assert parsed.info is not None  # the parse passes: the graph is checked per call
    query._verdicts.clear()
    reply = _answer(store, check_syntax, Job(text, base_iri=BASE, verdict=parsed))
    assert reply[0] == "refused" and "does not hold" in reply[1]


def test_a_refusal_is_neither_passed_on_nor_adopted(dist: Path) -> None:
    store = open_store(dist, "oxigraph")
    text = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"
    query._verdicts.clear()
    reply = _answer(store, check_syntax, Job(text, base_iri=BASE))
    assert reply[0] == "refused" and len(reply) == 2
    refusal = query._parse(query.canonical(text), BASE)
    assert refusal.info is None
    query._verdicts.clear()
    query.adopt_verdict(text, BASE, refusal)
    assert (query.canonical(text), BASE) not in query._verdicts
    with pytest.raises(QueryRefused):
        query.vet(text, store.graphs(), base_iri=BASE)


def test_the_worker_keys_verdicts_by_text_and_base(dist: Path) -> None:
    runner = QueryRunner(dist, "oxigraph", timeout=30, size=2, reserve_after=29)
    try:
        runner.run(Job(ASK, base_iri=BASE))
        assert list(runner._verdicts) == [(ASK, BASE)]
        # Another base is another key (a relative IRI resolves against it): parsed again.
        runner.run(Job(ASK, base_iri="http://localhost:8000/sparql"))
        assert set(runner._verdicts) == {(ASK, BASE), (ASK, "http://localhost:8000/sparql")}
        # A refused query leaves nothing to share.
        with pytest.raises(QueryRefused):
            runner.run(Job("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"))
        assert len(runner._verdicts) == 2
        # Both children answer the shared text, whichever gets it.
        for _ in range(4):
            assert runner.run(Job(ASK, base_iri=BASE)).rows == 1
    finally:
        runner.close()

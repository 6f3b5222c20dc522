"""The response cache (``server/cache.py``): same bytes on a hit, nothing evaluated, bounded.

Each test makes its own app (``make_app``), so that the counts it reads are
its own. A hit is proved by the query processes not being asked at all (their
``run`` replaced by one that fails); eviction by a bound sized from a measured
answer; invalidation by a real ``kg serve`` reloaded on a new build.
"""

from __future__ import annotations

import gzip
import re
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pyoxigraph as ox
import pytest
from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st

from cahr.dist import read_manifest
from cahr.errors import QueryRefused, QueryTimeout
from cahr.query import vet
from cahr.server.state import MEGABYTE
from cahr.server.web.cache import HEADER, LARGEST_SHARE, header_bytes, normalise_query
from tests.server.conftest import LiveServer, served, start_server, stop_server
from tests.server.helpers import CARTESIAN, DIALOGUE, SMALL, error_of
from tests.server.test_reload import NEW_BUILD, _reload, _swap_in_new_build
from tests.test_competency import QUESTIONS

JSON = "application/sparql-results+json"
DECREES = """PREFIX cahr: <https://w3id.org/cahr/ontology#>
SELECT ?decree ?title WHERE {
  ?decree a cahr:Decree ;
          cahr:title ?title .
}"""
PAGES = [
    "/",
    "/id/",
    "/id/kassym-jomart-tokayev",
    "/source/us-kazakhstan-dialogue-2024",
    "/graph/us-kazakhstan-dialogue-2024",
    "/timeline",
    "/source/us-kazakhstan-dialogue-2024/timeline",
    "/ontology",
    "/dumps/",
    "/.well-known/void",
]


def _no_evaluation(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on, any query that reaches the query processes fails the test."""

    def refuse(job: Any) -> Any:
        raise AssertionError(f"evaluated again: {job.text[:60]!r}")

    monkeypatch.setattr(served(app).runner, "run", refuse)


def _stats(app: Flask) -> dict[str, int]:
    return served(app).cache.stats()


def test_a_hit_gives_the_same_bytes_without_evaluating(
    make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch
) -> None:
    client = make_app().test_client()
    first = client.get("/sparql", query_string={"query": DECREES})
    assert first.status_code == 200 and first.headers[HEADER] == "miss"
    _no_evaluation(client.application, monkeypatch)
    again = client.get("/sparql", query_string={"query": DECREES})
    # The same query sent otherwise: by POST, re-indented, with CRLF and blank lines.
    reindented = "\r\n\n   ".join(line.strip() for line in DECREES.splitlines()) + " \n"
    posted = client.post("/sparql", data=reindented, content_type="application/sparql-query")
    for hit in (again, posted):
        assert hit.status_code == 200 and hit.headers[HEADER] == "hit"
        assert hit.data == first.data
        for name in ("Content-Type", "Vary", "X-CAHR-Rows", "X-CAHR-Truncated"):
            assert hit.headers[name] == first.headers[name], name
    # A GET's validators come from the build, on a hit as on a miss (a POST has none).
    assert (again.headers["ETag"], again.headers["Last-Modified"]) == (
        first.headers["ETag"],
        first.headers["Last-Modified"],
    )
    assert _stats(client.application) | {"bytes": 0} == {
        "hits": 2,
        "misses": 1,
        "entries": 1,
        "bytes": 0,
        "max_bytes": 64 * MEGABYTE,
        "evictions": 0,
    }


def test_the_key_holds_the_media_type_the_dataset_and_the_text(
    make_app: Callable[..., Flask],
) -> None:
    client = make_app().test_client()

    def ask(query: str = SMALL, accept: str = JSON, **params: str) -> tuple[str, bytes]:
        answer = client.get(
            "/sparql", query_string={"query": query, **params}, headers={"Accept": accept}
        )
        assert answer.status_code == 200, answer.data
        return answer.headers[HEADER], answer.data

    json_answer = ask()
    csv_answer = ask(accept="text/csv")
    assert json_answer[0] == csv_answer[0] == "miss" and json_answer[1] != csv_answer[1]
    assert ask(accept="text/csv") == ("hit", csv_answer[1])
    assert ask(format="csv") == ("hit", csv_answer[1])  # the same negotiated type
    graphs = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    everything = ask(graphs)
    one = ask(graphs, **{"named-graph-uri": DIALOGUE})
    assert one[0] == "miss" and one[1] != everything[1]
    # Spaces within a line, and within a string above all, make another query.
    assert ask(SMALL.replace(" ; ", " ;  "))[0] == "miss"
    texts = [ask(f'SELECT ?x WHERE {{ BIND("a{gap}b" AS ?x) }}') for gap in (" ", "  ")]
    assert [t[0] for t in texts] == ["miss", "miss"] and texts[0][1] != texts[1][1]


def test_errors_and_timeouts_are_never_kept(make_app: Callable[..., Flask]) -> None:
    app = make_app(query_timeout=1)
    client = app.test_client()
    for _ in range(2):
        error_of(client.get("/sparql", query_string={"query": "SELECT ?s WHERE { ?s ?p }"}), 400)
        error_of(client.post("/sparql", data={"query": CARTESIAN}), 503)
        refused = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"
        error_of(client.get("/sparql", query_string={"query": refused}), 403)
        error_of(client.get("/id/nobody-at-all"), 404)
        error_of(
            client.get("/sparql", query_string={"query": SMALL}, headers={"Accept": "image/png"}),
            406,
        )
    assert _stats(app)["entries"] == 0 and _stats(app)["hits"] == 0
    assert client.get("/sparql", query_string={"query": SMALL}).headers[HEADER] == "miss"
    assert _stats(app)["entries"] == 1


def _sized(i: int) -> str:
    """Queries whose answers have the same size, about 8 KB."""
    return f'SELECT ?x WHERE {{ BIND("{i:04d}{"x" * 8000}" AS ?x) }}'


def test_the_byte_bound_evicts_the_least_recently_used(make_app: Callable[..., Flask]) -> None:
    probe = make_app()
    assert probe.test_client().get("/sparql", query_string={"query": _sized(0)}).status_code == 200
    size = _stats(probe)["bytes"]
    # Room for four and a half answers.
    app = make_app(cache_mb=4.5 * size / MEGABYTE)
    client = app.test_client()

    def status(i: int) -> str:
        answer = client.get("/sparql", query_string={"query": _sized(i)})
        assert answer.status_code == 200
        return answer.headers[HEADER]

    assert [status(i) for i in range(4)] == ["miss"] * 4
    assert status(0) == "hit"  # now the most recently used
    assert status(4) == "miss"  # the fifth: the least recently used (1) goes
    stats = _stats(app)
    assert stats["evictions"] == 1 and stats["entries"] == 4
    assert stats["bytes"] == 4 * size <= stats["max_bytes"]
    assert [status(i) for i in (0, 2, 3, 4)] == ["hit"] * 4
    assert status(1) == "miss"


def test_an_answer_larger_than_a_share_of_the_bound_is_not_kept(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(cache_mb=(LARGEST_SHARE * 4000) / MEGABYTE)
    client = app.test_client()
    for _ in range(2):
        assert client.get("/sparql", query_string={"query": _sized(1)}).headers[HEADER] == "miss"
    assert _stats(app)["entries"] == 0


def test_cache_mb_0_turns_it_off(
    make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(cache_mb="0")  # as from CAHR_CACHE_MB=0
    client = app.test_client()
    runs = []
    run = served(app).runner.run
    monkeypatch.setattr(served(app).runner, "run", lambda job: runs.append(job) or run(job))
    for _ in range(3):
        answer = client.get("/sparql", query_string={"query": SMALL})
        assert answer.status_code == 200 and answer.headers[HEADER] == "off"
        assert client.get("/timeline").headers[HEADER] == "off"
    assert len(runs) == 3
    assert client.get("/healthz").get_json()["cache"] == {
        "hits": 0,
        "misses": 0,
        "entries": 0,
        "bytes": 0,
        "max_bytes": 0,
        "evictions": 0,
    }


def test_pages_and_the_dumps_listing_are_kept(
    make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app()
    client = app.test_client()
    firsts = {path: client.get(path) for path in PAGES}
    assert {p: (r.status_code, r.headers[HEADER]) for p, r in firsts.items()} == {
        p: (200, "miss") for p in PAGES
    }
    turtle = {"Accept": "text/turtle"}
    rdf = client.get("/id/kassym-jomart-tokayev", headers=turtle)
    assert (rdf.mimetype, rdf.headers[HEADER]) == ("text/turtle", "miss")
    monkeypatch.setattr(served(app), "store", None)  # a page that is built again fails
    for path, first in firsts.items():
        hit = client.get(path)
        assert (hit.status_code, hit.headers[HEADER]) == (200, "hit"), path
        assert hit.data == first.data and hit.mimetype == first.mimetype, path
    again = client.get("/id/kassym-jomart-tokayev", headers=turtle)
    assert (again.headers[HEADER], again.data) == ("hit", rdf.data)
    assert again.headers["Content-Location"] == "/id/kassym-jomart-tokayev.ttl"
    # The files are sent from disk, not kept (Range requests work).
    part = client.get("/dumps/union.nt", headers={"Range": "bytes=0-9"})
    part.close()
    assert part.status_code == 206 and HEADER not in part.headers


def test_a_hit_is_revalidated_with_304_and_gzipped_once(make_app: Callable[..., Flask]) -> None:
    app = make_app()
    client = app.test_client()
    big = {"query": "SELECT * WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 500"}
    plain = client.get("/sparql", query_string=big)
    kept = _stats(app)["bytes"]
    gzip_ok = {"Accept-Encoding": "gzip"}
    zipped = client.get("/sparql", query_string=big, headers=gzip_ok)
    assert (zipped.headers["Content-Encoding"], zipped.headers[HEADER]) == ("gzip", "hit")
    assert gzip.decompress(zipped.data) == plain.data
    # Kept beside the answer: the gzipped copy, and the headers of the finished response
    # (replayed to the same request, ``replay.py``).
    finished = header_bytes([(k, v) for k, v in zipped.headers if k != HEADER])
    assert _stats(app)["bytes"] == kept + len(zipped.data) + finished
    again = client.get("/sparql", query_string=big, headers=gzip_ok)
    assert again.headers[HEADER] == "hit" and again.data == zipped.data
    assert _stats(app)["bytes"] == kept + len(zipped.data) + finished
    current = client.get(
        "/sparql", query_string=big, headers={"If-None-Match": plain.headers["ETag"]}
    )
    assert current.status_code == 304 and current.data == b""


def test_healthz_counts_hits_and_misses(make_app: Callable[..., Flask]) -> None:
    client = make_app().test_client()
    for _ in range(3):
        client.get("/timeline")
    cache = client.get("/healthz").get_json()["cache"]
    assert (cache["hits"], cache["misses"], cache["entries"]) == (2, 1, 1)
    assert 0 < cache["bytes"] <= cache["max_bytes"]


# -- the normalised query ---------------------------------------------------------------


def test_normalising_takes_out_indentation_and_blank_lines_only() -> None:
    assert normalise_query("\n\t SELECT *\r\n\r\n   WHERE {  ?s ?p 'a  b' }  # note  \n") == (
        "SELECT *\nWHERE {  ?s ?p 'a  b' }  # note"
    )
    # A comment still ends where it did.
    assert normalise_query("ASK { # c\r  ?s ?p ?o }") == "ASK { # c\n?s ?p ?o }"
    # Long strings and codepoint escapes can hold line breaks and quotes: only stripped.
    for text in ('ASK { FILTER("""a\n  b""" != "") }', "ASK { FILTER('\\u0061\n  b' != '') }"):
        assert normalise_query(f"  {text}\n") == text
    # Other Unicode spaces are not SPARQL whitespace.
    assert normalise_query("\u00a0ASK {}\u2003") == "\u00a0ASK {}\u2003"


SPACE = st.text(alphabet=" \t\r\n", min_size=1, max_size=4)
# Text inside strings: spaces and line breaks are what a normaliser must not touch.
INSIDE = st.text(alphabet="ab \t\n", max_size=5)
# Queries whose answers show their strings, with a comment that a lost line break
# would extend, and a long string that may hold line breaks.
TEMPLATE = (
    "SELECT ?x ?y ?z WHERE {{{0}BIND({0}'{a}'{1}AS ?x){2}# c ?y{3}"
    'BIND("{b}" AS ?y){4}OPTIONAL {{ BIND("""{c}""" AS ?z) }}{5}}}{6}'
)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(spaces=st.lists(SPACE, min_size=7, max_size=7), a=INSIDE, b=INSIDE, c=INSIDE)
def test_a_normalised_query_parses_and_answers_as_the_original(
    spaces: list[str], a: str, b: str, c: str
) -> None:
    text = TEMPLATE.format(*spaces, a=a, b=b, c=c)
    outcomes = []
    for variant in (text, normalise_query(text), normalise_query(text.replace('"""', '"'))):
        try:
            outcomes.append(repr(list(ox.Store().query(variant))))
        except SyntaxError:
            outcomes.append("syntax error")
    assert outcomes[0] == outcomes[1], (text, normalise_query(text))
    short = text.replace('"""', '"')  # a short string: the line breaks around it go
    try:
        expected = repr(list(ox.Store().query(short)))
    except SyntaxError:
        expected = "syntax error"
    assert outcomes[2] == expected, (short, normalise_query(short))


@pytest.mark.parametrize("path", QUESTIONS[:8], ids=[p.stem for p in QUESTIONS[:8]])
def test_the_competency_questions_reindented_are_hits(
    make_app_once: Flask, path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = make_app_once.test_client()
    text = path.read_text(encoding="utf-8")
    first = client.post("/sparql", data={"query": text})
    assert first.status_code == 200
    reindented = re.sub(r"\n\s*", "\r\n\n    ", text)
    with monkeypatch.context() as patch:
        _no_evaluation(make_app_once, patch)
        again = client.post("/sparql", data={"query": reindented})
    assert (again.headers[HEADER], again.data) == ("hit", first.data)


@pytest.fixture(scope="module")
def make_app_once(dist: Path) -> Iterator[Flask]:
    from cahr.server import create_app

    app = create_app({"dist": str(dist)})
    yield app
    served(app).close()


def test_a_comment_ends_at_a_carriage_return_for_the_vetting_too() -> None:
    """SPARQL ends a comment at CR or LF: what follows a lone CR is vetted (and normalised)."""
    hidden = "SELECT * WHERE { # a comment\rSERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"
    with pytest.raises(QueryRefused, match="SERVICE"):
        vet(hidden, [])


# -- a new build ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def one_worker(own_dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """``kg serve`` with one worker on a build the test replaces (so each hit is seen)."""
    log = tmp_path_factory.mktemp("cache") / "kg-serve.log"
    server = start_server(own_dist, log, "--workers", "1", "--query-timeout", "2")
    yield server
    stop_server(server)


def test_a_new_build_empties_the_cache(one_worker: LiveServer, own_dist: Path) -> None:
    url = one_worker.url + "/sparql"
    ask = {"query": "ASK { <urn:cahr:test:reload> ?p ?o }"}
    old = [httpx.get(url, params=ask, timeout=5) for _ in range(2)]
    assert [(a.json()["boolean"], a.headers[HEADER]) for a in old] == [
        (False, "miss"),
        (False, "hit"),
    ]
    assert one_worker.healthz()["cache"]["hits"] == 1
    _swap_in_new_build(own_dist)
    _reload(one_worker, NEW_BUILD)
    new = [httpx.get(url, params=ask, timeout=5) for _ in range(2)]
    assert [(a.json()["boolean"], a.headers[HEADER]) for a in new] == [
        (True, "miss"),
        (True, "hit"),
    ]
    assert new[0].headers["ETag"] != old[0].headers["ETag"]
    assert new[0].headers["ETag"].startswith(f'W/"{NEW_BUILD}-')
    assert read_manifest(own_dist)["build_id"] == NEW_BUILD
    assert one_worker.healthz()["cache"]["hits"] == 1  # a new worker, a new count


# -- a burst of the same request --------------------------------------------------------


def _burst(app: Flask, size: int) -> list[Any]:
    """``size`` GETs of the same query at once, each from its own client and thread."""
    with ThreadPoolExecutor(size) as pool:
        return list(
            pool.map(
                lambda _: app.test_client().get("/sparql", query_string={"query": DECREES}),
                range(size),
            )
        )


def _evaluations(
    app: Flask, monkeypatch: pytest.MonkeyPatch, before: Callable[[int], None]
) -> list[str]:
    """The queries the app evaluates from now on; ``before(n)`` runs before the n-th."""
    runner = served(app).runner
    evaluated: list[str] = []
    run = runner.run

    def counted(job: Any) -> Any:
        evaluated.append(job.text)
        before(len(evaluated))
        return run(job)

    monkeypatch.setattr(runner, "run", counted)
    return evaluated


def test_a_burst_of_the_same_query_is_evaluated_once(
    make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app()
    # Slowly, so that the whole burst arrives while the first is evaluated.
    evaluated = _evaluations(app, monkeypatch, lambda n: time.sleep(0.5))
    answers = _burst(app, 6)
    assert len(evaluated) == 1
    assert [a.status_code for a in answers] == [200] * 6 and len({a.data for a in answers}) == 1
    assert sorted(a.headers[HEADER] for a in answers) == ["hit"] * 5 + ["miss"]
    assert (_stats(app)["hits"], _stats(app)["misses"]) == (5, 1)


def _first_times_out(n: int) -> None:
    if n == 1:
        time.sleep(0.5)
        raise QueryTimeout(0.5)


def test_when_the_first_evaluation_fails_the_others_evaluate_it(
    make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app()
    evaluated = _evaluations(app, monkeypatch, _first_times_out)
    answers = _burst(app, 4)
    assert sorted(a.status_code for a in answers) == [200, 200, 200, 503]
    assert len({a.data for a in answers if a.status_code == 200}) == 1
    assert 2 <= len(evaluated) <= 4

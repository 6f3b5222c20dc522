"""Replay (``server/replay.py``): a repeated plain GET gets the finished response again.

A replay is proved by Flask not being involved at all (the view replaced by
one that fails); its safety by the requests it must leave to Flask:
conditional GETs, other encodings, other hosts, refused queries, HEAD.
"""

from __future__ import annotations

import gzip
import logging
import re
from collections.abc import Callable

import httpx
import pytest
from flask import Flask

from cahr.server.web.cache import HEADER
from tests.server.conftest import LiveServer, served
from tests.server.helpers import SMALL, error_of
from tests.server.test_http import ACCESS_LINE

JSON = {"Accept": "application/sparql-results+json"}


def _flask_fails(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on, a request that reaches a view or the query processes fails the test."""

    def refuse(*args: object, **kwargs: object) -> object:
        raise AssertionError("the request reached Flask")

    for endpoint in list(app.view_functions):
        monkeypatch.setitem(app.view_functions, endpoint, refuse)
    monkeypatch.setattr(served(app).runner, "run", refuse)


def _without_cache_header(headers: object) -> list[tuple[str, str]]:
    return [(k, v) for k, v in headers if k != HEADER]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("path", "params", "accept"),
    [
        ("/sparql", {"query": SMALL}, JSON["Accept"]),
        ("/id/kassym-jomart-tokayev", {}, "text/turtle"),
        ("/id/kassym-jomart-tokayev", {}, "text/html"),
        ("/timeline", {}, "text/html"),
    ],
)
def test_a_repeated_get_is_replayed_with_the_same_headers_and_bytes(
    make_app: Callable[..., Flask],
    monkeypatch: pytest.MonkeyPatch,
    path: str,
    params: dict[str, str],
    accept: str,
) -> None:
    app = make_app()
    client = app.test_client()
    first = client.get(path, query_string=params, headers={"Accept": accept})
    assert (first.status_code, first.headers[HEADER]) == (200, "miss")
    _flask_fails(app, monkeypatch)
    again = client.get(path, query_string=params, headers={"Accept": accept})
    assert (again.status_code, again.headers[HEADER]) == (200, "hit")
    assert again.data == first.data
    assert _without_cache_header(again.headers) == _without_cache_header(first.headers)
    stats = served(app).cache.stats()
    assert (stats["hits"], stats["misses"], stats["entries"]) == (1, 1, 1)


def test_requests_that_differ_in_what_shapes_the_answer_go_to_flask(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app()
    client = app.test_client()
    plain = client.get("/sparql", query_string={"query": SMALL}, headers=JSON)
    assert client.get("/sparql", query_string={"query": SMALL}, headers=JSON).headers[HEADER] == (
        "hit"
    )
    # A conditional GET is answered by Flask from the validators: 304, and 412 for If-Match.
    etag = plain.headers["ETag"]
    for name, value, status in (("If-None-Match", etag, 304), ("If-Match", etag, 412)):
        answer = client.get("/sparql", query_string={"query": SMALL}, headers={**JSON, name: value})
        assert answer.status_code == status, name
    # Another Accept is another answer; gzip is another finished response of the same answer.
    csv = client.get("/sparql", query_string={"query": SMALL}, headers={"Accept": "text/csv"})
    assert csv.mimetype == "text/csv" and csv.data != plain.data
    big = {"query": "SELECT * WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 200"}
    identity = client.get("/sparql", query_string=big, headers=JSON)
    for _ in range(2):
        zipped = client.get(
            "/sparql", query_string=big, headers={**JSON, "Accept-Encoding": "gzip"}
        )
        assert zipped.headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(zipped.data) == identity.data
    assert "Content-Encoding" not in client.get("/sparql", query_string=big, headers=JSON).headers
    # HEAD is answered by Flask, without a body.
    head = client.head("/sparql", query_string={"query": SMALL}, headers=JSON)
    assert head.status_code == 200 and head.data == b""


def test_each_host_gets_its_own_service_description(make_app: Callable[..., Flask]) -> None:
    client = make_app().test_client()
    turtle = {"Accept": "text/turtle"}
    for _ in range(2):
        for host in ("a.example", "b.example"):
            answer = client.get("/sparql", headers=turtle, base_url=f"http://{host}")
            assert answer.status_code == 200
            assert f"<http://{host}/sparql>".encode() in answer.data, host


def test_a_refused_query_is_refused_every_time(make_app: Callable[..., Flask]) -> None:
    app = make_app()
    client = app.test_client()
    refused = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"
    for _ in range(3):
        error_of(client.get("/sparql", query_string={"query": refused}), 403)
    assert served(app).cache.stats()["entries"] == 0


def test_a_replay_writes_its_access_log_line(
    make_app: Callable[..., Flask], caplog: pytest.LogCaptureFixture
) -> None:
    client = make_app().test_client()
    caplog.set_level(logging.INFO, logger="cahr.server.web.access")
    answers = [client.get("/id/kassym-jomart-tokayev") for _ in range(2)]
    assert [a.headers[HEADER] for a in answers] == ["miss", "hit"]
    lines = [r.getMessage() for r in caplog.records if r.name == "cahr.server.web.access"]
    parsed = [ACCESS_LINE.match(line) for line in lines]
    assert all(parsed) and len(parsed) == 2, lines
    assert [(m[1], m[2], m[3], m[4]) for m in parsed if m] == [
        ("GET", "/id/kassym-jomart-tokayev", "200", str(len(answers[0].data)))
    ] * 2


def test_the_real_server_replays_over_http(live_server: LiveServer) -> None:
    # One keep-alive connection reaches one worker, whose cache answers the repeat.
    with httpx.Client(base_url=live_server.url, headers=JSON, timeout=10) as client:
        query = {"query": SMALL + " # replay over HTTP"}
        first, again = (client.get("/sparql", params=query) for _ in range(2))
    assert (first.status_code, again.status_code) == (200, 200)
    assert (first.headers[HEADER], again.headers[HEADER]) == ("miss", "hit")
    assert again.content == first.content
    # gunicorn adds its own Date, Server and Connection once; the replay adds none of them.
    for name in ("date", "server", "content-length", "content-type", "etag"):
        assert len(again.headers.get_list(name)) == 1, name
    assert re.fullmatch(r'W/"[0-9a-f]{16}-[0-9a-f]{10}"', again.headers["ETag"])

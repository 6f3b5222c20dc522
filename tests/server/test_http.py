"""A good HTTP citizen (issue #5, point 4), through Flask's test client.

CORS with preflight, validators from the build (ETag, Last-Modified, 304),
Cache-Control, gzip, /healthz, one access-log line per request, and the one
error shape of ``server/errors.py``.
"""

from __future__ import annotations

import gzip
import logging
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.server.conftest import served
from tests.server.helpers import SMALL, error_of

BIG = "SELECT * WHERE { ?s ?p ?o } LIMIT 500"


def test_cors_on_every_answer(client: FlaskClient) -> None:
    for response in (
        client.get("/sparql", query_string={"query": SMALL}),
        client.get("/healthz"),
        client.get("/no-such-page"),
        client.post("/sparql", data={"query": "ASK {"}),
    ):
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert "X-CAHR-Truncated" in response.headers["Access-Control-Expose-Headers"]
        assert "Access-Control-Allow-Credentials" not in response.headers


def test_cors_preflight(client: FlaskClient) -> None:
    response = client.options(
        "/sparql",
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, accept",
        },
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    methods = {m.strip() for m in response.headers["Access-Control-Allow-Methods"].split(",")}
    assert methods == {"GET", "HEAD", "POST", "OPTIONS"}
    assert response.headers["Access-Control-Allow-Headers"] == "content-type, accept"
    assert int(response.headers["Access-Control-Max-Age"]) > 0


def test_etag_and_last_modified_come_from_the_build(app: Flask, client: FlaskClient) -> None:
    build = served(app).build_id
    response = client.get("/sparql", query_string={"query": SMALL})
    etag = response.headers["ETag"]
    assert etag.startswith(f'W/"{build}-')
    assert response.last_modified == served(app).last_modified
    again = client.get("/sparql", query_string={"query": SMALL})
    assert again.headers["ETag"] == etag
    csv = client.get("/sparql", query_string={"query": SMALL}, headers={"Accept": "text/csv"})
    assert csv.headers["ETag"] != etag  # another representation, another tag
    description = client.get("/sparql")
    assert description.headers["ETag"].startswith(f'W/"{build}-')


def test_conditional_requests_get_304(client: FlaskClient) -> None:
    first = client.get("/sparql", query_string={"query": SMALL})
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    for headers in (
        {"If-None-Match": etag},
        {"If-None-Match": f'"other", {etag}'},
        {"If-Modified-Since": modified},
    ):
        response = client.get("/sparql", query_string={"query": SMALL}, headers=headers)
        assert response.status_code == 304, headers
        assert response.data == b""
        assert response.headers["ETag"] == etag
        assert response.headers["Cache-Control"].startswith("public")
    changed = client.get(
        "/sparql",
        query_string={"query": SMALL},
        headers={"If-None-Match": 'W/"an-older-build-0000"'},
    )
    assert changed.status_code == 200 and changed.data == first.data
    # A POST is never answered 304: it has no cached copy to validate.
    post = client.post("/sparql", data={"query": SMALL}, headers={"If-None-Match": etag})
    assert post.status_code == 200 and "ETag" not in post.headers


def test_if_match_is_412_in_the_error_shape(client: FlaskClient) -> None:
    """Our tags are weak (an answer is the same in meaning, not always in bytes), and If-Match
    compares strongly (RFC 9110, 13.1.1): only ``*`` matches."""
    error = error_of(
        client.get(
            "/sparql", query_string={"query": SMALL}, headers={"If-Match": '"an-older-build-0000"'}
        ),
        412,
    )
    assert "If-Match" in error["message"]
    assert (
        client.get("/sparql", query_string={"query": SMALL}, headers={"If-Match": "*"}).status_code
        == 200
    )


def test_a_304_costs_no_query(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    etag = client.get("/sparql", query_string={"query": SMALL}).headers["ETag"]

    def refuse(job: object) -> None:
        raise AssertionError("the query ran although the client's copy was current")

    monkeypatch.setattr(served(app).runner, "run", refuse)
    response = client.get("/sparql", query_string={"query": SMALL}, headers={"If-None-Match": etag})
    assert response.status_code == 304


def test_cache_control(client: FlaskClient) -> None:
    assert (
        client.get("/sparql", query_string={"query": SMALL})
        .headers["Cache-Control"]
        .startswith("public, max-age=")
    )
    assert client.post("/sparql", data={"query": SMALL}).headers["Cache-Control"] == "no-store"
    assert (
        client.get("/sparql", query_string={"query": "ASK {"}).headers["Cache-Control"]
        == "no-store"
    )
    assert client.get("/healthz").headers["Cache-Control"] == "no-store"


def test_gzip_for_large_answers_only(client: FlaskClient) -> None:
    plain = client.get("/sparql", query_string={"query": BIG})
    assert "Content-Encoding" not in plain.headers
    assert "Accept-Encoding" in plain.headers["Vary"]
    zipped = client.get("/sparql", query_string={"query": BIG}, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert int(zipped.headers["Content-Length"]) == len(zipped.data) < len(plain.data) / 3
    assert gzip.decompress(zipped.data) == plain.data
    refused = client.get(
        "/sparql", query_string={"query": BIG}, headers={"Accept-Encoding": "gzip;q=0, identity"}
    )
    assert "Content-Encoding" not in refused.headers
    small = client.get(
        "/sparql", query_string={"query": "ASK {}"}, headers={"Accept-Encoding": "gzip"}
    )
    assert "Content-Encoding" not in small.headers


def test_healthz(app: Flask, client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["build_id"] == served(app).build_id
    assert body["engine"] == served(app).engine
    assert body["query_processes"] >= 1


ACCESS_LINE = re.compile(r'^\S+ "(GET|POST|HEAD|OPTIONS) (/\S*)" (\d{3}) (\d+|-)B (\d+\.\d)ms$')


def test_one_access_log_line_per_request(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="cahr.server.web.access")
    client.get("/sparql", query_string={"query": SMALL})
    client.post("/sparql", data={"query": "ASK {"})
    client.get("/nowhere")
    client.head("/healthz")
    lines = [r.getMessage() for r in caplog.records if r.name == "cahr.server.web.access"]
    assert len(lines) == 4, lines
    parsed = [ACCESS_LINE.match(line) for line in lines]
    assert all(parsed), lines
    assert [(m[1], m[2].split("?")[0], m[3]) for m in parsed if m] == [
        ("GET", "/sparql", "200"),
        ("POST", "/sparql", "400"),
        ("GET", "/nowhere", "404"),
        ("HEAD", "/healthz", "200"),
    ]
    first = parsed[0]
    assert first is not None and int(first[4]) > 100 and "query=" in first[2]


def test_the_error_shape(client: FlaskClient) -> None:
    error = error_of(client.get("/nowhere"), 404)
    assert set(error) == {"status", "title", "message"}
    syntax = error_of(client.get("/sparql", query_string={"query": "SELECT"}), 400)
    assert set(syntax) == {"status", "title", "message", "line", "column"}


def test_browsers_get_an_error_page(client: FlaskClient) -> None:
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = client.get(
        "/sparql", query_string={"query": "SELECT ?x WHERE { ?x }"}, headers={"Accept": browser}
    )
    assert response.status_code == 400 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "400 Query syntax error" in page and "line 1" in page


def test_a_bug_is_a_logged_500_not_a_4xx(make_app, caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    app = make_app()

    @app.route("/boom")
    def boom() -> str:
        raise RuntimeError("a bug")

    caplog.set_level(logging.ERROR, logger="cahr.server.web.errors")
    error = error_of(app.test_client().get("/boom"), 500)
    assert "a bug" not in error["message"]  # nothing internal leaks
    assert any("a bug" in (r.exc_text or "") or r.exc_info for r in caplog.records)

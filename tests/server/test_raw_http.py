"""Hostile HTTP framing against the real ``kg serve`` (issue #11, point 5): raw sockets.

What an HTTP client library will not send: chunked bodies with bad sizes, a body
declared but never sent, pipelined requests, ``Expect: 100-continue``, oversized
headers, smuggling forms. Every answer must be a 4xx with a message (or the right
2xx), and no connection may hang.
"""

from __future__ import annotations

import json
import re
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

from cahr.server.web.inputs import BODY_SECONDS
from tests.server.conftest import LiveServer

ASK = quote("ASK { ?s ?p ?o }", safe="")
CLOSE = b"Host: 127.0.0.1\r\nConnection: close\r\n"
DIRECT = b"Content-Type: application/sparql-query\r\n"


def exchange(server: LiveServer, raw: bytes, wait: float = 10.0) -> tuple[list[int], bytes]:
    """Send ``raw`` on a new connection; the statuses of the answers and the last body.

    :raises TimeoutError: the server sent nothing more for ``wait`` seconds.
    """
    port = int(server.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as sock:
        sock.sendall(raw)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    # A body is followed by the next status line directly, without a line break.
    statuses = [int(code) for code in re.findall(rb"HTTP/1\.[01] (\d{3}) ", data)]
    return statuses, data.rsplit(b"\r\n\r\n", 1)[-1]


def _message(body: bytes) -> str:
    message: str = json.loads(body)["error"]["message"]
    assert message
    return message


def test_malformed_chunked_bodies_are_400_with_a_message(live_server: LiveServer) -> None:
    head = b"POST /sparql HTTP/1.1\r\n" + CLOSE + DIRECT + b"Transfer-Encoding: chunked\r\n\r\n"
    for chunks in (b"zz\r\nASK {}\r\n0\r\n\r\n", b"-5\r\nASK {}\r\n0\r\n\r\n", b"6\r\nASK {}XX"):
        statuses, body = exchange(live_server, head + chunks)
        assert statuses == [400], (chunks, statuses, body)
        assert "body" in _message(body)
    # Valid chunks are a query like any other.
    statuses, body = exchange(live_server, head + b"4\r\nASK \r\n2\r\n{}\r\n0\r\n\r\n")
    assert statuses == [200] and json.loads(body)["boolean"] is True


def test_a_body_declared_but_not_sent_is_a_408_not_a_hang(live_server: LiveServer) -> None:
    post = b"POST /sparql HTTP/1.1\r\n" + CLOSE + DIRECT
    forms = (
        post + b"Content-Length: 60\r\n\r\nASK {}",
        post + b"Transfer-Encoding: chunked\r\n\r\nFFFFFFFF\r\nASK {}",
    )
    started = time.monotonic()
    with ThreadPoolExecutor(len(forms)) as pool:
        answers = list(pool.map(lambda raw: exchange(live_server, raw, BODY_SECONDS + 10), forms))
    assert time.monotonic() - started < BODY_SECONDS + 5
    for statuses, body in answers:
        assert statuses == [408], answers
        assert f"{BODY_SECONDS} s" in _message(body)


def test_pipelined_requests_and_expect_continue_are_answered(live_server: LiveServer) -> None:
    get = b"GET /sparql?query=" + ASK.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    statuses, _ = exchange(live_server, get * 3 + b"GET /healthz HTTP/1.1\r\n" + CLOSE + b"\r\n")
    assert statuses == [200, 200, 200, 200]
    form = b"query=" + ASK.encode()
    statuses, body = exchange(
        live_server,
        b"POST /sparql HTTP/1.1\r\n"
        + CLOSE
        + b"Content-Type: application/x-www-form-urlencoded\r\nExpect: 100-continue\r\n"
        + b"Content-Length: %d\r\n\r\n" % len(form)
        + form,
    )
    assert statuses == [100, 200] and json.loads(body)["boolean"] is True


def test_framing_attacks_are_4xx(live_server: LiveServer) -> None:
    query = b"/sparql?query=" + ASK.encode()
    cases = {
        "a 100 KB header": b"GET " + query + b" HTTP/1.1\r\n" + CLOSE + b"X: " + b"a" * 100_000,
        "a 100 KB Accept": b"GET "
        + query
        + b" HTTP/1.1\r\n"
        + CLOSE
        + b"Accept: "
        + b"a/b, " * 20_000,
        "200 headers": b"GET "
        + query
        + b" HTTP/1.1\r\n"
        + CLOSE
        + b"\r\n".join(b"X-%d: a" % i for i in range(200)),
        "Content-Length and chunked": b"POST /sparql HTTP/1.1\r\n"
        + CLOSE
        + DIRECT
        + b"Transfer-Encoding: chunked\r\nContent-Length: 6",
        "two Content-Lengths": b"POST /sparql HTTP/1.1\r\n"
        + CLOSE
        + DIRECT
        + b"Content-Length: 6\r\nContent-Length: 7",
        "a negative Content-Length": b"POST /sparql HTTP/1.1\r\n"
        + CLOSE
        + DIRECT
        + b"Content-Length: -1",
        "obsolete line folding": b"GET " + query + b" HTTP/1.1\r\n" + CLOSE + b"X: a\r\n b",
        "a NUL in Host": b"GET " + query + b" HTTP/1.1\r\nHost: a\x00b\r\nConnection: close",
        "the query twice": b"GET " + query + b"&query=" + ASK.encode() + b" HTTP/1.1\r\n" + CLOSE,
        "a query in the URL and the body": b"POST "
        + query
        + b" HTTP/1.1\r\n"
        + CLOSE
        + DIRECT
        + b"Content-Length: 6\r\n\r\nASK {}",
        "a body larger than the limit": b"POST /sparql HTTP/1.1\r\n"
        + CLOSE
        + DIRECT
        + b"Content-Length: 99999999999",
    }
    for name, raw in cases.items():
        if not raw.endswith(b"ASK {}"):
            raw += b"\r\n\r\n"
        statuses, body = exchange(live_server, raw)
        assert len(statuses) == 1 and 400 <= statuses[0] < 500, (name, statuses, body[:300])
        assert body.strip(), name  # gunicorn's own pages say what was wrong too

"""Raw bytes to the real ``kg serve`` (gunicorn), where Werkzeug's test client cannot go.

The test client decodes a path before the app sees it (invalid UTF-8 becomes
U+FFFD); gunicorn hands the app the bytes. Each request is written on a raw
socket to loopback and must get a 4xx, never a 5xx, and within a time bound.
"""

from __future__ import annotations

import re
import socket
from urllib.parse import urlsplit

import pytest

from tests.server.conftest import LiveServer

pytestmark = pytest.mark.server

SECONDS = 15
REQUEST_LINES = [
    b"GET /id/%FF HTTP/1.1",
    b"GET /source/%C0%AF HTTP/1.1",
    b"GET /graph/%ED%A0%80 HTTP/1.1",
    b"GET /dumps/%FFunion.ttl HTTP/1.1",
    b"GET /vendor/yasgui/%FF HTTP/1.1",
    b"GET /ontology/%FF HTTP/1.1",
    b"GET /id/a%00b HTTP/1.1",
    b"GET /id/\xff\xfe HTTP/1.1",
    b"GET /source/\xc0\xaf HTTP/1.1",
    b"GET /sparql?query=ASK%7B%7D%FF HTTP/1.1",
    b"GET /sparql?query=ASK{}\xff HTTP/1.1",
    b"GET /id/" + b"x" * 10_000 + b" HTTP/1.1",
    b"GET /id/../../etc/passwd HTTP/1.1",
    b"GET /dumps/..%2F..%2Fetc%2Fpasswd HTTP/1.1",
]
# Odd but well-formed: any answer but a 5xx (Werkzeug redirects merged slashes).
ODD_LINES = [b"GET //id/kazakhstan HTTP/1.1", b"GET /./id/./kazakhstan HTTP/1.1"]


def _send(server: LiveServer, raw: bytes) -> bytes:
    address = urlsplit(server.url)
    assert address.hostname == "127.0.0.1"  # loopback only
    with socket.create_connection((address.hostname, address.port), timeout=SECONDS) as sock:
        sock.sendall(raw)
        answer = b""
        for _ in range(1000):  # bounded: Connection: close ends it long before
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
    return answer


@pytest.mark.parametrize("line", REQUEST_LINES, ids=lambda line: repr(line[:40]))
def test_raw_bytes_in_the_request_line_are_a_4xx(live_server: LiveServer, line: bytes) -> None:
    answer = _send(live_server, line + b"\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    status = re.match(rb"HTTP/1\.[01] (\d{3})", answer)
    assert status, answer[:200]
    assert 400 <= int(status.group(1)) < 500, answer[:500]


@pytest.mark.parametrize("line", ODD_LINES, ids=lambda line: repr(line[:40]))
def test_odd_request_lines_are_never_a_5xx(live_server: LiveServer, line: bytes) -> None:
    answer = _send(live_server, line + b"\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    status = re.match(rb"HTTP/1\.[01] (\d{3})", answer)
    assert status and int(status.group(1)) < 500, answer[:500]


def test_invalid_utf8_in_a_path_is_400_from_the_app(live_server: LiveServer) -> None:
    """gunicorn passes the bytes: the app itself says what is wrong (before: 500)."""
    answer = _send(live_server, b"GET /id/%FF HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400"), answer[:300]
    assert b"not UTF-8" in answer and b"RFC 3987" in answer, answer[:600]

"""Replay: send the stored bytes of an answer again when the very same request repeats.

Why: a cached answer (``cache.py``) still costs a trip through Flask: parse
the query string, vet the query, negotiate, build a Response, run the
``after_request`` steps (CORS, validators, Cache-Control, gzip). A hit cost
about twice a trivial route. But for a GET with no conditions, the finished
response is fixed by the request line and the few headers that the steps
read, so it can be kept as sent and replayed in front of Flask, the way a
reverse proxy's cache would.

What is replayed: only a response that Flask answered from, or put into, the
response cache (``cache.answered()`` names that answer), with status 200, to a
GET without If-* or Range headers. The key holds the build, the path, the raw
query string and every request header the answer depends on (Accept,
Accept-Encoding, Host, the scheme, X-Forwarded-*); any other request goes to
Flask as before. So a replay can never answer what Flask would answer
differently: a refused query was never answered, a conditional GET is
revalidated by Flask, a client that cannot take gzip is a different key.

A finished response is kept in the worker's ``ResponseCache`` with the answer
it was made from, and shares that answer's body (plain or gzipped): it costs
its headers, is evicted with the answer, and a replay makes the answer the
most recently used. A replay is counted as a hit, writes the same access-log
line as any request and says ``X-CAHR-Cache: hit``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from cahr.server.web.access import log_request
from cahr.server.web.cache import HEADER, Entry, ResponseCache, answered, begin_request

# Request headers whose presence sends the request to Flask: Flask answers
# them (304, 412, 206) from the validators, which a replay does not check.
CONDITIONAL = (
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_MATCH",
    "HTTP_IF_UNMODIFIED_SINCE",
    "HTTP_IF_RANGE",
    "HTTP_RANGE",
)
# The request's parts that the finished response depends on (besides the build).
KEYED = (
    "SCRIPT_NAME",
    "PATH_INFO",
    "QUERY_STRING",
    "HTTP_ACCEPT",
    "HTTP_ACCEPT_ENCODING",
    "HTTP_HOST",
    "SERVER_NAME",
    "SERVER_PORT",
    "wsgi.url_scheme",
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_X_FORWARDED_PREFIX",
)

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class Replay:
    """WSGI middleware that replays finished 200 answers to repeated plain GETs."""

    def __init__(self, app: WSGIApp, cache: ResponseCache, build_id: str) -> None:
        self.app, self.cache, self.build_id = app, cache, build_id

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "GET" or any(h in environ for h in CONDITIONAL):
            return self.app(environ, start_response)
        started = time.perf_counter()
        key = self.cache.key(
            "replay", self.build_id, *(str(environ.get(name, "")) for name in KEYED)
        )
        found = self.cache.replay(key)
        if found is not None:
            headers, body = found
            start_response("200 OK", [*headers, (HEADER, "hit")])
            _log(environ, len(body), started)
            return [body]
        return self._answer_and_keep(environ, start_response, key)

    def _answer_and_keep(
        self, environ: dict[str, Any], start_response: StartResponse, key: bytes
    ) -> Iterable[bytes]:
        sent: list[Any] = []

        def remember(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            sent[:] = [status, headers]
            return start_response(status, headers, exc_info)

        begin_request()
        body = self.app(environ, remember)
        entry: Entry | None = answered()
        if entry is None or not sent or not sent[0].startswith("200 "):
            return body
        try:
            data = b"".join(body)
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()
        headers = [(k, v) for k, v in sent[1] if k.lower() != HEADER.lower()]
        self.cache.keep_finished(key, entry, headers, data)
        return [data]


def _log(environ: dict[str, Any], size: int, started: float) -> None:
    log_request(
        environ.get("REMOTE_ADDR"),
        "GET",
        # WSGI carries the path's bytes as latin-1; Flask logs it decoded as UTF-8.
        environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8", "replace"),
        environ.get("QUERY_STRING", ""),
        200,
        str(size),
        (time.perf_counter() - started) * 1000,
    )

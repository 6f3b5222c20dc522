"""A response cache for the immutable build: each worker keeps its successful answers.

The data never changes while a worker serves it (a new build means new
workers, ``state.py``), so an answer depends only on the request: for /sparql
the query (normalised, see :func:`normalise_query`), the dataset parameters,
the negotiated media types and the row cap; for pages and the dumps' listing
the URL (path and query string), the host (the service description names it)
and the negotiated media type. Each key also holds the build id.

The cache sits in front of the views, behind everything else: the request is
read, vetted and negotiated first (so a refused query is refused even if an
identical text was answered before: it never was), and the ``after_request``
steps (CORS, ETag/304, Cache-Control, gzip, access log) run on a hit as on a
miss. Only 2xx answers are kept, never errors or timeouts. A hit also keeps
the gzipped body, so it is compressed once. Requests for the same key that
arrive while it is being evaluated wait for that evaluation and count as hits
(single flight, per worker), so a burst evaluates a query once, not once per
request. In front of it all, ``replay.py`` answers a repeated GET from the
finished response.

It is bounded by ``cache_mb`` (per worker process), evicting the least
recently used answers; an answer larger than a quarter of the bound is not
kept, so one large result cannot empty it. ``cache_mb = 0`` turns it off. The
``X-CAHR-Cache`` header says ``hit``, ``miss`` or ``off``; /healthz counts them.
"""

from __future__ import annotations

import contextvars
import functools
import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, Response, current_app, g, make_response, request
from flask.typing import ResponseReturnValue

from cahr.server.protocol.negotiation import negotiate

HEADER = "X-CAHR-Cache"
# An answer larger than this share of the bound is not kept.
LARGEST_SHARE = 4
# Seconds a request waits, past the query time limit, for another's evaluation of its key.
CLAIM_GRACE = 5
# Bytes counted per entry besides its body and headers (key, objects, list slots).
ENTRY_OVERHEAD = 256
# Headers computed again for every response, never stored.
NOT_STORED = {"content-length", HEADER.lower()}
_ENTRY = "cahr_cache_entry"
# Where an application keeps its cache (:func:`install`, called by ``state.py``).
EXTENSION = "cahr.cache"
# The kept answer the current request's response was made from, if any: what
# :func:`answered` tells the layer in front (``replay.py``), which imports this
# module, never the other way. A context variable, so one per thread or greenlet.
_ANSWERED: contextvars.ContextVar[Entry | None] = contextvars.ContextVar(
    "cahr_answered", default=None
)


def header_bytes(headers: list[tuple[str, str]]) -> int:
    """What a kept list of headers counts in the bound (with the entry's overhead)."""
    return ENTRY_OVERHEAD + sum(len(k) + len(v) for k, v in headers)


@dataclass
class Finished:
    """The finished response to one exact request (``replay.py``): its headers as sent,
    and which body of its answer went with them."""

    headers: list[tuple[str, str]]
    gzipped: bool


@dataclass
class Entry:
    """A kept answer: status, headers and body as the view made them, and the finished
    responses made from it, by the key of the exact request they answered."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes
    gzipped: bytes | None = None
    key: bytes = b""  # set when kept
    finished: dict[bytes, Finished] = field(default_factory=dict)

    @property
    def size(self) -> int:
        replays = sum(header_bytes(f.headers) for f in self.finished.values())
        return header_bytes(self.headers) + len(self.body) + len(self.gzipped or b"") + replays

    @classmethod
    def of(cls, response: Response) -> Entry:
        headers = [(k, v) for k, v in response.headers if k.lower() not in NOT_STORED]
        return cls(response.status_code, headers, response.get_data())

    def response(self) -> Response:
        return Response(self.body, status=self.status, headers=self.headers)


class ResponseCache:
    """Answers by key, least recently used first out, bounded in bytes; thread-safe.

    Our own LRU (an OrderedDict under one lock), not cachetools': on the site's key
    mix (benchmarks/lru.py: 632 page and question keys, Zipf-like traffic, a bound
    of a third of the answers' bytes) ours took 6.5 to 8.3 µs a request and
    cachetools 8.0.2's LRUCache, behind the same lock, 8.2 to 10.5 µs, for the same
    hit ratio (0.839); and the finished responses of ``replay.py`` and the claims of
    single flight must leave with their answer under the same lock, which
    cachetools' eviction would need a subclass for.
    """

    def __init__(self, max_bytes: int, build_id: str = "") -> None:
        self.max_bytes = max(0, int(max_bytes))
        self.build_id = build_id  # part of every key: answers of one build only
        self._entries: OrderedDict[bytes, Entry] = OrderedDict()
        # The answer that holds each finished response, by the exact request's key.
        self._finished: dict[bytes, Entry] = {}
        # The keys being evaluated now, and the event their evaluation sets when done.
        self._claims: dict[bytes, threading.Event] = {}
        self._lock = threading.Lock()
        self.bytes = self.hits = self.misses = self.evictions = 0

    @property
    def enabled(self) -> bool:
        return self.max_bytes > 0

    @staticmethod
    def key(*parts: str) -> bytes:
        """A fixed-size key for the parts of a request that decide its answer."""
        digest = hashlib.sha256()
        for part in parts:
            data = part.encode("utf-8", "surrogatepass")
            digest.update(len(data).to_bytes(8, "big") + data)
        return digest.digest()

    def get(self, key: bytes) -> Entry | None:
        """The kept answer (now the most recently used), counted as a hit if there is one.

        A miss is counted by :meth:`count_miss` when the answer is evaluated: a
        request that waits for another's evaluation (:meth:`claim`) is not one.
        """
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry

    def count_miss(self) -> None:
        with self._lock:
            self.misses += 1

    def claim(self, key: bytes) -> threading.Event | None:
        """Claim the evaluation of ``key``: None if it is now this request's to make
        (it must :meth:`release` the claim), else the event another request's release sets.

        So that a burst of the same request (a class running the same example at
        once) evaluates it once per worker, not once per request.
        """
        with self._lock:
            event = self._claims.get(key)
            if event is None:
                self._claims[key] = threading.Event()
            return event

    def release(self, key: bytes) -> None:
        """End a claim; the requests waiting on it look the cache up again."""
        with self._lock:
            event = self._claims.pop(key, None)
        if event is not None:
            event.set()

    def replay(self, key: bytes) -> tuple[list[tuple[str, str]], bytes] | None:
        """The finished response kept for the exact request ``key`` (headers, body).

        Found, it counts as a hit and its answer becomes the most recently used; a
        request not found goes on to the view, which counts it.
        """
        with self._lock:
            entry = self._finished.get(key)
            if entry is None:
                return None
            finished = entry.finished[key]
            self._entries.move_to_end(entry.key)
            self.hits += 1
        body = entry.gzipped if finished.gzipped else entry.body
        assert body is not None  # kept only once the gzipped body was
        return finished.headers, body

    def keep_finished(
        self, key: bytes, entry: Entry, headers: list[tuple[str, str]], body: bytes
    ) -> None:
        """Keep the finished response to the exact request ``key`` beside its answer.

        Only while the answer is kept, and only when ``body`` is one of the answer's
        own bodies (plain or gzipped): then the response costs its headers alone.
        """
        if body == entry.body:
            finished = Finished(headers, gzipped=False)
        elif entry.gzipped is not None and body == entry.gzipped:
            finished = Finished(headers, gzipped=True)
        else:
            return
        with self._lock:
            if self._entries.get(entry.key) is not entry or key in entry.finished:
                return
            entry.finished[key] = finished
            self._finished[key] = entry
            self.bytes += header_bytes(headers)
            self._evict()

    def put(self, key: bytes, entry: Entry) -> bool:
        """Keep ``entry``, evicting the least recently used; False if it is too large."""
        size = entry.size
        if size > self.max_bytes // LARGEST_SHARE:
            return False
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._drop(old)
            entry.key = key
            self._entries[key] = entry
            self.bytes += size
            self._evict()
        return True

    def add_gzipped(self, entry: Entry, gzipped: bytes) -> None:
        """Keep the gzipped body of a kept answer beside it (counted in the bound)."""
        with self._lock:
            if entry.gzipped is not None:
                return
            kept = self._entries.get(entry.key) is entry
            entry.gzipped = gzipped
            if kept:
                self.bytes += len(gzipped)
                self._evict()

    def stats(self) -> dict[str, int]:
        with self._lock:
            return {
                "hits": self.hits,
                "misses": self.misses,
                "entries": len(self._entries),
                "bytes": self.bytes,
                "max_bytes": self.max_bytes,
                "evictions": self.evictions,
            }

    def _evict(self) -> None:
        """Drop the least recently used answers until the bound holds (lock held)."""
        while self.bytes > self.max_bytes and self._entries:
            _, dropped = self._entries.popitem(last=False)
            self._drop(dropped)
            self.evictions += 1

    def _drop(self, entry: Entry) -> None:
        """Forget an answer taken out of the LRU order, and its finished responses (lock held)."""
        self.bytes -= entry.size
        for key in entry.finished:
            self._finished.pop(key, None)


def install(app: Flask, cache: ResponseCache) -> None:
    """Make ``cache`` the response cache of ``app`` (what :func:`respond` uses)."""
    app.extensions[EXTENSION] = cache


def current_cache() -> ResponseCache:
    """The response cache of the current application."""
    cache: ResponseCache = current_app.extensions[EXTENSION]
    return cache


def begin_request() -> None:
    """Forget the answer of an earlier request on this thread or greenlet."""
    _ANSWERED.set(None)


def answered() -> Entry | None:
    """The kept answer that the current request's response was made from, if any."""
    return _ANSWERED.get()


def _answer_with(entry: Entry) -> None:
    setattr(g, _ENTRY, entry)
    _ANSWERED.set(entry)


def respond(parts: Sequence[str], make: Callable[[], ResponseReturnValue]) -> Response:
    """The kept answer for the request ``parts`` describe (a hit), or ``make()``'s (a miss).

    ``make()``'s answer is kept when it is a 2xx with its body in memory; an
    exception (any error) passes through and nothing is kept.
    """
    cache = current_cache()
    if not cache.enabled:
        response = make_response(make())
        response.headers[HEADER] = "off"
        return response
    key = cache.key(cache.build_id, *parts)
    entry = cache.get(key)
    claimed = False
    if entry is None:
        evaluating = cache.claim(key)
        claimed = evaluating is None
        if evaluating is not None:
            # The other request's evaluation is bounded by the query time limit.
            evaluating.wait(float(current_app.config["CAHR"]["query_timeout"]) + CLAIM_GRACE)
            entry = cache.get(key)  # None if it failed or was not kept: evaluate here
    if entry is not None:
        response = entry.response()
        _answer_with(entry)
        response.headers[HEADER] = "hit"
        return response
    cache.count_miss()
    try:
        response = make_response(make())
        if (
            200 <= response.status_code < 300
            and not response.direct_passthrough
            and not response.is_streamed
        ):
            entry = Entry.of(response)
            if cache.put(key, entry):
                _answer_with(entry)
    finally:
        if claimed:
            cache.release(key)
    response.headers[HEADER] = "miss"
    return response


def gzipped(body: bytes, compress: Callable[[bytes], bytes]) -> bytes:
    """``compress(body)``, done once per kept answer: later hits reuse it."""
    entry: Entry | None = g.get(_ENTRY)
    if entry is None or len(entry.body) != len(body) or entry.body != body:
        return compress(body)
    if entry.gzipped is None:
        current_cache().add_gzipped(entry, compress(body))
    assert entry.gzipped is not None
    return entry.gzipped


def cached_view(offers: Sequence[str] | None = None) -> Callable[[Any], Any]:
    """Put the cache in front of a GET view whose answer depends on its URL alone.

    :param offers: the media types the view negotiates among (by Accept), if any:
        the one the client prefers is part of the key.
    """

    def decorate(view: Callable[..., ResponseReturnValue]) -> Callable[..., Response]:
        @functools.wraps(view)
        def cached(*args: Any, **kwargs: Any) -> Response:
            chosen = negotiate(request.headers.get("Accept"), offers) if offers else None
            parts = (
                "page",
                request.host_url,
                request.path,
                request.query_string.decode("latin-1"),
                chosen or "",
            )
            return respond(parts, lambda: view(*args, **kwargs))

        return cached

    return decorate


# A run of SPARQL whitespace (never other Unicode spaces) holding a line break.
_LINE_BREAKS = re.compile(r"[ \t]*[\r\n][ \t\r\n]*")
SPARQL_SPACE = " \t\r\n"


def normalise_query(text: str) -> str:
    """The query stripped, with indentation, trailing spaces and blank lines taken out.

    Each run of whitespace that holds a line break becomes one newline. Safe by
    construction: without long strings (\"\"\" or ''') and codepoint escapes
    (``\\u``, decoded before parsing, so they could spell a quote or a newline), no
    SPARQL token holds a line break (IRIs and short strings cannot; a comment ends at
    one; ``[ ]`` and ``( )`` take any whitespace), so such a run lies between tokens,
    ends a comment, or sits in a string left open, which is an error either way.
    Runs within a line are kept: telling a string from an IRI holding a quote would
    need the parser. A query with long strings or escapes is only stripped.

    >>> normalise_query('  SELECT *\\r\\n\\n    WHERE { ?s ?p "a  b" }  \\n')
    'SELECT *\\nWHERE { ?s ?p "a  b" }'
    """
    if '"""' in text or "'''" in text or "\\u" in text or "\\U" in text:
        return text.strip(SPARQL_SPACE)
    return _LINE_BREAKS.sub("\n", text).strip(SPARQL_SPACE)

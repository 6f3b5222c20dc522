"""The real ``kg serve`` under hostile load: slow clients, a burst of runaway queries.

Slow clients: 50 connections send their request headers one byte a second
(each reconnects when the server drops it) while a normal query and /healthz
are asked again and again; every answer must come within a second. Overload:
20 queries that each run to the time limit, sent at once, while /healthz and a
cheap query (a new text each time, so that no cache answers it) must answer
within a second throughout; the queries that find no free process get 503 with
Retry-After, within the queue's wait, not after minutes.

Everything talks to the real server on a free loopback port.
"""

from __future__ import annotations

import gc
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from server.settings import defaults
from tests.server.conftest import LiveServer, start_server, stop_server
from tests.server.helpers import CARTESIAN

pytestmark = [pytest.mark.server, pytest.mark.slow]

SLOW_CLIENTS = 50
SLOW_SECONDS = 12  # the probe ran 30 s; benchmarks/RESULTS.md has that run
BURST = 20
TIMEOUT = 2
WAIT = defaults()["query_wait"]
ANSWER_WITHIN = 1.0
# A probe's answer on a quiet machine takes about this long (fresh connection, cheap query).
QUIET_ANSWER = 0.02
# However slow the machine, a probe answer may never take this long: a probe that waited
# for a runaway query (it holds its process up to TIMEOUT) still fails.
LONGEST_BUDGET = 0.75 * TIMEOUT
HEADERS = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slow-probe\r\n\r\n"


@pytest.fixture(scope="module")
def default_server(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """``kg serve`` with its default settings, but a short query timeout."""
    server = start_server(
        dist,
        tmp_path_factory.mktemp("overload") / "kg-serve.log",
        "--query-timeout",
        str(TIMEOUT),
    )
    yield server
    stop_server(server)


def _cheap(n: int) -> str:
    """A small query whose text (so its cache key) differs with ``n``."""
    return f"SELECT ?s WHERE {{ ?s a ?type }} LIMIT {n % 500 + 1} OFFSET {n // 500}"


class Probe:
    """Asks /healthz and a new cheap query in turn, on new connections, timing each answer."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.results: list[tuple[str, object, float]] = []
        self.stop = threading.Event()

    def run(self) -> None:
        n = 0
        # A new connection for each request, as a new visitor opens one.
        fresh = httpx.Limits(max_keepalive_connections=0)
        with httpx.Client(timeout=10, limits=fresh) as client:
            while not self.stop.is_set():
                n += 1
                self._time(client, "healthz", "/healthz", {})
                self._time(client, "query", "/sparql", {"query": _cheap(n)})
                self.stop.wait(0.2)

    def _time(self, client: httpx.Client, name: str, path: str, params: dict[str, str]) -> None:
        started = time.monotonic()
        try:
            status: object = client.get(self.url + path, params=params).status_code
        except httpx.TransportError as exc:
            status = repr(exc)
        self.results.append((name, status, time.monotonic() - started))

    def failures(self, within: float = ANSWER_WITHIN) -> list[tuple[str, object, float]]:
        return [r for r in self.results if r[1] != 200 or r[2] >= within]


def answer_budget(url: str, tries: int = 9) -> float:
    """How long a probe's answer may take during the burst, on this machine now.

    On a quiet machine ANSWER_WITHIN; on a loaded one (the burst test failed at load
    average 30 with every answer correct but late), the same multiple of what an idle
    server's cheap query takes now, measured just before, and never LONGEST_BUDGET or
    more, so that a probe held behind a runaway query still fails.
    """
    probe = Probe(url)
    with httpx.Client(timeout=10, limits=httpx.Limits(max_keepalive_connections=0)) as client:
        for n in range(tries):
            probe._time(client, "query", "/sparql", {"query": _cheap(100_000 + n)})
    assert probe.failures(LONGEST_BUDGET) == [], probe.results
    now = sorted(seconds for *_, seconds in probe.results)[tries // 2]
    return min(LONGEST_BUDGET, ANSWER_WITHIN * max(1.0, now / QUIET_ANSWER))


@contextmanager
def _no_collections_here() -> Iterator[None]:
    """No garbage collection in this (the client's) process meanwhile: the session's
    fixtures hold large graphs, and a full collection that 20 threads' allocations set off
    stalled every thread, the probe's too, for up to 0.9 s: a delay of the client, which
    its timings took for the server's."""
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _slow_client(port: int, until: float, dropped: list[int]) -> None:
    """Send the headers of a request one byte a second until ``until``; reconnect when dropped."""
    while time.monotonic() < until:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            try:
                for byte in HEADERS[:-1]:  # never the last byte: the request never ends
                    if time.monotonic() >= until:
                        return
                    sock.sendall(bytes([byte]))
                    time.sleep(1)
            except OSError:
                dropped.append(1)


def test_slow_clients_do_not_stop_anyone_being_answered(default_server: LiveServer) -> None:
    port = int(default_server.url.rsplit(":", 1)[1])
    until = time.monotonic() + SLOW_SECONDS
    dropped: list[int] = []
    slow = [
        threading.Thread(target=_slow_client, args=(port, until, dropped), daemon=True)
        for _ in range(SLOW_CLIENTS)
    ]
    for thread in slow:
        thread.start()
    time.sleep(2)  # every slow connection is open and sending
    probe = Probe(default_server.url)
    asking = threading.Thread(target=probe.run)
    asking.start()
    while time.monotonic() < until:
        time.sleep(0.2)
    probe.stop.set()
    asking.join()
    for thread in slow:
        thread.join(10)
    assert len(probe.results) >= 2 * 8, probe.results
    assert probe.failures() == []


def test_a_burst_of_runaway_queries_leaves_room_for_cheap_ones(
    default_server: LiveServer,
) -> None:
    url = default_server.url + "/sparql"
    within = answer_budget(default_server.url)
    probe = Probe(default_server.url)
    asking = threading.Thread(target=probe.run)
    clients = [httpx.Client(timeout=60) for _ in range(BURST)]
    for client in clients:  # connected beforehand, so that the queries leave at once
        assert client.get(default_server.url + "/healthz").status_code == 200
    start = threading.Barrier(BURST)

    def runaway(n: int) -> tuple[int, str | None, float, str]:
        start.wait()
        started = time.monotonic()
        # A LIMIT of its own: another cache key, so the burst is 20 evaluations, not one.
        response = clients[n].post(url, data={"query": f"{CARTESIAN} LIMIT {n + 1}"})
        title = response.json()["error"]["title"] if response.status_code != 200 else ""
        return (
            response.status_code,
            response.headers.get("Retry-After"),
            time.monotonic() - started,
            title,
        )

    with _no_collections_here():
        asking.start()
        time.sleep(0.5)
        with ThreadPoolExecutor(BURST) as pool:
            answers = list(pool.map(runaway, range(BURST)))
        time.sleep(1)
        probe.stop.set()
        asking.join()
    for client in clients:
        client.close()

    assert {status for status, *_ in answers} == {503}, answers
    timed_out = [a for a in answers if a[3] == "Query timeout"]
    refused = [a for a in answers if a[3] != "Query timeout"]
    # Some ran to the limit; the others were refused with Retry-After, within the queue's wait.
    assert timed_out and refused, answers
    assert all(a[1] is not None and int(a[1]) >= 1 for a in refused), refused
    assert all(a[2] < WAIT + 1 for a in refused), refused
    assert all(a[2] < TIMEOUT + WAIT + 1 for a in timed_out), timed_out
    assert len(probe.results) >= 2 * 8, probe.results
    assert probe.failures(within) == [], within

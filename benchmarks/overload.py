"""Hostile-load probes of ``kg serve`` (issue #11): memory at rest, slow clients, a runaway burst.

``python -m benchmarks.overload`` starts ``kg serve`` with its defaults (and
``--query-timeout``) on a free loopback port and prints:

- the RSS and PSS of its process tree at rest;
- slow clients: ``--slow`` connections send their request headers one byte a
  second for ``--seconds`` (each reconnects when the server drops it) while
  /healthz and a new cheap query are asked in turn on new connections; how many
  of those answered 200 within 1 s;
- a burst: ``--burst`` queries that run to the time limit, sent at once on
  connections opened beforehand, with the same probe; how each was answered.

Loopback only; the server is stopped through its process group.
"""

from __future__ import annotations

import argparse
import http.client
import socket
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

from benchmarks.servers import HOST, Server, free_port

ROOT = Path(__file__).resolve().parent.parent
HEADERS = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slow-probe\r\n\r\n"
CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
WITHIN = 1.0


def _ask(port: int, method: str, path: str, body: str = "") -> tuple[int, float, str]:
    """One request on a new connection: (status or -1, seconds, Retry-After)."""
    started = time.monotonic()
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        headers = {"Content-Type": "application/x-www-form-urlencoded"} if body else {}
        conn.request(method, path, body=body or None, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status, time.monotonic() - started, response.getheader("Retry-After", "")
    except OSError:
        return -1, time.monotonic() - started, ""
    finally:
        conn.close()


class Probe(threading.Thread):
    """/healthz and a new cheap query in turn, every 0.2 s, until stopped."""

    def __init__(self, port: int) -> None:
        super().__init__(daemon=True)
        self.port, self.stop = port, threading.Event()
        self.results: list[tuple[int, float]] = []

    def run(self) -> None:
        n = 0
        while not self.stop.is_set():
            n += 1
            query = f"SELECT ?s WHERE {{ ?s a ?type }} LIMIT {n % 500 + 1} OFFSET {n // 500}"
            for path in ("/healthz", "/sparql?" + urlencode({"query": query})):
                self.results.append(_ask(self.port, "GET", path)[:2])
            self.stop.wait(0.2)

    def summary(self) -> str:
        good = sum(1 for status, took in self.results if status == 200 and took < WITHIN)
        worst = max((took for _, took in self.results), default=0.0)
        return f"{good} of {len(self.results)} answered 200 within {WITHIN:g} s (slowest {worst:.3f} s)"


def slow_clients(port: int, connections: int, seconds: float) -> str:
    until = time.monotonic() + seconds
    dropped = Counter[str]()

    def slow() -> None:
        while time.monotonic() < until:
            try:
                with socket.create_connection((HOST, port), timeout=5) as sock:
                    for byte in HEADERS[:-1]:
                        if time.monotonic() >= until:
                            return
                        sock.sendall(bytes([byte]))
                        time.sleep(1)
            except OSError:
                dropped["dropped"] += 1

    threads = [threading.Thread(target=slow, daemon=True) for _ in range(connections)]
    for thread in threads:
        thread.start()
    time.sleep(2)
    probe = Probe(port)
    probe.start()
    while time.monotonic() < until:
        time.sleep(0.2)
    probe.stop.set()
    probe.join()
    return (
        f"slow clients: {connections} connections for {seconds:g} s "
        f"(dropped by the server and reopened {dropped['dropped']} times): {probe.summary()}"
    )


def burst(port: int, size: int) -> str:
    conns = [http.client.HTTPConnection(HOST, port, timeout=120) for _ in range(size)]
    for conn in conns:
        conn.connect()
    gate = threading.Barrier(size)
    answers: list[tuple[int, float, str]] = []

    def runaway(n: int) -> None:
        body = urlencode({"query": f"{CARTESIAN} LIMIT {n + 1}"})
        gate.wait()
        started = time.monotonic()
        conns[n].request(
            "POST", "/sparql", body, {"Content-Type": "application/x-www-form-urlencoded"}
        )
        response = conns[n].getresponse()
        response.read()
        answers.append(
            (response.status, time.monotonic() - started, response.getheader("Retry-After", ""))
        )

    probe = Probe(port)
    probe.start()
    time.sleep(0.5)
    threads = [threading.Thread(target=runaway, args=(n,)) for n in range(size)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    time.sleep(1)
    probe.stop.set()
    probe.join()
    kinds = Counter(f"{s}{' Retry-After' if r else ''}" for s, _, r in answers)
    took = sorted(t for _, t, _ in answers)
    return (
        f"burst: {size} runaway queries at once: {dict(kinds)}, answered in "
        f"{took[0]:.2f} to {took[-1]:.2f} s; meanwhile {probe.summary()}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist")
    parser.add_argument("--query-timeout", type=float, default=10.0)
    parser.add_argument("--slow", type=int, default=50, help="slow connections (50)")
    parser.add_argument("--seconds", type=float, default=30.0, help="of slow clients (30)")
    parser.add_argument("--burst", type=int, default=20, help="runaway queries (20)")
    parser.add_argument("--log", type=Path, default=Path("/tmp/kg-serve-overload.log"))
    args = parser.parse_args(argv)
    port = free_port()
    argv_ = [str(ROOT / ".venv" / "bin" / "kg"), "serve", "--dist", str(args.dist.resolve())]
    argv_ += ["--host", HOST, "--port", str(port), "--query-timeout", str(args.query_timeout)]
    server = Server("kg serve", argv_, port, "/healthz", args.log, cwd=ROOT)
    server.start()
    try:
        time.sleep(5)  # every query process has loaded the build
        memory = server.memory()
        print(
            f"at rest: {memory['processes']} processes, RSS {memory['rss_mib']:.0f} MiB, "
            f"PSS {memory['pss_mib']:.0f} MiB"
        )
        if args.seconds > 0:
            print(slow_clients(port, args.slow, args.seconds))
        if args.burst > 0:
            print(burst(port, args.burst))
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

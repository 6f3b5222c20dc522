"""In-memory against on-disk store (issue #15, point 3): ``python -m benchmarks.storage``.

For each built dist/ given (the real graph, and the growth data of
``benchmarks/generate.py`` built with ``kg build``), in one run and on the same
machine: ``kg serve`` with the default workers and query processes, the response
cache off, once with ``--engine oxigraph`` (each query process loads its own
copy of the graph into memory) and once with ``--engine oxigraph-disk`` (every
query process opens the build's RocksDB store read-only). Each is driven by wrk
with the competency mix (``benchmarks/mix.lua``, as ``benchmarks/load.py``)
after a warm-up that starts every query process, and measured for throughput,
p99, and the RSS and PSS of the whole server's process tree, plus the growth of
the machine's page cache, where the on-disk store's pages live.

"One process's store" is the memory one process adds by loading the graph into
pyoxigraph's in-memory store (RSS before and after, in a fresh process), the
yardstick of the target: the whole server's PSS at most twice that.

Prints a Markdown table; ``--json`` writes the raw figures. Loopback only.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.load import Figures, kg_server, write_paths, wrk
from benchmarks.servers import Server
from cahr.dist import STORE_DIR, read_manifest
from cahr.pipeline.disk_store import write_store

ROOT = Path(__file__).resolve().parent.parent
ENGINES = ("oxigraph", "oxigraph-disk")

_ONE_STORE = """
import sys
from pathlib import Path
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
from cahr.store.oxigraph import OxigraphStore
before = rss()
store = OxigraphStore(Path(sys.argv[1]))
print((rss() - before) / 1024)
"""


def one_store_mib(dist: Path) -> float:
    """MiB one process adds by loading ``dist`` into the in-memory store."""
    done = subprocess.run(
        [sys.executable, "-c", _ONE_STORE, str(dist)],
        capture_output=True,
        text=True,
        check=True,
        timeout=1800,
    )
    return float(done.stdout.strip())


def page_cache_mib() -> float:
    """The machine's page cache (``Cached`` of /proc/meminfo), MiB."""
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("Cached:"):
            return int(line.split()[1]) / 1024
    return 0.0


def folder_mib(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.iterdir() if f.is_file()) / 2**20


def measure_engine(
    work: Path, dist: Path, engine: str, connections: int, seconds: float
) -> Figures:
    """One server on one engine: start time, memory after warm-up and after the run, wrk."""
    server: Server = kg_server(work, dist, 4, 3, 0, f"kg serve {engine}")
    server.env["CAHR_ENGINE"] = engine
    cache_before = page_cache_mib()
    started = server.start(timeout=1800)
    try:
        paths = write_paths(work, "/sparql")
        accept = "application/sparql-results+json"
        # Warm-up at the run's concurrency, so that every worker starts its query processes.
        wrk(server.port, paths, accept, connections, max(5.0, seconds / 3))
        warm = server.memory()
        run = wrk(server.port, paths, accept, connections, seconds)
        after = server.memory()
    finally:
        server.stop()
    return {
        "engine": engine,
        "start_s": round(started, 1),
        "warm": warm,
        "after": after,
        "page_cache_growth_mib": round(page_cache_mib() - cache_before, 1),
        "rps": round(run["rps"], 1),
        "p50_ms": round(run["p50_ms"], 1),
        "p99_ms": round(run["p99_ms"], 1),
        "errors": run["errors"],
        "requests": run["requests"],
    }


def measure(
    name: str, dist: Path, connections: int, seconds: float, engines: tuple[str, ...] = ENGINES
) -> Figures:
    if not (dist / STORE_DIR).is_dir():
        # A dist/ built before the on-disk store existed: add it, as the build would.
        write_store(dist, read_manifest(dist))
    manifest = read_manifest(dist)
    with tempfile.TemporaryDirectory(prefix="cahr-storage-") as tmp:
        runs = [measure_engine(Path(tmp), dist, e, connections, seconds) for e in engines]
    return {
        "name": name,
        "union_triples": manifest["union_triples"],
        "one_store_mib": round(one_store_mib(dist), 1),
        "disk_store_mib": round(folder_mib(dist / STORE_DIR), 1),
        "runs": runs,
    }


def table(results: list[Figures]) -> str:
    lines = [
        "| data | engine | start s | req/s | p50 ms | p99 ms | errors | RSS MiB | PSS MiB "
        "| processes | page cache +MiB | PSS / one store |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for result in results:
        for run in result["runs"]:
            after = run["after"]
            lines.append(
                f"| {result['name']} ({result['union_triples']:,} triples; one store "
                f"{result['one_store_mib']} MiB, on disk {result['disk_store_mib']} MiB) "
                f"| {run['engine']} | {run['start_s']} | {run['rps']} | {run['p50_ms']} "
                f"| {run['p99_ms']} | {run['errors']} | {after['rss_mib']:.0f} "
                f"| {after['pss_mib']:.0f} | {after['processes']} "
                f"| {run['page_cache_growth_mib']} "
                f"| {after['pss_mib'] / max(result['one_store_mib'], 0.1):.1f} |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "dists",
        nargs="+",
        help="NAME=PATH of built dist/ folders, e.g. 1x=dist 100x=/tmp/g100/dist",
    )
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--json", type=Path, help="write the raw figures here")
    parser.add_argument("--engines", nargs="+", default=list(ENGINES), choices=ENGINES)
    args = parser.parse_args(argv)
    results: list[Any] = []
    for spec in args.dists:
        name, _, path = spec.partition("=")
        started = time.monotonic()
        dist = Path(path).resolve()
        results.append(measure(name, dist, args.connections, args.seconds, tuple(args.engines)))
        print(f"{name}: measured in {time.monotonic() - started:.0f} s", file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())

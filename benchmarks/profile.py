"""Where a request's CPU goes in ``kg serve``: ``python -m benchmarks.profile``.

Why: the load benchmark (``benchmarks.load``) says how fast kg serve is next
to Oxigraph server and next to its own trivial route; when a target is
missed, the next question is which part of a request costs what. This module
starts ``kg serve`` with the same settings as the benchmark, drives it with the
same wrk script at concurrency 1 (so that a sample of a runnable thread is a
sample of a running one: with more requests than cores, py-spy also samples
threads that wait for a CPU), and samples the whole process tree (master,
workers, query processes) with py-spy. Each sample is put in one category by
the frames on its stack: the vetting of the query, the cache, the IPC with the
query process (pickling, the pipe, the pool's bookkeeping), the engine
(pyoxigraph evaluating), the conversion of its terms to rdflib terms, the JSON
writer, the access log, Flask/Werkzeug, gunicorn. Samples of threads that
wait (for a socket, for the query process) are left out.

The shares are turned into milliseconds of CPU per request with the tree's
CPU time over the same run, read from /proc. Separately, the engine and the
writer are timed in this process on the same questions, without any server,
as a floor: what answering costs before any HTTP, safety or IPC work.

Prints a Markdown table for benchmarks/RESULTS.md. Needs py-spy (the ``bench``
extra) and ptrace rights over the server (root, or the same user with
``kernel.yama.ptrace_scope`` 0).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from benchmarks.cpu import settle
from benchmarks.load import (
    QUESTIONS,
    RESULTS_JSON,
    ROOT,
    SERVE_DEFAULTS,
    _tool,
    kg_server,
    write_paths,
    wrk,
)
from benchmarks.servers import Server

# (category, markers): the first category one of whose markers is on the stack wins,
# checked in this order; a marker is a substring of a frame ("function (file:line)").
WAITING = (
    "selectors.py",
    "Connection._poll",
    "concurrent/futures/thread.py:8",  # a pool thread waiting for work
    "Arbiter.sleep",
    "Arbiter.wait_for_signals",
    "resource_tracker.py",
    "forkserver.py:2",  # the forkserver's own loop
    "Condition.wait",
    "time.sleep",
)
CHILD_RULES = [
    ("query process: vetting (verdict, decode)", ("cahr/query.py",)),
    ("query process: syntax check", ("_check_syntax", "check_syntax")),
    ("JSON writer", ("cahr/results.py", "json/")),
    ("conversion to rdflib terms", ("to_rdflib", "rdflib/")),
    ("engine (pyoxigraph)", ("OxigraphStore.query", "rows_of", "store/oxigraph.py")),
    ("query process: deep-stack hand-off", ("_on_a_deep_stack", "queue.py")),
    ("IPC (pickle, pipe, pool)", ("connection.py", "reduction.py", "pickle")),
]
WORKER_RULES = [
    ("IPC (pickle, pipe, pool)", ("QueryRunner.", "_Child.", "connection.py", "reduction.py")),
    ("worker checks (operators, nesting, form guess)", ("cahr/query.py", "_check_nesting")),
    ("cache (key, lookup, store)", ("web/cache.py",)),
    ("gzip", ("gzip",)),
    ("access log", ("logging/", "web/access.py")),
    ("our hooks (inputs, CORS, ETag, headers, errors)", ("server/web/", "cahr/server/web/")),
    ("our view (read, negotiate, respond)", ("protocol/sparql.py", "protocol/negotiation.py")),
    ("Flask + Werkzeug", ("flask/", "werkzeug/")),
    ("gunicorn (sockets, HTTP parsing)", ("gunicorn/",)),
    ("gevent (hub, greenlet switches)", ("gevent/",)),
]


def classify(frames: list[str]) -> str | None:
    """The category of one sample (frames outermost first); None for a waiting thread."""
    leaf = frames[-1] if frames else ""
    stack = ";".join(frames)
    if any(marker in leaf for marker in WAITING):
        return None
    # The evaluation runs on the query process's deep-stack thread, whose stack does
    # not hold _child_main.
    in_child = "_child_main" in stack or "_on_a_deep_stack" in stack
    if in_child and "_answer" not in stack and "send" not in stack:
        return None  # a query process waiting for its next job
    for name, markers in CHILD_RULES if in_child else WORKER_RULES:
        if any(marker in stack for marker in markers):
            return name
    return "query process: other" if in_child else "other (worker)"


def sample(
    server: Server, paths: Path, accept: str, seconds: float, out: Path, connections: int = 1
) -> dict:
    """py-spy over the server's tree during a wrk run: categories and CPU per request."""
    wrk(server.port, paths, accept, connections, 3)  # warm-up
    spy = subprocess.Popen(
        [_tool("py-spy"), "record", "--pid", str(server.process.pid), "--subprocesses"]
        + ["--nonblocking", "-r", "250", "-d", str(int(seconds) + 2), "-f", "raw", "-o", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    time.sleep(1.0)  # py-spy attaches to every process of the tree
    cpu_before = server.cpu_seconds()
    run = wrk(server.port, paths, accept, connections, seconds)
    cpu = server.cpu_seconds() - cpu_before
    _, err = spy.communicate(timeout=seconds + 60)
    if spy.returncode != 0:
        raise RuntimeError(f"py-spy failed: {err.decode(errors='replace')}")
    counts: Counter[str] = Counter()
    for line in out.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, n = line.rpartition(" ")
        frames = [f for f in stack.split(";") if not f.startswith("process ")]
        category = classify(frames)
        if category is not None:
            counts[category] += int(n)
    return {
        "connections": connections,
        "requests": run["requests"],
        "rps": run["rps"],
        "cpu_ms_per_request": cpu * 1000 / max(1, run["requests"]),
        "counts": counts,
    }


def floor(dist: Path, repeat: int) -> dict[str, float]:
    """Engine and JSON writer in this process, no server: ms per question, mean over the mix."""
    from cahr.results import write
    from cahr.store import open_store

    store = open_store(dist, "oxigraph")
    engine, total = [], []
    for path in sorted(QUESTIONS.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        runs_engine, runs_total = [], []
        for _ in range(repeat):
            started = time.perf_counter()
            result = store._store.query(text)  # pyoxigraph alone: evaluate, touch every row
            for row in result if hasattr(result, "__iter__") else ():
                for value in row:
                    _ = value
            runs_engine.append(time.perf_counter() - started)
            started = time.perf_counter()
            write(store.query(text), RESULTS_JSON)
            runs_total.append(time.perf_counter() - started)
        engine.append(statistics.median(runs_engine))
        total.append(statistics.median(runs_total))
    return {
        "engine_ms": 1000 * statistics.mean(engine),
        "engine_convert_write_ms": 1000 * statistics.mean(total),
    }


def table(title: str, figures: dict) -> list[str]:
    counts: Counter[str] = figures["counts"]
    busy = sum(counts.values()) or 1
    per_request = figures["cpu_ms_per_request"]
    lines = [
        f"**{title}**: {figures['rps']:.0f} req/s at c={figures['connections']} while sampled, "
        f"{per_request:.2f} ms of server CPU per request, {busy} busy samples.",
        "",
        "| where | share of CPU | ms per request |",
        "| --- | --- | --- |",
    ]
    for name, n in counts.most_common():
        lines.append(f"| {name} | {n / busy:.0%} | {per_request * n / busy:.2f} |")
    return lines + [""]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist")
    parser.add_argument("--seconds", type=float, default=15.0, help="each sampled run (15)")
    parser.add_argument("--workers", type=int, default=SERVE_DEFAULTS["workers"])
    parser.add_argument(
        "--query-processes", dest="processes", type=int, default=SERVE_DEFAULTS["query_processes"]
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=1,
        help="wrk connections (1: a sample of a runnable thread is one of a running thread)",
    )
    parser.add_argument("--only", choices=["uncached", "cached", "trivial"], nargs="*")
    parser.add_argument("--cache-mb", type=int, default=64)
    parser.add_argument("--work", type=Path, help="logs and raw profiles (default: temp)")
    args = parser.parse_args(argv)
    dist = args.dist.resolve()
    work = args.work or Path(tempfile.mkdtemp(prefix="cahr-profile-"))
    work.mkdir(parents=True, exist_ok=True)
    paths = write_paths(work, "/sparql")
    health = work / "paths-healthz.txt"
    health.write_text("/healthz\n", encoding="ascii")
    lines: list[str] = []
    plan = [
        ("kg serve, cache off: the question mix", 0, paths, RESULTS_JSON, "uncached"),
        (
            "kg serve, cache on: the question mix (all hits)",
            args.cache_mb,
            paths,
            RESULTS_JSON,
            "cached",
        ),
        (
            "kg serve: /healthz (the trivial route)",
            args.cache_mb,
            health,
            "application/json",
            "trivial",
        ),
    ]
    for title, cache_mb, mix, accept, name in plan:
        if args.only and name not in args.only:
            continue
        server = kg_server(work, dist, args.workers, args.processes, cache_mb, f"profile {name}")
        try:
            server.start()
            settle(server)
            figures = sample(
                server, mix, accept, args.seconds, work / f"{name}.txt", args.concurrency
            )
        finally:
            server.stop()
        lines += table(title, figures)
        print("\n".join(table(title, figures)), flush=True)
    base = floor(dist, 5)
    lines.append(
        f"In this process, without a server: pyoxigraph alone {base['engine_ms']:.2f} ms per "
        f"question (mean over the mix); with the conversion to rdflib terms and the JSON writer "
        f"{base['engine_convert_write_ms']:.2f} ms."
    )
    print(lines[-1])
    print(f"\nraw py-spy profiles in {work}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

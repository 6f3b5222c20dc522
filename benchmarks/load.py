"""Load benchmark of the endpoint (issue #7, part 3): ``make bench`` or ``python -m benchmarks.load``.

Why one harness: the targets of issue #7 compare servers with each other
(our throughput against Oxigraph server's, our cached answers against a
trivial route of the same app), and such ratios mean something only when
every server runs on the same machine, on the same built dist/, in the same
run, under the same load generator with the same query mix. So this module
starts each server in turn on a free loopback port, drives it with wrk and
``benchmarks/mix.lua`` (the competency questions, ``ontology/competency/*.rq``,
each a GET with the query urlencoded and ``Accept: application/sparql-results+json``,
cycled in order) at each concurrency, then stops it:

- ``kg serve`` (gunicorn, gevent workers) with the response cache off
  (``CAHR_CACHE_MB=0``) and on, and its ``/healthz`` route as the trivial route;
- Oxigraph server read-only (the ``oxigraph`` CLI), over a store loaded from
  ``dist/dataset.nq`` with ``dist/union.nt`` in its default graph, the same
  layout as our embedded store (BRIEF: the deduplicated union as default graph);
- rdflib-endpoint over ``dist/dataset.trig`` (``benchmarks/rdflib_endpoint_app.py``).

Each run is a warm-up, then a measured wrk run bounded in time; wrk's own
``--timeout`` bounds every request. Before the runs, every question is asked
once of every server, and the row counts are compared, so that no server is
fast because it answers something else. Then a soak: concurrency 32 for 60 s
against a fresh ``kg serve`` (cache off, then on), with the memory of its
whole process tree at the start and the end.

Writes ``benchmarks/RESULTS.md`` (keeping the hand-written ``## Notes``
section of the file it replaces) and the raw figures as ``load.json`` in the
work folder (``--from-json`` writes the report again from them). Nothing is
sent anywhere but 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

from benchmarks.servers import (
    HOST,
    Server,
    free_port,
    get,
    machine_busy_seconds,
    machine_facts,
)
from cahr.server.settings import defaults

ROOT = Path(__file__).resolve().parent.parent
LUA = Path(__file__).resolve().parent / "mix.lua"
QUESTIONS = ROOT / "ontology" / "competency"
NOTES = "\n## Notes\n"  # RESULTS.md keeps what follows this heading when regenerated
RESULTS_JSON = "application/sparql-results+json"
# kg serve's own defaults (workers, query processes): the benchmark measures what `make run` serves.
SERVE_DEFAULTS = defaults()
# wrk gives up on a request after this long and counts a timeout error: long enough
# for rdflib-endpoint's slowest question at c=32, short enough to bound a run.
REQUEST_TIMEOUT = 30
Figures = dict[str, Any]

# Labels of the targets, in the order of the table.
LABELS = {
    "kg-uncached": "kg serve, cache off",
    "kg-cached": "kg serve, cache on",
    "kg-trivial": "kg serve /healthz (trivial)",
    "oxigraph": "Oxigraph server (read-only)",
    "rdflib-endpoint": "rdflib-endpoint",
}


# -- the machine -------------------------------------------------------------------------


def machine() -> dict[str, str]:
    """What the figures were measured on, and the versions of everything measured."""
    from importlib.metadata import PackageNotFoundError, version

    def ver(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "missing"

    libraries = ", ".join(
        f"{name} {ver(name)}"
        for name in (
            "pyoxigraph",
            "oxigraph",
            "rdflib",
            "rdflib-endpoint",
            "flask",
            "gunicorn",
            "uvicorn",
            "fastapi",
        )
    )
    return {
        **machine_facts(libraries),
        "wrk": _first_line([_wrk(), "--version"]),
        "load before": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def _first_line(argv: list[str]) -> str:
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    return ((done.stdout or done.stderr).strip().splitlines() or ["?"])[0]


def _wrk() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise SystemExit(
            "wrk is not installed: `apt-get install -y wrk` (make bench does it when missing)"
        )
    return found


def _tool(name: str) -> str:
    """A console script of the venv this module runs in (kg, oxigraph, ...)."""
    path = Path(sys.executable).parent / name
    if not path.exists():
        raise SystemExit(
            f"{path} is missing: install the project with `pip install -e '.[test,bench]'`"
        )
    return str(path)


def _revision() -> str:
    head = _first_line(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"])
    dirty = subprocess.run(
        ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return head + (" (with uncommitted changes)" if dirty else "")


# -- the load generator ------------------------------------------------------------------


def write_paths(work: Path, endpoint: str) -> Path:
    """The request paths of the query mix for an endpoint path, one a line, for mix.lua."""
    lines = [
        f"{endpoint}?query={quote(q.read_text(encoding='utf-8'), safe='')}"
        for q in sorted(QUESTIONS.glob("*.rq"))
    ]
    out = work / f"paths{endpoint.replace('/', '-')}.txt"
    out.write_text("\n".join(lines) + "\n", encoding="ascii")
    return out


def wrk(port: int, paths: Path, accept: str, connections: int, seconds: float) -> Figures:
    """One wrk run (one thread, ``connections`` keep-alive connections): its figures.

    One wrk thread for every run, so the load generator takes the same share
    of the two cores whatever the concurrency, and one event loop drives
    32 connections without being the bottleneck (it does tens of thousands of
    requests a second on loopback).
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(
        [
            _wrk(),
            "-t1",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            f"--timeout={REQUEST_TIMEOUT}s",
            "-s",
            str(LUA),
            f"http://{HOST}:{port}",
            "--",
            str(paths),
            accept,
        ],
        capture_output=True,
        text=True,
        timeout=seconds + REQUEST_TIMEOUT + 30,
        check=False,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    line = next((x for x in done.stdout.splitlines() if x.startswith("WRK_JSON ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    raw = json.loads(line.split(" ", 1)[1])
    seconds_run = raw["duration_us"] / 1e6
    socket_errors = raw["connect"] + raw["read"] + raw["write"] + raw["timeout"]
    return {
        "connections": connections,
        "seconds": round(seconds_run, 2),
        "requests": raw["requests"],
        "rps": raw["requests"] / seconds_run,
        "p50_ms": raw["p50_us"] / 1000,
        "p90_ms": raw["p90_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "mean_ms": raw["mean_us"] / 1000,
        "max_ms": raw["max_us"] / 1000,
        "non2xx": raw["non2xx"],
        "codes": raw["codes"],
        "socket_errors": socket_errors,
        "errors": raw["non2xx"] + socket_errors,
        "error_detail": {k: raw[k] for k in ("connect", "read", "write", "timeout")},
        "bytes_per_request": raw["bytes"] / max(1, raw["requests"]),
        "wrk_cpu_s": (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
    }


# -- one server --------------------------------------------------------------------------


def check_answers(server: Server, paths: Path, times: int = 3) -> list[Figures]:
    """Ask every question ``times`` times, alone: status, rows (or the ASK boolean), best ms.

    The best of a few asks, so that the first (a cold cache, a query process
    starting) does not stand for the question's latency.
    """
    answers = []
    for path in paths.read_text(encoding="ascii").split():
        best = None
        try:
            for _ in range(times):
                started = time.perf_counter()
                status, body = get(server.port, path, RESULTS_JSON, timeout=REQUEST_TIMEOUT)
                took = (time.perf_counter() - started) * 1000
                best = took if best is None else min(best, took)
        except OSError as exc:
            answers.append({"status": f"error: {exc}", "rows": None, "ms": None})
            continue
        millis = best or 0.0
        rows: Any = None
        if status == 200:
            try:
                parsed = json.loads(body)
                rows = (
                    len(parsed["results"]["bindings"])
                    if "results" in parsed
                    else bool(parsed.get("boolean"))
                )
            except (ValueError, KeyError, TypeError):
                rows = "unreadable"
        answers.append({"status": status, "rows": rows, "ms": round(millis, 2)})
    return answers


def measure(
    server: Server,
    runs: list[tuple[str, Path, str]],
    concurrencies: list[int],
    warmup: float,
    seconds: float,
    checks: dict[str, Path],
) -> dict[str, Figures]:
    """Start ``server``, check its answers, run each (target, paths) at each concurrency, stop it."""
    figures: dict[str, Figures] = {}
    print(f"  starting {server.name} on {HOST}:{server.port}", flush=True)
    try:
        startup = server.start()
        idle = server.memory()
        answers = {key: check_answers(server, paths) for key, paths in checks.items()}
        for key, paths, accept in runs:
            results = []
            for connections in concurrencies:
                wrk(server.port, paths, accept, connections, warmup)
                run = _measured_run(server, paths, accept, connections, seconds)
                run["memory_after"] = server.memory()
                results.append(run)
                print(
                    f"  {LABELS[key]:<30} c={connections:<3} {run['rps']:8.1f} req/s  "
                    f"p50 {run['p50_ms']:7.1f} ms  p99 {run['p99_ms']:7.1f} ms  "
                    f"errors {run['errors']}  other CPU {run['other_cpu_share']:.0%}",
                    flush=True,
                )
            figures[key] = {
                "label": LABELS[key],
                "startup_s": round(startup, 2),
                "memory_idle": idle,
                "answers": answers.get(key),
                "runs": results,
            }
    finally:
        server.stop()
    return figures


def _measured_run(
    server: Server, paths: Path, accept: str, connections: int, seconds: float
) -> Figures:
    """A wrk run, with the CPU the server's tree used and the CPU that others used meanwhile.

    ``other_cpu_share`` is the share of the machine's CPU time (all CPUs over the
    run) spent by processes that are neither the server nor wrk: other work on a
    shared machine, which makes a run slower than the server is.
    """
    cpu_before, busy_before = server.cpu_seconds(), machine_busy_seconds()
    run = wrk(server.port, paths, accept, connections, seconds)
    cpu = server.cpu_seconds() - cpu_before
    busy = machine_busy_seconds() - busy_before
    run["server_cpu_s"] = cpu
    run["server_cpu_ms_per_request"] = cpu * 1000 / max(1, run["requests"])
    others = max(0.0, busy - cpu - run["wrk_cpu_s"])
    run["other_cpu_share"] = others / ((os.cpu_count() or 1) * run["seconds"])
    return run


def soak(server: Server, paths: Path, connections: int, seconds: float, warmup: float) -> Figures:
    """Concurrency ``connections`` for ``seconds`` on a fresh server; memory along the way.

    "Start" is after a warm-up at the same concurrency, when every worker has
    started its query processes (they are started on demand): the question is
    whether memory keeps growing under load, not how much a cold server grows
    while it warms.
    """
    print(f"  soak: {server.name}, c={connections}, {seconds:.0f} s", flush=True)
    samples: list[Figures] = []
    stop = threading.Event()

    def sample() -> None:
        started = time.monotonic()
        while not stop.wait(5.0):
            samples.append({"t": round(time.monotonic() - started, 1), **server.memory()})

    try:
        server.start()
        idle = server.memory()
        wrk(server.port, paths, RESULTS_JSON, connections, warmup)
        start = server.memory()
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        run = _measured_run(server, paths, RESULTS_JSON, connections, seconds)
        stop.set()
        sampler.join(10)
        end = server.memory()
    finally:
        stop.set()
        server.stop()
    print(
        f"  soak: {run['rps']:.1f} req/s, errors {run['errors']}, "
        f"RSS {start['rss_mib']:.0f} -> {end['rss_mib']:.0f} MiB, "
        f"PSS {start['pss_mib']:.0f} -> {end['pss_mib']:.0f} MiB",
        flush=True,
    )
    return {"idle": idle, "start": start, "end": end, "samples": samples, "run": run}


def measure_target(
    target: str,
    work: Path,
    dist: Path,
    args: argparse.Namespace,
    cache_mb: int,
    kg_paths: Path,
    health: Path,
    figures: Figures,
) -> dict[str, Figures]:
    """One round of one target: a fresh server (two for kg: cache off, cache on)."""
    common = (args.concurrency, args.warmup, args.seconds)
    if target == "oxigraph":
        server, figures["oxigraph_load_s"] = oxigraph_server(work, dist)
        paths = write_paths(work, "/query")
        return measure(server, [("oxigraph", paths, RESULTS_JSON)], *common, {"oxigraph": paths})
    if target == "rdflib-endpoint":
        server = rdflib_server(work, dist, args.workers)
        paths = write_paths(work, "/sparql")
        runs = [("rdflib-endpoint", paths, RESULTS_JSON)]
        return measure(server, runs, *common, {"rdflib-endpoint": paths})
    off = kg_server(work, dist, args.workers, args.processes, 0, "kg serve, cache off")
    out = measure(
        off, [("kg-uncached", kg_paths, RESULTS_JSON)], *common, {"kg-uncached": kg_paths}
    )
    on = kg_server(work, dist, args.workers, args.processes, cache_mb, "kg serve, cache on")
    runs = [("kg-cached", kg_paths, RESULTS_JSON), ("kg-trivial", health, "application/json")]
    out.update(measure(on, runs, *common, {"kg-cached": kg_paths}))
    return out


def _dedupe_rounds(rounds: list[Figures]) -> list[Figures]:
    """Keep the last, most complete, entry of each round (it is saved after every target)."""
    last: dict[int, Figures] = {}
    for entry in rounds:
        last[entry["round"]] = entry
    return [last[n] for n in sorted(last)]


def best_of(rounds: list[Figures]) -> dict[str, Figures]:
    """Per target and concurrency, the round with the most requests/s.

    Why the best and not the mean: on a shared machine other work can only slow
    a run down (``other_cpu_share`` shows how much), so the best round is the
    closest to what the server can do; every round's figure stays in the JSON
    and in the table's last column.
    """
    merged: dict[str, Figures] = {}
    for entry in rounds:
        for key, target in entry["targets"].items():
            if key not in merged:
                merged[key] = {**target, "runs": [dict(r) for r in target["runs"]]}
                for run in merged[key]["runs"]:
                    run["rps_rounds"] = [run["rps"]]
                    run["errors_rounds"] = [run["errors"]]
                continue
            by_c = {r["connections"]: i for i, r in enumerate(merged[key]["runs"])}
            for run in target["runs"]:
                i = by_c.get(run["connections"])
                if i is None:
                    continue
                best = merged[key]["runs"][i]
                seen = best["rps_rounds"] + [run["rps"]]
                errors = best["errors_rounds"] + [run["errors"]]
                if run["rps"] > best["rps"]:
                    merged[key]["runs"][i] = dict(run)
                merged[key]["runs"][i]["rps_rounds"] = seen
                merged[key]["runs"][i]["errors_rounds"] = errors
    return merged


# -- the servers -------------------------------------------------------------------------


def kg_server(
    work: Path, dist: Path, workers: int, processes: int, cache_mb: int, name: str
) -> Server:
    port = free_port()
    argv = [_tool("kg"), "serve", "--dist", str(dist), "--host", HOST, "--port", str(port)]
    argv += ["--workers", str(workers), "--query-processes", str(processes)]
    return Server(
        name,
        argv,
        port,
        "/healthz",
        work / f"{name.replace(' ', '-').replace(',', '')}.log",
        env={"CAHR_CACHE_MB": str(cache_mb)},
        cwd=ROOT,
    )


def oxigraph_server(work: Path, dist: Path) -> tuple[Server, float]:
    """Oxigraph server over a new store with the build's named graphs and its union as default."""
    store = work / "oxigraph-store"
    shutil.rmtree(store, ignore_errors=True)
    started = time.monotonic()
    for source in (dist / "dataset.nq", dist / "union.nt"):
        subprocess.run(
            [_tool("oxigraph"), "load", "--location", str(store), "--file", str(source)],
            check=True,
            capture_output=True,
            timeout=600,
        )
    subprocess.run(
        [_tool("oxigraph"), "optimize", "--location", str(store)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    load_s = time.monotonic() - started
    port = free_port()
    argv = [_tool("oxigraph"), "serve-read-only", "--location", str(store)]
    argv += ["--bind", f"{HOST}:{port}", "--timeout-s", str(REQUEST_TIMEOUT)]
    ready = "/query?query=" + quote("ASK {}", safe="")
    return Server("Oxigraph server", argv, port, ready, work / "oxigraph.log"), load_s


def rdflib_server(work: Path, dist: Path, workers: int) -> Server:
    port = free_port()
    argv = [sys.executable, "-m", "uvicorn", "benchmarks.rdflib_endpoint_app:app"]
    argv += ["--host", HOST, "--port", str(port), "--workers", str(workers)]
    argv += ["--no-access-log", "--log-level", "warning"]
    ready = "/sparql?query=" + quote("ASK {}", safe="")
    return Server(
        "rdflib-endpoint",
        argv,
        port,
        ready,
        work / "rdflib-endpoint.log",
        env={"CAHR_BENCH_DIST": str(dist)},
        cwd=ROOT,
    )


def cache_setting() -> tuple[bool, int]:
    """Whether ``kg serve`` has the response cache (setting cache_mb) yet, and its default."""
    from cahr.server.settings import BY_NAME

    setting = BY_NAME.get("cache_mb")
    return setting is not None, int(setting.default) if setting is not None else 0


# -- the report --------------------------------------------------------------------------


def _fmt(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def _ratio(ours: float | None, theirs: float | None) -> float | None:
    return None if not ours or not theirs else ours / theirs


def _by_c(figures: Figures, key: str) -> dict[int, Figures]:
    return {r["connections"]: r for r in figures["targets"].get(key, {}).get("runs", [])}


def verdicts(figures: Figures) -> list[tuple[str, bool | None, str]]:
    """Each target of issue #7 that this benchmark measures: (target, held, by how much)."""
    out: list[tuple[str, bool | None, str]] = []
    ours, oxi = _by_c(figures, "kg-uncached"), _by_c(figures, "oxigraph")
    for c in (8, 32):
        if c not in ours or c not in oxi:
            continue
        rps = _ratio(ours[c]["rps"], oxi[c]["rps"]) or 0
        p99 = _ratio(ours[c]["p99_ms"], oxi[c]["p99_ms"]) or 0
        out.append(
            (
                f"uncached throughput ≥ Oxigraph server at c={c}, p99 no worse",
                rps >= 1 and p99 <= 1,
                f"{rps:.2f}× its requests/s ({ours[c]['rps']:.0f} vs {oxi[c]['rps']:.0f}), "
                f"p99 {ours[c]['p99_ms']:.0f} vs {oxi[c]['p99_ms']:.0f} ms ({p99:.2f}×)",
            )
        )
    cached, trivial = _by_c(figures, "kg-cached"), _by_c(figures, "kg-trivial")
    for c in sorted(set(cached) & set(trivial)):
        share = _ratio(cached[c]["rps"], trivial[c]["rps"]) or 0
        held: bool | None = share >= 0.7
        note = f"{share:.0%} ({cached[c]['rps']:.0f} vs {trivial[c]['rps']:.0f} req/s)"
        if not figures.get("cache_available"):
            held, note = None, note + "; the cache is not in kg serve yet (no setting cache_mb)"
        out.append((f"cached ≥ 70% of the trivial route at c={c}", held, note))
    bad = {
        key: sum(sum(r.get("errors_rounds", [r["errors"]])) for r in target["runs"])
        for key, target in figures["targets"].items()
    }
    ours = sum(n for key, n in bad.items() if key.startswith("kg-"))
    ours += sum(s["run"]["errors"] for s in figures.get("soaks", {}).values())
    others = [f"{LABELS[key]}: {n}" for key, n in bad.items() if n and not key.startswith("kg-")]
    out.append(
        (
            "zero errors in every run of kg serve (all rounds and soaks)",
            ours == 0,
            f"kg serve: {ours} errors"
            + (f"; the others (not a target): {', '.join(others)}" if others else ""),
        )
    )
    for key, soaked in figures.get("soaks", {}).items():
        start, end = soaked["start"], soaked["end"]
        rss = end["rss_mib"] / start["rss_mib"] - 1
        pss = end["pss_mib"] / start["pss_mib"] - 1
        note = (
            f"RSS {start['rss_mib']:.0f} → {end['rss_mib']:.0f} MiB ({rss:+.1%}), "
            f"PSS {start['pss_mib']:.0f} → {end['pss_mib']:.0f} MiB ({pss:+.1%})"
        )
        full = full_pool(soaked)
        if full is not None and full["t"] > 0:
            note += (
                f"; the pool grew from {start['processes']} to {end['processes']} processes "
                f"in the first {full['t']:.0f} s; from then on RSS {full['rss']:+.1%}, "
                f"PSS {full['pss']:+.1%}"
            )
        out.append(
            (
                f"soak ({LABELS[key]}): memory at the end within 10% of the start",
                abs(pss) <= 0.10 and abs(rss) <= 0.10,
                note,
            )
        )
    return out


def full_pool(soaked: Figures) -> dict[str, float] | None:
    """Memory growth from the first sample with as many processes as at the end, to the end.

    A server whose processes start on demand can begin a soak before they all
    have (kg serve's query processes did, before its pool was full from the start);
    growth after that point is what a leak would show.
    """
    end = soaked["end"]
    first = next((x for x in soaked["samples"] if x["processes"] == end["processes"]), None)
    if soaked["start"]["processes"] == end["processes"]:
        first = {"t": 0.0, **soaked["start"]}
    if first is None:
        return None
    return {
        "t": first["t"],
        "rss": end["rss_mib"] / first["rss_mib"] - 1,
        "pss": end["pss_mib"] / first["pss_mib"] - 1,
    }


def report(figures: Figures, notes: str = "") -> str:
    """RESULTS.md from the raw figures."""
    host = figures["host"]
    cfg = figures["config"]
    lines = [
        "# Load benchmark (issue #7)",
        "",
        "Every server on the same machine, on the same built `dist/`, in the same run, under "
        "one load generator: wrk (one thread, keep-alive connections, loopback only) with "
        f"`benchmarks/mix.lua` cycling through the {cfg['questions']} competency questions "
        "(`ontology/competency/*.rq`), each a GET with the query urlencoded and "
        f"`Accept: application/sparql-results+json`. Each run is a {cfg['warmup']:.0f} s "
        f"warm-up, then {cfg['seconds']:.0f} s measured. Errors are non-2xx answers plus "
        "socket errors (connect, read, write, and requests over "
        f"{REQUEST_TIMEOUT} s). Generated by `benchmarks/load.py`; everything above "
        "*Notes* is rewritten by each run.",
        "",
        "## Command",
        "",
        "```sh",
        figures["command"],
        "```",
        "",
        f"Run at {figures['started']} on build `{figures['build_id']}` of revision "
        f"{figures['revision']}; it took {figures['wall_s'] / 60:.1f} min.",
        "",
        "## Machine",
        "",
        f"- CPU: {host['cpu']}, {host['cpus']} CPUs; memory {host['memory']}",
        f"- {host['system']}, Python {host['python']}",
        f"- {host['libraries']}",
        f"- {host['wrk']}",
        f"- load average before the run: {host['load before']}",
        "",
        "## Servers",
        "",
        f"- **kg serve**: `kg serve --workers {cfg['workers']} "
        f"--query-processes {cfg.get('query_processes', cfg.get('threads'))}` "
        "(gunicorn, gevent workers, each query in a child process of its worker), "
        f"the embedded pyoxigraph store; cache off: `CAHR_CACHE_MB=0`, cache on: "
        f"`CAHR_CACHE_MB={cfg['cache_mb']}`."
        + (
            ""
            if figures.get("cache_available")
            else " **The response cache is not in kg serve yet** (no setting `cache_mb`):"
            " both runs serve the same code, so cache on and off differ by noise only."
        ),
        "- **trivial route**: `GET /healthz` of the same kg serve (same settings, cache on).",
        "- **Oxigraph server**: `oxigraph serve-read-only` over a RocksDB store loaded from "
        "`dist/dataset.nq`, with `dist/union.nt` in the default graph, then `oxigraph optimize` "
        f"({figures.get('oxigraph_load_s', 0):.1f} s); it uses all CPUs.",
        f"- **rdflib-endpoint**: `uvicorn benchmarks.rdflib_endpoint_app:app --workers "
        f"{cfg['workers']}` over `dist/dataset.trig` (rdflib Dataset, union default graph, as "
        "its own CLI loads it); each worker evaluates one query at a time.",
        "",
        "## Results",
        "",
        f"Each server was measured in {cfg.get('rounds', 1)} round(s), on a fresh start each "
        "time; the table shows each target's best round by requests/s (other work on a shared "
        "machine can only slow a run down), and every round's requests/s in the last column. "
        "Errors are summed over all rounds. Ratios are to Oxigraph server at the same "
        "concurrency (requests/s: higher is better; p99: lower is better). Server CPU is the "
        "server's whole process tree, per request; *other CPU* is the share of the machine's "
        "CPU time that processes other than the server and wrk used during the run.",
        "",
        "| target | c | req/s | p50 ms | p99 ms | errors | req/s ÷ Oxigraph | p99 ÷ Oxigraph "
        "| server CPU ms/req | RSS after (MiB) | other CPU | req/s each round |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    oxi = _by_c(figures, "oxigraph")
    for key in LABELS:
        if key not in figures["targets"]:
            continue
        for run in figures["targets"][key]["runs"]:
            c = run["connections"]
            base = oxi.get(c)
            same = key in ("oxigraph", "kg-trivial")
            rps_ratio = None if same or base is None else _ratio(run["rps"], base["rps"])
            p99_ratio = None if same or base is None else _ratio(run["p99_ms"], base["p99_ms"])
            errors = str(sum(run.get("errors_rounds", [run["errors"]])))
            errors += f" ({run['codes']})" if run["codes"] else ""
            rounds = ", ".join(f"{x:,.0f}" for x in run.get("rps_rounds", [run["rps"]]))
            lines.append(
                f"| {LABELS[key]} | {c} | {_fmt(run['rps'])} | {_fmt(run['p50_ms'])} "
                f"| {_fmt(run['p99_ms'])} | {errors} | {_fmt(rps_ratio, 2)} | {_fmt(p99_ratio, 2)} "
                f"| {_fmt(run['server_cpu_ms_per_request'], 2)} "
                f"| {_fmt(run['memory_after']['rss_mib'], 0)} "
                f"| {run.get('other_cpu_share', 0):.0%} | {rounds} |"
            )
    lines += [
        "",
        "## Targets of issue #7",
        "",
        "| target | held | measured |",
        "| --- | --- | --- |",
    ]
    for name, held, note in verdicts(figures):
        mark = "n/a" if held is None else ("yes" if held else "**no**")
        lines.append(f"| {name} | {mark} | {note} |")
    if figures.get("soaks"):
        lines += [
            "",
            "## Soak",
            "",
            f"Concurrency {cfg['soak_connections']} for {cfg['soak']:.0f} s on a fresh server, "
            f"after a {cfg.get('soak_warmup', cfg['warmup']):.0f} s warm-up at the same "
            "concurrency. Memory is the whole process tree (master, workers, forkservers, "
            "query processes): RSS counts shared pages once per process, PSS shares them out "
            "(a shared page that becomes private shows in PSS, not in RSS).",
            "",
            "| server | req/s | p99 ms | errors | other CPU | processes start → end | RSS idle "
            "| RSS start | RSS end | PSS start | PSS end | PSS min–max during |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        ]
        for key, s in figures["soaks"].items():
            pss = [x["pss_mib"] for x in s["samples"]] or [s["end"]["pss_mib"]]
            lines.append(
                f"| {LABELS[key]} | {_fmt(s['run']['rps'])} | {_fmt(s['run']['p99_ms'])} "
                f"| {s['run']['errors']} | {s['run'].get('other_cpu_share', 0):.0%} "
                f"| {s['start']['processes']} → {s['end']['processes']} "
                f"| {_fmt(s['idle']['rss_mib'], 0)} MiB | {_fmt(s['start']['rss_mib'], 0)} MiB "
                f"| {_fmt(s['end']['rss_mib'], 0)} MiB | {_fmt(s['start']['pss_mib'], 0)} MiB "
                f"| {_fmt(s['end']['pss_mib'], 0)} MiB | {min(pss):.0f}–{max(pss):.0f} MiB |"
            )
    lines += _answers_section(figures)
    return "\n".join(lines) + "\n" + (notes or NOTES + "\n(none yet)\n")


def _answers_section(figures: Figures) -> list[str]:
    """Same answers everywhere? Row counts of every question on every server."""
    keyed = {k: t["answers"] for k, t in figures["targets"].items() if t.get("answers") is not None}
    if "kg-uncached" not in keyed:
        return []
    reference = keyed["kg-uncached"]
    names = figures["config"]["question_names"]
    differ = []
    for key, answers in keyed.items():
        for name, mine, ref in zip(names, answers, reference, strict=True):
            if mine["status"] != 200 or mine["rows"] != ref["rows"]:
                differ.append(
                    f"{LABELS[key]}, {name}: status {mine['status']}, rows {mine['rows']} "
                    f"(kg serve: {ref['rows']})"
                )
    lines = ["", "## Same answers, and each question alone", ""]
    if differ:
        lines += ["Answers that differ from kg serve's (row counts):", ""]
        lines += [f"- {d}" for d in differ]
    else:
        lines.append(
            f"Every server answered all {len(names)} questions with 200 and the same number of "
            "rows (or the same ASK answer) as kg serve, before the runs."
        )
    order = [k for k in ("kg-uncached", "oxigraph", "rdflib-endpoint") if k in keyed]
    lines += [
        "",
        "Milliseconds for each question asked alone (best of 3, before the runs, first "
        "round), the wall time of one GET seen from the client:",
        "",
        "| question | rows | " + " | ".join(LABELS[k] for k in order) + " |",
        "| --- | --- | " + " | ".join("---" for _ in order) + " |",
    ]
    for i, name in enumerate(names):
        cells = []
        for key in order:
            answer = keyed[key][i]
            cells.append(_fmt(answer["ms"]) if answer["status"] == 200 else str(answer["status"]))
        lines.append(f"| {name} | {reference[i]['rows']} | " + " | ".join(cells) + " |")
    return lines


def _write_report(out: Path, figures: Figures) -> None:
    """Write the report, keeping the hand-written notes of the file it replaces."""
    old = out.read_text(encoding="utf-8") if out.exists() else ""
    notes = old[old.index(NOTES) :] if NOTES in old else ""
    out.write_text(report(figures, notes), encoding="utf-8")


def _terminate(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


# -- main --------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="the build (dist/)")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--seconds", type=float, default=10.0, help="each measured run (10)")
    parser.add_argument(
        "--rounds",
        type=int,
        default=2,
        help="times every server is measured; the table shows each one's best round (2)",
    )
    parser.add_argument("--warmup", type=float, default=3.0, help="before each run (3)")
    parser.add_argument("--soak", type=float, default=60.0, help="soak seconds; 0: none (60)")
    parser.add_argument("--soak-connections", type=int, default=32)
    parser.add_argument(
        "--workers",
        type=int,
        default=SERVE_DEFAULTS["workers"],
        help=f"kg serve and uvicorn workers (kg serve's default, {SERVE_DEFAULTS['workers']})",
    )
    parser.add_argument(
        "--query-processes",
        dest="processes",
        type=int,
        default=SERVE_DEFAULTS["query_processes"],
        help="kg serve query processes per worker (its default, "
        f"{SERVE_DEFAULTS['query_processes']})",
    )
    parser.add_argument(
        "--cache-mb",
        type=int,
        default=None,
        help="CAHR_CACHE_MB of the cache-on runs (default: the setting's default, or 64)",
    )
    parser.add_argument(
        "--targets",
        nargs="+",
        choices=["kg", "oxigraph", "rdflib-endpoint"],
        default=["oxigraph", "kg", "rdflib-endpoint"],
    )
    parser.add_argument("--work", type=Path, help="logs, store and load.json (default: temp)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "RESULTS.md")
    parser.add_argument("--from-json", type=Path, metavar="FILE", help="only rewrite the report")
    args = parser.parse_args(argv)
    # SIGTERM (a stopped make, a CI timeout) unwinds like Ctrl-C, so every server is stopped.
    signal.signal(signal.SIGTERM, _terminate)
    if args.from_json:
        _write_report(args.out, json.loads(args.from_json.read_text(encoding="utf-8")))
        return 0

    dist = args.dist.resolve()
    if not (dist / "manifest.json").is_file():
        raise SystemExit(f"{dist} holds no build: run `kg build` (make bench does) first")
    cache_available, cache_default = cache_setting()
    cache_mb = args.cache_mb or cache_default or 64
    work = args.work or Path(tempfile.mkdtemp(prefix="cahr-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    questions = sorted(QUESTIONS.glob("*.rq"))
    figures: Figures = {
        "host": machine(),
        "command": "make bench  # = .venv/bin/python -m benchmarks.load "
        + " ".join(argv if argv is not None else sys.argv[1:]),
        "started": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "build_id": json.loads((dist / "manifest.json").read_text())["build_id"],
        "revision": _revision(),
        "cache_available": cache_available,
        "config": {
            "workers": args.workers,
            "query_processes": args.processes,
            "cache_mb": cache_mb,
            "seconds": args.seconds,
            "warmup": args.warmup,
            "soak": args.soak,
            "soak_connections": args.soak_connections,
            "soak_warmup": max(args.warmup, 10.0),
            "rounds": args.rounds,
            "concurrency": args.concurrency,
            "questions": len(questions),
            "question_names": [q.stem for q in questions],
        },
        "rounds": [],
        "targets": {},
        "soaks": {},
    }
    began = time.monotonic()
    saved = work / "load.json"
    kg_paths = write_paths(work, "/sparql")
    health = work / "paths-healthz.txt"
    health.write_text("/healthz\n", encoding="ascii")
    print(f"benchmark: work folder {work}; cache in kg serve: {cache_available}", flush=True)

    def save() -> None:
        figures["wall_s"] = time.monotonic() - began
        saved.write_text(json.dumps(figures, indent=1), encoding="utf-8")

    for number in range(args.rounds):
        # Every other round goes through the servers in the opposite order, so that a
        # drift of the machine over the run (other work, heat) favours none of them.
        order = args.targets if number % 2 == 0 else list(reversed(args.targets))
        print(f"round {number + 1} of {args.rounds}: {', '.join(order)}", flush=True)
        measured: dict[str, Figures] = {}
        for target in order:
            measured.update(
                measure_target(target, work, dist, args, cache_mb, kg_paths, health, figures)
            )
            figures["rounds"].append({"round": number + 1, "targets": dict(measured)})
            figures["rounds"] = _dedupe_rounds(figures["rounds"])
            figures["targets"] = best_of(figures["rounds"])
            save()
    if args.soak > 0 and "kg" in args.targets:
        soak_warmup = figures["config"]["soak_warmup"]
        for key, mb in (("kg-uncached", 0), ("kg-cached", cache_mb)):
            server = kg_server(work, dist, args.workers, args.processes, mb, f"soak {key}")
            figures["soaks"][key] = soak(
                server, kg_paths, args.soak_connections, args.soak, soak_warmup
            )
            save()
    save()
    _write_report(args.out, figures)
    print(f"wrote {args.out} (raw figures: {saved}; server logs in {work})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

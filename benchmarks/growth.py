"""Growth curves: build time per stage, peak memory and query latency at 1x, 10x, 100x.

For each factor, :mod:`benchmarks.generate` writes a project folder at that
many times the real graph; a fresh Python process builds it with the same
``build()`` that ``kg build`` runs and reports, as JSON, each stage's seconds
and each stage's own peak RSS (the kernel's high-water mark, reset at every
stage start through ``/proc/self/clear_refs``); another process opens the built
store as ``kg serve`` does and times every competency question. Builds are
repeated and medians reported, since other work may share the machine; a factor
whose build takes longer than ``--repeat-below`` seconds is built once.

Writes ``benchmarks/GROWTH.md`` (and the raw figures as ``growth.json`` in the
work folder; ``--from-json`` writes the report again from them). A section
``## Notes`` at the end of GROWTH.md is written by hand and kept. Run with
``make growth`` or ``python -m benchmarks.growth``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import queue
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from benchmarks.generate import generate

ROOT = Path(__file__).resolve().parent.parent
STAGES = ("load", "reason", "validate", "export", "publish", "store")
SUPERLINEAR = 1.1  # a growth exponent above this is reported as faster than linear
NOTES = "\n## Notes\n"  # GROWTH.md keeps what follows this heading when regenerated
Figures = dict[str, Any]


# -- measured in a child process ----------------------------------------------------------


def _rss_kb(field: str) -> int:
    """VmRSS / VmHWM of this process in KiB (0 where /proc is missing)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _reset_peak() -> bool:
    """Reset the kernel's peak-RSS mark of this process (Linux 4.0+); False if refused."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as clear:
            clear.write("5")
        return True
    except OSError:
        return False


def child_build(root: Path, out: Path) -> Figures:
    """Build ``root`` into ``out`` as ``kg build`` does; seconds and peak KiB per stage.

    The pipeline names each stage through its ``_timed`` context manager; wrapping
    it (in this throw-away process only) gives each stage's own memory peak
    without touching the pipeline.
    """
    from cahr.errors import BuildFailed
    from cahr.layout import Layout
    from cahr.pipeline import run as pipeline

    peaks: dict[str, int] = {}
    timed = pipeline._timed

    @contextmanager
    def measured(timings: dict[str, float], stage: str) -> Iterator[None]:
        _reset_peak()
        with timed(timings, stage):
            yield
        peaks[stage] = _rss_kb("VmHWM")

    pipeline._timed = measured  # type: ignore[assignment]
    figures: Figures = {"baseline_rss_kb": _rss_kb("VmRSS")}
    try:
        built = pipeline.build(Layout.at(root), out)
    except BuildFailed as exc:
        return {**figures, "error": f"does not conform: {exc}", "peak_rss_kb": peaks}
    manifest = built.manifest
    return {
        **figures,
        "timings": manifest["timings"],
        "peak_rss_kb": peaks,
        "union_triples": manifest["union_triples"],
        "inferred_triples": manifest["inferred_triples"],
        "asserted_triples": sum(
            n for g, n in manifest["graphs"].items() if not g.endswith("/inferred")
        ),
        "articles": len(built.checked.loaded.articles),
        "dist_bytes": sum(f["bytes"] for f in manifest["files"].values()),
        "load_average": os.getloadavg()[1],  # over the last 5 minutes: how shared the CPUs were
    }


def child_queries(root: Path, dist: Path, runs: int, first: int, budget: float) -> None:
    """Open ``dist`` as the server does and time the competency questions from ``first`` on.

    Prints one JSON line when the store is open and one per question, as each is
    done, so that the driver can stop a question that overruns (neither engine can
    cancel a running query) and go on with the next. Each question runs ``runs``
    times, or fewer once it has used ``budget`` seconds; the first run counts
    too, as on a server just started.
    """
    from cahr.layout import Layout
    from cahr.query import vet
    from cahr.store import Boolean, Solutions, open_store

    start = time.perf_counter()
    store = open_store(dist)
    print(json.dumps({"open_s": time.perf_counter() - start}), flush=True)
    graphs = store.graphs()
    for path in Layout.at(root).competency_files()[first:]:
        text = path.read_text(encoding="utf-8")
        line: Figures = {"name": path.stem, "latencies": []}
        try:
            vet(text, graphs)
            while len(line["latencies"]) < runs and sum(line["latencies"]) < budget:
                start = time.perf_counter()
                result = store.query(text)
                if isinstance(result, Solutions):
                    line["rows"] = sum(1 for _row in result.rows)
                elif isinstance(result, Boolean):
                    line["rows"] = int(result.value)
                else:
                    line["rows"] = sum(1 for _triple in result.triples)
                line["latencies"].append(time.perf_counter() - start)
        except Exception as exc:  # a question being written may not parse yet: record it
            line["error"] = f"{type(exc).__name__}: {exc}"
        print(json.dumps(line), flush=True)
    print(json.dumps({"peak_rss_kb": _rss_kb("VmHWM")}), flush=True)


# -- the driver ------------------------------------------------------------------------------


def _run_child(args: list[str], timeout: float) -> tuple[Figures, float]:
    """Run this module in a fresh interpreter; its JSON answer and the wall time."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.growth", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"child {args[0]} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1]), wall


def time_questions(root: Path, dist: Path, runs: int, deadline: float) -> Figures:
    """Latencies of every competency question on the build in ``dist``.

    A question still running after ``deadline`` seconds is stopped (its process
    killed) and recorded as such; a new process goes on with the next one.
    """
    names = [p.stem for p in sorted((root / "ontology" / "competency").glob("*.rq"))]
    figures: Figures = {
        "latencies": {},
        "rows": {},
        "errors": {},
        "open_s": math.nan,
        "peak_rss_kb": 0,
    }
    first = 0
    while first < len(names):
        child = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "benchmarks.growth",
                "--child-queries",
                str(root),
                str(dist),
                str(runs),
                str(first),
                str(deadline / 2),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        lines: queue.Queue[str | None] = queue.Queue()
        reader = threading.Thread(target=_read_lines, args=(child, lines), daemon=True)
        reader.start()
        try:
            opened = json.loads(lines.get(timeout=max(deadline, 600)) or "{}")
            if math.isnan(figures["open_s"]):
                figures["open_s"] = opened.get("open_s", math.nan)
            while True:
                line = lines.get(timeout=deadline)
                if line is None:
                    raise RuntimeError(f"the query process died at {names[first]}")
                answer = json.loads(line)
                if "peak_rss_kb" in answer:
                    figures["peak_rss_kb"] = max(figures["peak_rss_kb"], answer["peak_rss_kb"])
                    break
                name = answer["name"]
                figures["latencies"][name] = answer["latencies"]
                if "rows" in answer:
                    figures["rows"][name] = answer["rows"]
                if "error" in answer:
                    figures["errors"][name] = answer["error"]
                first += 1
        except queue.Empty:
            figures["errors"][names[first]] = f"stopped after {deadline:.0f} s"
            first += 1
        finally:
            child.kill()
            child.wait()
    return figures


def _read_lines(child: subprocess.Popen[str], lines: queue.Queue[str | None]) -> None:
    assert child.stdout is not None
    for line in child.stdout:
        lines.put(line)
    lines.put(None)


def measure(
    factor: int,
    work: Path,
    runs: int,
    repeat_below: float,
    query_runs: int,
    timeout: float,
    deadline: float,
) -> Figures:
    """Generate, build (repeatedly while quick) and query one factor."""
    root = work / f"x{factor}"
    shutil.rmtree(root, ignore_errors=True)
    start = time.perf_counter()
    generate(factor, root, ROOT)
    generated = time.perf_counter() - start
    builds: list[Figures] = []
    for _ in range(runs):
        try:
            figures, wall = _run_child(["--child-build", str(root), str(root / "dist")], timeout)
        except (RuntimeError, subprocess.TimeoutExpired) as exc:  # keep the builds done
            builds.append({"error": f"the build process failed: {str(exc)[-600:]}"})
            print(f"  {factor}x build failed: {str(exc)[-300:]}", flush=True)
            break
        figures["wall_s"] = wall
        builds.append(figures)
        print(
            f"  {factor}x build: {wall:.1f}s wall, {json.dumps(figures.get('timings'))}", flush=True
        )
        if "error" in figures or wall > repeat_below:
            break
    queries: Figures = {}
    if any("timings" in b for b in builds):
        queries = time_questions(root, root / "dist", query_runs, deadline)
    return {"factor": factor, "generate_s": generated, "builds": builds, "queries": queries}


def machine() -> dict[str, str]:
    """What the figures were measured on."""
    from importlib.metadata import version

    from benchmarks.servers import machine_facts

    libraries = ", ".join(
        f"{name} {version(name)}" for name in ("rdflib", "owlrl", "pyshacl", "pyoxigraph")
    )
    return {
        **machine_facts(libraries),
        "load": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def compare_reasoners(runs: int) -> dict[str, list[float]]:
    """Seconds of the reason stage on the real graph, with owlrl and with the fast engine."""
    from cahr.layout import Layout
    from cahr.pipeline.load import load
    from cahr.pipeline.reason import infer

    loaded = load(Layout.at(ROOT))
    asserted = [q[:3] for q in loaded.dataset.quads((None, None, None, None))]
    seconds: dict[str, list[float]] = {"owlrl": [], "fast": []}
    for _ in range(runs):
        for engine in seconds:
            start = time.perf_counter()
            infer(asserted, engine=engine)  # type: ignore[arg-type]
            seconds[engine].append(time.perf_counter() - start)
    return seconds


# -- the report ------------------------------------------------------------------------------


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else math.nan


def _p95(values: list[float]) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]


def summarise(result: Figures) -> Figures:
    """Medians over the builds of one factor, and the latency summary."""
    good = [b for b in result["builds"] if "timings" in b]
    stage = {s: _median([b["timings"][s] for b in good if s in b["timings"]]) for s in STAGES}
    peaks = {s: max((b["peak_rss_kb"].get(s, 0) for b in good), default=0) for s in STAGES}
    latencies = result["queries"].get("latencies", {})
    errors = result["queries"].get("errors", {})
    every = [t for ts in latencies.values() for t in ts]
    last = good[-1] if good else result["builds"][-1]
    return {
        "factor": result["factor"],
        "builds": len(good),
        "stage": stage,
        "stage_peak_kb": peaks,
        "total": sum(stage.values()),
        "wall": _median([b["wall_s"] for b in good]),
        "peak_kb": max(peaks.values(), default=0),
        "union": last.get("union_triples"),
        "asserted": last.get("asserted_triples"),
        "inferred": last.get("inferred_triples"),
        "articles": last.get("articles"),
        "open_s": result["queries"].get("open_s", math.nan),
        "q_median": _median(every),
        "q_p95": _p95(every),
        "error": last.get("error"),
        "load_average": max((b.get("load_average", math.nan) for b in good), default=math.nan),
        "answered": sum(1 for name in latencies if name not in errors),
        "questions": len(latencies) + sum(1 for name in errors if name not in latencies),
    }


def _k(t1: float, t2: float, f1: int, f2: int) -> float | None:
    """The growth exponent k in t ~ factor^k between two factors (1 = linear)."""
    if not (t1 > 0 and t2 > 0):
        return None
    return math.log(t2 / t1) / math.log(f2 / f1)


def _exponent(t1: float, t2: float, f1: int, f2: int) -> str:
    k = _k(t1, t2, f1, f2)
    return "–" if k is None else f"{k:.2f}"


def findings(rows: list[Figures], results: list[Figures]) -> list[str]:
    """What the tables say, computed, so that the text cannot drift from the figures."""
    ok = [r for r in rows if not r["error"]]
    if not ok:
        return ["- No factor built."]
    lines = []
    faster = [
        f"{stage} ({a['factor']}x → {b['factor']}x: k = {k:.2f})"
        for a, b in zip(ok, ok[1:], strict=False)
        for stage in STAGES
        if (k := _k(a["stage"][stage], b["stage"][stage], a["factor"], b["factor"])) is not None
        and k > SUPERLINEAR
    ]
    lines.append(
        f"- Stages growing faster than linearly (k > {SUPERLINEAR}): "
        + (", ".join(faster) if faster else "none")
        + "."
    )
    big = ok[-1]
    top = max(STAGES, key=lambda stage: big["stage"][stage])
    heavy = max(STAGES, key=lambda stage: big["stage_peak_kb"][stage])
    lines.append(
        f"- At {big['factor']}x the {top} stage takes longest: {big['stage'][top]:.0f} s of "
        f"{big['total']:.0f} s ({100 * big['stage'][top] / big['total']:.0f}%); the build "
        f"peaks at {big['peak_kb'] / 2**20:.2f} GiB, in the {heavy} stage."
    )
    timed = [r for r in results if r["queries"].get("latencies")]
    if len(timed) > 1:
        a, b = timed[-2], timed[-1]
        slow = []
        for name, times in b["queries"]["latencies"].items():
            before = a["queries"]["latencies"].get(name)
            k = _k(_median(before or []), _median(times), a["factor"], b["factor"])
            if k is not None and k > SUPERLINEAR and _median(times) > 0.05:
                slow.append(
                    f"{name} (k = {k:.2f}, {_median(times) * 1000:.0f} ms at {b['factor']}x)"
                )
        stopped = [
            f"{r['factor']}x {q}"
            for r in results
            for q, e in r["queries"].get("errors", {}).items()
            if e.startswith("stopped")
        ]
        lines.append(
            f"- Questions slower than linear from {a['factor']}x to {b['factor']}x and above "
            "50 ms: " + (", ".join(sorted(slow)) if slow else "none") + "; stopped at the "
            "deadline: " + (", ".join(stopped) if stopped else "none") + "."
        )
    return lines


def report(run: Figures, notes: str = "") -> str:
    """GROWTH.md: the tables, the growth exponents, findings, the machine and the command.

    :param run: what :func:`main` measured (``results``, ``host``, ``command``,
        ``reasoners``), as saved in ``growth.json``.
    :param notes: a hand-written ``## Notes`` section, kept as it is.
    """
    results, host, command = run["results"], run["host"], run["command"]
    reasoners = run.get("reasoners")
    rows = [summarise(r) for r in results]
    gib = 2**20
    lines = [
        "# Growth curves (issue #7)",
        "",
        "Synthetic projects at N times the real graph (`benchmarks/generate.py`: every article",
        "kept as it is and copied N - 1 times with its minted IRIs renamed, ontology and topics",
        "shared, so 1x is the real graph), built by the same `build()` as `kg build` in a fresh",
        "process, then the competency questions (`ontology/competency/*.rq`) on the built store",
        "opened as `kg serve` opens it.",
        "Stage seconds are medians over the builds (column *builds*); peak RSS is each",
        "stage's own high-water mark, the largest over the builds. Query latencies are over",
        "every run of every question answered; a question stopped at the deadline is not",
        "in them (see the list below the tables). *Load average* is the machine's 5-minute",
        f"load at the end of the builds (the largest; {host.get('cpus', '?')} CPUs); above 1,",
        "other work shared the machine (it lags: for builds of seconds it mostly tells what ran",
        "before). Generated by `benchmarks/growth.py`; do not edit by hand, except the",
        "section *Notes* at the end, which is kept.",
        "",
        "| factor | articles | asserted | inferred | union | "
        + " | ".join(STAGES)
        + " | stages total | wall | builds | load average | peak RSS | store open"
        " | questions answered | query median | query p95 |",
        "|" + " --- |" * (len(STAGES) + 15),
    ]
    for r in rows:
        if r["error"]:
            lines.append(f"| {r['factor']}x | build failed: {r['error'][:200]} |")
            continue
        stages = " | ".join(f"{r['stage'][s]:.2f} s" for s in STAGES)
        lines.append(
            f"| {r['factor']}x | {r['articles']} | {r['asserted']:,} | {r['inferred']:,} | "
            f"{r['union']:,} | {stages} | {r['total']:.1f} s | {r['wall']:.1f} s | {r['builds']} | "
            f"{r['load_average']:.1f} | "
            f"{r['peak_kb'] / gib:.2f} GiB | {r['open_s']:.2f} s | "
            f"{r['answered']}/{r['questions']} | "
            f"{r['q_median'] * 1000:.1f} ms | {r['q_p95'] * 1000:.1f} ms |"
        )
    lines += [
        "",
        "Peak RSS of each stage (GiB):",
        "",
        "| factor | " + " | ".join(STAGES) + " |",
        "|" + " --- |" * (len(STAGES) + 1),
    ]
    for r in rows:
        lines.append(
            f"| {r['factor']}x | "
            + " | ".join(f"{r['stage_peak_kb'][s] / gib:.2f}" for s in STAGES)
            + " |"
        )
    ok = [r for r in rows if not r["error"]]
    if len(ok) > 1:
        lines += [
            "",
            "Growth exponent k, time ~ factor^k between consecutive factors",
            "(1.00 is linear; above about 1.1 a stage grows faster than the graph):",
            "",
            "| between | " + " | ".join(STAGES) + " | stages total | query median |",
            "|" + " --- |" * (len(STAGES) + 3),
        ]
        for a, b in zip(ok, ok[1:], strict=False):
            exps = " | ".join(
                _exponent(a["stage"][s], b["stage"][s], a["factor"], b["factor"]) for s in STAGES
            )
            lines.append(
                f"| {a['factor']}x → {b['factor']}x | {exps} | "
                f"{_exponent(a['total'], b['total'], a['factor'], b['factor'])} | "
                f"{_exponent(a['q_median'], b['q_median'], a['factor'], b['factor'])} |"
            )
    names = sorted({q for r in results for q in r["queries"].get("latencies", {})})
    if names:
        lines += [
            "",
            "Median latency per competency question (ms; rows returned in brackets):",
            "",
            "| question | " + " | ".join(f"{r['factor']}x" for r in results) + " |",
            "|" + " --- |" * (len(results) + 1),
        ]
        for name in names:
            cells = []
            for r in results:
                times = r["queries"].get("latencies", {}).get(name)
                count = r["queries"].get("rows", {}).get(name)
                cells.append(f"{_median(times) * 1000:.1f} ({count})" if times else "–")
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
    failed = {
        f"{r['factor']}x {q}": e for r in results for q, e in r["queries"].get("errors", {}).items()
    }
    broken = [
        f"- {r['factor']}x, build {i}: {b['error'].strip().splitlines()[-1][:300]}"
        for r in results
        for i, b in enumerate(r["builds"], 1)
        if "error" in b
    ]
    if broken:
        lines += ["", "Builds that failed (the tables use the others):", "", *broken]
    if failed:
        lines += ["", "Questions that could not run:", ""]
        lines += [f"- {k}: {v[:200]}" for k, v in sorted(failed.items())]
    if reasoners:
        lines += [
            "",
            "The reason stage on the real graph, owlrl (the reference) and the fast",
            "engine (`cahr/pipeline/rules.py`), median of "
            f"{len(reasoners['fast'])} runs: owlrl {_median(reasoners['owlrl']):.2f} s, "
            f"fast {_median(reasoners['fast']):.2f} s.",
        ]
    lines += ["", "## Findings", "", *findings(rows, results)]
    lines += ["", "## Machine", ""]
    lines += [f"- {key}: {value}" for key, value in host.items()]
    lines += ["", "## Command", "", "```", command, "```", ""]
    return "\n".join(lines) + notes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--factors", type=int, nargs="+", default=[1, 10, 100])
    parser.add_argument("--runs", type=int, default=3, help="builds per factor (default 3)")
    parser.add_argument(
        "--repeat-below",
        type=float,
        default=120.0,
        metavar="SECONDS",
        help="build a factor once only if a build takes longer (default 120)",
    )
    parser.add_argument("--query-runs", type=int, default=5, help="runs per question (5)")
    parser.add_argument("--timeout", type=float, default=3600.0, help="per build, seconds")
    parser.add_argument(
        "--deadline",
        type=float,
        default=120.0,
        help="a question still running after this many seconds is stopped",
    )
    parser.add_argument("--work", type=Path, help="where the projects go (default: a temp dir)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "GROWTH.md")
    parser.add_argument(
        "--no-reasoner-comparison",
        action="store_true",
        help="skip timing owlrl against the fast engine on the real graph",
    )
    parser.add_argument(
        "--from-json",
        type=Path,
        metavar="FILE",
        help="only write the report again from a growth.json of an earlier run",
    )
    parser.add_argument("--child-build", nargs=2, type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child-queries", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_build:
        print(json.dumps(child_build(*args.child_build)))
        return 0
    if args.child_queries:
        root, dist, runs, first, budget = args.child_queries
        child_queries(Path(root), Path(dist), int(runs), int(first), float(budget))
        return 0
    if args.from_json:
        _write_report(args.out, json.loads(args.from_json.read_text(encoding="utf-8")))
        return 0
    run: Figures = {
        "host": machine(),
        "command": "make growth  # = .venv/bin/python -m benchmarks.growth "
        + " ".join(argv if argv is not None else sys.argv[1:]),
        "results": [],
    }
    work = args.work or Path(tempfile.mkdtemp(prefix="cahr-growth-"))
    work.mkdir(parents=True, exist_ok=True)
    saved = work / "growth.json"
    for factor in args.factors:
        print(f"{factor}x: generating and building in {work / f'x{factor}'}", flush=True)
        figures = measure(
            factor, work, args.runs, args.repeat_below, args.query_runs, args.timeout, args.deadline
        )
        run["results"].append(figures)
        saved.write_text(json.dumps(run, indent=1), encoding="utf-8")
    if not args.no_reasoner_comparison:
        run["reasoners"] = compare_reasoners(args.runs)
        saved.write_text(json.dumps(run, indent=1), encoding="utf-8")
    _write_report(args.out, run)
    print(f"wrote {args.out} (raw figures: {saved})")
    return 0


def _write_report(out: Path, run: Figures) -> None:
    """Write the report, keeping the hand-written notes of the file it replaces."""
    old = out.read_text(encoding="utf-8") if out.exists() else ""
    notes = old[old.index(NOTES) :] if NOTES in old else ""
    out.write_text(report(run, notes), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())

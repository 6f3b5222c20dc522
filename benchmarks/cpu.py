"""Server CPU per uncached request, kg serve against Oxigraph server: ``python -m benchmarks.cpu``.

Why a second harness beside ``benchmarks.load``: on a machine shared with other
jobs, requests per second move with their load, but the CPU time a server's
process tree spends per request hardly does. This module starts kg serve (the
response cache off) and Oxigraph server once each, on the same dist/, then
alternates measured wrk runs between them (the same mix and load generator as
``benchmarks.load``), so that both see the same moments of the machine. Each
round reads the CPU of the whole tree from /proc before and after the run.
Prints one line per round and the medians; ``--serve`` passes extra options to
``kg serve`` (``--workers 2``), so that two layouts are compared in one run.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.load import (
    RESULTS_JSON,
    ROOT,
    SERVE_DEFAULTS,
    _measured_run,
    kg_server,
    oxigraph_server,
    write_paths,
    wrk,
)
from benchmarks.servers import Server


def settle(server: Server, quiet: float = 0.05, limit: float = 180.0) -> None:
    """Wait until ``server``'s tree is idle (its query processes have loaded the build).

    A query process loads the build after the server answers /healthz: its CPU must
    not be counted against the requests of the first round.

    :param quiet: CPU seconds per second of wall time below which the tree is idle.
    """
    deadline = time.monotonic() + limit
    before = server.cpu_seconds()
    while time.monotonic() < deadline:
        time.sleep(1.0)
        now = server.cpu_seconds()
        if now - before < quiet:
            return
        before = now


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=8.0, help="each measured run (8)")
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=SERVE_DEFAULTS["workers"])
    parser.add_argument(
        "--query-processes", dest="processes", type=int, default=SERVE_DEFAULTS["query_processes"]
    )
    parser.add_argument("--no-oxigraph", action="store_true", help="measure kg serve only")
    parser.add_argument(
        "--baseline",
        type=Path,
        metavar="SRC",
        help="also measure kg serve from the source tree SRC (another revision, e.g. "
        "`git archive REV | tar -x -C SRC`), with this checkout's environment",
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="cahr-cpu-") as folder:
        work = Path(folder)
        servers: list[Server] = [
            kg_server(work, args.dist, args.workers, args.processes, 0, "kg serve, cache off")
        ]
        if args.baseline is not None:
            baseline = kg_server(
                work, args.dist, args.workers, args.processes, 0, "kg serve, baseline"
            )
            baseline.env["PYTHONPATH"] = str(_redirect(work / "baseline", args.baseline))
            baseline.cwd = args.baseline  # not this checkout, first on sys.path otherwise
            servers.append(baseline)
        if not args.no_oxigraph:
            servers.append(oxigraph_server(work, args.dist)[0])
        ours, theirs = write_paths(work, "/sparql"), write_paths(work, "/query")
        paths = {s.name: theirs if s.name == "Oxigraph server" else ours for s in servers}
        rounds: dict[str, list[dict[str, float]]] = {server.name: [] for server in servers}
        try:
            for server in servers:
                server.start()
                settle(server)
                wrk(server.port, paths[server.name], RESULTS_JSON, args.concurrency, args.warmup)
            for number in range(args.rounds):
                for server in servers:
                    run = _measured_run(
                        server, paths[server.name], RESULTS_JSON, args.concurrency, args.seconds
                    )
                    rounds[server.name].append(run)
                    print(
                        f"round {number + 1} {server.name:<22} {run['rps']:7.1f} req/s  "
                        f"{run['server_cpu_ms_per_request']:.2f} CPU ms/req  "
                        f"errors {run['errors']}  other CPU {run['other_cpu_share']:.0%}",
                        flush=True,
                    )
        finally:
            for server in servers:
                server.stop()
    medians = {
        name: (
            statistics.median(r["server_cpu_ms_per_request"] for r in runs),
            statistics.median(r["rps"] for r in runs),
        )
        for name, runs in rounds.items()
    }
    for name, (cpu, rps) in medians.items():
        print(f"median {name:<22} {rps:7.1f} req/s  {cpu:.2f} CPU ms/req")
    if "Oxigraph server" in rounds:
        ox_cpu = medians["Oxigraph server"][0]
        for name, runs in rounds.items():
            if name == "Oxigraph server":
                continue
            ratios = [
                kg["rps"] / ox["rps"]
                for kg, ox in zip(runs, rounds["Oxigraph server"], strict=True)
                if ox["rps"]
            ]
            print(
                f"{name} / Oxigraph server: CPU per request {medians[name][0] / ox_cpu:.2f}x, "
                f"req/s {statistics.median(ratios):.2f}x (median of the rounds' ratios)"
            )
    return 0


def _redirect(folder: Path, source: Path) -> Path:
    """A folder for PYTHONPATH whose sitecustomize points the editable install at ``source``.

    The editable install maps ``cahr`` and ``cahr.server`` to this checkout's folders;
    the query processes (a forkserver) inherit PYTHONPATH, so they follow too.
    """
    folder.mkdir(parents=True, exist_ok=True)
    mapping = {"cahr": str(source / "cahr"), "cahr.server": str(source / "server")}
    (folder / "sitecustomize.py").write_text(
        "import sys\n"
        "for module in list(sys.modules.values()):\n"
        "    if getattr(module, 'MAPPING', None) and 'cahr.server' in module.MAPPING:\n"
        f"        module.MAPPING.update({mapping!r})\n",
        encoding="utf-8",
    )
    return folder


if __name__ == "__main__":
    raise SystemExit(main())

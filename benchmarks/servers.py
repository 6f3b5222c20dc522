"""Start, watch and stop the servers that ``benchmarks.load`` measures, on loopback only.

Every server is started in its own process group (``start_new_session``) and
stopped through that group's id, never by a name pattern, so that a benchmark
ends exactly what it started: gunicorn's master with its workers, their
forkserver and query children; uvicorn with its workers; Oxigraph server.

Memory and CPU are read from ``/proc`` for the whole process tree under the
server's pid, because ``kg serve``'s work is spread over the master, the
workers and each worker's query processes: RSS counts shared pages once per
process (an upper bound), PSS shares them out (what the tree really holds).
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.procfs import CLOCK_TICKS, cpu_seconds, descendants, kib

HOST = "127.0.0.1"  # never anything else: the benchmark is loopback only


def free_port() -> int:
    """A port that the OS says is free on loopback now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def get(port: int, path: str, accept: str = "*/*", timeout: float = 30.0) -> tuple[int, bytes]:
    """One GET to 127.0.0.1:port: (status, body)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Accept": accept})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


@dataclass
class Server:
    """A server process (group) on 127.0.0.1:port, with its log in a file."""

    name: str
    argv: list[str]
    port: int
    ready_path: str
    log: Path
    env: dict[str, str] = field(default_factory=dict)
    cwd: Path | None = None
    process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 120.0) -> float:
        """Start it and wait until ``ready_path`` answers 200; the seconds that took.

        :raises RuntimeError: it exited, or was not ready in ``timeout`` seconds.
        """
        started = time.monotonic()
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                self.argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, **self.env},
                cwd=self.cwd,
                start_new_session=True,
            )
        deadline = started + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited with {self.process.returncode}: see {self.log}"
                )
            try:
                if get(self.port, self.ready_path, timeout=5)[0] == 200:
                    return time.monotonic() - started
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{self.name} was not ready in {timeout:.0f} s: see {self.log}")

    def stop(self, grace: float = 20.0) -> None:
        """SIGTERM to its process group, SIGKILL to the group after ``grace`` seconds."""
        if self.process is None:
            return
        pgid = self.process.pid  # start_new_session: the group id is the leader's pid
        try:
            os.killpg(pgid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            self.process.wait(grace)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(pgid, signal.SIGKILL)  # stragglers of the group (query children)
        except ProcessLookupError:
            pass
        if self.process.poll() is None:
            self.process.wait(5)
        self.process = None

    def tree(self) -> list[int]:
        """The server's pid and every descendant's."""
        if self.process is None:
            return []
        return descendants(self.process.pid)

    def memory(self) -> dict[str, float]:
        """RSS and PSS of the tree in MiB, and how many processes it has."""
        pids = self.tree()
        rss = pss = 0
        for pid in pids:
            rss += kib(pid, "status", "VmRSS")
            pss += kib(pid, "smaps_rollup", "Pss")
        return {"rss_mib": rss / 1024, "pss_mib": pss / 1024, "processes": len(pids)}

    def cpu_seconds(self) -> float:
        """User + system CPU of the tree's live processes (and of the children they reaped)."""
        return sum(cpu_seconds(self.tree(), reaped=True).values())


def machine_busy_seconds() -> float:
    """CPU seconds that the whole machine has spent busy since boot (all CPUs, /proc/stat).

    Compared with the server's and wrk's own CPU over a run, it shows how much
    other work (another session's tests, say) shared the machine meanwhile.
    """
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    # user nice system idle iowait irq softirq steal (guest time is inside user)
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / CLOCK_TICKS


def cpu_and_memory() -> tuple[str, str]:
    """The CPU model and total memory, from /proc, for the reports' machine line."""
    model, memory = "unknown", "unknown"
    try:
        model = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
        kb = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
        memory = f"{kb / 2**20:.1f} GiB"
    except (OSError, StopIteration):
        pass
    return model, memory


def machine_facts(libraries: str) -> dict[str, str]:
    """The machine line shared by the reports: CPUs, CPU model, memory, Python, system."""
    import platform

    model, memory = cpu_and_memory()
    return {
        "cpus": str(os.cpu_count()),
        "cpu": model,
        "memory": memory,
        "python": platform.python_version(),
        "system": platform.platform(),
        "libraries": libraries,
    }

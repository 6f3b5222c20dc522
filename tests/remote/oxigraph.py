"""A real Oxigraph server (the ``oxigraph`` CLI from PyPI) loaded from a build, on a free port.

Loaded as docs/deploy.md says: ``dataset.nq`` for the named graphs, then
``union.nt`` into the default graph (the deduplicated union; Oxigraph's
``--union-default-graph`` repeats triples, see ``test_remote_store.py``). It
listens on ``127.0.0.1:0``, so the OS picks the port; the server prints ``:0``,
so the port is read from the kernel's table of the process's sockets.
"""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

OXIGRAPH = Path(sys.executable).with_name("oxigraph")
# Oxigraph's own limit on a query: it stops work that kg serve gave up on.
SERVER_TIMEOUT_S = 30
LISTEN = "0A"  # TCP_LISTEN in /proc/net/tcp


@dataclass
class OxigraphServer:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def query_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/query"


def load(dist: Path, location: Path, *, union: bool = True) -> None:
    """``oxigraph load`` the build into a new database at ``location``."""
    files = [dist / "dataset.nq"] + ([dist / "union.nt"] if union else [])
    for file in files:  # one at a time: union.nt goes to the default graph
        subprocess.run(
            [str(OXIGRAPH), "load", "--location", str(location), "--file", str(file)],
            check=True,
            capture_output=True,
        )


@contextmanager
def running(location: Path, *options: str) -> Iterator[OxigraphServer]:
    """``oxigraph serve-read-only`` on a port the OS picks; stopped (SIGTERM) at the end."""
    log = location.with_suffix(".log")
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                str(OXIGRAPH),
                "serve-read-only",
                "--location",
                str(location),
                "--bind",
                "127.0.0.1:0",
                "--timeout-s",
                str(SERVER_TIMEOUT_S),
                *options,
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        server = OxigraphServer(process, _listening_port(process, log), log)
        _wait_until_answering(server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _listening_port(process: subprocess.Popen[bytes], log: Path) -> int:
    """The port of the process's listening socket, from /proc (Linux)."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        assert process.poll() is None, f"oxigraph exited:\n{log.read_text()}"
        inodes = set()
        for fd in Path(f"/proc/{process.pid}/fd").iterdir():
            try:
                target = fd.readlink().name
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
        for line in Path(f"/proc/{process.pid}/net/tcp").read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == LISTEN and fields[9] in inodes:
                return int(fields[1].split(":")[1], 16)
        time.sleep(0.05)
    raise AssertionError(f"oxigraph did not listen:\n{log.read_text()}")


def _wait_until_answering(server: OxigraphServer) -> None:
    deadline = time.monotonic() + 20
    request = urllib.request.Request(
        server.query_url,
        data=b"ASK {}",
        headers={"Content-Type": "application/sparql-query"},
    )
    while True:
        try:
            with urllib.request.urlopen(request, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.05)


@pytest.fixture(scope="session")
def oxigraph_endpoint(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The query URL of an Oxigraph server holding the session's build."""
    location = tmp_path_factory.mktemp("oxigraph") / "db"
    load(dist, location)
    with running(location) as server:
        yield server.query_url

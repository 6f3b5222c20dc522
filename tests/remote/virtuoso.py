"""A real Virtuoso Open Source 7 (Debian's package) loaded from a build, on free loopback ports.

As docs/deploy.md, "Virtuoso", says: ``make virtuoso`` installs it when it is
missing (the fixture runs the same target), ``deploy/virtuoso.ini`` is filled
in with a database folder of the test's own and two free ports, ``virtuoso-t``
runs in the foreground (so that the fixture holds its process), and
``deploy/virtuoso-load.sql`` bulk-loads ``dataset.nq`` (named graphs kept) and
``union.nt`` (into ``urn:cahr:union``) through ``isql-vt``. The query URL names
that graph as its default graph.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
INI = ROOT / "deploy" / "virtuoso.ini"
LOAD_SQL = ROOT / "deploy" / "virtuoso-load.sql"
UNION_GRAPH = "urn:cahr:union"
# The password Virtuoso gives its administrator in a new database (loopback only here).
DBA = ("dba", "dba")
START_SECONDS = 60


@dataclass
class VirtuosoServer:
    process: subprocess.Popen[bytes]
    folder: Path
    sql_port: int
    http_port: int

    @property
    def query_url(self) -> str:
        """The SPARQL endpoint, with the graph that holds the union as its default graph."""
        query = urllib.parse.urlencode({"default-graph-uri": UNION_GRAPH})
        return f"http://127.0.0.1:{self.http_port}/sparql?{query}"

    def isql(self, *args: str) -> str:
        """Run ``isql-vt`` against this server (a file of statements, or ``exec=...``)."""
        done = subprocess.run(
            ["isql-vt", f"127.0.0.1:{self.sql_port}", *DBA, *args],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        return done.stdout


def install() -> None:
    """``make virtuoso``: Debian's package, installed when ``virtuoso-t`` is missing."""
    subprocess.run(["make", "-s", "-C", str(ROOT), "virtuoso"], check=True)


def free_port() -> int:
    """A loopback port free now (the OS picks it; the server binds it a moment later)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def running(folder: Path) -> Iterator[VirtuosoServer]:
    """``virtuoso-t`` on a new database in ``folder``; stopped (SIGTERM) at the end."""
    folder.mkdir(parents=True, exist_ok=True)
    sql_port, http_port = free_port(), free_port()
    ini = INI.read_text(encoding="utf-8")
    for name, value in (("@DIR@", str(folder)), ("@SQL_PORT@", str(sql_port))):
        ini = ini.replace(name, value)
    (folder / "virtuoso.ini").write_text(ini.replace("@HTTP_PORT@", str(http_port)))
    with (folder / "console.log").open("wb") as out:
        process = subprocess.Popen(
            ["virtuoso-t", "+foreground", "+configfile", str(folder / "virtuoso.ini")],
            cwd=folder,  # the bulk loader's relative folder (load/) is the server's
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = VirtuosoServer(process, folder, sql_port, http_port)
    try:
        _wait_until_answering(server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def load(server: VirtuosoServer, dist: Path) -> str:
    """Bulk-load the build (``deploy/virtuoso-load.sql``); the load list isql printed.

    :raises AssertionError: a file was not loaded, or with an error.
    """
    files = server.folder / "load"
    files.mkdir(exist_ok=True)
    for name in ("dataset.nq", "union.nt"):
        shutil.copy(dist / name, files / name)
    printed = server.isql(str(LOAD_SQL))
    loaded = [line.split() for line in printed.splitlines() if line.startswith("load/")]
    assert sorted(row[0] for row in loaded) == ["load/dataset.nq", "load/union.nt"], printed
    assert all(row[2:] == ["2", "NULL"] for row in loaded), printed
    return printed


def _wait_until_answering(server: VirtuosoServer) -> None:
    deadline = time.monotonic() + START_SECONDS
    log = server.folder / "virtuoso.log"
    request = urllib.request.Request(
        server.query_url,
        data=urllib.parse.urlencode({"query": "ASK {}"}).encode(),
        headers={"Accept": "application/sparql-results+json"},
    )
    while True:
        assert server.process.poll() is None, f"virtuoso-t exited:\n{_tail(log)}"
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            if time.monotonic() > deadline:
                raise AssertionError(f"virtuoso-t did not answer:\n{_tail(log)}") from None
        time.sleep(0.2)


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-3000:] if log.exists() else "(no log)"


@pytest.fixture(scope="session")
def virtuoso_endpoint(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The query URL of a Virtuoso server holding the session's build."""
    install()
    with running(tmp_path_factory.mktemp("virtuoso") / "db") as server:
        load(server, dist)
        yield server.query_url

"""Fixtures of the server tests: apps on every store, the real ``kg serve``, a loopback listener.

``app`` / ``client`` run the protocol in-process (Flask's test client), once
per engine and once on a remote store (a real Oxigraph server loaded from the
build, ``tests/remote/oxigraph.py``). ``live_server`` starts the real
``kg serve`` as a subprocess on a port the OS picks (``--port 0``; the port is
read from gunicorn's "Listening at" line, so no other process can take it
meanwhile), polls /healthz, checks the process is alive, and stops it at the
end. Its query timeout is 2 s, so that the timeout test is quick; every other
query it gets takes milliseconds.
"""

from __future__ import annotations

import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from flask import Flask
from flask.testing import FlaskClient

from cahr.server import create_app
from cahr.server.state import Served
from cahr.store import ENGINES
from tests.remote.oxigraph import oxigraph_endpoint  # noqa: F401 (a fixture: app on "remote")

LIVE_TIMEOUT = 2
KG = Path(sys.executable).with_name("kg")


def served(app: Flask) -> Served:
    """The build an app serves (outside a request context)."""
    result: Served = app.extensions["cahr"]
    return result


@pytest.fixture(scope="session", params=[*ENGINES, "remote"])
def app(request: pytest.FixtureRequest, dist: Path) -> Iterator[Flask]:
    """The app with default settings, on each engine in turn, then on the remote store."""
    if request.param == "remote":
        made = create_app(
            {"dist": str(dist), "store": request.getfixturevalue("oxigraph_endpoint")}
        )
    else:
        made = create_app({"dist": str(dist), "engine": request.param})
    yield made
    served(made).close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def make_app(dist: Path) -> Iterator[Callable[..., Flask]]:
    """Apps with settings of the test's own (a short timeout, small caps), closed after it."""
    made: list[Flask] = []

    def make(**settings: Any) -> Flask:
        made.append(create_app({"dist": str(dist), **settings}))
        return made[-1]

    yield make
    for one in made:
        served(one).close()


@dataclass
class Listener:
    """A TCP listener on a free loopback port that counts the connections it gets."""

    port: int
    connections: list[tuple[str, int]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"


@pytest.fixture
def listener() -> Iterator[Listener]:
    """A loopback listener, to prove that a query makes the server connect nowhere."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    sock.settimeout(0.1)
    found = Listener(sock.getsockname()[1])
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, address = sock.accept()
            except TimeoutError:
                continue
            found.connections.append(address)
            conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield found
    stop.set()
    thread.join()
    sock.close()


@dataclass
class LiveServer:
    """A ``kg serve`` subprocess and where to reach it."""

    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def healthz(self) -> dict[str, Any]:
        data: dict[str, Any] = httpx.get(self.url + "/healthz", timeout=5).json()
        return data


def start_server(dist: Path, log: Path, *options: str) -> LiveServer:
    """Start ``kg serve`` on a port the OS picks; return once /healthz answers."""
    out = log.open("wb")
    process = subprocess.Popen(
        [str(KG), "serve", "--dist", str(dist), "--host", "127.0.0.1", "--port", "0", *options],
        stdout=out,
        stderr=subprocess.STDOUT,
        cwd=log.parent,
    )
    out.close()
    deadline = time.monotonic() + 60
    url = None
    while url is None:
        assert process.poll() is None, f"kg serve exited:\n{log.read_text()}"
        assert time.monotonic() < deadline, f"kg serve did not listen:\n{log.read_text()}"
        found = re.search(r"Listening at: (http://127\.0\.0\.1:\d+)", log.read_text())
        url = found.group(1) if found else None
        time.sleep(0.05)
    server = LiveServer(process, url, log)
    while True:
        assert process.poll() is None, f"kg serve exited:\n{log.read_text()}"
        assert time.monotonic() < deadline, f"/healthz never answered:\n{log.read_text()}"
        try:
            if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.1)


def stop_server(server: LiveServer) -> None:
    """SIGTERM, then wait (gunicorn stops its workers gracefully); SIGKILL as a last resort."""
    server.process.send_signal(signal.SIGTERM)
    try:
        server.process.wait(30)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()
        raise


@pytest.fixture(scope="session")
def live_server(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The real ``kg serve`` (2 workers, 2 s query timeout) on the session's build."""
    log = tmp_path_factory.mktemp("live") / "kg-serve.log"
    server = start_server(dist, log, "--workers", "2", "--query-timeout", str(LIVE_TIMEOUT))
    yield server
    stop_server(server)


@pytest.fixture(scope="module")
def own_dist(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the build that a test may replace (reload tests)."""
    copy = tmp_path_factory.mktemp("own") / "dist"
    shutil.copytree(dist, copy)
    return copy

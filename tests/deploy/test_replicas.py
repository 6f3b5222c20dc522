"""The replicated deployment of docs/deploy.md, run: nginx in front of three ``kg serve`` replicas.

nginx (Debian's, installed by ``make system-test``) runs as an unprivileged
process with its own prefix, temporary and cache folders under the test's
folder, listening on a free loopback port, with ``deploy/nginx/cahr-kg.conf``
as written but for its ports and cache folder. Client threads send a bounded
mixed load through it (queries by GET and POST, pages, dumps, conditional
requests), and

1. one replica is killed (SIGKILL, with its workers and query processes) in
   the middle and later started again on its port: no request fails, and every
   answer is the one the same request got before the kill;
2. a new build is rolled out one replica at a time (swapped into its dist/ as
   ``kg build`` does, then SIGHUP), under load: no request fails, and no
   client gets an older build from a replica after a newer one from it.

The figures go to ``benchmarks/RESULTS.md`` by hand; the test prints them.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from cahr.dist import read_manifest
from tests.server.conftest import LiveServer, start_server, stop_server
from tests.server.test_reload import NEW_BUILD, _swap_in_new_build

pytestmark = [pytest.mark.slow, pytest.mark.server]

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "deploy" / "nginx" / "cahr-kg.conf"
# What the test changes in the site file: its replicas' ports, its port, its cache folder.
REPLICA_PORTS = ("8001", "8002", "8003")
LISTEN = "listen 80;"
CACHE = "/var/cache/nginx/cahr-kg"
# The harness's part of nginx's configuration: its own files, and a log that says which
# replica answered each request (the test's request id, the upstream, the cache's verdict).
MAIN = """daemon off;
pid {dir}/nginx.pid;
error_log {dir}/error.log info;
worker_processes 2;
events {{ worker_connections 512; }}
http {{
    log_format replicas '$http_x_test_id $upstream_addr $upstream_cache_status $status';
    access_log {dir}/access.log replicas;
    client_body_temp_path {dir}/client_body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    include {dir}/cahr-kg.conf;
}}
"""
CLIENTS = 6
QUERY = "SELECT ?s ?label WHERE {{ ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label }} ORDER BY ?s LIMIT {n}"
JSON_RESULTS = {"Accept": "application/sparql-results+json"}


@dataclass
class Replica:
    dist: Path
    log: Path
    port: int = 0
    server: LiveServer | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        """``kg serve`` on this replica's dist/, on its port once it has one."""
        self.server = start_server(
            self.dist, self.log, "--workers", "2", "--query-timeout", "5", "--port", str(self.port)
        )
        self.port = int(self.server.url.rsplit(":", 1)[1])

    def kill(self) -> None:
        """SIGKILL the master, its workers and their query processes at once (a crash)."""
        assert self.server is not None
        # Frozen first, so that none of them starts a process (a query process in place of
        # one that ended) after the list was made; one that ended meanwhile is skipped.
        pids: list[int] = []
        while fresh := [
            pid
            for pid in [self.server.process.pid, *_descendants(self.server.process.pid)]
            if pid not in pids
        ]:
            for pid in fresh:
                _signal(pid, signal.SIGSTOP)
            pids += fresh
        for pid in pids:
            _signal(pid, signal.SIGKILL)
        self.server.process.wait()
        deadline = time.monotonic() + 10
        while any(Path(f"/proc/{pid}").exists() and _state(pid) != "Z" for pid in pids[1:]):
            assert time.monotonic() < deadline, "a killed process lives on"
            time.sleep(0.05)

    def reload(self, build_id: str) -> None:
        """SIGHUP the master; return once every worker serves ``build_id``.

        Under the load, new workers take seconds to boot, and a request waits for them.
        """
        assert self.server is not None
        self.server.process.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 90
        seen: set[str] = set()
        while seen != {build_id}:
            assert time.monotonic() < deadline, f"still serving {seen}:\n{self.log.read_text()}"
            try:
                # Fresh connections, so that both workers get asked.
                seen = {self.build() for _ in range(8)}
            except httpx.TransportError:
                seen = set()
            time.sleep(0.2)

    def build(self) -> str:
        assert self.server is not None
        return str(self.server.healthz()["build_id"])


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _signal(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass  # it ended on its own


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "Z"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def site_config(replicas: list[Replica], port: int, cache: Path) -> str:
    """deploy/nginx/cahr-kg.conf with the test's ports and cache folder, nothing else changed."""
    text = SITE.read_text(encoding="utf-8")
    for old, new in [
        *(
            (f"127.0.0.1:{p} ", f"{r.address} ")
            for p, r in zip(REPLICA_PORTS, replicas, strict=True)
        ),
        (LISTEN, f"listen 127.0.0.1:{port};"),
        (f"{CACHE} ", f"{cache} "),
    ]:
        assert text.count(old) == 1, f"{SITE} no longer holds {old!r} once"
        text = text.replace(old, new)
    return text


@dataclass
class Nginx:
    process: subprocess.Popen[bytes]
    url: str
    folder: Path

    def log(self) -> dict[str, list[str]]:
        """The access log's fields by the test's request id."""
        lines = (self.folder / "access.log").read_text().splitlines()
        return {line.split(" ", 1)[0]: line.split(" ")[1:] for line in lines}


@contextmanager
def running_nginx(replicas: list[Replica]) -> Iterator[Nginx]:
    """nginx with the site file, in a folder of its own; as ``nobody`` when run as root."""
    assert shutil.which("nginx"), "nginx is missing: `make system-test` installs it"
    # Not under pytest's folder: an unprivileged nginx could not enter it (mode 700).
    folder = Path(tempfile.mkdtemp(prefix="cahr-nginx-"))
    port = _free_port()
    try:
        (folder / "cahr-kg.conf").write_text(site_config(replicas, port, folder / "cache"))
        (folder / "nginx.conf").write_text(MAIN.format(dir=folder))
        drop: dict[str, Any] = {}
        if os.geteuid() == 0:
            drop = {"user": "nobody", "group": "nogroup", "extra_groups": []}
            shutil.chown(folder, "nobody", "nogroup")
        command = ["nginx", "-p", str(folder), "-c", str(folder / "nginx.conf")]
        command += ["-e", str(folder / "error.log")]
        subprocess.run([*command, "-t"], check=True, capture_output=True, **drop)
        process = subprocess.Popen(command, stderr=subprocess.DEVNULL, **drop)
        nginx = Nginx(process, f"http://127.0.0.1:{port}", folder)
        try:
            deadline = time.monotonic() + 20
            while True:
                assert process.poll() is None, (folder / "error.log").read_text()
                try:
                    if httpx.get(nginx.url + "/healthz", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    assert time.monotonic() < deadline, (folder / "error.log").read_text()
                time.sleep(0.1)
            yield nginx
        finally:
            process.terminate()
            process.wait(10)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@dataclass
class Record:
    """One request of the load and what came back."""

    client: int
    request_id: str
    kind: str
    key: tuple[str, ...]
    sent: float
    status: int | str = 0
    etag: str = ""
    answer: Any = None


def requests_of_the_load() -> list[tuple[str, str, str, dict[str, str], dict[str, str] | None]]:
    """(kind, method, path, headers, form) for each request a client cycles through."""
    made: list[tuple[str, str, str, dict[str, str], dict[str, str] | None]] = []
    for n in (1, 7, 50):
        query = QUERY.format(n=n)
        made.append(
            (
                "query-get",
                "GET",
                "/sparql?" + httpx.QueryParams(query=query).__str__(),
                JSON_RESULTS,
                None,
            )
        )
        made.append(("query-post", "POST", "/sparql", JSON_RESULTS, {"query": query + " "}))
    made += [
        ("page", "GET", "/id/kassym-jomart-tokayev", {"Accept": "text/html"}, None),
        ("page", "GET", "/id/kassym-jomart-tokayev", {"Accept": "text/turtle"}, None),
        ("dump", "GET", "/dumps/union.nt", {}, None),
        ("dump", "GET", "/dumps/", {"Accept": "application/json"}, None),
        (
            "conditional",
            "GET",
            "/sparql?" + str(httpx.QueryParams(query=QUERY.format(n=3))),
            JSON_RESULTS,
            None,
        ),
    ]
    return made


@dataclass
class Load:
    """Client threads sending the mixed load through nginx until stopped (bounded)."""

    url: str
    clients: int = CLIENTS
    max_requests: int = 20_000  # per client: the load stops by itself
    records: list[Record] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> None:
        self.threads = [
            threading.Thread(target=self._client, args=(n,)) for n in range(self.clients)
        ]
        for thread in self.threads:
            thread.start()

    def finish(self) -> list[Record]:
        self.stop.set()
        for thread in self.threads:
            thread.join()
        return self.records

    def _client(self, number: int) -> None:
        requests = requests_of_the_load()
        etags: dict[str, str] = {}
        with httpx.Client(base_url=self.url, timeout=40) as client:
            for i in range(self.max_requests):
                if self.stop.is_set():
                    return
                kind, method, path, headers, form = requests[(i + number) % len(requests)]
                headers = {**headers, "X-Test-Id": f"{number}-{i}"}
                if kind == "conditional" and path in etags:
                    headers["If-None-Match"] = etags[path]
                key = (kind, method, path, headers.get("Accept", ""), json.dumps(form))
                record = Record(number, headers["X-Test-Id"], kind, key, time.monotonic())
                try:
                    response = client.request(method, path, headers=headers, data=form)
                except httpx.HTTPError as exc:
                    record.status = repr(exc)
                else:
                    record.status, record.etag = (
                        response.status_code,
                        response.headers.get("ETag", ""),
                    )
                    if response.status_code == 200 and kind == "conditional":
                        etags[path] = record.etag
                    record.answer = _answer(response)
                self.records.append(record)


def _answer(response: httpx.Response) -> Any:
    """What must be the same from one answer to the next: the parsed results, else the body."""
    if response.headers.get("Content-Type", "").startswith("application/sparql-results+json"):
        return response.json()
    return response.content


def _failures(records: list[Record]) -> list[Record]:
    good = {"conditional": (200, 304)}
    return [r for r in records if r.status not in good.get(r.kind, (200,))]


def _build_of(etag: str) -> str:
    found = re.match(r'W/"([0-9a-z]+)-', etag)
    return found.group(1) if found else ""


@pytest.fixture
def replicas(dist: Path, tmp_path: Path) -> Iterator[list[Replica]]:
    """Three ``kg serve`` replicas, each on a copy of the build of its own."""
    made = []
    for n in range(1, 4):
        shutil.copytree(dist, tmp_path / f"replica{n}" / "dist")
        made.append(
            Replica(tmp_path / f"replica{n}" / "dist", tmp_path / f"replica{n}" / "kg-serve.log")
        )
    try:
        for replica in made:
            replica.start()
        yield made
    finally:
        for replica in made:
            if replica.server is not None and replica.server.process.poll() is None:
                stop_server(replica.server)


def test_a_replica_killed_under_load_costs_no_request(replicas: list[Replica]) -> None:
    with running_nginx(replicas) as nginx:
        load = Load(nginx.url)
        started = time.monotonic()
        load.start()
        time.sleep(4)
        victim = replicas[1]
        killed_at = time.monotonic() - started
        victim.kill()
        time.sleep(4)
        victim.start()
        back_at = time.monotonic() - started
        time.sleep(8)
        records = load.finish()
        seconds = time.monotonic() - started
        log = nginx.log()
    assert _failures(records) == []
    first: dict[tuple[str, ...], Any] = {}
    for record in records:
        if record.status == 200:
            assert record.answer == first.setdefault(record.key, record.answer), record.key
    # The replica that answered each request (the last address nginx tried), and when.
    answered = [
        (r.sent - started, log.get(r.request_id, ["-"])[0].split(",")[-1].strip()) for r in records
    ]
    by_victim = [at for at, address in answered if address == victim.address]
    retried = sum(1 for r in records if "," in log.get(r.request_id, ["-"])[0])
    print(
        f"\nreplica killed: {len(records)} requests in {seconds:.1f} s by {CLIENTS} clients, "
        f"{len(_failures(records))} failed; killed at {killed_at:.1f} s, back (answering "
        f"/healthz) at {back_at:.1f} s; {sum(1 for at, _ in answered if at > killed_at)} "
        f"requests after the kill; answered by the victim: "
        f"{sum(1 for at in by_victim if at < killed_at)} before, "
        f"{sum(1 for at in by_victim if at > back_at)} after it came back; "
        f"sent to another replica after a failed try: {retried}; from nginx's cache: "
        f"{sum(1 for r in records if log.get(r.request_id, ['', ''])[1] == 'HIT')}"
    )
    assert len(records) > 300
    assert any(at > back_at for at in by_victim)  # back in the upstream


def test_a_rolling_rebuild_costs_no_request_and_never_goes_back(replicas: list[Replica]) -> None:
    old = replicas[0].build()
    with running_nginx(replicas) as nginx:
        load = Load(nginx.url)
        started = time.monotonic()
        load.start()
        time.sleep(3)
        rollout_started = time.monotonic()
        for replica in replicas:
            assert replica.server is not None
            _swap_in_new_build(replica.dist)
            replica.reload(NEW_BUILD)
        rollout = time.monotonic() - rollout_started
        time.sleep(3)
        records = load.finish()
        seconds = time.monotonic() - started
        log = nginx.log()
    assert _failures(records) == []
    rank = {old: 0, NEW_BUILD: 1}
    newest: dict[tuple[int, str], int] = {}
    went_back = []
    builds_seen = set()
    for record in sorted(records, key=lambda r: r.sent):
        upstream = log.get(record.request_id, ["-"])[0].split(",")[-1].strip()
        build = _build_of(record.etag)
        if build:
            builds_seen.add(build)
        if upstream == "-" or build not in rank:
            continue  # from nginx's cache, or an answer without the build in its ETag
        seen = newest.setdefault((record.client, upstream), rank[build])
        if rank[build] < seen:
            went_back.append((record.request_id, upstream, build))
        newest[(record.client, upstream)] = max(seen, rank[build])
    print(
        f"\nrolling rebuild: {len(records)} requests in {seconds:.1f} s by {CLIENTS} clients, "
        f"{len(_failures(records))} failed; rollout of 3 replicas took {rollout:.1f} s; "
        f"builds seen {sorted(builds_seen)}; older after newer from one replica: {len(went_back)}"
    )
    assert went_back == []
    assert builds_seen >= {old, NEW_BUILD}
    assert len(records) > 300
    assert read_manifest(replicas[2].dist)["build_id"] == NEW_BUILD

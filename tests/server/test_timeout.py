"""The query timeout really stops the evaluation (Flask's test client, both engines).

Neither engine can cancel a query from Python, so the runner evaluates in a
child process and kills it at the limit (``server/runner.py``). These tests
check what that promises: a clear 503 naming the limit, the child gone, its
CPU freed, and the next query answered. The real server's version, with
concurrent requests, is in test_live.py.
"""

from __future__ import annotations

import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from cahr.store import ENGINES
from server.protocol.runner import LONG_NICENESS
from tests.server.conftest import served
from tests.server.helpers import CARTESIAN, alive, cpu_seconds, error_of


def _cpu_used(pids: list[int], seconds: float) -> float:
    before = cpu_seconds(pids)
    time.sleep(seconds)
    after = cpu_seconds(pids)
    return sum(after[pid] - before[pid] for pid in after if pid in before)


def _ends_soon(pid: int) -> bool:
    """Whether ``pid`` ends within a second (SIGKILL is sent before the 503; the worker
    does not wait for the exit)."""
    deadline = time.monotonic() + 1
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.01)
    return not alive(pid)


def _wait_idle(pids: list[int]) -> None:
    deadline = time.monotonic() + 10
    while _cpu_used(pids, 0.2) > 0.02:
        assert time.monotonic() < deadline, "the query processes never went idle"


@pytest.mark.parametrize("engine", ENGINES)
def test_a_runaway_query_is_killed_and_its_cpu_freed(make_app, engine: str) -> None:  # type: ignore[no-untyped-def]
    # Never long (so neither niced nor given a spare): the CPU it burns is measured.
    app = make_app(engine=engine, query_timeout=1, long_query_after=5)
    client, runner = app.test_client(), served(app).runner
    assert client.get("/sparql", query_string={"query": "ASK {}"}).status_code == 200
    before = set(runner.pids())
    _wait_idle(sorted(before))  # the spare child has loaded the build
    with ThreadPoolExecutor(1) as pool:
        started = time.monotonic()
        heavy = pool.submit(client.post, "/sparql", data={"query": CARTESIAN})
        time.sleep(0.3)
        busy = _cpu_used(sorted(before), 0.5)
        response = heavy.result()
        elapsed = time.monotonic() - started
    error = error_of(response, 503)
    assert error["message"] == "the query ran longer than the limit of 1 s and was stopped"
    assert (error["limit_seconds"], error["setting"]) == (1, "query_timeout")
    assert 1 <= elapsed < 2.5
    killed = before - set(runner.pids())
    assert len(killed) == 1 and _ends_soon(killed.pop())
    assert busy >= 0.1  # the child burned CPU (up to a core) while the query ran...
    # ...and every process goes idle (the one started in its place, once it has loaded the build).
    _wait_idle(sorted(runner.pids()))
    # ASK, not a count: rdflib's count of every triple ran past the 1 s limit in a busy CI.
    next_query = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"})
    assert next_query.get_json()["boolean"] is True


def test_the_pool_replaces_killed_children(make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(query_timeout=0.5, query_processes=2)
    client, runner = app.test_client(), served(app).runner
    for _ in range(3):
        error_of(client.post("/sparql", data={"query": CARTESIAN}), 503)
        assert 1 <= len(runner.pids()) <= 2
    assert client.get("/sparql", query_string={"query": "ASK {}"}).get_json()["boolean"] is True


def test_a_child_killed_while_idle_is_replaced(make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    client, runner = app.test_client(), served(app).runner
    killed = runner.pids()
    for pid in killed:
        os.kill(pid, signal.SIGKILL)
    time.sleep(0.2)
    assert client.get("/sparql", query_string={"query": "ASK {}"}).get_json()["boolean"] is True
    assert runner.load()["died"] == len(killed)


def _niceness(pid: int) -> set[int]:
    """The nice values of every thread of ``pid`` (Linux keeps one per thread)."""
    return {os.getpriority(os.PRIO_PROCESS, int(tid)) for tid in os.listdir(f"/proc/{pid}/task")}


def test_a_long_query_is_niced_on_every_thread_and_its_replacement_loads_meanwhile(
    make_app,
) -> None:  # type: ignore[no-untyped-def]
    app = make_app(query_timeout=2, query_processes=2, long_query_after=0.2)
    client, runner = app.test_client(), served(app).runner
    assert client.get("/sparql", query_string={"query": "ASK {}"}).status_code == 200
    assert runner.load()["spare"] == 0
    with ThreadPoolExecutor(1) as pool:
        heavy = pool.submit(client.post, "/sparql", data={"query": CARTESIAN})
        deadline = time.monotonic() + 1.5
        while runner.load()["long"] == 0:
            assert time.monotonic() < deadline, "the query never counted as long"
            time.sleep(0.02)
        assert runner.load()["spare"] == 1
        # The count goes up before the nice call (it needs the pool's lock, the call does not).
        niced = []
        while not niced and time.monotonic() < deadline + 1:
            niced = [pid for pid in runner.pids() if _niceness(pid) != {0}]
            time.sleep(0.02)
        # The query runs on the deep-stack thread: a nice value on the main thread alone
        # left it its full share of the CPU.
        assert len(niced) == 1 and _niceness(niced[0]) == {LONG_NICENESS}, niced
        error_of(heavy.result(), 503)
    assert niced[0] not in runner.pids()
    assert runner.load()["spare"] == 0 and len(runner.pids()) == 2
    assert client.get("/sparql", query_string={"query": "ASK {}"}).get_json()["boolean"] is True

"""Query processes start with the build their forkserver opened, and only with that build.

A fresh interpreter (so a forkserver of its own, as each gunicorn worker has) opens a
runner on one build, then a runner on a newer build in the same process, whose
forkserver still holds the first: the first runner's processes answer from the store
the forkserver opened; the second's, of another build, open their own and answer from
it. Then the real server: its workers' processes all started with the preloaded store.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.server.conftest import LiveServer
from tests.server.test_reload import _swap_in_new_build

pytestmark = pytest.mark.server

ASK_NEW = "ASK { <urn:cahr:test:reload> ?p ?o }"  # true in the new build only
SCRIPT = """
import json, sys
from pathlib import Path
from cahr.server.protocol.runner import Job, QueryRunner

if __name__ == "__main__":
    query, *dists = sys.argv[1:]
    seen = []
    for dist in dists:
        runner = QueryRunner(Path(dist), "oxigraph", timeout=10, size=2)
        written = runner.run(Job(text=query, result_type="application/sparql-results+json"))
        seen.append([json.loads(written.body)["boolean"], runner.load()])
        runner.close()
    print(json.dumps(seen))
"""


def test_children_start_with_the_forkservers_build_and_no_other(dist: Path, tmp_path: Path) -> None:
    old, new = tmp_path / "old" / "dist", tmp_path / "new" / "dist"
    shutil.copytree(dist, old)
    shutil.copytree(dist, new)
    _swap_in_new_build(new)
    script = tmp_path / "two_runners.py"
    script.write_text(SCRIPT, encoding="utf-8")
    run = subprocess.run(
        [sys.executable, str(script), ASK_NEW, str(old), str(new)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    (old_answer, old_load), (new_answer, new_load) = json.loads(run.stdout)
    assert (old_answer, old_load["preloaded"], old_load["loaded_own"]) == (False, 1, 0)
    # The forkserver holds the old build: the new build's processes load it themselves.
    assert (new_answer, new_load["preloaded"], new_load["loaded_own"]) == (True, 0, 1)


def test_the_servers_processes_all_start_preloaded(live_server: LiveServer) -> None:
    with httpx.Client(timeout=10, limits=httpx.Limits(max_keepalive_connections=0)) as client:
        for n in range(40):  # new connections, so that every worker answers some
            query = f"SELECT ?s WHERE {{ ?s ?p ?o }} LIMIT {n + 1}"
            assert client.get(live_server.url + "/sparql", params={"query": query}).is_success
        loads = [client.get(live_server.url + "/healthz").json()["queries"] for _ in range(40)]
    assert sum(load["preloaded"] for load in loads) > 0
    assert [load for load in loads if load["loaded_own"]] == []

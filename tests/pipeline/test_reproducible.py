"""Two builds of the same inputs, code and tools write the same bytes, so that a build
can be cited by its id and its checksums (#13, point 7)."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from cahr.dist import STORE_DIR
from cahr.layout import Layout
from cahr.pipeline import identity
from cahr.rdf import canonical

pytestmark = pytest.mark.slow


def build_into(root: Path, out: Path, **env: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "cahr.cli", "--root", str(root), "build", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **env},
    )
    assert done.returncode == 0, done.stderr


def digests(folder: Path) -> dict[str, str]:
    """The SHA-256 of every file of a dist/; the on-disk store by its content (its
    RocksDB files carry ids and timestamps, so it is no download to cite)."""
    found = {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir() if p.is_file()
    }
    # Its blank nodes by their canonical labels: a store's own labels are its loader's.
    store = ox.Store.read_only(str(folder / STORE_DIR))
    content = "".join(f"{quad}\n" for quad in canonical(list(store)))
    found[STORE_DIR] = hashlib.sha256(content.encode()).hexdigest()
    assert {p.name for p in folder.iterdir() if p.is_dir()} == {STORE_DIR}
    return dict(sorted(found.items()))


def test_two_builds_are_byte_identical(project_copy: Layout, tmp_path: Path) -> None:
    # Two processes, so that Python's hash seeds and rdflib's blank-node names differ.
    first, second = tmp_path / "first", tmp_path / "second"
    build_into(project_copy.root, first, SOURCE_DATE_EPOCH="1702000000")
    build_into(project_copy.root, second, SOURCE_DATE_EPOCH="1702000000")
    one, two = digests(first), digests(second)
    assert len(one) >= 13
    assert one == two, {name for name in one if one[name] != two.get(name)}


def test_the_date_comes_from_source_date_epoch(
    project_copy: Layout, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1702000000")
    assert identity.built_at(project_copy) == "2023-12-08T01:46:40+00:00"


def test_the_id_covers_code_and_tools(
    layout: Layout, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = tmp_path / "cahr"
    shutil.copytree(identity.CODE, code, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(identity, "CODE", code)
    before = identity.build_id(layout)
    with (code / "pipeline" / "export.py").open("a", encoding="utf-8") as module:
        module.write("\n# a change of the pipeline's code\n")
    changed = identity.build_id(layout)
    assert changed != before, "the code is part of the id"
    monkeypatch.setattr(identity, "tool_versions", lambda: ["rdflib==0.0.0"])
    assert identity.build_id(layout) != changed, "a library's version is part of the id"

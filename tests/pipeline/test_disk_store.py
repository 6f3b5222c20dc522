"""The on-disk store (issue #15, point 3): written by the build into dist/store/,
opened read-only as ``--engine oxigraph-disk``, answering as the in-memory store does."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from cahr.dist import STORE_DIR, STORE_INDEX, read_manifest
from cahr.errors import InputError
from cahr.server import create_app
from cahr.server.state import Served
from cahr.store import open_store
from tests.test_competency import QUESTIONS, Row, answer


def test_the_build_writes_a_store_of_its_own_dataset(dist: Path) -> None:
    index = json.loads((dist / STORE_DIR / STORE_INDEX).read_text(encoding="utf-8"))
    manifest = read_manifest(dist)
    assert index["dataset_sha256"] == manifest["files"]["dataset.nq"]["sha256"]
    # The named graphs, plus the union in the default graph, as the in-memory store holds.
    assert index["quads"] == sum(manifest["graphs"].values()) + manifest["union_triples"]
    assert manifest["store"] == {"folder": STORE_DIR, "quads": index["quads"]}
    assert set(index["files"]) <= {p.name for p in (dist / STORE_DIR).iterdir()}
    assert STORE_DIR not in manifest["files"], "a serving index, not a download"


def test_every_question_answers_alike_on_disk_and_in_memory(dist: Path) -> None:
    memory, disk = open_store(dist, "oxigraph"), open_store(dist, "oxigraph-disk")
    assert len(disk) == len(memory) > 0
    for path in QUESTIONS:
        assert _unordered(answer(disk, path)) == _unordered(answer(memory, path)), path.name


def _unordered(got: list[Row] | bool) -> object:
    """An answer as a multiset of rows, each GROUP_CONCAT's parts sorted: SPARQL leaves
    open the order of those parts and of rows that tie in ORDER BY, and the two stores
    scan their indexes in different orders."""
    if isinstance(got, bool):
        return got
    return sorted(
        json.dumps({k: sorted(re.split(r"\s*[,;/]\s+", v or "")) for k, v in row.items()})
        for row in got
    )


def test_a_store_of_another_build_is_refused(dist: Path, tmp_path: Path) -> None:
    copy = tmp_path / "dist"
    shutil.copytree(dist, copy)
    index_path = copy / STORE_DIR / STORE_INDEX
    index = json.loads(index_path.read_text(encoding="utf-8"))
    index_path.write_text(json.dumps({**index, "dataset_sha256": "0" * 64}), encoding="utf-8")
    with pytest.raises(InputError, match="another build"):
        open_store(copy, "oxigraph-disk")
    shutil.rmtree(copy / STORE_DIR)
    with pytest.raises(InputError, match="no on-disk store"):
        open_store(copy, "oxigraph-disk")


def test_every_worker_links_the_same_store_files(dist: Path) -> None:
    """Hard links, so that the page cache holds one copy for all workers, and the
    snapshot outlives a rebuild that removes the dist/ it came from."""
    apps = [create_app({"dist": str(dist), "engine": "oxigraph-disk"}) for _ in range(2)]
    try:
        snapshots = [Path(app.extensions["cahr"].dist) / STORE_DIR for app in apps]
        for name in json.loads((dist / STORE_DIR / STORE_INDEX).read_text())["files"]:
            inodes = {os.stat(folder / name).st_ino for folder in snapshots}
            assert inodes == {os.stat(dist / STORE_DIR / name).st_ino}, name
        store = ox.Store.read_only(str(snapshots[0]))
        assert len(store) > 0
    finally:
        for app in apps:
            served: Served = app.extensions["cahr"]
            served.close()

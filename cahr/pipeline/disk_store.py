"""The on-disk store: the dataset loaded into an Oxigraph (RocksDB) folder in dist/.

Written on the export's staging folder before the swap, like the docs, so that a
dist/ never holds a store of another build. ``--engine oxigraph-disk`` opens it
read-only in every query process, which then share its pages through the
operating system's cache instead of holding one in-memory copy each (issue #15).
Same layout as the in-memory store (``cahr.store.oxigraph``): the named graphs
from ``dataset.nq``, the deduplicated union (``union.nt``) as the default graph.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from cahr.dist import STORE_DIR, STORE_INDEX

# RocksDB's own files that a read-only reader never needs: its lock and its info logs.
_NOT_SERVED = ("LOCK", "LOG")


def write_store(dist: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    """Load ``dist``'s dataset into ``dist/store/``, write its index; return the manifest.

    The manifest gains only what is the same from build to build (the folder's name
    and its quad count), so that it stays byte-reproducible.
    """
    folder = dist / STORE_DIR
    store = ox.Store(str(folder))
    store.bulk_load(path=str(dist / "dataset.nq"), format=ox.RdfFormat.N_QUADS)
    store.bulk_load(
        path=str(dist / "union.nt"), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.DefaultGraph()
    )
    store.optimize()
    store.flush()
    quads = len(store)
    del store  # closes RocksDB, so that its files are complete before they are hashed
    files = {}
    for file in sorted(folder.iterdir()):
        if file.is_file() and not file.name.startswith(_NOT_SERVED):
            with open(file, "rb") as data:
                files[file.name] = hashlib.file_digest(data, "sha256").hexdigest()
    index = {
        "format": f"oxigraph {ox.__version__} (RocksDB)",
        "quads": quads,
        "dataset_sha256": manifest["files"]["dataset.nq"]["sha256"],
        "files": files,
    }
    (folder / STORE_INDEX).write_text(json.dumps(index, indent=2) + "\n", encoding="utf-8")
    return {**manifest, "store": {"folder": STORE_DIR, "quads": quads}}

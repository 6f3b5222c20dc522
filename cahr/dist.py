"""The contract of dist/: which files a build holds, what its manifest says, how to read it.

The pipeline (``cahr.pipeline``) writes dist/; the stores and the server only
read it. Both sides import the names from here, so that neither imports the
other: a reader never needs the build code to learn a file name.

The manifest (``manifest.json``) records the build id, the counts of each
graph and article, and for every file its size, SHA-256, media type and a
description, which ``/dumps/`` lists as they are.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from cahr.errors import InputError

MANIFEST = "manifest.json"
VOID_NAME = "void.ttl"
DIAGRAM_NAME = "ontology.svg"
HTML_NAME = "ontology.html"
EXAMPLES_NAME = "competency.json"

# file name -> (what it holds, media type). The data files, written by the export stage:
DUMPS: dict[str, tuple[str, str]] = {
    "dataset.trig": ("every named graph (articles, ontology, inferred), TriG", "application/trig"),
    "dataset.nq": (
        "every named graph (articles, ontology, inferred), N-Quads",
        "application/n-quads",
    ),
    "union.ttl": ("the union of all graphs, Turtle", "text/turtle"),
    "union.nt": ("the union of all graphs, N-Triples", "application/n-triples"),
    "union.jsonld": ("the union of all graphs, JSON-LD", "application/ld+json"),
    "ontology.ttl": ("the ontology and topic scheme, Turtle", "text/turtle"),
    "validation-report.ttl": ("the SHACL validation report (W3C report graph)", "text/turtle"),
    "validation-report.txt": ("the validation report for people", "text/plain"),
}
# ... and what the publish stage adds beside them.
EXTRAS: dict[str, tuple[str, str]] = {
    VOID_NAME: ("the VoID and DCAT description of the dataset, Turtle", "text/turtle"),
    HTML_NAME: ("the ontology's documentation (pyLODE), HTML", "text/html"),
    DIAGRAM_NAME: (
        "the ontology's class and property diagram (Graphviz), SVG",
        "image/svg+xml",
    ),
    EXAMPLES_NAME: (
        "the competency questions and their queries (the query UI's examples), JSON",
        "application/json",
    ),
}
# The on-disk store (issue #15): an Oxigraph (RocksDB) store of the dataset, for
# ``--engine oxigraph-disk``. A serving index, not a download: RocksDB's files are not
# byte-reproducible (they carry ids and timestamps), so they stay out of the manifest's
# files and its checksums; ``STORE_INDEX`` inside the folder lists them with theirs and
# names the dataset.nq they were loaded from.
STORE_DIR = "store"
STORE_INDEX = "INDEX.json"

# Evidence per fact (#13, point 4): every attestation as a W3C Web Annotation.
ANNOTATIONS_NAME = "annotations.jsonld"
EXTRAS[ANNOTATIONS_NAME] = (
    "the words that vouch for each fact, with their place in the archived text, "
    "as W3C Web Annotations (JSON-LD)",
    "application/ld+json",
)
# The reasoner's derivation record (cahr.derivations; issue #12), written beside the dumps:
# a dataset of its own about the inferred graph, so neither in the store nor in RDF_DUMPS.
DERIVATIONS_NAME = "derivations.ttl"
EXTRAS[DERIVATIONS_NAME] = (
    "why each inferred triple holds: rule, axioms and premises (cahr:Derivation), Turtle",
    "text/turtle",
)
# The search index and the archived article texts (issue #14: cahr/pipeline/search_index.py
# writes it, cahr/search.py reads it), written before the publish stage so VoID lists it.
SEARCH_NAME = "search.sqlite"
EXTRAS[SEARCH_NAME] = (
    "the full-text index of names, quotes and article passages, and the archived article "
    "texts (SQLite FTS5)",
    "application/vnd.sqlite3",
)
# The dumps that hold RDF (VoID lists them as data dumps).
RDF_DUMPS = ("dataset.trig", "dataset.nq", "union.ttl", "union.nt", "union.jsonld", "ontology.ttl")


def file_entry(name: str, data: bytes) -> dict[str, Any]:
    """The manifest's record of one file of dist/ (``name`` is in DUMPS or EXTRAS)."""
    description, media_type = DUMPS.get(name) or EXTRAS[name]
    return {
        "bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "media_type": media_type,
        "description": description,
    }


def read_build(dist: Path, *, needs: str = "dataset.nq") -> dict[str, Any]:
    """The manifest of the build in ``dist``, once ``needs`` is there too.

    :raises InputError: ``dist`` holds no build.
    """
    dist = Path(dist)
    if not (dist / needs).is_file() or not (dist / MANIFEST).is_file():
        raise InputError(f"{dist} holds no built dataset: run `kg build` first")
    return read_manifest(dist)


def read_manifest(dist: Path) -> dict[str, Any]:
    """The manifest of ``dist``, as the build wrote it."""
    manifest: dict[str, Any] = json.loads((Path(dist) / MANIFEST).read_text(encoding="utf-8"))
    return manifest


def read_store_index(dist: Path) -> dict[str, Any]:
    """The index of the on-disk store in ``dist``, checked against this build's dataset.

    :raises InputError: no on-disk store, or one loaded from another build's dataset.
    """
    dist = Path(dist)
    index_path = dist / STORE_DIR / STORE_INDEX
    if not index_path.is_file():
        raise InputError(f"{dist} holds no on-disk store ({STORE_DIR}/): run `kg build` again")
    index: dict[str, Any] = json.loads(index_path.read_text(encoding="utf-8"))
    dataset = read_build(dist)["files"]["dataset.nq"]["sha256"]
    if index.get("dataset_sha256") != dataset:
        raise InputError(
            f"{dist / STORE_DIR} was loaded from another build's dataset.nq: run `kg build` again"
        )
    return index

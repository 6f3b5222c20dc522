"""Stage 4: write dist/ atomically.

Everything is written into a fresh folder beside the target and swapped in
only when complete, so a failed build leaves the previous dist/ untouched.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from rdflib import Dataset, Graph

from cahr.iris import PREFIXES, bind_prefixes

MANIFEST = "manifest.json"

# file name -> (what it holds, media type); the server's /dumps/ reads this.
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


def write_dist(
    out: Path,
    dataset: Dataset,
    union: Graph,
    ontology: Graph,
    report_graph: Graph,
    report_text: str,
    manifest: dict,  # type: ignore[type-arg]
    finish: Callable[[Path, dict], dict] | None = None,  # type: ignore[type-arg]
) -> dict:  # type: ignore[type-arg]
    """Serialise everything into ``out``, replacing it atomically; return the manifest.

    :param finish: called with the staging folder and the manifest before the
        swap, to add files (VoID, docs) that must appear together with the data;
        it returns the manifest with those files recorded.
    """
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-new-", dir=out.parent))
    try:
        writers: dict[str, Callable[[Path], None]] = {
            "dataset.trig": lambda p: dataset.serialize(p, format="trig"),
            "dataset.nq": lambda p: _sorted_lines(p, dataset.serialize(format="nquads")),
            "union.ttl": lambda p: union.serialize(p, format="turtle"),
            "union.nt": lambda p: _sorted_lines(p, union.serialize(format="nt")),
            "union.jsonld": lambda p: union.serialize(
                p, format="json-ld", context=PREFIXES, auto_compact=True
            ),
            "ontology.ttl": lambda p: ontology.serialize(p, format="turtle"),
            "validation-report.ttl": lambda p: report_graph.serialize(p, format="turtle"),
            "validation-report.txt": lambda p: p.write_text(report_text + "\n", encoding="utf-8"),
        }
        files = {}
        for name, write in writers.items():
            path = staging / name
            write(path)
            data = path.read_bytes()
            files[name] = {
                "bytes": len(data),
                "sha256": hashlib.sha256(data).hexdigest(),
                "media_type": DUMPS[name][1],
                "description": DUMPS[name][0],
            }
        manifest = {**manifest, "files": files}
        if finish is not None:
            manifest = finish(staging, manifest)
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        _swap_in(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return manifest


def _sorted_lines(path: Path, text: str) -> None:
    """Line-based formats are written sorted, so that two builds diff cleanly."""
    lines = sorted(line for line in text.splitlines() if line.strip())
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _swap_in(staging: Path, out: Path) -> None:
    """Replace ``out`` by ``staging`` with two renames; the old one is removed last."""
    old = None
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}-old-", dir=out.parent))
        os.rmdir(old)
        os.rename(out, old)
    os.rename(staging, out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def dataset_with(graphs: dict[str, Graph]) -> tuple[Dataset, Graph]:
    """A Dataset of the given named graphs, and their deduplicated union."""
    from rdflib import URIRef

    dataset = Dataset()
    union = Graph()
    bind_prefixes(dataset)
    bind_prefixes(union)
    for name, graph in graphs.items():
        target = dataset.graph(URIRef(name))
        for triple in graph:
            target.add(triple)
            union.add(triple)
    return dataset, union


def read_build(dist: Path, *, needs: str = "dataset.nq") -> dict:  # type: ignore[type-arg]
    """The manifest of the build in ``dist``, once ``needs`` is there too.

    :raises InputError: ``dist`` holds no build.
    """
    from cahr.errors import InputError

    dist = Path(dist)
    if not (dist / needs).is_file() or not (dist / MANIFEST).is_file():
        raise InputError(f"{dist} holds no built dataset: run `kg build` first")
    return read_manifest(dist)


def read_manifest(dist: Path) -> dict:  # type: ignore[type-arg]
    return json.loads((dist / MANIFEST).read_text(encoding="utf-8"))

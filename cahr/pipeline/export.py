"""Stage 4: write dist/ atomically.

Everything is written into a fresh folder beside the target and swapped in
only when complete, so a failed build leaves the previous dist/ untouched.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from cahr.dist import DUMPS, MANIFEST, file_entry
from cahr.iris import ONTOLOGY_GRAPH
from cahr.rdf import canonical, canonical_quads, to_oxigraph, write_rdf


def write_dist(
    out: Path,
    quads: list[ox.Quad],
    report_graph: Graph,
    report_text: str,
    manifest: dict,  # type: ignore[type-arg]
    finish: Callable[[Path, dict], dict] | None = None,  # type: ignore[type-arg]
) -> dict:  # type: ignore[type-arg]
    """Serialise everything into ``out``, replacing it atomically; return the manifest.

    :param quads: the dataset, as :func:`dataset_quads` gives it; the union and the
        ontology dumps are made from it, so that a blank node has one label in every dump.
    :param finish: called with the staging folder and the manifest before the
        swap, to add files (VoID, docs) that must appear together with the data;
        it returns the manifest with those files recorded.
    """
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-new-", dir=out.parent))
    try:
        union_triples = union_of(quads)
        ontology_iri = str(ONTOLOGY_GRAPH)
        ontology_triples = union_of(
            q
            for q in quads
            if isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value == ontology_iri
        )
        statements: dict[str, list[ox.Quad]] = {
            "dataset.trig": quads,
            "dataset.nq": quads,
            "union.ttl": union_triples,
            "union.nt": union_triples,
            "union.jsonld": union_triples,
            "ontology.ttl": ontology_triples,
            "validation-report.ttl": canonical_quads(report_graph),
        }
        # The dumps are for programs: JSON-LD flat, not compacted (see write_rdf).
        contents = {
            name: write_rdf(found, DUMPS[name][1], compact=False)
            for name, found in statements.items()
        }
        contents["validation-report.txt"] = (report_text + "\n").encode("utf-8")
        files = {}
        for name, data in contents.items():
            (staging / name).write_bytes(data)
            files[name] = file_entry(name, data)
        manifest = {**manifest, "files": files}
        if finish is not None:
            manifest = finish(staging, manifest)
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        _swap_in(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return manifest


def union_of(quads: Iterable[ox.Quad]) -> list[ox.Quad]:
    """The triples of ``quads``, each once, in the default graph, sorted."""
    merged = dict.fromkeys(ox.Quad(q.subject, q.predicate, q.object) for q in quads)
    return sorted(merged, key=str)


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


def dataset_quads(graphs: dict[str, Graph]) -> list[ox.Quad]:
    """The named graphs as one list of quads, blank nodes labelled canonically, sorted.

    Straight from the graphs to pyoxigraph: an rdflib Dataset in between cost a 100x
    build tens of seconds (issue #15).
    """
    return canonical(
        [
            ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o), ox.NamedNode(name))
            for name, graph in graphs.items()
            for s, p, o in graph
        ]
    )

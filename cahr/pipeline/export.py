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
from rdflib import Dataset, Graph

from cahr.dist import DUMPS, MANIFEST, file_entry
from cahr.iris import ONTOLOGY_GRAPH, bind_prefixes
from cahr.rdf import canonical_quads, write_rdf


def write_dist(
    out: Path,
    dataset: Dataset,
    report_graph: Graph,
    report_text: str,
    manifest: dict,  # type: ignore[type-arg]
    finish: Callable[[Path, dict], dict] | None = None,  # type: ignore[type-arg]
) -> dict:  # type: ignore[type-arg]
    """Serialise everything into ``out``, replacing it atomically; return the manifest.

    The union and the ontology dumps are made from ``dataset``'s statements (its named
    graphs merged; its ontology graph), so that a blank node has one label in every dump.

    :param finish: called with the staging folder and the manifest before the
        swap, to add files (VoID, docs) that must appear together with the data;
        it returns the manifest with those files recorded.
    """
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-new-", dir=out.parent))
    try:
        quads = canonical_quads(dataset)
        union_triples = _default_graph(quads)
        ontology_iri = str(ONTOLOGY_GRAPH)
        ontology_triples = _default_graph(
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
        contents = {name: write_rdf(found, DUMPS[name][1]) for name, found in statements.items()}
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


def _default_graph(quads: Iterable[ox.Quad]) -> list[ox.Quad]:
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

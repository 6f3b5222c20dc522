"""The real graph builds, conforms and is exported completely to dist/."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from rdflib import Dataset, Graph, Literal
from rdflib.namespace import OWL, RDF

from cahr.dist import DUMPS, EXTRAS
from cahr.iris import INFERRED_GRAPH, ONTOLOGY_GRAPH, graph_iri
from cahr.layout import Layout
from cahr.pipeline.identity import build_id
from cahr.pipeline.run import Built


def test_the_real_graph_conforms(built: Built) -> None:
    report = built.checked.report
    assert report.conforms, report.text()
    assert report.quotes_checked > 100


def test_dist_holds_every_format_with_its_checksum(dist: Path) -> None:
    manifest = json.loads((dist / "manifest.json").read_text())
    assert set(manifest["files"]) == set(DUMPS) | set(EXTRAS)
    for name, entry in manifest["files"].items():
        data = (dist / name).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest(), name
        assert entry["bytes"] == len(data) > 0


def test_one_named_graph_per_article_plus_ontology_and_inferred(dist: Path, layout: Layout) -> None:
    dataset = Dataset()
    dataset.parse(dist / "dataset.trig", format="trig")
    names = {g.identifier for g in dataset.graphs() if len(g)}
    expected = {graph_iri(p.stem) for p in layout.article_files()} | {
        ONTOLOGY_GRAPH,
        INFERRED_GRAPH,
    }
    assert names == expected
    manifest = json.loads((dist / "manifest.json").read_text())
    for name, count in manifest["graphs"].items():
        assert len(dataset.graph(name)) == count  # type: ignore[arg-type]


def test_union_is_the_deduplicated_merge_in_every_format(dist: Path) -> None:
    dataset = Dataset()
    dataset.parse(dist / "dataset.nq", format="nquads")
    merged = {(s, p, o) for s, p, o, _ in dataset.quads((None, None, None, None))}
    nt = Graph().parse(dist / "union.nt", format="nt")
    assert len(nt) == len(merged)
    assert len(Graph().parse(dist / "union.ttl", format="turtle")) == len(nt)
    assert len(Graph().parse(dist / "union.jsonld", format="json-ld")) == len(nt)


def test_inferred_graph_is_separate_and_free_of_trivial_entailments(dist: Path) -> None:
    dataset = Dataset()
    dataset.parse(dist / "dataset.nq", format="nquads")
    inferred = dataset.graph(INFERRED_GRAPH)
    asserted = {
        (s, p, o) for s, p, o, g in dataset.quads((None, None, None, None)) if g != INFERRED_GRAPH
    }
    assert len(inferred) > 0
    for s, p, o in inferred:
        assert (s, p, o) not in asserted
        assert not isinstance(s, Literal)
        assert not (p == OWL.sameAs and s == o)
        assert not (p == RDF.type and o == OWL.Thing)
        assert not str(s).startswith("http://www.w3.org/2001/XMLSchema#")


def test_officials_are_inferred_from_post_holdings(dist: Path) -> None:
    """cahr:Official is never asserted by curators; OWL RL derives it (see the ontology)."""
    from cahr.iris import CAHR, ID

    dataset = Dataset()
    dataset.parse(dist / "dataset.nq", format="nquads")
    tokayev = ID["kassym-jomart-tokayev"]
    assert (tokayev, RDF.type, CAHR.Official, INFERRED_GRAPH) in dataset
    assert (tokayev, CAHR.holdsPost, ID["president-of-kazakhstan"], INFERRED_GRAPH) in dataset


def test_build_id_is_a_content_hash(layout: Layout, project_copy: Layout) -> None:
    assert build_id(layout) == build_id(project_copy)
    path = project_copy.article_files()[0]
    path.write_text(path.read_text() + "\n# a comment changes the input\n")
    assert build_id(layout) != build_id(project_copy)

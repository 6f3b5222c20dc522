"""pyshacl on two processes gives the report of one run (issue #15): the same results,
on the real graph and on every bad graph of tests/data/shapes/ at once."""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph, Literal
from rdflib.compare import to_isomorphic
from rdflib.namespace import RDF

from cahr.iris import SH
from cahr.layout import Layout
from cahr.pipeline import shacl
from cahr.pipeline.reason import infer
from cahr.pipeline.validate import load_shapes
from tests.pipeline.test_shapes import CASES, HEADER


def both_ways(data: Graph, shapes: Graph) -> tuple[Graph, Graph]:
    return shacl.validate(data, shapes, processes=1), shacl.validate(data, shapes, processes=2)


def test_every_bad_graph_at_once_gives_the_same_report(layout: Layout) -> None:
    data = Graph()
    for path in layout.ontology_files():
        data.parse(path)
    for case in CASES:
        data.parse(data=HEADER + case.read_text(encoding="utf-8"), format="turtle")
    data += infer(data)
    one, two = both_ways(data, load_shapes(layout))
    results = len(set(one.subjects(RDF.type, SH.ValidationResult)))
    assert results >= len(CASES), "every bad graph fires"
    assert (None, SH.conforms, Literal(False)) in two
    assert to_isomorphic(one) == to_isomorphic(two)


def test_the_real_graph_gives_the_same_report(dist: Path, layout: Layout) -> None:
    data = Graph().parse(dist / "union.nt", format="nt")
    one, two = both_ways(data, load_shapes(layout))
    assert len(one) > 0
    assert to_isomorphic(one) == to_isomorphic(two)

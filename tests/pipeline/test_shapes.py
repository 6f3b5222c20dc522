"""Each SHACL shape fires on a small bad graph made to break it.

``tests/data/shapes/<name>.ttl`` holds one bad graph; its ``# expect:`` line
names the node shape that must report a violation (or warning). The test
prepends the prefixes and a valid article resource, adds the ontology and
the OWL RL entailments (as the build does), and validates.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pyshacl import validate
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from cahr.iris import SH
from cahr.layout import Layout
from cahr.pipeline.reason import infer
from cahr.pipeline.validate import load_shapes

CASES = sorted((Path(__file__).parent.parent / "data" / "shapes").glob("*.ttl"))
SHAPES_NS = "https://w3id.org/cahr/shapes#"
HEADER = """
@prefix cahr: <https://w3id.org/cahr/ontology#> .
@prefix id:   <https://w3id.org/cahr/id/> .
@prefix src:  <https://w3id.org/cahr/source/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd:  <http://www.w3.org/2001/XMLSchema#> .
src:t a cahr:Article ; rdfs:label "T"@en ; skos:prefLabel "T"@en ; cahr:title "T" ; cahr:sourceText "sources/t.txt" ;
    cahr:evidence "the text" .
"""


@pytest.fixture(scope="module")
def ontology(layout: Layout) -> Graph:
    graph = Graph()
    for path in layout.ontology_files():
        graph.parse(path)
    return graph


@pytest.fixture(scope="module")
def shapes(layout: Layout) -> Graph:
    return load_shapes(layout)


def node_shapes(shapes: Graph) -> set[str]:
    return {
        str(s).removeprefix(SHAPES_NS)
        for s in shapes.subjects(RDF.type, SH.NodeShape)
        if isinstance(s, URIRef)
    }


def test_every_node_shape_has_a_bad_graph(shapes: Graph) -> None:
    expected = {re.search(r"# expect: (\w+)", p.read_text()).group(1) for p in CASES}  # type: ignore[union-attr]
    assert node_shapes(shapes) == expected
    assert len(CASES) == len(node_shapes(shapes)) == 21


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_shape_fires_on_its_bad_graph(case: Path, ontology: Graph, shapes: Graph) -> None:
    expect = re.search(r"# expect: (\w+)", case.read_text()).group(1)  # type: ignore[union-attr]
    bad = Graph().parse(data=HEADER + case.read_text(), format="turtle")
    data = ontology + bad
    data += infer(data)
    conforms, results, _ = validate(data, shacl_graph=shapes, inference="none", allow_warnings=True)
    fired = set()
    for result in results.subjects(RDF.type, SH.ValidationResult):
        source = results.value(result, SH.sourceShape)
        parents = set(shapes.subjects(SH.property, source)) or {source}
        fired |= {str(p).removeprefix(SHAPES_NS) for p in parents}
        assert results.value(result, SH.resultMessage), "every constraint carries a message"
    assert expect in fired, f"{expect} did not fire; fired: {sorted(fired)}"


def test_the_same_graphs_without_the_fault_conform(ontology: Graph, shapes: Graph) -> None:
    """The header plus a valid person conforms: the shapes do not fire on everything."""
    good = Graph().parse(
        data=HEADER
        + """
id:x a cahr:Person ; rdfs:label "X"@en ; skos:prefLabel "X"@en ; cahr:mentionedIn src:t .
""",
        format="turtle",
    )
    data = ontology + good
    data += infer(data)
    conforms, _, text = validate(data, shacl_graph=shapes, inference="none", allow_warnings=True)
    assert conforms, text


@pytest.mark.parametrize(
    "names",
    [
        'rdfs:label "X"@en',  # no canonical name
        'rdfs:label "X"@en ; skos:prefLabel "X"@en, "Mr X"@en',  # two in one language
        'rdfs:label "X"@en ; skos:prefLabel "X"',  # not a tagged string
    ],
)
def test_a_resource_needs_one_canonical_name_per_language(
    names: str, ontology: Graph, shapes: Graph
) -> None:
    bad = Graph().parse(
        data=HEADER + f"id:x a cahr:Person ; {names} ; cahr:mentionedIn src:t .\n", format="turtle"
    )
    data = ontology + bad
    data += infer(data)
    conforms, _, text = validate(data, shacl_graph=shapes, inference="none", allow_warnings=True)
    assert not conforms
    assert "skos:prefLabel per language" in text

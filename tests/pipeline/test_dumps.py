"""Every dump of dist/ parses back into the very statements the store serves.

Compared term by term (N-Triples forms, so a literal's lexical form counts:
``"41"^^xsd:decimal`` is not ``"41.0"^^xsd:decimal``), blank nodes matched by
canonical labelling, graph by graph for the quad formats. The dumps are read
with rdflib's parsers, the reference is what pyoxigraph loaded: two engines.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph, URIRef
from rdflib.compare import to_canonical_graph

from cahr.dist import DUMPS
from cahr.iris import ONTOLOGY_GRAPH
from cahr.rdf import to_rdflib

RDFLIB_FORMATS = {
    "application/trig": "trig",
    "application/n-quads": "nquads",
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/ld+json": "json-ld",
}
RDF_DUMPS = [name for name, (_, media_type) in DUMPS.items() if media_type in RDFLIB_FORMATS]


def canonical(graph: Graph) -> set[str]:
    return {" ".join(term.n3() for term in triple) for triple in to_canonical_graph(graph)}


def served_graphs(dist: Path) -> dict[str, Graph]:
    """The named graphs and the union as pyoxigraph reads them from the dumps it loads."""
    graphs: dict[str, Graph] = {}
    for quad in ox.parse(path=str(dist / "dataset.nq"), format=ox.RdfFormat.N_QUADS):
        triple = (to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object))
        graphs.setdefault(quad.graph_name.value, Graph()).add(triple)
    union = Graph()
    for quad in ox.parse(path=str(dist / "union.nt"), format=ox.RdfFormat.N_TRIPLES):
        union.add((to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)))
    graphs["union"] = union
    return graphs


@pytest.fixture(scope="module")
def served(dist: Path) -> dict[str, Graph]:
    return served_graphs(dist)


def test_every_rdf_dump_is_compared() -> None:
    assert len(RDF_DUMPS) == 7, RDF_DUMPS


@pytest.mark.parametrize("name", RDF_DUMPS)
def test_a_dump_parses_back_into_the_served_statements(
    name: str, dist: Path, served: dict[str, Graph]
) -> None:
    rdflib_format = RDFLIB_FORMATS[DUMPS[name][1]]
    if name.startswith("dataset."):
        dataset = Dataset()
        dataset.parse(dist / name, format=rdflib_format)
        parsed = {
            str(g.identifier): g for g in dataset.graphs() if isinstance(g.identifier, URIRef)
        }
        parsed = {iri: g for iri, g in parsed.items() if len(g)}
        assert set(parsed) == set(served) - {"union"}
        for iri, graph in parsed.items():
            assert canonical(graph) == canonical(served[iri]), iri
        return
    graph = Graph()
    graph.parse(dist / name, format=rdflib_format)
    if name == "ontology.ttl":
        assert canonical(graph) == canonical(served[str(ONTOLOGY_GRAPH)])
    elif name == "validation-report.ttl":
        assert len(graph) > 0
    else:
        assert canonical(graph) == canonical(served["union"])


def test_lexical_forms_are_kept(dist: Path) -> None:
    """The curated ``"41"^^xsd:decimal`` stays as written in every text format."""
    for name in ("union.ttl", "union.nt", "dataset.trig", "dataset.nq"):
        text = (dist / name).read_text(encoding="utf-8")
        assert '"41"^^' in text and '"41.0"' not in text, name

"""The ontology plus every asserted fact is consistent for a DL reasoner (HermiT).

OWL RL (owlrl, at build time) only applies rules; HermiT decides OWL 2 DL
consistency and class satisfiability, so a contradiction between ontology
axioms and facts (a functional property with two values, disjointness...)
is found here even where the RL rules are silent.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDFS, XSD

from cahr.iris import INFERRED_GRAPH

# HermiT supports only the OWL 2 datatype map, which lacks xsd:date, xsd:gYear,
# xsd:gYearMonth and xsd:duration: their values become plain strings and
# their use as ranges rdfs:Literal, which keeps every class and property axiom.
OWL2_DATATYPES = {
    XSD.string,
    XSD.decimal,
    XSD.integer,
    XSD.nonNegativeInteger,
    XSD.positiveInteger,
    XSD.boolean,
    XSD.dateTime,
    None,
}

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        shutil.which("java") is None,
        reason="needs Java for HermiT; .ci/run installs default-jre-headless",
    ),
]


def _asserted_for_hermit(dist: Path, out: Path) -> Path:
    dataset = Dataset()
    dataset.parse(dist / "dataset.nq", format="nquads")
    graph = Graph()
    for s, p, o, g in dataset.quads((None, None, None, None)):
        if g == INFERRED_GRAPH:
            continue
        if isinstance(o, Literal) and o.datatype not in OWL2_DATATYPES:
            o = Literal(str(o))
        if isinstance(o, URIRef) and str(o).startswith(str(XSD)) and o not in OWL2_DATATYPES:
            o = RDFS.Literal
        graph.add((s, p, o))
    path = out / "asserted.nt"
    graph.serialize(path, format="nt", encoding="utf-8")
    return path


def test_ontology_and_facts_are_consistent_and_every_class_satisfiable(
    dist: Path, tmp_path: Path
) -> None:
    from owlready2 import OwlReadyInconsistentOntologyError, World, sync_reasoner

    world = World()
    ontology = world.get_ontology(_asserted_for_hermit(dist, tmp_path).as_uri()).load()
    try:
        with ontology:
            sync_reasoner(world, infer_property_values=False, debug=0)
    except OwlReadyInconsistentOntologyError as exc:  # pragma: no cover - the failure message
        pytest.fail(f"HermiT finds the ontology plus facts inconsistent: {exc}")
    unsatisfiable = [str(c.iri) for c in world.inconsistent_classes()]
    assert unsatisfiable == []
    # The reasoner really saw the data: the ontology's classes are there.
    assert world["https://w3id.org/cahr/ontology#Official"] is not None

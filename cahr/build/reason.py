"""Stage 2: materialise OWL RL entailments into the inferred graph.

owlrl computes the closure of the ontology plus every article graph; what is
new goes into its own graph, never into the asserted ones, so that a
researcher can always ask for asserted facts only. Trivial entailments are
left out (see :func:`is_trivial`).
"""

from __future__ import annotations

from collections.abc import Iterable

import owlrl
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS
from rdflib.term import Node

from cahr.iris import BUILTIN_NAMESPACES

Triple = tuple[Node, Node, Node]

# Statements every resource or class satisfies: they tell a reader nothing.
_TRIVIAL_TYPES = {OWL.Thing, RDFS.Resource, OWL.NamedIndividual, RDFS.Class}
_REFLEXIVE = {OWL.sameAs, OWL.equivalentClass, OWL.equivalentProperty,
              RDFS.subClassOf, RDFS.subPropertyOf}


def is_trivial(triple: Triple) -> bool:
    """True for an entailment that must not reach dist/.

    Literal subjects (owlrl's closure makes them), reflexive sameAs and
    equivalences, ``x a owl:Thing``, subclass-of-Thing, and anything said about
    the built-in vocabularies or datatypes.
    """
    s, p, o = triple
    if isinstance(s, Literal) or isinstance(p, BNode):
        return True
    if p in _REFLEXIVE and s == o:
        return True
    if p == RDF.type and (o in _TRIVIAL_TYPES or o == RDFS.Datatype or o == OWL.Class
                          or o == RDF.Property or o == OWL.ObjectProperty
                          or o == OWL.DatatypeProperty or o == OWL.AnnotationProperty):
        return True
    if p in (RDFS.subClassOf, RDFS.subPropertyOf) and o in (OWL.Thing, RDFS.Resource,
                                                            OWL.topObjectProperty,
                                                            OWL.topDataProperty):
        return True
    if isinstance(s, URIRef) and str(s).startswith(BUILTIN_NAMESPACES):
        return True
    if isinstance(o, URIRef) and p != RDF.type and str(o).startswith(BUILTIN_NAMESPACES):
        # e.g. "x rdfs:subClassOf rdfs:Resource", "p rdfs:range rdfs:Literal"
        return True
    return False


def infer(asserted: Iterable[Triple]) -> Graph:
    """The OWL RL entailments of ``asserted`` that it does not already contain.

    >>> from rdflib import Namespace
    >>> ex = Namespace("http://example.org/")
    >>> g = Graph(); _ = g.add((ex.Cat, RDFS.subClassOf, ex.Animal)); _ = g.add((ex.tom, RDF.type, ex.Cat))
    >>> (ex.tom, RDF.type, ex.Animal) in infer(g)
    True
    """
    base = Graph()
    for triple in asserted:
        base.add(triple)
    closure = Graph()
    for triple in base:
        closure.add(triple)
    owlrl.DeductiveClosure(
        owlrl.OWLRL_Semantics,
        rdfs_closure=False,
        axiomatic_triples=False,
        datatype_axioms=False,
    ).expand(closure)
    inferred = Graph()
    for triple in closure:
        if triple not in base and not is_trivial(triple):
            inferred.add(triple)
    return inferred

"""Stage 2: materialise OWL RL entailments into the inferred graph.

The closure of the ontology plus every article graph is computed by
:mod:`cahr.pipeline.rules`, a semi-naive forward chainer of the rules owlrl
applies (owlrl took 8.5 s of a 13 s build; issue #7); owlrl itself stays
behind ``engine="owlrl"`` as the reference that ``tests/pipeline/test_reasoner.py``
holds the fast engine to. What is new goes into its own graph, never into the
asserted ones, so that a researcher can always ask for asserted facts only.
Trivial entailments are left out (see :func:`is_trivial`).

An inconsistent graph (an ill-typed literal, a disjointness violation: the
consistency rules of OWL RL, see :class:`cahr.pipeline.rules.Inconsistency`) has
no meaningful closure: :func:`reason` returns what it found beside the
inferred graph, and the build fails on it. owlrl marks an inconsistency by
adding error-message nodes to the graph; those never reach the inferred graph.
An axiom outside the fast engine's rule set is refused the same way (rule
``not-implemented``), rather than silently left without its conclusions.

The fast engine also says how it derived each triple; :attr:`Reasoned.derivations`
holds the derivation of every inferred triple and of the derived premises it
rests on, which the build publishes (:mod:`cahr.pipeline.record`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal as Choice

import owlrl
from owlrl.Namespaces import ERRNS
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS
from rdflib.term import Node

from cahr.iris import BUILTIN_NAMESPACES
from cahr.pipeline import rules
from cahr.pipeline.memory import cyclic_gc_paused
from cahr.pipeline.rules import Inconsistency

Triple = tuple[Node, Node, Node]

# Statements every resource or class satisfies: they tell a reader nothing.
# (Sets of plain terms: this runs on every entailment, and rdflib namespace
# attribute look-ups are slow.)
_TRIVIAL_TYPES = frozenset(
    {
        OWL.Thing,
        RDFS.Resource,
        OWL.NamedIndividual,
        RDFS.Class,
        RDFS.Datatype,
        OWL.Class,
        RDF.Property,
        OWL.ObjectProperty,
        OWL.DatatypeProperty,
        OWL.AnnotationProperty,
    }
)
_REFLEXIVE = frozenset(
    {OWL.sameAs, OWL.equivalentClass, OWL.equivalentProperty, RDFS.subClassOf, RDFS.subPropertyOf}
)
_HIERARCHY = frozenset({RDFS.subClassOf, RDFS.subPropertyOf})
_TOPS = frozenset({OWL.Thing, RDFS.Resource, OWL.topObjectProperty, OWL.topDataProperty})
_TYPE = RDF.type


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
    if p == _TYPE and o in _TRIVIAL_TYPES:
        return True
    if p in _HIERARCHY and o in _TOPS:
        return True
    if isinstance(s, URIRef) and str(s).startswith(BUILTIN_NAMESPACES):
        return True
    if isinstance(o, URIRef) and p != _TYPE and str(o).startswith(BUILTIN_NAMESPACES):
        # e.g. "x rdfs:subClassOf rdfs:Resource", "p rdfs:range rdfs:Literal"
        return True
    return False


@dataclass
class Reasoned:
    """The inferred graph, the inconsistencies the closure found (none: consistent), and
    the derivation of every inferred triple and of the derived premises they rest on."""

    inferred: Graph
    inconsistencies: list[Inconsistency]
    derivations: dict[Triple, rules.Why] = field(default_factory=dict)


def infer(asserted: Iterable[Triple], engine: Choice["fast", "owlrl"] = "fast") -> Graph:
    """The OWL RL entailments of ``asserted`` that it does not already contain.

    :param engine: ``fast`` (:mod:`cahr.pipeline.rules`) or ``owlrl``, the reference.

    >>> from rdflib import Namespace
    >>> ex = Namespace("http://example.org/")
    >>> g = Graph(); _ = g.add((ex.Cat, RDFS.subClassOf, ex.Animal)); _ = g.add((ex.tom, RDF.type, ex.Cat))
    >>> (ex.tom, RDF.type, ex.Animal) in infer(g)
    True
    """
    return reason(asserted, engine).inferred


def reason(asserted: Iterable[Triple], engine: Choice["fast", "owlrl"] = "fast") -> Reasoned:
    """The entailments of ``asserted`` (as :func:`infer`), the inconsistencies found and,
    with the fast engine, how each entailment was derived.

    With the fast engine, an axiom it does not implement (:func:`rules.unimplemented`)
    is refused: the result is an empty graph and one inconsistency of rule
    ``not-implemented`` per such statement, so that the build fails naming them.
    With owlrl, the consistency rules of :mod:`cahr.pipeline.rules` run on owlrl's
    closure, so that both engines report alike; a message of owlrl's that they
    do not account for is kept as an inconsistency of rule ``owlrl``.
    """
    if engine not in ("fast", "owlrl"):
        raise ValueError(f"unknown reasoning engine {engine!r}: choose fast or owlrl")
    with cyclic_gc_paused():
        triples = list(asserted)
        why: Callable[[Triple], rules.Why | None] = _no_derivation
        if engine == "fast":
            refused = rules.unimplemented(triples)
            if refused:
                return Reasoned(Graph(), refused)
            added, found, why = rules.reason(triples)
        else:
            added, messages = _without_errors(owlrl_closure(triples))
            found = rules.inconsistencies(triples, added)
            known = {i.message for i in found}
            found += [
                Inconsistency("owlrl", m, Literal(m)) for m in sorted(messages) if m not in known
            ]
        inferred = Graph()
        for triple in added:
            if not is_trivial(triple):
                inferred.add(triple)
        derivations = _derivations(inferred, why) if engine == "fast" else {}
    return Reasoned(inferred, found, derivations)


def _no_derivation(_triple: Triple) -> rules.Why | None:
    return None


def _derivations(
    inferred: Graph, why: Callable[[Triple], rules.Why | None]
) -> dict[Triple, rules.Why]:
    """The derivation of each inferred triple and, in turn, of each derived premise."""
    found: dict[Triple, rules.Why] = {}
    todo = list(inferred)
    while todo:
        triple = todo.pop()
        if triple in found:
            continue
        derivation = why(triple)
        if derivation is None:
            continue  # asserted
        found[triple] = derivation
        todo.extend(p for p in derivation[1] if p not in found)
    return found


def _without_errors(added: set[Triple]) -> tuple[set[Triple], set[str]]:
    """owlrl's closure without its error-message nodes, and the messages they carry."""
    errors = {s for s, p, o in added if p == _TYPE and o == ERRNS.ErrorMessage}
    messages = {str(o) for s, p, o in added if s in errors and p == ERRNS.error}
    return {t for t in added if t[0] not in errors}, messages


def owlrl_closure(asserted: Iterable[Triple]) -> set[Triple]:
    """What owlrl's closure adds to ``asserted`` (the reference engine)."""
    base = Graph()
    for triple in asserted:
        base.add(triple)
    expanded = Graph()
    for triple in base:
        expanded.add(triple)
    owlrl.DeductiveClosure(
        owlrl.OWLRL_Semantics,
        rdfs_closure=False,
        axiomatic_triples=False,
        datatype_axioms=False,
    ).expand(expanded)
    return {triple for triple in expanded if triple not in base}

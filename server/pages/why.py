"""Why the reasoner concluded an inferred fact: a lookup in the build's derivation record.

The build's reasoner records, for every triple it derives, the OWL RL rule
and the premises it joined (:mod:`cahr.derivations`, ``dist/derivations.ttl``).
A page shows that record: the rule, the axioms, and the facts, each with the
graphs that state it or, when it is itself inferred, its own derivation, a few
levels deep, so a researcher can follow a conclusion back to what the
articles say. Nothing is derived here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL
from rdflib.term import Node

from cahr.derivations import Record, term_key
from cahr.iris import INFERRED_GRAPH, prefixed
from cahr.server.state import get_served

Triple = tuple[Node, Node, Node]
# (subject, predicate, object) -> the graphs holding it; None matches anything.
Lookup = Callable[[Node | None, Node | None, Node | None], Iterable[tuple[Node, Node, Node, str]]]

# Levels of inferred premises explained in turn below an inferred fact.
MAX_DEPTH = 5
# What each rule of the W3C OWL 2 RL tables does, for a reader.
RULE_TITLES = {
    "cax-sco": "subclass",
    "cax-eqc1": "equivalent class",
    "cax-eqc2": "equivalent class",
    "cls-int1": "intersection",
    "cls-int2": "intersection",
    "cls-uni": "union",
    "cls-svf1": "existential restriction",
    "cls-svf2": "existential restriction",
    "cls-hv1": "value restriction",
    "cls-hv2": "value restriction",
    "cls-avf": "universal restriction",
    "prp-dom": "domain",
    "prp-rng": "range",
    "prp-spo1": "subproperty",
    "prp-spo2": "property chain",
    "prp-inv1": "inverse",
    "prp-inv2": "inverse",
    "prp-symp": "symmetric",
    "prp-trp": "transitive",
    "prp-eqp1": "equivalent property",
    "prp-eqp2": "equivalent property",
    "scm-sco": "transitive subsumption",
    "scm-spo": "transitive subsumption",
    "scm-eqc1": "equivalent class",
    "scm-eqc2": "equivalent class",
    "scm-eqp1": "equivalent property",
    "scm-eqp2": "equivalent property",
    "scm-int": "intersection",
    "scm-uni": "union",
    "scm-dom1": "domain entailment",
    "scm-dom2": "domain entailment",
    "scm-rng1": "range entailment",
    "scm-rng2": "range entailment",
}


@dataclass
class Premise:
    """A fact an inference rests on, with where it is stated (or its own explanation)."""

    triple: Triple
    graphs: list[str]
    explanation: Explanation | None = None

    @property
    def asserted(self) -> bool:
        return any(g != str(INFERRED_GRAPH) for g in self.graphs)


@dataclass
class Explanation:
    """One derivation: the rule, the ontology axioms it used, and its premises."""

    rule: str
    axioms: list[Triple]
    premises: list[Premise] = field(default_factory=list)
    axiom_texts: list[str] = field(default_factory=list)


class Axioms:
    """The ontology's lookup tables and the build's derivation record; one per build."""

    def __init__(self, ontology: Graph, record: Record | None = None) -> None:
        self.ontology = ontology
        self.inverses: dict[Node, set[Node]] = {}
        for a, b in ontology.subject_objects(OWL.inverseOf):
            self.inverses.setdefault(a, set()).add(b)
            self.inverses.setdefault(b, set()).add(a)
        # The ontology's blank nodes (class expressions) by their description, so that
        # the record's blank nodes can be shown and looked up as the store's.
        self.blank_nodes = {
            term_key(node, ontology.predicate_objects): node
            for node in set(ontology.subjects())
            if isinstance(node, BNode)
        }
        self._record = record

    @property
    def record(self) -> Record:
        """The derivation record of the build being served (read on first use)."""
        if self._record is None:
            self._record = get_served().derivations
        return self._record


class Explainer:
    """Looks inferred triples up in the record, with one request's store lookup."""

    def __init__(self, axioms: Axioms, lookup: Lookup) -> None:
        self.axioms = axioms
        self.lookup = lookup
        self._graphs: dict[Triple, list[str]] = {}

    def graphs(self, triple: Triple) -> list[str]:
        """The graphs that hold ``triple`` (memoised: pages ask about the same facts often)."""
        if triple not in self._graphs:
            self._graphs[triple] = sorted({g for *_, g in self.lookup(*triple)})
        return self._graphs[triple]

    def explain(
        self, triple: Triple, depth: int = 0, seen: frozenset[Triple] = frozenset()
    ) -> Explanation | None:
        """The recorded derivation of ``triple``, or None when the reasoner did not derive it."""
        found = self.axioms.record.of(triple, self._describe)
        if found is None:
            return None
        seen = seen | {triple}
        axioms = [self._as_stored(t) for t in found.axioms]
        premises = [self._premise(self._as_stored(t), depth, seen) for t in found.premises]
        title = RULE_TITLES.get(found.rule)
        rule = f"{title} ({found.rule})" if title else found.rule
        return Explanation(rule, axioms, premises, [self._text(a) for a in axioms])

    def _premise(self, triple: Triple, depth: int, seen: frozenset[Triple]) -> Premise:
        premise = Premise(triple, self.graphs(triple))
        if not premise.asserted and depth < MAX_DEPTH and triple not in seen:
            premise.explanation = self.explain(triple, depth + 1, seen)
        return premise

    def _describe(self, node: BNode) -> Iterable[tuple[Node, Node]]:
        """A blank node's asserted statements, as the record hashed them."""
        stored = [
            (p, o) for _, p, o, g in self.lookup(node, None, None) if g != str(INFERRED_GRAPH)
        ]
        return stored or list(self.axioms.record.describe_here(node))

    def _as_stored(self, triple: Triple) -> Triple:
        """``triple`` with the record's blank nodes replaced by the store's same ones."""
        if not any(isinstance(t, BNode) for t in triple):
            return triple
        record = self.axioms.record
        found = self.axioms.blank_nodes
        s, p, o = (
            found.get(term_key(t, record.describe_here), t) if isinstance(t, BNode) else t
            for t in triple
        )
        return s, p, o

    def _text(self, axiom: Triple) -> str:
        """An axiom as prefixed names: ``cahr:Person rdfs:subClassOf cahr:Agent``."""
        return " ".join(
            str(t)
            if isinstance(t, Literal)
            else expression_text(self.axioms.ontology, t)
            if isinstance(t, BNode)
            else prefixed(str(t))
            for t in axiom
        )


def expression_text(ontology: Graph, node: Node) -> str:
    """A class expression in Manchester-like words: ``cahr:Person and (cahr:holdsPost some …)``."""
    head = ontology.value(node, OWL.intersectionOf)
    if head is not None:
        return " and ".join(expression_text(ontology, m) for m in Collection(ontology, head))
    prop, filler = ontology.value(node, OWL.onProperty), ontology.value(node, OWL.someValuesFrom)
    if prop is not None and filler is not None:
        return f"({prefixed(str(prop))} some {expression_text(ontology, filler)})"
    return prefixed(str(node)) if isinstance(node, URIRef) else "(a class expression)"

"""Why the reasoner concluded an inferred fact: the axiom and the facts it rests on.

The build materialises OWL RL entailments into the inferred graph without
recording a proof, so a page recomputes a simple one: it tries the few rules
that produce almost all of our entailments (subclass and subproperty chains,
inverse, symmetric and transitive properties, domain and range, the property
chain of ``cahr:holdsPost`` and the class definition of ``cahr:Official``)
and reports the first whose premises hold. Premises that are themselves
inferred are explained in turn, a few levels deep, so a researcher can follow
a conclusion back to what the articles say.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS
from rdflib.term import Node

from cahr.iris import INFERRED_GRAPH, prefixed
from cahr.server.pages.present import local_name

Triple = tuple[Node, Node, Node]
# (subject, predicate, object) -> the graphs holding it; None matches anything.
Lookup = Callable[[Node | None, Node | None, Node | None], Iterable[tuple[Node, Node, Node, str]]]

MAX_DEPTH = 3


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
    """One derivation: the rule's name, the ontology axioms it used, and its premises."""

    rule: str
    axioms: list[Triple]
    premises: list[Premise] = field(default_factory=list)

    @property
    def axiom_texts(self) -> list[str]:
        """The axioms as prefixed names: ``cahr:Person rdfs:subClassOf cahr:Agent``."""
        return [
            " ".join(str(t) if isinstance(t, Literal) else prefixed(str(t)) for t in axiom)
            for axiom in self.axioms
        ]


class Axioms:
    """The ontology's axioms as lookup tables; built once per build, shared by requests."""

    def __init__(self, ontology: Graph) -> None:
        self.ontology = ontology
        self.super_classes = _edges(ontology, RDFS.subClassOf)
        self.super_properties = _edges(ontology, RDFS.subPropertyOf)
        self.inverses: dict[Node, set[Node]] = {}
        for a, b in ontology.subject_objects(OWL.inverseOf):
            self.inverses.setdefault(a, set()).add(b)
            self.inverses.setdefault(b, set()).add(a)
        self.symmetric = set(ontology.subjects(RDF.type, OWL.SymmetricProperty))
        self.transitive = set(ontology.subjects(RDF.type, OWL.TransitiveProperty))
        self.chains: dict[Node, list[Node]] = {}
        for p, head in ontology.subject_objects(OWL.propertyChainAxiom):
            self.chains[p] = list(Collection(ontology, head))
        self.domains = _pairs(ontology, RDFS.domain)
        self.ranges = _pairs(ontology, RDFS.range)
        self.definitions = _class_definitions(ontology)


class Explainer:
    """Explains inferred triples with the axioms and one request's store lookup."""

    def __init__(self, axioms: Axioms, lookup: Lookup) -> None:
        self.axioms = axioms
        self.lookup = lookup
        self._graphs: dict[Triple, list[str]] = {}

    # -- facts -------------------------------------------------------------

    def graphs(self, triple: Triple) -> list[str]:
        """The graphs that hold ``triple`` (memoised: pages ask about the same facts often)."""
        if triple not in self._graphs:
            self._graphs[triple] = sorted({g for *_, g in self.lookup(*triple)})
        return self._graphs[triple]

    def holds(self, triple: Triple) -> bool:
        return bool(self.graphs(triple))

    def _premise(self, triple: Triple, depth: int, seen: frozenset[Triple]) -> Premise:
        graphs = self.graphs(triple)
        premise = Premise(triple, graphs)
        if not premise.asserted and depth < MAX_DEPTH and triple not in seen:
            premise.explanation = self.explain(triple, depth + 1, seen)
        return premise

    # -- the rules -----------------------------------------------------------

    def explain(
        self, triple: Triple, depth: int = 0, seen: frozenset[Triple] = frozenset()
    ) -> Explanation | None:
        """A derivation of ``triple``, or None when no simple rule accounts for it."""
        seen = seen | {triple}
        s, p, o = triple
        rules = self._type_rules if p == RDF.type else self._property_rules
        # A derivation may not rest on what it derives (holdsPost from heldBy from holdsPost).
        found = [
            c
            for rule in rules()
            if (c := rule(s, p, o)) is not None and not any(t in seen for t in c[2])
        ]
        best: tuple[int, Explanation] | None = None
        for rule_name, axioms, premises in found:
            built = [self._premise(t, depth, seen) for t in premises]
            if not all(pr.asserted or pr.explanation is not None for pr in built):
                continue  # a premise nobody can account for: try the next rule
            # Prefer the derivation with the fewest inferred steps: stated facts first.
            score = sum(not pr.asserted for pr in built)
            if best is None or score < best[0]:
                best = (score, Explanation(rule_name, axioms, built))
            if score == 0:
                break
        if best is None and found:
            rule_name, axioms, premises = found[0]
            return Explanation(rule_name, axioms, [self._premise(t, depth, seen) for t in premises])
        return best[1] if best else None

    def _type_rules(self) -> list[Callable[[Node, Node, Node], _Found | None]]:
        return [self._subclass, self._definition, self._expression, self._domain, self._range]

    def _property_rules(self) -> list[Callable[[Node, Node, Node], _Found | None]]:
        return [
            self._schema_chain,
            self._schema_scope,
            self._subproperty,
            self._inverse,
            self._symmetric,
            self._chain,
            self._transitive,
        ]

    def _schema_chain(self, a: Node, p: Node, c: Node) -> _Found | None:
        """A ⊑ B ⊑ … ⊑ C, for classes or properties: subsumption is transitive."""
        edges = {
            RDFS.subClassOf: self.axioms.super_classes,
            RDFS.subPropertyOf: self.axioms.super_properties,
        }.get(p)  # type: ignore[call-overload]
        path = _path(edges, a, c) if edges is not None else []
        if len(path) < 3:
            return None
        steps: list[Triple] = [(x, p, y) for x, y in zip(path, path[1:], strict=False)]
        return "transitive subsumption", [], steps

    def _schema_scope(self, q: Node, p: Node, c: Node) -> _Found | None:
        """q has domain (range) D, D ⊑ … ⊑ C; or q ⊑ r and r has that domain (range)."""
        if p not in (RDFS.domain, RDFS.range):
            return None
        pairs = self.axioms.domains if p == RDFS.domain else self.axioms.ranges
        for prop in [q, *_reachable(self.axioms.super_properties, q)]:
            for r, d in pairs:
                if r != prop or not (d == c or _path(self.axioms.super_classes, d, c)):
                    continue
                premises: list[Triple] = [(r, p, d)]
                if prop != q:
                    premises.insert(0, (q, RDFS.subPropertyOf, prop))
                premises += _chain_axioms(self.axioms.super_classes, d, c)
                if len(premises) > 1:
                    return f"{'domain' if p == RDFS.domain else 'range'} entailment", [], premises
        return None

    def _subclass(self, s: Node, _: Node, c: Node) -> _Found | None:
        """s a A, A ⊑ … ⊑ C: the shortest chain from a type the articles state."""
        stated = [t for _, _, t, g in self.lookup(s, RDF.type, None) if g != str(INFERRED_GRAPH)]
        candidates = stated or [t for _, _, t, _ in self.lookup(s, RDF.type, None)]
        for start in sorted(candidates, key=str):
            path = _path(self.axioms.super_classes, start, c)
            if path:
                axioms: list[Triple] = [
                    (a, RDFS.subClassOf, b) for a, b in zip(path, path[1:], strict=False)
                ]
                return "subclass", axioms, [(s, RDF.type, start)]
        return None

    def _definition(self, s: Node, _: Node, c: Node) -> _Found | None:
        """C ≡ A ⊓ ∃p.D (cahr:Official ≡ Person ⊓ ∃holdsPost.PublicPost)."""
        for named, restriction_sets in self.axioms.definitions.get(c, []):
            premises: list[Triple] = [(s, RDF.type, a) for a in named]
            if not all(self.holds(t) for t in premises):
                continue
            ok = True
            for prop, filler in restriction_sets:
                witness = next(
                    (
                        y
                        for _, _, y, _ in self.lookup(s, prop, None)
                        if self.holds((y, RDF.type, filler))
                    ),
                    None,
                )
                if witness is None:
                    ok = False
                    break
                premises += [(s, prop, witness), (witness, RDF.type, filler)]
            if ok:
                text = " and ".join(
                    [prefixed(str(a)) for a in named]
                    + [f"({prefixed(str(q))} some {prefixed(str(f))})" for q, f in restriction_sets]
                )
                return "class definition", [(c, OWL.equivalentClass, Literal(text))], premises
        return None

    def _expression(self, s: Node, _: Node, c: Node) -> _Found | None:
        """s is in an anonymous class expression: an intersection or a someValuesFrom restriction."""
        ontology = self.axioms.ontology
        head = ontology.value(c, OWL.intersectionOf)
        if head is not None:
            members: list[Node] = list(Collection(ontology, head))
            premises: list[Triple] = [(s, RDF.type, m) for m in members]
            if all(self.holds(t) for t in premises):
                return "intersection", [], premises
        prop, filler = ontology.value(c, OWL.onProperty), ontology.value(c, OWL.someValuesFrom)
        if prop is not None and filler is not None:
            for _s, _p, y, _g in self.lookup(s, prop, None):
                if self.holds((y, RDF.type, filler)):
                    return "existential restriction", [], [(s, prop, y), (y, RDF.type, filler)]
        return None

    def _domain(self, s: Node, _: Node, c: Node) -> _Found | None:
        """s q x and q has domain C (or a subclass of C)."""
        return self._scope(s, c, RDFS.domain)

    def _range(self, s: Node, _: Node, c: Node) -> _Found | None:
        """x q s and q has range C (or a subclass of C)."""
        return self._scope(s, c, RDFS.range)

    def _scope(self, s: Node, c: Node, scope: URIRef) -> _Found | None:
        pairs = self.axioms.domains if scope == RDFS.domain else self.axioms.ranges
        for q, d in pairs:
            if d == c or _path(self.axioms.super_classes, d, c):
                uses = self.lookup(s, q, None) if scope == RDFS.domain else self.lookup(None, q, s)
                for x, _, y, _ in uses:
                    axioms = [(q, scope, d), *_chain_axioms(self.axioms.super_classes, d, c)]
                    return local_name(str(scope)), axioms, [(x, q, y)]
        return None

    def _subproperty(self, s: Node, p: Node, o: Node) -> _Found | None:
        """s q o and q ⊑ … ⊑ p: the shortest chain from a property the articles state."""
        found = [
            (q, g)
            for _, q, _, g in self.lookup(s, None, o)
            if q != p and _path(self.axioms.super_properties, q, p)
        ]
        found.sort(key=lambda qg: (qg[1] == str(INFERRED_GRAPH), str(qg[0])))
        if found:
            q = found[0][0]
            path = _path(self.axioms.super_properties, q, p)
            axioms: list[Triple] = [
                (a, RDFS.subPropertyOf, b) for a, b in zip(path, path[1:], strict=False)
            ]
            return "subproperty", axioms, [(s, q, o)]
        return None

    def _inverse(self, s: Node, p: Node, o: Node) -> _Found | None:
        for q in sorted(self.axioms.inverses.get(p, ()), key=str):
            if self.holds((o, q, s)):
                axiom = (
                    (p, OWL.inverseOf, q)
                    if (p, OWL.inverseOf, q) in self.axioms.ontology
                    else (q, OWL.inverseOf, p)
                )
                return "inverse", [axiom], [(o, q, s)]
        return None

    def _symmetric(self, s: Node, p: Node, o: Node) -> _Found | None:
        if p in self.axioms.symmetric and self.holds((o, p, s)):
            return "symmetric", [(p, RDF.type, OWL.SymmetricProperty)], [(o, p, s)]
        return None

    def _chain(self, s: Node, p: Node, o: Node) -> _Found | None:
        chain = self.axioms.chains.get(p)
        if not chain or len(chain) != 2:
            return None
        first, second = chain
        for _, _, m, _ in self.lookup(s, first, None):
            if self.holds((m, second, o)):
                text = f"{prefixed(str(first))} then {prefixed(str(second))}"
                return (
                    "property chain",
                    [(p, OWL.propertyChainAxiom, Literal(text))],
                    [(s, first, m), (m, second, o)],
                )
        return None

    def _transitive(self, s: Node, p: Node, o: Node) -> _Found | None:
        if p not in self.axioms.transitive:
            return None
        for _, _, m, _ in self.lookup(s, p, None):
            if m not in (s, o) and self.holds((m, p, o)):
                return "transitive", [(p, RDF.type, OWL.TransitiveProperty)], [(s, p, m), (m, p, o)]
        return None


_Found = tuple[str, list[Triple], list[Triple]]


def expression_text(ontology: Graph, node: Node) -> str:
    """A class expression in Manchester-like words: ``cahr:Person and (cahr:holdsPost some …)``."""
    head = ontology.value(node, OWL.intersectionOf)
    if head is not None:
        return " and ".join(expression_text(ontology, m) for m in Collection(ontology, head))
    prop, filler = ontology.value(node, OWL.onProperty), ontology.value(node, OWL.someValuesFrom)
    if prop is not None and filler is not None:
        return f"({prefixed(str(prop))} some {expression_text(ontology, filler)})"
    return prefixed(str(node)) if isinstance(node, URIRef) else "(a class expression)"


def _edges(graph: Graph, predicate: URIRef) -> dict[Node, set[Node]]:
    edges: dict[Node, set[Node]] = {}
    for a, b in graph.subject_objects(predicate):
        if isinstance(a, URIRef) and isinstance(b, URIRef) and a != b:
            edges.setdefault(a, set()).add(b)
    return edges


def _pairs(graph: Graph, predicate: URIRef) -> list[tuple[Node, Node]]:
    return sorted(
        (
            (a, b)
            for a, b in graph.subject_objects(predicate)
            if isinstance(a, URIRef) and isinstance(b, URIRef)
        ),
        key=str,
    )


def _path(edges: dict[Node, set[Node]], start: Node, goal: Node) -> list[Node]:
    """The shortest chain start → … → goal along ``edges`` (breadth first), or []."""
    if start == goal:
        return []
    queue: deque[list[Node]] = deque([[start]])
    visited = {start}
    while queue:
        path = queue.popleft()
        for nxt in sorted(edges.get(path[-1], ()), key=str):
            if nxt == goal:
                return [*path, nxt]
            if nxt not in visited:
                visited.add(nxt)
                queue.append([*path, nxt])
    return []


def _reachable(edges: dict[Node, set[Node]], start: Node) -> list[Node]:
    """Every node reachable from ``start`` along ``edges``, nearest first."""
    seen: list[Node] = []
    queue: deque[Node] = deque([start])
    while queue:
        for nxt in sorted(edges.get(queue.popleft(), ()), key=str):
            if nxt not in seen and nxt != start:
                seen.append(nxt)
                queue.append(nxt)
    return seen


def _chain_axioms(edges: dict[Node, set[Node]], start: Node, goal: Node) -> list[Triple]:
    path = _path(edges, start, goal)
    return [(a, RDFS.subClassOf, b) for a, b in zip(path, path[1:], strict=False)]


def _class_definitions(
    graph: Graph,
) -> dict[Node, list[tuple[list[Node], list[tuple[Node, Node]]]]]:
    """C ≡ intersectionOf(named classes…, someValuesFrom restrictions…), as plain data."""
    out: dict[Node, list[tuple[list[Node], list[tuple[Node, Node]]]]] = {}
    for c, definition in graph.subject_objects(OWL.equivalentClass):
        head = graph.value(definition, OWL.intersectionOf)
        if head is None:
            continue
        named: list[Node] = []
        some: list[tuple[Node, Node]] = []
        for member in Collection(graph, head):
            if isinstance(member, URIRef):
                named.append(member)
            else:
                prop = graph.value(member, OWL.onProperty)
                filler = graph.value(member, OWL.someValuesFrom)
                if prop is not None and filler is not None:
                    some.append((prop, filler))
        out.setdefault(c, []).append((named, some))
    return out

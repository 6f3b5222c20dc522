"""Identity and conflict checks across the article graphs.

Each article's graph describes the resources it names; the union gives one
IRI every article's description. Two articles that describe one IRI must
describe one thing: this module fails the build when

- the IRI has, in two graphs, types that the ontology declares disjoint
  (an organisation in one article, a place in another), or
- two graphs give it different values of a property that must agree across
  articles (``cahr:agreesAcrossArticles true`` in the ontology: the date,
  instrument or place of one event), unless the curators record the
  difference as a ``cahr:Disagreement`` whose ``cahr:Claim`` s give each
  article's value and words.

A date agrees with a coarser one that contains it ("2023-12" and
"2023-12-08"): one article knowing less is no disagreement. Each problem
names the IRI, both values and both files with their lines.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, XSD
from rdflib.term import Node

from cahr.errors import Problem
from cahr.iris import CAHR, prefixed, source_iri
from cahr.layout import Layout
from cahr.pipeline.load import Loaded
from cahr.pipeline.locate import line_of_statement, line_of_subject, line_of_value

_DATE_TYPES = {XSD.date, XSD.gYearMonth, XSD.gYear}


@dataclass(frozen=True)
class _Place:
    """A statement's file and line, written ``kg/x.ttl:12``."""

    path: str
    line: int | None

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


def problems(loaded: Loaded, layout: Layout) -> list[Problem]:
    """Violations for type clashes, unrecorded value clashes and malformed disagreements."""
    graphs = {slug: loaded.article_graph(slug) for slug in sorted(loaded.articles)}
    found = list(_type_clashes(loaded.ontology, graphs, loaded, layout))
    recorded, bad = _disagreements(graphs, loaded, layout)
    found += bad
    found += _value_clashes(loaded.ontology, graphs, recorded, loaded, layout)
    return found


# --- types -------------------------------------------------------------------


def disjoint_pairs(ontology: Graph) -> set[frozenset[Node]]:
    """Pairs of classes declared disjoint (owl:disjointWith, owl:AllDisjointClasses)."""
    pairs = {frozenset((a, b)) for a, b in ontology.subject_objects(OWL.disjointWith)}
    for node in ontology.subjects(RDF.type, OWL.AllDisjointClasses):
        for members in ontology.objects(node, OWL.members):
            pairs.update(frozenset(p) for p in combinations(Collection(ontology, members), 2))
    return pairs


def _type_clashes(
    ontology: Graph, graphs: dict[str, Graph], loaded: Loaded, layout: Layout
) -> Iterator[Problem]:
    pairs = disjoint_pairs(ontology)
    if not pairs:
        return
    supers: dict[Node, set[Node]] = {}

    def up(cls: Node) -> set[Node]:
        if cls not in supers:
            supers[cls] = {c for c in ontology.transitive_objects(cls, RDFS.subClassOf) if c}
        return supers[cls]

    types: dict[Node, dict[str, set[Node]]] = {}
    for slug, graph in graphs.items():
        for s, cls in graph.subject_objects(RDF.type):
            if isinstance(s, URIRef):
                types.setdefault(s, {}).setdefault(slug, set()).add(cls)
    for subject in sorted(types, key=str):
        by_graph = types[subject]
        for a, b in combinations(sorted(by_graph), 2):
            clash = next(
                (
                    (ta, tb)
                    for ta in sorted(by_graph[a], key=str)
                    for tb in sorted(by_graph[b], key=str)
                    if any(frozenset((x, y)) in pairs for x in up(ta) for y in up(tb) if x != y)
                ),
                None,
            )
            if clash is None:
                continue
            first = _where(loaded, layout, a, subject, clash[0])
            second = _where(loaded, layout, b, subject, clash[1])
            yield Problem(
                message=(
                    f"{prefixed(str(subject))} is a {prefixed(str(clash[0]))} in {first} and a "
                    f"{prefixed(str(clash[1]))} in {second}, kinds that the ontology declares "
                    "disjoint: the two articles name two different things with one IRI "
                    "(give each its own IRI) [identity-type-clash]"
                ),
                path=second.path,
                line=second.line,
                focus=prefixed(str(subject)),
                property="rdf:type",
                extra={"rule": "identity-type-clash", "files": [str(first), str(second)]},
            )
            break


# --- values ------------------------------------------------------------------


def agreeing_properties(ontology: Graph) -> list[URIRef]:
    """The properties marked ``cahr:agreesAcrossArticles true``."""
    return sorted(
        p
        for p, flag in ontology.subject_objects(CAHR.agreesAcrossArticles)
        if isinstance(p, URIRef) and isinstance(flag, Literal) and flag.toPython() is True
    )


def compatible(a: Node, b: Node) -> bool:
    """Two values agree: equal, or dates of which one contains the other.

    >>> compatible(Literal("2023-12", datatype=XSD.gYearMonth), Literal("2023-12-08", datatype=XSD.date))
    True
    >>> compatible(Literal("2023-11", datatype=XSD.gYearMonth), Literal("2023-12-08", datatype=XSD.date))
    False
    """
    if a == b:
        return True
    if isinstance(a, Literal) and isinstance(b, Literal):
        if a.datatype in _DATE_TYPES and b.datatype in _DATE_TYPES:
            short, long = sorted((str(a), str(b)), key=len)
            return long.startswith(short) and (len(long) == len(short) or long[len(short)] == "-")
        try:
            return bool(a.eq(b))
        except TypeError:
            return False
    return False


def _agree(left: set[Node], right: set[Node]) -> bool:
    return all(any(compatible(a, b) for b in right) for a in left) and all(
        any(compatible(a, b) for a in left) for b in right
    )


def _value_clashes(
    ontology: Graph,
    graphs: dict[str, Graph],
    recorded: set[tuple[Node, Node]],
    loaded: Loaded,
    layout: Layout,
) -> Iterator[Problem]:
    for prop in agreeing_properties(ontology):
        values: dict[Node, dict[str, set[Node]]] = {}
        for slug, graph in graphs.items():
            for s, v in graph.subject_objects(prop):
                values.setdefault(s, {}).setdefault(slug, set()).add(v)
        for subject in sorted(values, key=str):
            if (subject, prop) in recorded:
                continue
            by_graph = values[subject]
            for a, b in combinations(sorted(by_graph), 2):
                if _agree(by_graph[a], by_graph[b]):
                    continue
                va, vb = _differing(by_graph[a], by_graph[b])
                first = _where(loaded, layout, a, subject, va)
                second = _where(loaded, layout, b, subject, vb)
                yield Problem(
                    message=(
                        f"{prefixed(str(subject))} {prefixed(str(prop))} is {_show(by_graph[a])} "
                        f"in {first} but {_show(by_graph[b])} in {second}: one resource, two "
                        "values of a property on which articles must agree. Give each thing "
                        "its own IRI, or record the difference as a cahr:Disagreement with "
                        "each article's cahr:Claim [identity-value-clash]"
                    ),
                    path=second.path,
                    line=second.line,
                    focus=prefixed(str(subject)),
                    property=prefixed(str(prop)),
                    extra={"rule": "identity-value-clash", "files": [str(first), str(second)]},
                )
                break


def _differing(left: set[Node], right: set[Node]) -> tuple[Node, Node]:
    """A value of each side that the other side lacks (for the lines to point at)."""
    a = next((x for x in sorted(left, key=str) if not any(compatible(x, y) for y in right)), None)
    b = next((y for y in sorted(right, key=str) if not any(compatible(x, y) for x in left)), None)
    a = a if a is not None else min(left, key=str)
    b = b if b is not None else min(right, key=str)
    return a, b


def _show(values: Iterable[Node]) -> str:
    return " and ".join(_term(v) for v in sorted(values, key=str))


def _term(value: Node) -> str:
    if isinstance(value, Literal):
        kind = f"^^{prefixed(str(value.datatype))}" if value.datatype else ""
        return f'"{value}"{kind}'
    return prefixed(str(value))


# --- recorded disagreements ----------------------------------------------------


def _disagreements(
    graphs: dict[str, Graph], loaded: Loaded, layout: Layout
) -> tuple[set[tuple[Node, Node]], list[Problem]]:
    """The (resource, property) pairs that a well-formed disagreement records, and the faults.

    A disagreement counts only if it has claims from at least two articles,
    each claim's values are asserted by its own article's graph, and every
    article that gives the resource a value of the property has a claim.
    """
    articles = {source_iri(slug): slug for slug in graphs}
    union = Graph()  # the disagreements and claims of every graph: a few triples, not all
    for graph in graphs.values():
        for kind in (CAHR.Disagreement, CAHR.Claim):
            for node in graph.subjects(RDF.type, kind):
                for triple in graph.triples((node, None, None)):
                    union.add(triple)
    recorded: set[tuple[Node, Node]] = set()
    faults: list[Problem] = []
    for node in sorted(union.subjects(RDF.type, CAHR.Disagreement), key=str):
        slug = next(s for s, g in graphs.items() if (node, RDF.type, CAHR.Disagreement) in g)
        path = loaded.articles[slug]
        where = _Place(layout.relative(path), line_of_subject(path, str(node)))

        def fault(text: str, where: _Place = where, node: Node = node) -> None:
            faults.append(
                Problem(
                    message=f"{text} [disagreement]",
                    path=where.path,
                    line=where.line,
                    focus=prefixed(str(node)),
                    extra={"rule": "disagreement"},
                )
            )

        subjects = set(union.objects(node, CAHR.disputedResource))
        props = set(union.objects(node, CAHR.disputedProperty))
        if len(subjects) != 1 or len(props) != 1:
            fault(
                "a disagreement names exactly one cahr:disputedResource and one cahr:disputedProperty"
            )
            continue
        subject, prop = subjects.pop(), props.pop()
        claimed: set[str] = set()
        ok = True
        for claim in sorted(union.objects(node, CAHR.hasClaim), key=str):
            ins = [articles.get(URIRef(str(a))) for a in union.objects(claim, CAHR.claimedIn)]
            if len(ins) != 1 or ins[0] is None:
                fault(f"the claim {prefixed(str(claim))} names no article of kg/ (cahr:claimedIn)")
                ok = False
                continue
            own = graphs[ins[0]]
            if (claim, CAHR.claimedIn, None) not in own or (claim, CAHR.evidence, None) not in own:
                fault(
                    f"the claim {prefixed(str(claim))} is stated, with its cahr:evidence, in the "
                    f"graph of its own article {ins[0]}"
                )
                ok = False
                continue
            via = own.value(claim, CAHR.claimedProperty) or prop
            values = set(own.objects(claim, CAHR.claimedValue))
            missing = [v for v in values if (subject, via, v) not in own]
            if not values or missing:
                fault(
                    f"the claim {prefixed(str(claim))} gives "
                    f"{_show(missing) if missing else 'no cahr:claimedValue'}, which the graph of "
                    f"{ins[0]} does not assert as {prefixed(str(subject))} {prefixed(str(via))}"
                )
                ok = False
                continue
            claimed.add(ins[0])
        stating = {slug for slug, g in graphs.items() if (subject, prop, None) in g}
        if stating - claimed:
            fault(
                f"{', '.join(sorted(stating - claimed))} also give(s) {prefixed(str(subject))} "
                f"{prefixed(str(prop))} but the disagreement has no claim of theirs"
            )
            ok = False
        if len(claimed) < 2:
            fault("a disagreement needs the claims of at least two articles")
            ok = False
        if ok:
            recorded.add((subject, prop))
    return recorded, faults


# --- where -------------------------------------------------------------------


def _where(loaded: Loaded, layout: Layout, slug: str, subject: Node, value: Node) -> _Place:
    path: Path = loaded.articles[slug]
    if isinstance(value, Literal):
        line = line_of_value(path, str(subject), str(value))
    else:
        line = line_of_statement(path, str(subject), str(value)) or line_of_subject(
            path, str(subject)
        )
    return _Place(layout.relative(path), line)

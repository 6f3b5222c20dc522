"""Evidence per fact: attestations, their stable IRIs, their place in the text, coverage.

A curator writes, in an article's file::

    id:x cahr:attestation [ a cahr:Attestation ; cahr:exactWords "verbatim words" ;
                            cahr:vouchesFor cahr:date, cahr:agent ] .

meaning: in this article's graph, these words state the listed properties of
``id:x`` (only the values listed by ``cahr:vouchesForValue``, if any). The load
stage names each such blank node ``evidence/<slug>/<hash>`` from what it says, so
that the IRI is the same in every build of the same file; validation places its
words in ``sources/<slug>.txt`` (:mod:`cahr.pipeline.quotes`); the build writes
the place beside the words (the Web Annotation selectors' terms) before export.

How a fact is vouched for is decided here (:func:`fact_kind`), for the build's
count; the entity pages read the same triples and rank the words the same way.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS, XSD
from rdflib.term import Node

from cahr.iris import CAHR, EVIDENCE, OA

if TYPE_CHECKING:  # load imports this module to name the attestations
    from cahr.pipeline.load import Loaded

# Facts that need no quote of their own: what a resource is, what it is called,
# where it is mentioned; and the evidence and the curator's remarks themselves.
NOT_FACTS = frozenset(
    {
        RDF.type,
        RDFS.label,
        SKOS.prefLabel,
        SKOS.altLabel,
        SKOS.hiddenLabel,
        CAHR.mentionedIn,
        CAHR.evidence,
        CAHR.attestation,
        CAHR.note,
        CAHR.sourceText,
    }
)
# Resources that are records about facts rather than facts of the article.
RECORD_CLASSES = frozenset({CAHR.Attestation, CAHR.ImpliedValue, CAHR.Disagreement, CAHR.Claim})

# How a fact is vouched for, best first (see :func:`fact_words`).
OWN = "own"  # an attestation states it
VERBATIM = "verbatim"  # its value is the article's words (cahr:quote, cahr:description, ...)
IMPLIED = "implied"  # an implied-value mark gives the words it rests on
RESOURCE = "resource"  # only its subject's cahr:evidence, which may not state it
NONE = "none"
KINDS = (OWN, VERBATIM, IMPLIED, RESOURCE, NONE)

PREFIX_LENGTH = 32  # characters of context kept on each side (TextQuoteSelector)


@dataclass(frozen=True)
class Attestation:
    """One attestation as written: on which subject, which words, for what."""

    node: Node
    subject: Node
    words: str
    properties: frozenset[Node]
    values: frozenset[Node]
    offset: int | None

    def covers(self, predicate: Node, value: Node) -> bool:
        return predicate in self.properties and (not self.values or value in self.values)


@dataclass(frozen=True)
class Position:
    """Where an attestation's words stand in the archived text (code points, end exclusive)."""

    start: int
    end: int
    exact: str
    prefix: str
    suffix: str


@dataclass
class Coverage:
    """How the facts of one article graph are vouched for: a count per kind."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))

    @property
    def facts(self) -> int:
        return sum(self.counts.values())

    def row(self) -> dict[str, int]:
        return {"facts": self.facts, **self.counts}


def attestation_iri(slug: str, subject: Node, graph: Graph, node: Node) -> URIRef:
    """``evidence/<slug>/<hash>``: the hash of what the attestation says, not of its label."""
    parts = [subject.n3()]
    parts += sorted(f"{p.n3()} {o.n3()}" for p, o in graph.predicate_objects(node))
    digest = hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()[:16]
    return EVIDENCE[f"{slug}/{digest}"]


def name_attestations(graph: Graph, slug: str) -> None:
    """Replace each blank-node attestation of ``graph`` by its stable IRI (in place).

    Other blank nodes are left for the blank-node check to refuse.
    """
    for subject, node in sorted(graph.subject_objects(CAHR.attestation), key=str):
        if not isinstance(node, BNode):
            continue
        iri = attestation_iri(slug, subject, graph, node)
        for p, o in list(graph.predicate_objects(node)):
            graph.remove((node, p, o))
            graph.add((iri, p, o))
        for s, p in list(graph.subject_predicates(node)):
            graph.remove((s, p, node))
            graph.add((s, p, iri))


def attestations(graph: Graph) -> list[Attestation]:
    """Every attestation of ``graph``, in a stable order."""
    found = []
    for subject, node in graph.subject_objects(CAHR.attestation):
        words = [str(w) for w in graph.objects(node, CAHR.exactWords)]
        offsets = [o for o in graph.objects(node, CAHR.offset) if isinstance(o, Literal)]
        offset = offsets[0].toPython() if offsets else None
        found.append(
            Attestation(
                node,
                subject,
                words[0] if words else "",
                frozenset(graph.objects(node, CAHR.vouchesFor)),
                frozenset(graph.objects(node, CAHR.vouchesForValue)),
                offset if isinstance(offset, int) else None,
            )
        )
    return sorted(found, key=lambda a: (str(a.subject), str(a.node)))


def position_triples(node: Node, position: Position) -> list[tuple[Node, Node, Node]]:
    """The selector terms the build writes on an attestation."""
    return [
        (node, OA.exact, Literal(position.exact)),
        (node, OA.prefix, Literal(position.prefix)),
        (node, OA.suffix, Literal(position.suffix)),
        (node, OA.start, Literal(position.start, datatype=XSD.nonNegativeInteger)),
        (node, OA.end, Literal(position.end, datatype=XSD.nonNegativeInteger)),
    ]


def write_positions(loaded: Loaded, positions: dict[Node, Position]) -> None:
    """Write each attestation's place in its text into its article's graph."""
    for slug in loaded.articles:
        graph = loaded.article_graph(slug)
        for attestation in attestations(graph):
            place = positions.get(attestation.node)
            if place is not None:
                for triple in position_triples(attestation.node, place):
                    graph.add(triple)


def is_fact(graph: Graph, subject: Node, predicate: Node) -> bool:
    """Whether ``subject predicate ...`` is an asserted fact that needs words."""
    if predicate in NOT_FACTS:
        return False
    return not any((subject, RDF.type, cls) in graph for cls in RECORD_CLASSES)


def coverage(graph: Graph, verbatim: set[URIRef]) -> Coverage:
    """Count the facts of one article graph by how they are vouched for."""
    by_subject: dict[Node, list[Attestation]] = {}
    for attestation in attestations(graph):
        by_subject.setdefault(attestation.subject, []).append(attestation)
    implied = implied_facts(graph)
    found = Coverage()
    for s, p, o in graph:
        if is_fact(graph, s, p):
            found.counts[fact_kind(graph, (s, p, o), by_subject.get(s, []), verbatim, implied)] += 1
    return found


def implied_facts(graph: Graph) -> set[tuple[Node, Node, Node]]:
    """The facts of ``graph`` that an implied-value mark with quotes qualifies."""
    found = set()
    for mark in graph.subjects(RDF.type, CAHR.ImpliedValue):
        if (mark, CAHR.evidence, None) not in graph:
            continue
        for s in graph.objects(mark, CAHR.impliedSubject):
            for p in graph.objects(mark, CAHR.impliedProperty):
                for v in graph.objects(mark, CAHR.impliedValue):
                    found.add((s, p, v))
    return found


def fact_kind(
    graph: Graph,
    fact: tuple[Node, Node, Node],
    own: list[Attestation],
    verbatim: set[URIRef],
    implied: set[tuple[Node, Node, Node]],
) -> str:
    """How one fact is vouched for: OWN, VERBATIM, IMPLIED, RESOURCE or NONE."""
    s, p, o = fact
    if any(a.covers(p, o) for a in own):
        return OWN
    if p in verbatim and isinstance(o, Literal):
        return VERBATIM
    if fact in implied:
        return IMPLIED
    if (s, CAHR.evidence, None) in graph:
        return RESOURCE
    return NONE

"""The derivation record: why the reasoner concluded each triple of the inferred graph.

The build's reasoner (:mod:`cahr.pipeline.rules`) keeps, for every triple it
derives, the OWL RL rule and the premises of its first derivation. The build
publishes that record as RDF in ``dist/derivations.ttl`` (covered by the
manifest and the build id like every dump), and a page's "why" is a lookup in
it (:class:`Record`), never a second reasoning. The record, in a small cahr:
vocabulary over RDF reification (docs/ontology.md, "Reasoning")::

    derivation:<h> a cahr:Derivation ;
        cahr:conclusion statement:<h> ;    # the inferred triple
        cahr:rule "cax-sco" ;              # the rule's name in the W3C OWL 2 RL tables
        cahr:axiom statement:<h1> ;        # premises of the ontology's vocabulary
        cahr:premise statement:<h2> .      # the other premises (facts)
    statement:<h> a rdf:Statement ; rdf:subject ... ; rdf:predicate ... ; rdf:object ... .

``<h>`` is a hash of the triple (:func:`statement_key`), so the IRIs are the same
from build to build while the triple is, and a premise that is itself derived is
the conclusion of another derivation: follow ``cahr:premise`` to
``cahr:conclusion``. A blank node (an OWL class expression of the ontology) is
written with its asserted description, and hashed by it.

This module is the record's contract: the pipeline writes it with
:func:`statements`, the server reads it with :class:`Record`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS
from rdflib.term import Node

from cahr.iris import BASE, CAHR
from cahr.rdf import to_oxigraph, to_rdflib

Triple = tuple[Node, Node, Node]
# rule name, premises: what cahr.pipeline.rules keeps for each derived triple
Why = tuple[str, tuple[Triple, ...]]
# The asserted statements about a blank node: (predicate, object) pairs.
Describe = Callable[[BNode], Iterable[tuple[Node, Node]]]

DERIVATION = BASE + "derivation/"
STATEMENT = BASE + "statement/"
PREFIXES = {"derivation": DERIVATION, "statement": STATEMENT}
_SCHEMA = (str(RDFS), str(OWL))
_LIST = (RDF.first, RDF.rest)
# A description nested deeper than this is cut (an rdf:List of that many members).
_MAX_DEPTH = 64


def is_axiom(triple: Triple) -> bool:
    """True for a premise in the ontology's vocabulary (RDFS, OWL, rdf:List, a type
    that is an OWL or RDFS term), shown as an axiom rather than as a fact."""
    _s, p, o = triple
    if p in _LIST or str(p).startswith(_SCHEMA):
        return True
    return p == RDF.type and str(o).startswith(_SCHEMA)


def term_key(term: Node, describe: Describe, depth: int = 0) -> str:
    """A text that names ``term`` the same way in every build and every store.

    IRIs and literals are their N-Triples forms; a blank node is its description
    (its asserted statements, sorted), so that the build's blank node and the
    store's (relabelled when the dumps were written) give the same key.
    """
    if isinstance(term, URIRef):
        return f"<{term}>"  # what n3() writes, without its checks: this runs per term
    if not isinstance(term, BNode):
        return str(term.n3())
    if depth >= _MAX_DEPTH:
        return "[...]"
    pairs = sorted(f"{p.n3()} {term_key(o, describe, depth + 1)}" for p, o in describe(term))
    return "[" + " ; ".join(pairs) + "]"


def statement_key(triple: Triple, describe: Describe) -> str:
    """The hash that names ``triple`` in the record (16 hex digits)."""
    return _hash(" ".join(term_key(t, describe) for t in triple))


def statements(derivations: dict[Triple, Why], describe: Describe) -> list[ox.Quad]:
    """The record of ``derivations`` as RDF statements (see the module docstring), sorted.

    A blank node is labelled by the hash of its description, so the same
    derivations give the same statements (no canonical relabelling needed).
    """
    keys: dict[Node, str] = {}
    terms: dict[Node, Any] = {}
    out: list[ox.Quad] = []
    written: dict[str, ox.NamedNode] = {}
    described: set[BNode] = set()
    a, subject, predicate, obj = (
        ox.NamedNode(str(t)) for t in (RDF.type, RDF.subject, RDF.predicate, RDF.object)
    )
    statement_class, derivation_class = ox.NamedNode(str(RDF.Statement)), _ox(CAHR.Derivation)
    conclusion_link, rule_link = _ox(CAHR.conclusion), _ox(CAHR.rule)
    axiom_link, premise_link = _ox(CAHR.axiom), _ox(CAHR.premise)

    def key(term: Node) -> str:
        found = keys.get(term)
        if found is None:
            found = keys[term] = term_key(term, describe)
        return found

    def ox_term(term: Node) -> Any:
        found = terms.get(term)
        if found is None:
            if isinstance(term, BNode):
                found = ox.BlankNode("b" + _hash(key(term)))
            else:
                found = to_oxigraph(term)
            terms[term] = found
        return found

    def statement(triple: Triple) -> ox.NamedNode:
        text = f"{key(triple[0])} {key(triple[1])} {key(triple[2])}"
        iri = written.get(text)
        if iri is None:
            iri = written[text] = ox.NamedNode(STATEMENT + _hash(text))
            s, p, o = (ox_term(t) for t in triple)
            out.extend(
                [
                    ox.Quad(iri, a, statement_class),
                    ox.Quad(iri, subject, s),
                    ox.Quad(iri, predicate, p),
                    ox.Quad(iri, obj, o),
                ]
            )
            for term in (triple[0], triple[2]):
                describe_into(term)
        return iri

    def describe_into(term: Node) -> None:
        if isinstance(term, BNode) and term not in described:
            described.add(term)
            for p, o in describe(term):
                out.append(ox.Quad(ox_term(term), ox_term(p), ox_term(o)))
                describe_into(o)

    for conclusion, (rule, premises) in derivations.items():
        iri = statement(conclusion)
        node = ox.NamedNode(DERIVATION + iri.value[len(STATEMENT) :])
        out += [
            ox.Quad(node, a, derivation_class),
            ox.Quad(node, conclusion_link, iri),
            ox.Quad(node, rule_link, ox.Literal(rule)),
        ]
        for premise in premises:
            link = axiom_link if is_axiom(premise) else premise_link
            out.append(ox.Quad(node, link, statement(premise)))
    return sorted(out, key=str)


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _ox(term: URIRef) -> ox.NamedNode:
    return ox.NamedNode(str(term))


@dataclass(frozen=True)
class Derivation:
    """One entry of the record: the rule, and the premises split into axioms and facts."""

    rule: str
    axioms: tuple[Triple, ...]
    premises: tuple[Triple, ...]


class Record:
    """The derivation record of one build, read from its ``derivations.ttl``.

    Read once per worker, on the first page that asks: the file is parsed into
    pyoxigraph terms and plain strings, and only the derivations a page asks for
    become rdflib terms.
    """

    def __init__(self, path: Path) -> None:
        self.graph = Graph()  # the blank nodes' descriptions, for showing class expressions
        # statement hash -> its subject, predicate and object (pyoxigraph terms)
        self._parts: dict[str, list[Any]] = {}
        # derivation hash -> rule, axiom hashes, premise hashes
        self._links: dict[str, tuple[list[str], list[str], list[str]]] = {}
        index = {str(RDF.subject): 0, str(RDF.predicate): 1, str(RDF.object): 2}
        links = {str(CAHR.rule): 0, str(CAHR.axiom): 1, str(CAHR.premise): 2}
        statement, derivation = len(STATEMENT), len(DERIVATION)
        for q in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
            subject, p = q.subject, q.predicate.value
            if isinstance(subject, ox.BlankNode):
                self.graph.add((to_rdflib(subject), to_rdflib(q.predicate), to_rdflib(q.object)))
                continue
            iri = subject.value
            if iri.startswith(STATEMENT) and p in index:
                self._parts.setdefault(iri[statement:], [None, None, None])[index[p]] = q.object
            elif iri.startswith(DERIVATION) and p in links:
                entry = self._links.setdefault(iri[derivation:], ([], [], []))
                value = q.object.value
                entry[links[p]].append(value[statement:] if links[p] else value)
        self._derivations: dict[str, Derivation] = {}

    def __len__(self) -> int:
        return len(self._links)

    def __iter__(self) -> Iterator[str]:
        return iter(self._links)

    def of(self, triple: Triple, describe: Describe) -> Derivation | None:
        """The derivation of ``triple`` (``describe`` reads a blank node's statements where
        ``triple`` comes from), or None when the reasoner did not derive it."""
        key = statement_key(triple, describe)
        found = self._derivations.get(key)
        if found is None and key in self._links:
            rule, axioms, premises = self._links[key]
            found = self._derivations[key] = Derivation(
                rule[0], self._triples(axioms), self._triples(premises)
            )
        return found

    def _triples(self, keys: list[str]) -> tuple[Triple, ...]:
        out = []
        for key in keys:
            s, p, o = (to_rdflib(t) for t in self._parts[key])
            out.append((s, p, o))
        return tuple(sorted(out, key=_order))

    def describe_here(self, node: BNode) -> Iterable[tuple[Node, Node]]:
        """A blank node of the record, described by the record (for :meth:`of` on premises)."""
        return self.graph.predicate_objects(node)


def _order(triple: Triple) -> tuple[str, str, str]:
    return (str(triple[1]), str(triple[0]), str(triple[2]))

"""Everything the graph says about one resource, with who says it and in which words.

The page of a resource is where a researcher checks a fact, so every fact is
gathered with its provenance: the article graphs that assert it, how many,
and the evidence quotes (``cahr:evidence``) of the fact's subject in each of
those graphs, which vouch for what that graph says about the subject (see
kg/README.md, "Traceability"). Facts only in the inferred graph are kept
apart, each with a derivation (:mod:`cahr.server.pages.why`).

This module reads the store and returns plain data; templates render it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from rdflib import Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS
from rdflib.term import Node

from cahr.iris import CAHR, INFERRED_GRAPH, ONTOLOGY_GRAPH, prefixed
from cahr.server.pages.index import Article, Implied, Index
from cahr.server.pages.present import date_key, href, is_cahr_term, literal_text, term_title
from cahr.server.pages.why import Explainer, Explanation, expression_text
from cahr.store import Store

SPELLINGS = (RDFS.label, SKOS.prefLabel, SKOS.altLabel)
# Shown in their own sections (header, spellings, evidence, posts, statements), not as facts.
SHOWN_APART = {RDF.type, CAHR.evidence, CAHR.mentionedIn, *SPELLINGS}
INCOMING_APART = {CAHR.holder, CAHR.speaker, CAHR.impliedSubject, CAHR.mentionedIn}
# Facts listed first, in this order, because a reader looks for them first.
FIRST = [
    CAHR.title,
    CAHR.date,
    CAHR.startDate,
    CAHR.endDate,
    CAHR.asOf,
    CAHR.datePublished,
    CAHR.quote,
    CAHR.speaker,
    CAHR.holder,
    CAHR.heldPost,
    CAHR.titleAsWritten,
    CAHR.signer,
    CAHR.agent,
    CAHR.instrument,
    CAHR.participant,
    CAHR.chair,
    CAHR.location,
    CAHR.amount,
    CAHR.currency,
    CAHR.funder,
    CAHR.recipient,
]


@dataclass
class Value:
    """A term as the page shows it."""

    node: Node
    text: str
    href: str | None
    title: str
    lang: str | None = None

    @property
    def is_iri(self) -> bool:
        return isinstance(self.node, URIRef)


@dataclass
class Source:
    """One graph's word on a fact: the article, and its quotes about the fact's subject."""

    graph: str
    article: Article | None
    quotes: list[str]
    implied: Implied | None = None

    @property
    def name(self) -> str:
        if self.article is not None:
            return self.article.title
        return "the ontology" if self.graph == str(ONTOLOGY_GRAPH) else self.graph


@dataclass
class Fact:
    """One asserted triple, from the page's point of view, with its sources."""

    predicate: Value
    value: Value
    sources: list[Source]

    @property
    def articles(self) -> list[Source]:
        return [s for s in self.sources if s.article is not None]

    @property
    def implied(self) -> list[Source]:
        return [s for s in self.sources if s.implied is not None]


@dataclass
class FactGroup:
    """The facts of one property (outgoing) or one inverse phrase (incoming)."""

    predicate: Value
    facts: list[Fact]


@dataclass
class InferredFact:
    """A triple only the reasoner asserts, and why."""

    predicate: Value
    value: Value
    explanation: Explanation | None


@dataclass
class PostHeld:
    """A cahr:PostHolding of the resource: which post, titled how, as of when, per which article."""

    holding: Value
    posts: list[Value]
    titles: list[str]
    as_of: list[str]
    sources: list[Source]


@dataclass
class StatementMade:
    """A cahr:Statement whose speaker is the resource."""

    statement: Value
    quotes: list[str]
    dates: list[str]
    direct: bool | None
    sources: list[Source]


@dataclass
class Description:
    """What a resource page shows."""

    iri: str
    label: str
    types: list[Value]
    inferred_types: list[InferredFact]
    spellings: list[tuple[Value, list[Source]]]
    facts: list[FactGroup]
    incoming: list[FactGroup]
    inferred: list[InferredFact]
    posts: list[PostHeld]
    statements: list[StatementMade]
    evidence: list[Source]
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def articles(self) -> list[Article]:
        return [s.article for s in self.evidence if s.article is not None]


def show(index: Index, node: Node) -> Value:
    """How a term is shown: label and local link for IRIs, readable text for literals."""
    if isinstance(node, URIRef):
        iri = str(node)
        if is_cahr_term(iri):
            text = next((str(lb) for lb in index.ontology.objects(node, RDFS.label)), prefixed(iri))
        else:
            text = index.labels.get(iri) or prefixed(iri)
        return Value(node, text, href(iri), term_title(node))
    if isinstance(node, Literal):
        return Value(node, literal_text(node), None, term_title(node), node.language)
    return Value(
        node, expression_text(index.ontology, node), None, "an anonymous OWL class expression"
    )


class Describer:
    """Reads one resource's neighbourhood from the store; one instance per request."""

    def __init__(self, store: Store, index: Index) -> None:
        self.store = store
        self.index = index
        self._quotes: dict[tuple[str, str], list[str]] = {}
        self.explainer = Explainer(index.axioms, self._lookup)

    def _lookup(
        self, s: Node | None, p: Node | None, o: Node | None
    ) -> Iterable[tuple[Node, Node, Node, str]]:
        return self.store.quads(s, p, o)

    # -- terms ---------------------------------------------------------------

    def value(self, node: Node) -> Value:
        return show(self.index, node)

    def incoming_phrase(self, predicate: URIRef) -> Value:
        """How to read ``x p this`` from this resource's side: the inverse's label if any."""
        for inverse in sorted(self.index.axioms.inverses.get(predicate, ()), key=str):
            if (predicate, OWL.inverseOf, inverse) in self.index.ontology or (
                inverse,
                OWL.inverseOf,
                predicate,
            ) in self.index.ontology:
                value = self.value(inverse)
                return Value(
                    inverse, value.text, value.href, f"inverse of {prefixed(str(predicate))}"
                )
        value = self.value(predicate)
        return Value(predicate, f"as {value.text}", value.href, value.title)

    # -- provenance ------------------------------------------------------------

    def quotes(self, subject: Node, graph: str) -> list[str]:
        """The evidence quotes of ``subject`` in ``graph``, which vouch for what it says of it."""
        key = (str(subject), graph)
        if key not in self._quotes:
            self._quotes[key] = sorted(
                str(o) for _, _, o, _ in self.store.quads(subject, CAHR.evidence, None, graph)
            )
        return self._quotes[key]

    def sources(
        self, subject: Node, predicate: Node, value: Node, graphs: Iterable[str]
    ) -> list[Source]:
        """A Source per asserting graph, articles first by date, then the ontology."""
        out = []
        for graph in graphs:
            article = self.index.articles.get(graph)
            implied = self.index.implied.get((graph, str(subject), str(predicate), value))
            out.append(Source(graph, article, self.quotes(subject, graph), implied))
        out.sort(key=_source_order)
        return out

    # -- the description ---------------------------------------------------------

    def describe(self, iri: str) -> Description | None:
        """Everything about ``iri``, or None when the graph never mentions it."""
        node = URIRef(iri)
        outgoing = list(self.store.quads(node, None, None))
        incoming = list(self.store.quads(None, None, node))
        if not outgoing and not incoming:
            return None
        asserted: dict[tuple[Node, Node], list[str]] = {}
        inferred: list[tuple[Node, Node]] = []
        for _, p, o, g in outgoing:
            if g == str(INFERRED_GRAPH):
                inferred.append((p, o))
            else:
                asserted.setdefault((p, o), []).append(g)

        types = [self.value(o) for (p, o) in asserted if p == RDF.type]
        spellings = self._spellings(node, asserted)
        facts = self._groups(node, {k: v for k, v in asserted.items() if k[0] not in SHOWN_APART})
        inferred_facts = [self._inferred(node, p, o) for p, o in sorted(inferred, key=_pair_key)]
        in_graphs = sorted(
            {g for _, _, _, g in outgoing if g != str(INFERRED_GRAPH)},
            key=lambda g: _source_order(Source(g, self.index.articles.get(g), [])),
        )
        evidence = [Source(g, self.index.articles.get(g), self.quotes(node, g)) for g in in_graphs]
        mentioned = {str(o) for (p, o) in asserted if p == CAHR.mentionedIn}
        for article in self.index.articles.values():
            if article.iri in mentioned and article.graph not in in_graphs:
                evidence.append(Source(article.graph, article, []))
        description = Description(
            iri=iri,
            label=self.index.label(iri),
            types=sorted(types, key=lambda v: v.text),
            inferred_types=[f for f in inferred_facts if f.predicate.node == RDF.type],
            spellings=spellings,
            facts=facts,
            incoming=self._incoming(node, incoming),
            inferred=[f for f in inferred_facts if f.predicate.node != RDF.type],
            posts=self._posts(node, incoming),
            statements=self._statements(node, incoming),
            evidence=evidence,
        )
        description.counts = {
            "asserted": sum(len(gs) for gs in asserted.values()),
            "inferred": len(inferred),
            "articles": len(description.articles),
        }
        return description

    def _spellings(
        self, node: Node, asserted: dict[tuple[Node, Node], list[str]]
    ) -> list[tuple[Value, list[Source]]]:
        """Every label and alternative label, once per spelling, with the articles using it."""
        merged: dict[str, tuple[Value, dict[str, Source]]] = {}
        for (p, o), graphs in sorted(asserted.items(), key=_fact_order):
            if p not in SPELLINGS:
                continue
            value = self.value(o)
            entry = merged.setdefault(value.text, (value, {}))
            for source in self.sources(node, p, o, graphs):
                entry[1].setdefault(source.graph, source)
        return [
            (value, sorted(sources.values(), key=_source_order))
            for value, sources in merged.values()
        ]

    def _groups(self, node: Node, asserted: dict[tuple[Node, Node], list[str]]) -> list[FactGroup]:
        by_predicate: dict[Node, list[Fact]] = {}
        for (p, o), graphs in sorted(asserted.items(), key=_fact_order):
            fact = Fact(self.value(p), self.value(o), self.sources(node, p, o, graphs))
            by_predicate.setdefault(p, []).append(fact)
        return [
            FactGroup(facts[0].predicate, facts)
            for p, facts in sorted(by_predicate.items(), key=lambda kv: _predicate_rank(kv[0]))
        ]

    def _incoming(
        self, node: Node, incoming: list[tuple[Node, Node, Node, str]]
    ) -> list[FactGroup]:
        by_pair: dict[tuple[Node, Node], list[str]] = {}
        for s, p, _, g in incoming:
            if g == str(INFERRED_GRAPH) or p in INCOMING_APART:
                continue
            by_pair.setdefault((p, s), []).append(g)
        groups: dict[Node, list[Fact]] = {}
        for (p, s), graphs in sorted(by_pair.items(), key=_fact_order):
            fact = Fact(self.value(p), self.value(s), self.sources(s, p, node, graphs))
            groups.setdefault(p, []).append(fact)
        return [
            FactGroup(self.incoming_phrase(p), facts)  # type: ignore[arg-type]
            for p, facts in sorted(groups.items(), key=lambda kv: str(kv[0]))
        ]

    def _inferred(self, node: Node, p: Node, o: Node) -> InferredFact:
        return InferredFact(self.value(p), self.value(o), self.explainer.explain((node, p, o)))

    def _asserted_values(self, subject: Node, predicate: Node) -> list[Node]:
        return sorted(
            {
                o
                for _, _, o, g in self.store.quads(subject, predicate, None)
                if g != str(INFERRED_GRAPH)
            },
            key=str,
        )

    @staticmethod
    def _linking(
        incoming: list[tuple[Node, Node, Node, str]], predicate: URIRef
    ) -> dict[Node, list[str]]:
        """The resources that link here by ``predicate`` in an article graph, with those graphs."""
        found: dict[Node, list[str]] = {}
        for s, p, _, g in incoming:
            if p == predicate and g != str(INFERRED_GRAPH):
                found.setdefault(s, []).append(g)
        return dict(sorted(found.items(), key=lambda kv: str(kv[0])))

    def _posts(self, node: Node, incoming: list[tuple[Node, Node, Node, str]]) -> list[PostHeld]:
        posts = []
        for holding, graphs in self._linking(incoming, CAHR.holder).items():
            as_of = self._asserted_values(holding, CAHR.asOf)
            posts.append(
                PostHeld(
                    self.value(holding),
                    [self.value(p) for p in self._asserted_values(holding, CAHR.heldPost)],
                    [str(t) for t in self._asserted_values(holding, CAHR.titleAsWritten)],
                    [self.value(d).text for d in as_of],
                    self.sources(holding, CAHR.holder, node, graphs),
                )
            )
        posts.sort(key=lambda ph: _date_sort(self._asserted_values(ph.holding.node, CAHR.asOf)))
        return posts

    def _statements(
        self, node: Node, incoming: list[tuple[Node, Node, Node, str]]
    ) -> list[StatementMade]:
        made = []
        for statement, graphs in self._linking(incoming, CAHR.speaker).items():
            direct = self._asserted_values(statement, CAHR.directQuote)
            made.append(
                StatementMade(
                    self.value(statement),
                    [str(q) for q in self._asserted_values(statement, CAHR.quote)],
                    [self.value(d).text for d in self._asserted_values(statement, CAHR.date)],
                    (str(direct[0]).lower() == "true") if direct else None,
                    self.sources(statement, CAHR.speaker, node, graphs),
                )
            )
        return made


def _source_order(source: Source) -> tuple[int, str, str]:
    """Articles by date then title; the ontology and other graphs after them."""
    if source.article is None:
        return (1, "", source.graph)
    date = source.article.date.iso() if source.article.date else "9999"
    return (0, date, source.article.title)


def _pair_key(pair: tuple[Node, Node]) -> tuple[str, str]:
    return (str(pair[0]), str(pair[1]))


def _fact_order(item: tuple[tuple[Node, Node], list[str]]) -> tuple[str, str]:
    return _pair_key(item[0])


def _predicate_rank(predicate: Node) -> tuple[int, str]:
    if predicate in FIRST:
        return (FIRST.index(predicate), "")  # type: ignore[arg-type]
    return (len(FIRST), prefixed(str(predicate)))


def _date_sort(values: list[Node]) -> str:
    keys = [k for k in (date_key(v) for v in values) if k is not None]
    return min((k.iso() for k in keys), default="9999")

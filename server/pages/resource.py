"""Everything the graph says about one resource, with who says it and in which words.

The page of a resource is where a researcher checks a fact, so it leads with
the articles' own words about the resource (its quotes, and those of its post
holdings and statements), then gives each stated fact with the article graphs
that assert it and, per graph, exactly the words that vouch for that fact: an
attestation's words (``cahr:attestation``, kg/README.md "Evidence per fact"),
the value itself when it is the article's words, an implied-value mark's words,
and only failing those the subject's ``cahr:evidence``, marked as not specific
to the fact. Recorded disagreements (``cahr:Disagreement``) are shown with each
claimed value, its article and its words. Facts only in the inferred graph are
kept apart, each with its derivation as the build recorded it
(:mod:`cahr.server.pages.why`), the trivial ones (superproperty and superclass
copies, class expressions) folded.

This module reads the store and returns plain data; templates render it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS
from rdflib.term import Node

from cahr.iris import CAHR, INFERRED_GRAPH, OA, ONTOLOGY_GRAPH, prefixed
from cahr.server.pages.index import Article, Implied, Index
from cahr.server.pages.present import date_key, href, is_cahr_term, literal_text, term_title
from cahr.server.pages.why import Explainer, Explanation, expression_text
from cahr.store import Store

SPELLINGS = (SKOS.prefLabel, RDFS.label, SKOS.altLabel)
# Shown in their own sections (header, spellings, evidence, posts, statements), not as facts.
SHOWN_APART = {
    RDF.type,
    CAHR.evidence,
    CAHR.attestation,
    CAHR.mentionedIn,
    CAHR.note,  # the curator's remarks: not facts of the article (kg/README.md, "Not facts")
    *SPELLINGS,
}
# Values that are the article's own words: such a fact is its own evidence.
VERBATIM = {CAHR.quote, CAHR.description, CAHR.aim, CAHR.purpose, CAHR.titleAsWritten, CAHR.title}
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


@dataclass(frozen=True)
class Words:
    """Words of an article that vouch for a fact, and where they stand in its text."""

    text: str
    attestation: str | None = None  # the attestation's IRI, when the words are one
    start: int | None = None
    end: int | None = None

    @property
    def href(self) -> str | None:
        return href(self.attestation) if self.attestation else None


@dataclass
class Source:
    """One graph's word on a fact: the article, and the words that vouch for it there.

    ``quotes`` are the words; ``specific`` says whether they state this very fact
    (an attestation, the value's own words) or are only the subject's quotes in
    that article (old-style per-resource evidence), which may not state it.
    """

    graph: str
    article: Article | None
    quotes: list[str]
    implied: Implied | None = None
    words: list[Words] = field(default_factory=list)
    specific: bool = False

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
    """A triple only the reasoner asserts, and why; ``trivial`` when it adds nothing to read."""

    predicate: Value
    value: Value
    explanation: Explanation | None
    trivial: bool = False


@dataclass
class Claim:
    """One article's value in a recorded disagreement, with its words."""

    value: Value
    article: Article | None
    graph: str
    quotes: list[str]


@dataclass
class Disagreement:
    """Articles that give this resource different values of one property (cahr:Disagreement)."""

    iri: str
    predicate: Value
    claims: list[Claim]


@dataclass
class WordsAbout:
    """Quotes about the resource itself (``about`` None), one of its post holdings or statements."""

    about: Value | None
    kind: str  # "", "post held", "statement"
    quotes: list[str]


@dataclass
class ArticleWords:
    """What one article says about the resource, in its words, grouped by what they are about."""

    article: Article | None
    graph: str
    about: list[WordsAbout]

    @property
    def count(self) -> int:
        return sum(len(w.quotes) for w in self.about)


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
    words: list[ArticleWords] = field(default_factory=list)
    disagreements: list[Disagreement] = field(default_factory=list)
    notes: list[tuple[str, Article | None]] = field(default_factory=list)

    @property
    def articles(self) -> list[Article]:
        return [s.article for s in self.evidence if s.article is not None]

    @property
    def inferred_shown(self) -> list[InferredFact]:
        return [f for f in self.inferred_types + self.inferred if not f.trivial]

    @property
    def inferred_trivial(self) -> list[InferredFact]:
        return [f for f in self.inferred_types + self.inferred if f.trivial]

    @property
    def disputed(self) -> set[Node]:
        return {d.predicate.node for d in self.disagreements}


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
        self._attested: dict[tuple[str, str], list[tuple[set[Node], set[Node], Words]]] = {}
        self.verbatim = _closure(index.ontology, VERBATIM, RDFS.subPropertyOf)
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

    def attestations(self, subject: Node, graph: str) -> list[tuple[set[Node], set[Node], Words]]:
        """(properties, values, words) of each attestation of ``subject`` in ``graph``."""
        key = (str(subject), graph)
        if key not in self._attested:
            found = []
            for _, _, node, _ in self.store.quads(subject, CAHR.attestation, None, graph):
                about: dict[Node, list[Node]] = {}
                for _, p, o, _ in self.store.quads(node, None, None, graph):
                    about.setdefault(p, []).append(o)
                words = about.get(CAHR.exactWords) or about.get(OA.exact) or []
                if not words:
                    continue
                start, end = about.get(OA.start, [None])[0], about.get(OA.end, [None])[0]
                found.append(
                    (
                        set(about.get(CAHR.vouchesFor, [])),
                        set(about.get(CAHR.vouchesForValue, [])),
                        Words(
                            str(words[0]),
                            str(node),
                            int(start) if isinstance(start, Literal) else None,
                            int(end) if isinstance(end, Literal) else None,
                        ),
                    )
                )
            found.sort(key=lambda a: (a[2].start or 0, a[2].text))
            self._attested[key] = found
        return self._attested[key]

    def fact_words(
        self, subject: Node, predicate: Node, value: Node, graph: str, implied: Implied | None
    ) -> tuple[list[Words], bool]:
        """The words that vouch for one fact in one graph, and whether they state it.

        In the order of the build's evidence count (its fact_kind): an attestation's words, the
        value itself when it is the article's words, an implied-value mark's words;
        else the subject's quotes in that graph, which are not specific to the fact.
        """
        own = [
            words
            for properties, values, words in self.attestations(subject, graph)
            if predicate in properties and (not values or value in values)
        ]
        if own:
            return own, True
        if predicate in self.verbatim and isinstance(value, Literal):
            return [Words(str(value))], True
        if implied is not None and implied.quotes:
            return [Words(q) for q in implied.quotes], True
        return [Words(q) for q in self.quotes(subject, graph)], False

    def sources(
        self, subject: Node, predicate: Node, value: Node, graphs: Iterable[str]
    ) -> list[Source]:
        """A Source per asserting graph, articles first by date, then the ontology."""
        out = []
        for graph in graphs:
            article = self.index.articles.get(graph)
            implied = self.index.implied.get((graph, str(subject), str(predicate), value))
            words, specific = self.fact_words(subject, predicate, value, graph, implied)
            source = Source(graph, article, self.quotes(subject, graph), implied, words, specific)
            out.append(source)
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
        stated = {p for p, _ in asserted}
        stated_types = {o for p, o in asserted if p == RDF.type}
        inferred_facts = [
            self._inferred(node, p, o, stated, stated_types)
            for p, o in sorted(inferred, key=_pair_key)
        ]
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
        description.words = self._words(node, description)
        description.notes = [
            (str(o), self.index.articles.get(g))
            for (p, o), graphs in sorted(asserted.items(), key=_fact_order)
            if p == CAHR.note
            for g in graphs
        ]
        description.disagreements = self._disagreements(node)
        shown = [f for g in facts for f in g.facts]
        description.counts = {
            # the rows of the facts table, and how many article graphs state them in all
            "facts": len(shown),
            "properties": len(facts),
            "statings": sum(len(f.articles) for f in shown),
            "with_words": sum(1 for f in shown if any(s.specific for s in f.articles)),
            "inferred": len(inferred),
            "inferred_shown": len(description.inferred_shown),
            "articles": len(description.articles),
            "quotes": sum(w.count for w in description.words),
        }
        return description

    def _words(self, node: Node, d: Description) -> list[ArticleWords]:
        """Per article: its quotes about the resource, then those of its posts and statements."""
        by_graph: dict[str, list[WordsAbout]] = {}
        for source in d.evidence:
            own = list(source.quotes)
            for _, _, words in self.attestations(node, source.graph):
                if words.text not in own:
                    own.append(words.text)
            if own:
                by_graph.setdefault(source.graph, []).append(WordsAbout(None, "", own))
        for post in d.posts:
            for source in post.sources:
                if source.quotes:
                    about = WordsAbout(post.holding, "post held", source.quotes)
                    by_graph.setdefault(source.graph, []).append(about)
        for statement in d.statements:
            for source in statement.sources:
                quotes = self._asserted_in(statement.statement.node, CAHR.quote, source.graph)
                if quotes or source.quotes:
                    about = WordsAbout(statement.statement, "statement", quotes or source.quotes)
                    by_graph.setdefault(source.graph, []).append(about)
        found = [
            ArticleWords(self.index.articles.get(g), g, about) for g, about in by_graph.items()
        ]
        found.sort(key=lambda w: _source_order(Source(w.graph, w.article, [])))
        return found

    def _asserted_in(self, subject: Node, predicate: Node, graph: str) -> list[str]:
        return sorted(str(o) for _, _, o, _ in self.store.quads(subject, predicate, None, graph))

    def _disagreements(self, node: Node) -> list[Disagreement]:
        """The recorded disagreements about ``node``: each claim with its article and words."""
        found = []
        for record, _, _, graph in self.store.quads(None, CAHR.disputedResource, node):
            if graph == str(INFERRED_GRAPH):
                continue
            predicates = [o for _, _, o, _ in self.store.quads(record, CAHR.disputedProperty, None)]
            claims = []
            for _, _, claim, _ in self.store.quads(record, CAHR.hasClaim, None):
                values = [o for _, _, o, _ in self.store.quads(claim, CAHR.claimedValue, None)]
                articles = [o for _, _, o, _ in self.store.quads(claim, CAHR.claimedIn, None)]
                quotes = sorted(
                    {str(o) for _, _, o, _ in self.store.quads(claim, CAHR.evidence, None)}
                )
                article = self._article(articles[0]) if articles else None
                for value in values:
                    claims.append(
                        Claim(
                            self.value(value),
                            article,
                            article.graph if article else "",
                            quotes,
                        )
                    )
            claims.sort(key=lambda c: _source_order(Source(c.graph, c.article, [])))
            if predicates and claims:
                found.append(Disagreement(str(record), self.value(predicates[0]), claims))
        unique = {d.iri: d for d in found}
        return [unique[k] for k in sorted(unique)]

    def _article(self, node: Node) -> Article | None:
        return next((a for a in self.index.articles.values() if a.iri == str(node)), None)

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

    def _inferred(
        self, node: Node, p: Node, o: Node, stated: set[Node], stated_types: set[Node]
    ) -> InferredFact:
        fact = InferredFact(self.value(p), self.value(o), self.explainer.explain((node, p, o)))
        fact.trivial = self._trivial(node, p, o, stated, stated_types)
        return fact

    def _trivial(
        self, node: Node, p: Node, o: Node, stated: set[Node], stated_types: set[Node]
    ) -> bool:
        """A class expression, or a copy under a broader property or class of what is stated."""
        if isinstance(o, BNode):
            return True
        ontology = self.index.ontology
        if p == RDF.type:
            if not str(o).startswith(str(CAHR)):
                return True  # an alignment class (foaf:Person, prov:Agent, owl:Thing)
            return any(o in ontology.transitive_objects(t, RDFS.subClassOf) for t in stated_types)
        return any(
            p != q
            and p in ontology.transitive_objects(q, RDFS.subPropertyOf)
            and any(True for _ in self.store.quads(node, q, o))
            for q in stated
        )

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


def _closure(ontology: Graph, roots: Iterable[URIRef], link: URIRef) -> set[Node]:
    """``roots`` and everything below them by ``link`` (sub-properties of the verbatim ones)."""
    found: set[Node] = set(roots)
    for root in roots:
        found.update(n for n in ontology.transitive_subjects(link, root) if n is not None)
    return found


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

"""What every page needs to know about the whole build, gathered once per store.

A page about one resource still needs the titles and dates of the articles,
the labels of the resources it links to, the ontology (to name properties and
to explain inferences) and the implied-value marks. The data is immutable
while a store is open, so this is read once, on first use, and kept beside
the store; per-request work is then a handful of pattern lookups.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass, field

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS
from rdflib.term import Node

from cahr.iris import CAHR, GRAPH, INFERRED_GRAPH, ONTOLOGY_GRAPH, SOURCE, slug_of
from cahr.server.pages.present import DateKey, date_key, local_name
from cahr.server.pages.why import Axioms
from cahr.store import Store

# the canonical name first; terms of the ontology have rdfs:label only
LABEL_PROPERTIES = (SKOS.prefLabel, RDFS.label)


@dataclass(frozen=True)
class Article:
    """A source article and its named graph."""

    iri: str
    slug: str
    graph: str
    title: str
    date: DateKey | None
    publishers: tuple[str, ...] = ()
    date_implied: bool = False  # the article gives no date: the curator resolved it

    @property
    def path(self) -> str:
        return f"/source/{self.slug}"


@dataclass(frozen=True)
class Implied:
    """A cahr:ImpliedValue mark: a value the article implies rather than states."""

    iri: str
    reasoning: str
    quotes: tuple[str, ...]


@dataclass
class Index:
    """Site-wide facts of one build; see the module docstring for why it exists."""

    articles: dict[str, Article]  # by graph IRI
    labels: dict[str, str]
    ontology: Graph
    implied: dict[tuple[str, str, str, Node], Implied]  # (graph, subject, property, value)
    types: dict[str, set[str]]  # asserted and inferred rdf:type of each resource
    axioms: Axioms
    graphs: list[str] = field(default_factory=list)

    def label(self, iri: str) -> str:
        """The preferred label of a resource, or a readable form of its IRI."""
        return self.labels.get(iri) or local_name(iri)

    def article_by_slug(self, slug: str) -> Article | None:
        return self.articles.get(str(GRAPH[slug]))

    def is_article_graph(self, graph: str) -> bool:
        return graph in self.articles


_CACHE: weakref.WeakKeyDictionary[object, Index] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def get_index(store: Store) -> Index:
    """The Index of ``store``, built on first use."""
    with _LOCK:
        index = _CACHE.get(store)
        if index is None:
            index = build_index(store)
            _CACHE[store] = index
        return index


def build_index(store: Store) -> Index:
    """Read the site-wide facts from ``store`` (a few thousand quads)."""
    graphs = store.graphs()
    ontology = Graph()
    for s, p, o, _ in store.quads(graph=str(ONTOLOGY_GRAPH)):
        ontology.add((s, p, o))
    labels = _labels(store)
    marks = _implied(store)
    articles = {}
    for graph in graphs:
        if graph in (str(ONTOLOGY_GRAPH), str(INFERRED_GRAPH)):
            continue
        slug = slug_of(graph) or graph
        source = SOURCE[slug]
        title = _first_text(store, source, CAHR.title, graph) or labels.get(str(source), slug)
        date, date_value = None, None
        for _, _, value, _ in store.quads(source, CAHR.datePublished, None, graph):
            date, date_value = date_key(value), value
        publishers = tuple(
            sorted(
                labels.get(str(o), local_name(str(o)))
                for _, _, o, _ in store.quads(source, CAHR.publisher, None, graph)
            )
        )
        implied = (graph, str(source), str(CAHR.datePublished), date_value) in marks
        articles[graph] = Article(str(source), slug, graph, title, date, publishers, implied)
    types: dict[str, set[str]] = {}
    for s, _, o, _ in store.quads(None, RDF.type, None, None):
        if isinstance(s, URIRef) and isinstance(o, URIRef):
            types.setdefault(str(s), set()).add(str(o))
    return Index(articles, labels, ontology, marks, types, Axioms(ontology), graphs)


def _first_text(store: Store, s: Node, p: Node, graph: str) -> str | None:
    for _, _, o, _ in store.quads(s, p, None, graph):
        return str(o)
    return None


def _labels(store: Store) -> dict[str, str]:
    """One label per resource: its English skos:prefLabel (the canonical name) first, then rdfs:label, then any."""
    ranked: dict[str, tuple[int, str]] = {}
    for rank_base, prop in enumerate(LABEL_PROPERTIES):
        for s, _, o, _ in store.quads(None, prop, None, None):
            if not isinstance(o, Literal):
                continue
            rank = rank_base * 2 + (0 if o.language in (None, "en") else 1)
            key = str(s)
            if key not in ranked or (rank, str(o)) < ranked[key]:
                ranked[key] = (rank, str(o))
    return {k: v for k, (_, v) in ranked.items()}


def _implied(store: Store) -> dict[tuple[str, str, str, Node], Implied]:
    """Every implied-value mark, keyed by the fact it qualifies in its article's graph."""
    marks: dict[tuple[str, str, str, Node], Implied] = {}
    for mark, _, _, graph in store.quads(None, RDF.type, CAHR.ImpliedValue, None):
        if graph in (str(INFERRED_GRAPH),):
            continue

        def values(p: URIRef, m: Node = mark, g: str = graph) -> list[Node]:
            return [o for _, _, o, _ in store.quads(m, p, None, g)]

        subjects, properties = values(CAHR.impliedSubject), values(CAHR.impliedProperty)
        reasoning = " ".join(str(r) for r in values(CAHR.reasoning))
        quotes = tuple(str(q) for q in values(CAHR.evidence))
        for s in subjects:
            for p in properties:
                for v in values(CAHR.impliedValue):
                    marks[(graph, str(s), str(p), v)] = Implied(str(mark), reasoning, quotes)
    return marks

"""What one article contributed to the graph, grouped by kind of resource.

A source page answers "what do we know because of this article?": every
resource its named graph describes, sorted into the kinds a researcher thinks
in (statements, fundings, decrees, meetings, people, ...), each with the
article's own words about it. The kinds follow the classes (asserted or
inferred), most specific first, so an official is listed once, as an official.
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import URIRef
from rdflib.namespace import RDF

from cahr import kinds
from cahr.iris import CAHR
from cahr.server.pages.index import Article, Index
from cahr.server.pages.present import href
from cahr.store import Store

# (class, heading), most specific first: the one table of kinds (cahr/kinds.py).
KINDS: list[tuple[URIRef, str]] = [(k.cls, k.heading) for k in kinds.KINDS]
OTHER = kinds.OTHER


@dataclass
class Item:
    """One resource the article describes, with its quotes and how many triples it adds."""

    iri: str
    label: str
    quotes: list[str]
    triples: int

    @property
    def href(self) -> str:
        return href(self.iri)


@dataclass
class Group:
    heading: str
    items: list[Item]


def heading_of(index: Index, iri: str) -> str:
    return kinds.heading_of(index.types.get(iri, set()))


def contributions(store: Store, index: Index, article: Article) -> list[Group]:
    """Every resource described in ``article``'s graph, grouped by kind, in KINDS order."""
    counts: dict[str, int] = {}
    quotes: dict[str, list[str]] = {}
    described: set[str] = set()
    for s, p, o, _ in store.quads(None, None, None, article.graph):
        key = str(s)
        counts[key] = counts.get(key, 0) + 1
        if p == RDF.type and o != CAHR.Attestation:  # words about facts, not a resource
            described.add(key)
        elif p == CAHR.evidence:
            quotes.setdefault(key, []).append(str(o))
    described.discard(article.iri)
    groups: dict[str, list[Item]] = {}
    for iri in described:
        item = Item(iri, index.label(iri), sorted(quotes.get(iri, [])), counts.get(iri, 0))
        groups.setdefault(heading_of(index, iri), []).append(item)
    order = [h for _, h in KINDS] + [OTHER]
    return [
        Group(h, sorted(groups[h], key=lambda i: i.label.lower())) for h in order if h in groups
    ]

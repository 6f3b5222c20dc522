"""The article reader (issue #14, point 5): an archived text with the passages its quotes take.

``/source/<slug>`` shows, above the article's description, its text paragraph by
paragraph (anchor ``#p-<n>``), every passage a quote takes marked and linked to the
page of the resource it vouches for, and below each paragraph the quotes it holds
with every resource and property they vouch for. Each quote's place has the anchor
``#q-<start>-<end>``: its character offsets in ``sources/<slug>.txt`` (code points,
end exclusive, as a Web Annotation TextPositionSelector), so a fact's page can link to
``/source/<slug>#q-<start>-<end>``. The texts and the quotes' places come from the
build's search index (``cahr.search``), so the server reads nothing outside dist/.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rdflib import URIRef

from cahr.iris import CAHR, SOURCE
from cahr.search import Quote, Text
from cahr.server.pages.index import Article, Index
from cahr.server.pages.present import href
from cahr.store import Store

URL = re.compile(r"https?://[^\s<>\"')\]]+")


@dataclass
class Span:
    """The quotes that take one stretch of text (same offsets), and its anchor."""

    start: int
    end: int
    words: str
    quotes: list[Quote]

    @property
    def anchor(self) -> str:
        return f"q-{self.start}-{self.end}"

    @property
    def target(self) -> str:
        """The page the passage links to: the first resource it vouches for."""
        return href(self.quotes[0].resource)


@dataclass
class Piece:
    """A stretch of a paragraph and the innermost span that covers it (or None)."""

    text: str
    span: Span | None
    anchors: list[str] = field(default_factory=list)  # spans that start here


@dataclass
class Paragraph:
    n: int
    start: int
    end: int
    pieces: list[Piece]
    spans: list[Span]  # the spans that start in it

    @property
    def anchor(self) -> str:
        return f"p-{self.n}"


@dataclass
class Citation:
    title: str
    publishers: tuple[str, ...]
    authors: list[str]
    date: str
    date_implied: bool
    address: str | None
    text_path: str


def spans_of(text: Text) -> list[Span]:
    """The quotes of an article, one Span per distinct place."""
    spans: dict[tuple[int, int], Span] = {}
    for quote in text.quotes:
        key = (quote.start, quote.end)
        if key not in spans:
            spans[key] = Span(quote.start, quote.end, text.text[quote.start : quote.end], [])
        if quote not in spans[key].quotes:
            spans[key].quotes.append(quote)
    return sorted(spans.values(), key=lambda s: (s.start, -s.end))


def paragraphs(text: Text) -> list[Paragraph]:
    """Each paragraph cut at every span's edges; each piece marked by its innermost span."""
    spans = spans_of(text)
    out = []
    for n, (start, end) in enumerate(text.paragraphs, 1):
        inside = [s for s in spans if s.start < end and s.end > start]
        cuts = sorted(
            {start, end} | {max(start, min(end, x)) for s in inside for x in (s.start, s.end)}
        )
        pieces = []
        for a, b in zip(cuts, cuts[1:], strict=False):
            covering = [s for s in inside if s.start <= a and s.end >= b]
            innermost = min(covering, key=lambda s: (s.end - s.start, s.start), default=None)
            anchors = [s.anchor for s in inside if s.start == a]
            pieces.append(Piece(text.text[a:b], innermost, anchors))
        starting = [s for s in inside if start <= s.start < end]
        out.append(Paragraph(n, start, end, pieces, starting))
    return out


def citation(store: Store, index: Index, article: Article, text: Text) -> Citation:
    """What to cite: publisher, authors, date as known, title, the address the text gives."""
    authors = sorted(
        index.label(str(o))
        for _, _, o, _ in store.quads(
            URIRef(SOURCE[article.slug]), CAHR.author, None, article.graph
        )
    )
    found = URL.search(text.text)
    return Citation(
        article.title,
        article.publishers,
        authors,
        article.date.text() if article.date else "",
        article.date_implied,
        found.group(0).rstrip(".,;") if found else None,
        f"/sources/{article.slug}.txt",
    )

"""Every dated thing on one time axis, stated dates told apart from implied ones.

A date an article states and a date the curator resolved from the article's
context ("last December", marked by a ``cahr:ImpliedValue``) are equally
asserted in the graph, but not equally certain: the timeline shows, for each
date, which articles state it and which only imply it, with the reasoning.

Entries are events, documents (decrees, agreements, plans, laws), statements
and fundings with a ``cahr:date``, ``cahr:startDate`` or ``cahr:endDate``,
plus each article's publication date, so that "last December" can be read
against the article that says it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import URIRef

from cahr.iris import CAHR, INFERRED_GRAPH
from cahr.kinds import timeline_kind
from cahr.server.pages.index import Article, Implied, Index
from cahr.server.pages.present import DateKey, date_key, href
from cahr.store import Store

DATE_PROPERTIES: dict[URIRef, str] = {
    CAHR.date: "",
    CAHR.startDate: "starts",
    CAHR.endDate: "ends",
    CAHR.datePublished: "published",
}


@dataclass
class Entry:
    """One date of one resource, with the articles that state or imply it."""

    key: DateKey
    iri: str
    label: str
    kind: str
    role: str
    stated: list[Article] = field(default_factory=list)
    implied: list[tuple[Article, Implied]] = field(default_factory=list)

    @property
    def href(self) -> str:
        return href(self.iri)

    @property
    def status(self) -> str:
        """``stated``, ``implied`` or ``stated and implied`` (articles disagree on certainty)."""
        if self.stated and self.implied:
            return "stated and implied"
        return "implied" if self.implied else "stated"

    @property
    def position(self) -> float:
        """A point on a continuous year axis (mid-period for a month or a year)."""
        k = self.key
        if not k.month:
            return k.year + 0.5
        if not k.day:
            return k.year + (k.month - 0.5) / 12
        return k.year + (k.month - 1) / 12 + (k.day - 0.5) / 365

    @property
    def anchor(self) -> str:
        return f"t-{self.key.iso()}-{self.iri.rsplit('/', 1)[-1]}-{self.role or 'date'}"


@dataclass
class Timeline:
    """Entries in date order, and the span of the axis."""

    entries: list[Entry]

    @property
    def years(self) -> list[int]:
        return sorted({e.key.year for e in self.entries})

    @property
    def span(self) -> tuple[int, int]:
        years = self.years or [0]
        return years[0], years[-1] + 1

    def percent(self, entry: Entry) -> float:
        """Where ``entry`` sits on the overview axis, 0 to 100."""
        start, end = self.span
        return round((entry.position - start) / (end - start) * 100, 3)

    def overview(
        self, gap: float = 1.2, max_lanes: int = 10
    ) -> tuple[list[tuple[Entry, float, int]], int, list[tuple[float, int]]]:
        """Dots for the overview axis: (entry, x in percent, lane), the lanes used, and "+N" marks.

        Dots closer than ``gap`` percent stack in lanes rather than hide one another, so a
        cluster (December 2023) shows as a column; past ``max_lanes`` a column is capped and
        labelled with how many more dots it holds, so one busy month cannot stretch the page.
        """
        placed: list[tuple[Entry, float, int]] = []
        last_x: list[float] = []
        marks: list[tuple[float, int]] = []  # (x of the capped column, dots left out)
        for entry in self.entries:
            x = self.percent(entry)
            lane = next((i for i, prev in enumerate(last_x) if x - prev >= gap), len(last_x))
            if lane >= max_lanes:
                column = last_x[max_lanes - 1]
                if marks and marks[-1][0] == column:
                    marks[-1] = (column, marks[-1][1] + 1)
                else:
                    marks.append((column, 1))
                continue
            if lane == len(last_x):
                last_x.append(x)
            else:
                last_x[lane] = x
            placed.append((entry, x, lane))
        return placed, len(last_x), marks

    def by_year(self) -> list[tuple[int, list[Entry]]]:
        return [(y, [e for e in self.entries if e.key.year == y]) for y in self.years]

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for e in self.entries:
            out[e.status] = out.get(e.status, 0) + 1
        return out


def kind_of(index: Index, iri: str) -> str | None:
    """The timeline kind of a resource (asserted or inferred type), or None if not shown."""
    return timeline_kind(index.types.get(iri, set()))


def timeline(store: Store, index: Index, graph: str | None = None) -> Timeline:
    """The timeline of the whole dataset, or of the article whose graph is ``graph``."""
    entries: dict[tuple[str, str, DateKey], Entry] = {}
    for prop, role in DATE_PROPERTIES.items():
        for s, _, value, g in store.quads(None, prop, None, graph):
            article = index.articles.get(g)
            key = date_key(value)
            if article is None or g == str(INFERRED_GRAPH) or key is None:
                continue
            kind = kind_of(index, str(s))
            if kind is None:
                continue
            entry = entries.setdefault(
                (str(s), role, key), Entry(key, str(s), index.label(str(s)), kind, role)
            )
            mark = index.implied.get((g, str(s), str(prop), value))
            if mark is not None:
                entry.implied.append((article, mark))
            else:
                entry.stated.append(article)
    ordered = sorted(entries.values(), key=lambda e: (e.position, e.key.iso(), e.label))
    return Timeline(ordered)

"""The implied-value check: values that rest on captions or page furniture are marked.

An article's page holds more than its story: a photo caption (which may
describe another day), a date banner (the day of capture). The article
resource declares them verbatim (``cahr:photoCaption``,
``cahr:pageFurniture``); the story is the rest of the archived text. A value
then rests on them, and must carry a ``cahr:ImpliedValue`` mark in its graph
whose ``cahr:impliedFrom`` names that kind of context, when

- it is a date whose year the story never writes (the HRC article's 2020
  comes from its caption only), or
- it is a resource that a caption or the page furniture names: one of its
  quotes in the graph lies there, and either all do or none of its labels
  occurs in the story (the High-Level Segment the minister spoke at).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from collections.abc import Set as AbstractSet
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS, XSD
from rdflib.term import Node

from cahr.errors import Problem
from cahr.iris import CAHR, prefixed, source_iri
from cahr.layout import Layout
from cahr.pipeline.load import Loaded
from cahr.pipeline.locate import line_of_statement, line_of_subject, line_of_value
from cahr.pipeline.quotes import normalise

DATE_PROPERTIES = (
    CAHR.date,
    CAHR.startDate,
    CAHR.endDate,
    CAHR.asOf,
    CAHR.datePublished,
    CAHR.dateCaptured,
)
_DATE_TYPES = {XSD.date, XSD.gYearMonth, XSD.gYear}
# statements that relate a resource to where it is described, not facts about it
_NOT_FACTS = {
    RDF.type,
    CAHR.mentionedIn,
    CAHR.citedOutlet,
    CAHR.citesOutlet,
    CAHR.impliedSubject,
    CAHR.impliedValue,
    CAHR.claimedValue,
    CAHR.disputedResource,
}
# the article's words about a resource: where they all stand in a caption, so does the resource
_QUOTES = (CAHR.evidence, CAHR.description)
_KIND = {CAHR.photoCaption: CAHR.PhotoCaption, CAHR.pageFurniture: CAHR.PageFurniture}


def problems(loaded: Loaded, layout: Layout) -> list[Problem]:
    """A violation for each value that rests on a caption or page furniture without its mark."""
    found: list[Problem] = []
    for slug, path in sorted(loaded.articles.items()):
        text_path = layout.source_text(slug)
        if not text_path.is_file():
            continue  # the quote check reports the missing text
        graph = loaded.article_graph(slug)
        found += list(_unmarked(graph, slug, path, normalise(text_path.read_text("utf-8")), layout))
    return found


def _unmarked(graph: Graph, slug: str, path: Path, text: str, layout: Layout) -> Iterator[Problem]:
    article = source_iri(slug)
    passages = {
        normalise(str(v)): _KIND[prop]
        for prop in _KIND
        for v in graph.objects(article, prop)
        if isinstance(v, Literal)
    }
    if not passages:
        return
    story = text
    for passage in passages:
        story = story.replace(passage, " ")
    marks = _marks(graph)
    for prop in DATE_PROPERTIES:
        for subject, value in sorted(graph.subject_objects(prop), key=str):
            if not (isinstance(value, Literal) and value.datatype in _DATE_TYPES):
                continue
            year = str(value)[:4]
            if re.search(rf"(?<!\d){year}(?!\d)", story):
                continue
            kinds = {k for p, k in passages.items() if year in p}
            if not kinds:
                continue  # resolved from the story ("last year"): other checks' business
            yield from _check(
                marks, graph, subject, prop, value, kinds, path, layout, f"the year {year}"
            )
    quoted: dict[Node, list[str]] = {}
    for prop in _QUOTES:
        for s, q in graph.subject_objects(prop):
            quoted.setdefault(s, []).append(normalise(str(q)))
    furniture = {
        s: kinds
        for s, quotes in quoted.items()
        if s != article
        and (kinds := {k for p, k in passages.items() if any(q in p for q in quotes)})
        and (
            all(any(q in p for p in passages) for q in quotes)
            or not any(_folded(name) in _folded(story) for name in _names_of(graph, s))
        )
    }
    for subject, predicate, value in sorted(graph, key=str):
        if value in furniture and predicate not in _NOT_FACTS and subject not in furniture:
            what = f"{prefixed(str(value))}, which only the {_names(furniture[value])} names,"
            yield from _check(
                marks, graph, subject, predicate, value, furniture[value], path, layout, what
            )


def _names_of(graph: Graph, subject: Node) -> list[str]:
    return [str(n) for p in (RDFS.label, SKOS.altLabel) for n in graph.objects(subject, p)]


def _folded(text: str) -> str:
    return normalise(text).casefold()


def _marks(graph: Graph) -> dict[tuple[Node, Node, Node], set[Node]]:
    """(subject, property, value) of each ImpliedValue of the graph, and its kinds of context."""
    found: dict[tuple[Node, Node, Node], set[Node]] = {}
    for mark in graph.subjects(RDF.type, CAHR.ImpliedValue):
        key = (
            graph.value(mark, CAHR.impliedSubject),
            graph.value(mark, CAHR.impliedProperty),
            graph.value(mark, CAHR.impliedValue),
        )
        found.setdefault(key, set()).update(graph.objects(mark, CAHR.impliedFrom))  # type: ignore[arg-type]
    return found


def _check(
    marks: dict[tuple[Node, Node, Node], set[Node]],
    graph: Graph,
    subject: Node,
    prop: Node,
    value: Node,
    kinds: AbstractSet[Node],
    path: Path,
    layout: Layout,
    what: str,
) -> Iterator[Problem]:
    marked = marks.get((subject, prop, value))
    if marked is not None and kinds <= marked:
        return
    if marked is None:
        message = (
            f"{_term(value)} rests on {what} not on the story: mark it with a cahr:ImpliedValue "
            f"(cahr:impliedFrom {', '.join(sorted(prefixed(str(k)) for k in kinds))}) "
            "and the reasoning [unmarked-context-value]"
        )
    else:
        message = (
            f"{_term(value)} rests on {what}, but its cahr:ImpliedValue does not say "
            f"cahr:impliedFrom {', '.join(sorted(prefixed(str(k)) for k in kinds - marked))} "
            "[unmarked-context-value]"
        )
    if isinstance(value, Literal):
        line = line_of_value(path, str(subject), str(value))
    else:
        line = line_of_statement(path, str(subject), str(value)) or line_of_subject(
            path, str(subject)
        )
    yield Problem(
        message=message,
        path=layout.relative(path),
        line=line,
        focus=prefixed(str(subject)) if isinstance(subject, URIRef) else None,
        property=prefixed(str(prop)),
        extra={"rule": "unmarked-context-value"},
    )


def _names(kinds: AbstractSet[Node]) -> str:
    return (
        " or ".join(sorted(str(k).rsplit("#", 1)[-1] for k in kinds))
        .replace("PhotoCaption", "photo caption")
        .replace("PageFurniture", "page furniture")
    )


def _term(value: Node) -> str:
    if isinstance(value, Literal):
        return f'"{value}"'
    return prefixed(str(value))

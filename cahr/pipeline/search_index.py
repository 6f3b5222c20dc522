"""Stage: the full-text index of names, quotes and article passages (issue #14, points 1, 5).

One SQLite file (``search.sqlite``) with FTS5 tables, written into the export's
staging folder so that it is swapped in with the rest of dist/ and every replica
serves the same index, opened read-only (``cahr.search``). Why SQLite FTS5 rather
than Tantivy: benchmarks/RESULTS.md, "Search (issue #14)"; in short, Tantivy is faster,
but FTS5 is within the target at 100x, comes with the standard library, and its one
file is the same bytes on every build (Tantivy names its segments with random UUIDs).

It holds:

- ``hits``: one row per name or spelling of a resource (rdfs:label, skos:prefLabel,
  skos:altLabel, cahr:nameAsWritten, cahr:titleAsWritten), per evidence quote
  (cahr:evidence, cahr:quote, cahr:exactWords, credited to the resource they speak
  for) and per paragraph of each archived article;
- ``names``: the names alone, for autocomplete;
- ``articles`` (the archived texts, as received), ``paragraphs`` (their character
  offsets) and ``quotes`` (where each quote stands in its article's text, and what it
  vouches for): the article reader's input, so the server needs nothing but dist/.

Offsets count Unicode code points of the text as received, ``start`` inclusive and
``end`` exclusive (a Web Annotation TextPositionSelector). Rows are inserted in a
sorted order and the file is vacuumed, so two builds of the same inputs write the
same bytes.
"""

from __future__ import annotations

import re
import sqlite3
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS
from rdflib.term import Node

from cahr.dist import SEARCH_NAME, file_entry
from cahr.iris import CAHR, GRAPH, ID, INFERRED_GRAPH, ONTOLOGY_GRAPH, SOURCE
from cahr.layout import Layout
from cahr.pipeline.quotes import normalise

NAME_PROPERTIES = (
    RDFS.label,
    SKOS.prefLabel,
    SKOS.altLabel,
    CAHR.nameAsWritten,
    CAHR.titleAsWritten,
)
QUOTE_PROPERTIES = (CAHR.evidence, CAHR.quote, CAHR.exactWords)
# Every property this stage reads from an article's graph.
USED = (
    *NAME_PROPERTIES,
    *QUOTE_PROPERTIES,
    RDF.type,
    CAHR.title,
    CAHR.attestation,
    CAHR.vouchesFor,
    CAHR.impliedSubject,
    CAHR.impliedProperty,
)
# Prefix indexes of 2 and 3 characters make short prefixes ("ti*") cheap to expand.
SCHEMA = """
PRAGMA page_size = 4096;
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE articles(slug TEXT PRIMARY KEY, title TEXT NOT NULL, text TEXT NOT NULL);
CREATE TABLE paragraphs(slug TEXT NOT NULL, n INTEGER NOT NULL, start INTEGER NOT NULL,
                        "end" INTEGER NOT NULL, PRIMARY KEY (slug, n));
CREATE TABLE quotes(slug TEXT NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL,
                    words TEXT NOT NULL, resource TEXT NOT NULL, label TEXT NOT NULL,
                    properties TEXT NOT NULL,
                    PRIMARY KEY (slug, start, "end", resource, properties));
CREATE VIRTUAL TABLE hits USING fts5(
    text, grp UNINDEXED, iri UNINDEXED, label UNINDEXED, field UNINDEXED,
    types UNINDEXED, article UNINDEXED, anchor UNINDEXED,
    tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3');
CREATE VIRTUAL TABLE names USING fts5(
    text, iri UNINDEXED, label UNINDEXED, types UNINDEXED,
    tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3');
"""
FORMAT = "1"


@dataclass(frozen=True, order=True)
class Hit:
    """One searchable text and what a result for it shows and links to."""

    grp: str  # resource, statement or passage
    iri: str
    field: str  # name, quote or passage
    text: str
    label: str
    types: str  # " Person Official " (local names of cahr: classes, space-delimited)
    article: str  # the slug of the article that gives it
    anchor: str  # where in the reader ("p-3", "q-120-188") or ""


@dataclass(frozen=True, order=True)
class Located:
    """A quote found in its article's text, and the resource it speaks for."""

    slug: str
    start: int
    end: int
    words: str
    resource: str
    label: str
    properties: str  # space-separated IRIs of the properties it vouches for ("" = the resource)


def write_index(
    layout: Layout, dist: Path, manifest: dict[str, Any], graphs: Mapping[str, Graph]
) -> dict[str, Any]:
    """Write ``search.sqlite`` into ``dist`` (a staging folder); return the manifest with it.

    :param graphs: the named graphs of the build by IRI (articles, ontology, inferred).
    """
    data = build_index(layout, graphs)
    (dist / SEARCH_NAME).write_bytes(data)
    files = dict(manifest.get("files", {}))
    files[SEARCH_NAME] = file_entry(SEARCH_NAME, data)
    return {**manifest, "files": files}


def build_index(layout: Layout, graphs: Mapping[str, Graph]) -> bytes:
    """The bytes of the index of ``graphs`` and of the archived texts under ``layout``."""
    article_iris = {
        str(iri)
        for iri in graphs
        if str(iri).startswith(str(GRAPH))
        and str(iri) not in (str(ONTOLOGY_GRAPH), str(INFERRED_GRAPH))
    }
    articles = {
        iri[len(str(GRAPH)) :]: facts
        for iri, facts in _statements(graphs, article_iris, USED).items()
    }
    inferred = graphs.get(str(INFERRED_GRAPH), Graph())
    types = _types([*articles.values(), Facts(inferred.triples((None, RDF.type, None)))])
    labels = _labels(articles.values())
    hits: set[Hit] = set()
    located: set[Located] = set()
    texts: dict[str, tuple[str, str]] = {}
    paragraphs: list[tuple[str, int, int, int]] = []
    for slug, graph in sorted(articles.items()):
        path = layout.source_text(slug)
        text = path.read_text(encoding="utf-8") if path.is_file() else ""
        title = _title(graph, slug, labels)
        texts[slug] = (title, text)
        finder = QuoteFinder(text)
        for n, (start, end) in enumerate(split_paragraphs(text), 1):
            paragraphs.append((slug, n, start, end))
            hits.add(
                Hit(
                    "passage",
                    str(SOURCE[slug]),
                    "passage",
                    text[start:end],
                    title,
                    "",
                    slug,
                    f"p-{n}",
                )
            )
        for iri, name in _names(graph):
            hits.add(_hit(iri, "name", name, labels, types, slug, ""))
        for resource, properties, words in _quotes(graph):
            span = finder.find(words)
            anchor = f"q-{span[0]}-{span[1]}" if span else ""
            hits.add(_hit(resource, "quote", words, labels, types, slug, anchor))
            if span:
                label = labels.get(resource, resource.rsplit("/", 1)[-1])
                located.add(Located(slug, span[0], span[1], words, resource, label, properties))
    return _write(sorted(hits, key=_stored_order), sorted(located), texts, paragraphs)


GROUP_ORDER = {"resource": 0, "statement": 1, "passage": 2}
FIELD_ORDER = {"name": 0, "quote": 1, "passage": 2}


def _stored_order(hit: Hit) -> tuple[int, int, int, Hit]:
    """Groups apart; in each, names before quotes, short before long (``cahr.search`` ranks
    the first matches in this order when there are too many to rank them all)."""
    return (GROUP_ORDER[hit.grp], FIELD_ORDER[hit.field], len(hit.text), hit)


class Facts:
    """The statements of one graph that this stage reads, indexed as it reads them."""

    def __init__(self, triples: Iterable[tuple[Node, Node, Node]]) -> None:
        self.by_predicate: dict[Node, list[tuple[Node, Node]]] = {}
        self.by_subject: dict[tuple[Node, Node], list[Node]] = {}
        self.by_object: dict[tuple[Node, Node], list[Node]] = {}
        for s, p, o in triples:
            self.by_predicate.setdefault(p, []).append((s, o))
            self.by_subject.setdefault((s, p), []).append(o)
            self.by_object.setdefault((p, o), []).append(s)

    def subject_objects(self, p: Node) -> list[tuple[Node, Node]]:
        return self.by_predicate.get(p, [])

    def objects(self, s: Node, p: Node) -> list[Node]:
        return self.by_subject.get((s, p), [])

    def subjects(self, p: Node, o: Node) -> list[Node]:
        return self.by_object.get((p, o), [])

    def has(self, s: Node, p: Node, o: Node) -> bool:
        return o in self.by_subject.get((s, p), ())


def _statements(
    graphs: Mapping[str, Graph], wanted: set[str], predicates: Iterable[URIRef]
) -> dict[str, Facts]:
    """The statements with ``predicates`` of each graph named in ``wanted``.

    Read by predicate across each store once: a pattern on one named graph of a Dataset
    walks every graph's statements and keeps that graph's, so reading graph by graph
    would grow with the square of the number of articles.
    """
    found: dict[str, list[tuple[Node, Node, Node]]] = {iri: [] for iri in wanted}
    stores = {id(g.store): g.store for iri, g in graphs.items() if iri in wanted}
    for store in stores.values():
        view = Dataset(store=store)
        for p in predicates:
            for s, _, o, context in view.quads((None, p, None, None)):
                name = str(getattr(context, "identifier", context))
                if name in found:
                    found[name].append((s, p, o))
    return {iri: Facts(triples) for iri, triples in found.items()}


def _hit(
    iri: str,
    field: str,
    text: str,
    labels: dict[str, str],
    types: dict[str, set[str]],
    slug: str,
    anchor: str,
) -> Hit:
    kinds = types.get(iri, set())
    grp = "statement" if "Statement" in kinds else "resource"
    label = labels.get(iri) or iri.rsplit("/", 1)[-1]
    shown = f" {' '.join(sorted(kinds))} " if kinds else ""
    return Hit(grp, iri, field, text, label, shown, slug, anchor)


def _write(
    hits: list[Hit],
    located: list[Located],
    texts: dict[str, tuple[str, str]],
    paragraphs: list[tuple[str, int, int, int]],
) -> bytes:
    with tempfile.TemporaryDirectory(prefix="cahr-search-") as folder:
        path = Path(folder) / "search.sqlite"
        db = sqlite3.connect(path)
        try:
            db.executescript(SCHEMA)
            db.execute("INSERT INTO meta VALUES ('format', ?)", (FORMAT,))
            db.executemany(
                "INSERT INTO articles VALUES (?, ?, ?)",
                [(slug, title, text) for slug, (title, text) in sorted(texts.items())],
            )
            db.executemany("INSERT INTO paragraphs VALUES (?, ?, ?, ?)", paragraphs)
            db.executemany(
                "INSERT INTO quotes VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (q.slug, q.start, q.end, q.words, q.resource, q.label, q.properties)
                    for q in located
                ],
            )
            db.executemany(
                "INSERT INTO hits(rowid, text, grp, iri, label, field, types, article, anchor) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (n, h.text, h.grp, h.iri, h.label, h.field, h.types, h.article, h.anchor)
                    for n, h in enumerate(hits, 1)
                ],
            )
            rowid = 0
            for grp in GROUP_ORDER:
                count = sum(1 for h in hits if h.grp == grp)
                db.execute(
                    "INSERT INTO meta VALUES (?, ?)",
                    (f"rows:{grp}", f"{rowid + 1} {rowid + count}"),
                )
                rowid += count
            # Shortest first: the first matches of a prefix are the likeliest completions.
            names = sorted(
                {(h.text, h.iri, h.label, h.types) for h in hits if h.field == "name"},
                key=lambda n: (len(n[0]), n),
            )
            db.executemany(
                "INSERT INTO names(rowid, text, iri, label, types) VALUES (?, ?, ?, ?, ?)",
                [(n, *name) for n, name in enumerate(names, 1)],
            )
            # One b-tree per index, no deleted-row history: smaller, and the same bytes each time.
            db.execute("INSERT INTO hits(hits) VALUES ('optimize')")
            db.execute("INSERT INTO names(names) VALUES ('optimize')")
            db.commit()
            db.execute("VACUUM")
        finally:
            db.close()
        return path.read_bytes()


# -- what the graphs hold ------------------------------------------------------------------


def _types(graphs: Iterable[Facts]) -> dict[str, set[str]]:
    """The local names of the cahr: (and skos:Concept) classes of each resource."""
    found: dict[str, set[str]] = {}
    for graph in graphs:
        for s, o in graph.subject_objects(RDF.type):
            if not isinstance(s, URIRef) or not isinstance(o, URIRef):
                continue
            if str(o).startswith(str(CAHR)):
                found.setdefault(str(s), set()).add(str(o)[len(str(CAHR)) :])
            elif o == SKOS.Concept:
                found.setdefault(str(s), set()).add("Concept")
    return found


def _labels(graphs: Iterable[Facts]) -> dict[str, str]:
    """One label per resource, as the site shows it: its canonical name (English skos:prefLabel), then rdfs:label."""
    ranked: dict[str, tuple[int, str]] = {}
    for graph in graphs:
        for rank_base, prop in enumerate((SKOS.prefLabel, RDFS.label)):
            for s, o in graph.subject_objects(prop):
                if isinstance(s, URIRef) and isinstance(o, Literal):
                    rank = (rank_base * 2 + (0 if o.language in (None, "en") else 1), str(o))
                    if str(s) not in ranked or rank < ranked[str(s)]:
                        ranked[str(s)] = rank
    return {k: v for k, (_, v) in ranked.items()}


def _title(graph: Facts, slug: str, labels: dict[str, str]) -> str:
    titles = sorted(str(o) for o in graph.objects(SOURCE[slug], CAHR.title))
    return titles[0] if titles else labels.get(str(SOURCE[slug]), slug)


def _pages(iri: Node) -> bool:
    """True for a resource with a page of its own (``/id/...``, ``/source/...``)."""
    return isinstance(iri, URIRef) and str(iri).startswith((str(ID), str(SOURCE)))


def _names(graph: Facts) -> Iterable[tuple[str, str]]:
    for prop in NAME_PROPERTIES:
        for s, o in graph.subject_objects(prop):
            if _pages(s) and isinstance(o, Literal) and str(o).strip():
                yield str(s), str(o)


def _quotes(graph: Facts) -> Iterable[tuple[str, str, str]]:
    """(resource, properties vouched for, words) for every quote of an article's graph.

    A quote on an attestation speaks for the resource that holds the attestation
    (and for the properties it lists); one on an implied-value mark for the mark's
    subject; any other for the resource it is written on.
    """
    for prop in QUOTE_PROPERTIES:
        for s, o in graph.subject_objects(prop):
            if not isinstance(o, Literal) or not str(o).strip():
                continue
            words = str(o)
            holders = [h for h in graph.subjects(CAHR.attestation, s) if _pages(h)]
            if holders:
                vouched = " ".join(sorted(str(p) for p in graph.objects(s, CAHR.vouchesFor)))
                for holder in holders:
                    yield str(holder), vouched, words
                continue
            if graph.has(s, RDF.type, CAHR.ImpliedValue):
                subjects = [x for x in graph.objects(s, CAHR.impliedSubject) if _pages(x)]
                vouched = " ".join(sorted(str(p) for p in graph.objects(s, CAHR.impliedProperty)))
                for subject in subjects:
                    yield str(subject), vouched, words
                if subjects:
                    continue
            if _pages(s):
                yield str(s), "", words


# -- the text --------------------------------------------------------------------------


def split_paragraphs(text: str) -> list[tuple[int, int]]:
    """(start, end) of each paragraph: a run of non-blank lines, its edges stripped."""
    spans = []
    for match in re.finditer(r"[^\n]+(?:\n[ \t]*[^\s][^\n]*)*", text):
        start, end = match.start(), match.end()
        chunk = text[start:end]
        stripped = chunk.strip()
        if not stripped:
            continue
        start += len(chunk) - len(chunk.lstrip())
        end = start + len(stripped)
        spans.append((start, end))
    return spans


class QuoteFinder:
    """Where a quote stands in a text, compared as the build's quote check compares.

    The check (``quotes.normalise``) folds typographic quotes and dashes and collapses
    white space; here the folded text keeps, for each of its characters, the offset of
    the character it came from, so a match maps back to the text as received.
    """

    def __init__(self, text: str) -> None:
        folded: list[str] = []
        origin: list[int] = []
        fold: dict[str, str] = {}
        for i, char in enumerate(text):
            if char not in fold:  # one character in, one out (white space: a space)
                fold[char] = normalise(char) or " "
            char = fold[char]
            if char == " " and (not folded or folded[-1] == " "):
                continue
            folded.append(char)
            origin.append(i)
        self.folded = "".join(folded)
        self.origin = origin

    def find(self, words: str) -> tuple[int, int] | None:
        """The (start, end) offsets of the first occurrence of ``words``, or None."""
        probe = normalise(words)
        if not probe:
            return None
        at = self.folded.find(probe)
        if at < 0:
            return None
        return self.origin[at], self.origin[at + len(probe) - 1] + 1

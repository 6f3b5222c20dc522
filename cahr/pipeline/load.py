"""Stage 1: parse the ontology and the article files into one rdflib Dataset.

Each ``kg/<slug>.ttl`` goes into its own named graph, the ontology files into
the ontology graph. A syntax error names its file, line and column. The
attestations (per-fact evidence), written as blank nodes, get their stable IRIs
here (:func:`cahr.pipeline.evidence.name_attestations`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Dataset, Graph, URIRef
from rdflib.plugins.parsers.notation3 import BadSyntax

from cahr.errors import InputError, SourceError
from cahr.iris import ONTOLOGY_GRAPH, SLUG_PATTERN, bind_prefixes, graph_iri
from cahr.layout import Layout
from cahr.pipeline.evidence import name_attestations


@dataclass
class Loaded:
    """The parsed inputs: the dataset and, per article slug, its file."""

    dataset: Dataset
    articles: dict[str, Path]
    _copies: dict[URIRef, Graph] = field(default_factory=dict, repr=False)

    @property
    def ontology(self) -> Graph:
        return self._graph(ONTOLOGY_GRAPH)

    def article_graph(self, slug: str) -> Graph:
        return self._graph(graph_iri(slug))

    def _graph(self, name: URIRef) -> Graph:
        """A named graph as a Graph of its own, made once: from then on the one that
        counts (the export reads it; what the build adds later, such as the positions of
        the attestations, goes into it, not into ``dataset``).

        Not the Dataset's view of it: rdflib answers a pattern on such a view from the
        index of the whole dataset, filtering by graph, so that asking each article's
        graph the same pattern took time quadratic in the number of articles (#15).
        """
        if name not in self._copies:
            copy = Graph(identifier=name)
            bind_prefixes(copy)
            for triple in self.dataset.graph(name):
                copy.add(triple)
            self._copies[name] = copy
        return self._copies[name]

    def asserted_graph_iris(self) -> list[URIRef]:
        return [ONTOLOGY_GRAPH] + [graph_iri(s) for s in self.articles]


def parse_turtle(path: Path, layout: Layout, into: Graph | None = None) -> Graph:
    """Parse one Turtle file; raise SourceError with file:line:column on bad syntax.

    :raises SourceError: the file is not valid Turtle.
    :raises InputError: the file cannot be read.
    """
    graph = into if into is not None else Graph()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{layout.relative(path)}: cannot read: {exc.strerror}") from exc
    try:
        graph.parse(data=data, format="turtle", publicID=path.resolve().as_uri())
    except BadSyntax as exc:
        line, column = _position(exc)
        raise SourceError(layout.relative(path), line, column, exc._why) from exc
    except Exception as exc:  # rdflib raises plain exceptions for some token errors
        raise SourceError(layout.relative(path), None, None, f"not valid Turtle: {exc}") from exc
    return graph


def _position(exc: BadSyntax) -> tuple[int, int]:
    """1-based line and column of a notation3 BadSyntax error."""
    text: bytes = exc._str if isinstance(exc._str, bytes) else str(exc._str).encode()
    offset = min(exc._i, len(text))
    line_start = text.rfind(b"\n", 0, offset) + 1
    line = text.count(b"\n", 0, offset) + 1
    column = len(text[line_start:offset].decode("utf-8", "replace")) + 1
    return line, column


def load(layout: Layout) -> Loaded:
    """Parse ``ontology/*.ttl`` and ``kg/*.ttl`` into a Dataset.

    :raises InputError: a folder is missing, a file name is not a slug.
    :raises SourceError: a file has a syntax error.
    """
    for folder in (layout.ontology_dir, layout.kg_dir):
        if not folder.is_dir():
            raise InputError(
                f"{layout.relative(folder)}/ is missing: is {layout.root} a CAHR-KG project?"
            )
    dataset = Dataset()
    bind_prefixes(dataset)
    ontology = dataset.graph(ONTOLOGY_GRAPH)
    for path in layout.ontology_files():
        parse_turtle(path, layout, into=ontology)
    articles: dict[str, Path] = {}
    for path in layout.article_files():
        slug = path.stem
        if not SLUG_PATTERN.match(slug):
            raise SourceError(
                layout.relative(path),
                None,
                None,
                "the file name must be a lower-case kebab-case slug",
            )
        graph = parse_turtle(path, layout, into=dataset.graph(graph_iri(slug)))
        name_attestations(graph, slug)
        articles[slug] = path
    if not articles:
        raise InputError(f"{layout.relative(layout.kg_dir)}/ holds no .ttl file")
    return Loaded(dataset, articles)

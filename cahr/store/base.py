"""The store interface: what the endpoint and ``kg query`` need of an engine.

A store is opened read-only on a built ``dist/``. Its default graph is the
union of all named graphs (built into the store, deduplicated: see BRIEF,
"Known pitfalls"). Every backend answers with the same result types and
raises the same errors, so that one contract test suite runs on each.

Terms are rdflib terms (URIRef, BNode, Literal), so serialisers and pages
work on every backend alike (rows asked for as ``native`` excepted).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from rdflib.term import Node

Row = tuple[Node | None, ...]
Triple = tuple[Node, Node, Node]


@dataclass
class Solutions:
    """A SELECT result: variable names and a lazy iterator of rows."""

    variables: list[str]
    rows: Iterator[Row]


@dataclass
class Boolean:
    """An ASK result."""

    value: bool


@dataclass
class Triples:
    """A CONSTRUCT or DESCRIBE result: a lazy iterator of triples."""

    triples: Iterator[Triple]


QueryResult = Solutions | Boolean | Triples


class Store(Protocol):
    """A read-only SPARQL store over one build of the dataset."""

    #: the build id of the loaded dist/ (the manifest's ``build_id``)
    build_id: str

    def query(
        self,
        text: str,
        *,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        native: bool = False,
        base_iri: str | None = None,
    ) -> QueryResult:
        """Evaluate a SPARQL query.

        :param text: the query; updates are refused.
        :param default_graphs: IRIs whose merge is the default graph (FROM /
            default-graph-uri); None for the union of all graphs.
        :param named_graphs: IRIs of the named graphs visible to GRAPH (FROM
            NAMED / named-graph-uri); None for all of them.
        :param native: the rows of a SELECT may hold the engine's own terms
            (pyoxigraph's), which only ``cahr.results`` writes: for a query whose
            rows are written, not read. A store without terms of its own ignores it.
        :param base_iri: what relative IRIs resolve against when the query has no
            BASE: the service's own IRI (SPARQL 1.1 Protocol); None for the engine's default.
        :raises QuerySyntaxError: the query does not parse.
        :raises QueryRefused: the text is an update, or otherwise not allowed.
        """
        ...

    def graphs(self) -> list[str]:
        """The IRIs of the named graphs, sorted."""
        ...

    def quads(
        self,
        subject: Node | None = None,
        predicate: Node | None = None,
        obj: Node | None = None,
        graph: str | None = None,
    ) -> Iterable[tuple[Node, Node, Node, str]]:
        """Quads matching a pattern, over the named graphs (None matches anything)."""
        ...

    def __len__(self) -> int:
        """How many quads the named graphs hold."""
        ...

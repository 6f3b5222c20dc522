"""The reference store: rdflib's own SPARQL engine over the same dist/.

Slower than pyoxigraph but the toolkit's reference semantics; the contract
tests run on both. rdflib would fetch FROM graphs and SERVICE endpoints from
the network (with urllib, which reads file: URLs too): graph loading is
switched off here and SERVICE refused by the engine itself, besides
cahr.query.vet refusing both before any engine sees a query.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import rdflib.plugins.sparql as rdflib_sparql
from pyparsing import ParseException
from rdflib import Dataset, Graph, URIRef
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import Node

from cahr.dist import read_build
from cahr.errors import QueryRefused, QuerySyntaxError
from cahr.store.base import Boolean, QueryResult, Solutions, Triples

# Never dereference a FROM / FROM NAMED IRI: graphs come from the dataset only.
rdflib_sparql.SPARQL_LOAD_GRAPHS = False
SERVICE_REFUSED = "SERVICE is not allowed: this engine never contacts other services"


def _refuse_service(ctx: object, part: CompValue) -> object:
    """rdflib's hook for each algebra part: refuse SERVICE, leave the rest to rdflib.

    :raises QueryRefused: the part is a SERVICE pattern.
    :raises NotImplementedError: any other part (rdflib then evaluates it itself).
    """
    if part.name == "ServiceGraphPattern":
        raise QueryRefused(SERVICE_REFUSED)
    raise NotImplementedError


rdflib_sparql.CUSTOM_EVALS["cahr-refuse-service"] = _refuse_service


class ReferenceStore:
    """rdflib Dataset in memory, read from a built dist/ folder."""

    def __init__(self, dist: Path) -> None:
        dist = Path(dist)
        self.build_id: str = read_build(dist)["build_id"]
        self._dataset = Dataset(default_union=True)
        self._dataset.parse(dist / "dataset.nq", format="nquads")
        self._graphs = sorted(
            str(g.identifier)
            for g in self._dataset.graphs()
            if isinstance(g.identifier, URIRef) and len(g)
        )

    def graphs(self) -> list[str]:
        return list(self._graphs)

    def __len__(self) -> int:
        return sum(len(self._dataset.graph(URIRef(g))) for g in self._graphs)

    def query(
        self,
        text: str,
        *,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        native: bool = False,
        base_iri: str | None = None,
    ) -> QueryResult:
        target: Graph | Dataset = self._dataset
        if default_graphs or named_graphs:
            target = self._view(default_graphs, named_graphs)
        try:
            result = target.query(text, base=base_iri)
        except ParseException as exc:
            raise QuerySyntaxError(exc.msg, exc.lineno, exc.col) from exc
        except QueryRefused:
            raise
        except Exception as exc:
            if "update" in str(exc).lower():
                raise QueryRefused(str(exc)) from exc
            raise
        if result.type == "ASK":
            return Boolean(bool(result.askAnswer))
        if result.type == "SELECT":
            variables = [str(v) for v in result.vars or []]
            return Solutions(variables, (tuple(row) for row in result))
        return Triples(iter(result.graph or []))  # type: ignore[arg-type]

    def _view(
        self, default_graphs: Sequence[str] | None, named_graphs: Sequence[str] | None
    ) -> Dataset:
        """A dataset whose default graph merges ``default_graphs`` (SPARQL 1.1 Protocol 2.1.4)."""
        view = Dataset(default_union=False)
        for iri in default_graphs or []:
            for triple in self._dataset.graph(URIRef(iri)):
                view.default_graph.add(triple)
        for iri in named_graphs if named_graphs is not None else self._graphs:
            source = self._dataset.graph(URIRef(iri))
            target = view.graph(URIRef(iri))
            for triple in source:
                target.add(triple)
        return view

    def quads(
        self,
        subject: Node | None = None,
        predicate: Node | None = None,
        obj: Node | None = None,
        graph: str | None = None,
    ) -> Iterable[tuple[Node, Node, Node, str]]:
        graphs = [graph] if graph is not None else self._graphs
        for iri in graphs:
            for s, p, o in self._dataset.graph(URIRef(iri)).triples((subject, predicate, obj)):
                yield s, p, o, iri

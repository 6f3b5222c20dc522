"""The embedded default store: pyoxigraph's in-memory store, loaded from dist/.

The named graphs come from ``dataset.nq``; the store's default graph is
loaded with ``union.nt``, the deduplicated union, because pyoxigraph 0.5.13's
``use_default_graph_as_union`` repeats triples that several graphs hold.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import pyoxigraph as ox
from rdflib.term import Node

from cahr.dist import read_build
from cahr.query import syntax_error
from cahr.rdf import to_oxigraph, to_rdflib
from cahr.sandbox import is_denied
from cahr.store.base import Boolean, QueryResult, Row, Solutions, Triple, Triples


class OxigraphStore:
    """pyoxigraph in memory, read from a built dist/ folder."""

    def __init__(self, dist: Path) -> None:
        dist = Path(dist)
        self.build_id: str = read_build(dist)["build_id"]
        self._store = ox.Store()
        self._store.bulk_load(path=str(dist / "dataset.nq"), format=ox.RdfFormat.N_QUADS)
        self._store.bulk_load(
            path=str(dist / "union.nt"), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.DefaultGraph()
        )
        self._graphs = sorted(g.value for g in self._store.named_graphs())

    def graphs(self) -> list[str]:
        return list(self._graphs)

    def __len__(self) -> int:
        return sum(1 for _ in self.quads())

    def query(
        self,
        text: str,
        *,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        native: bool = False,
        base_iri: str | None = None,
    ) -> QueryResult:
        kwargs: dict[str, object] = {}
        if base_iri is not None:
            kwargs["base_iri"] = base_iri
        if default_graphs is not None:
            kwargs["default_graph"] = [ox.NamedNode(g) for g in default_graphs]
        if named_graphs is not None:
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
        try:
            result = self._store.query(text, **kwargs)
        except SyntaxError as exc:
            raise syntax_error(str(exc)) from exc
        if isinstance(result, ox.QueryBoolean):
            return Boolean(bool(result))
        if isinstance(result, ox.QuerySolutions):
            variables = [v.value for v in result.variables]
            return Solutions(variables, rows_of(result, len(variables), native=native))
        # Native triples are only written (cahr.rdf takes them as they are).
        return Triples(iter(result) if native else triples_of(result))

    def quads(
        self,
        subject: Node | None = None,
        predicate: Node | None = None,
        obj: Node | None = None,
        graph: str | None = None,
    ) -> Iterable[tuple[Node, Node, Node, str]]:
        pattern = [None if t is None else to_oxigraph(t) for t in (subject, predicate, obj)]
        if graph is None:
            found = (
                q
                for q in self._store.quads_for_pattern(*pattern, None)
                if not isinstance(q.graph_name, ox.DefaultGraph)
            )
        else:
            found = self._store.quads_for_pattern(*pattern, ox.NamedNode(graph))
        for q in found:
            yield (
                to_rdflib(q.subject),
                to_rdflib(q.predicate),
                to_rdflib(q.object),
                q.graph_name.value,
            )


def rows_of(solutions: ox.QuerySolutions, width: int, *, native: bool = False) -> Iterator[Row]:
    """The rows of pyoxigraph solutions (a query's, or parsed results), as rdflib terms,
    or as pyoxigraph's own terms if ``native``."""
    if native:
        for solution in solutions:
            yield tuple(solution[i] for i in range(width))
        return
    for solution in solutions:
        yield tuple(None if solution[i] is None else to_rdflib(solution[i]) for i in range(width))


def triples_of(triples: Iterable[ox.Triple | ox.Quad]) -> Iterator[Triple]:
    """Triples from pyoxigraph (a query's, or parsed N-Triples), as rdflib terms."""
    for t in triples:
        yield to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)


_EMPTY = ox.Store()


def check_syntax(text: str, base_iri: str | None = None) -> None:
    """Raise Oxigraph's syntax error for ``text`` (message, line, column), if it has one.

    For a text rdflib could not parse (``cahr.query.vet``'s ``explain``), so that the
    error reads the same on every engine. pyoxigraph has no parser of its own in
    Python: this evaluates the text on an empty store, and pyoxigraph makes SERVICE
    calls at query time even there, so it runs only in a process that
    :func:`cahr.sandbox.deny_network` keeps off the network.

    :raises QuerySyntaxError: Oxigraph cannot parse it either.
    :raises RuntimeError: this process is not sandboxed.
    """
    if not is_denied():
        raise RuntimeError("Oxigraph may read unvetted text only in a sandboxed process")
    try:
        _EMPTY.query(text, base_iri=base_iri)
    except SyntaxError as exc:
        raise syntax_error(str(exc)) from exc
    except Exception:  # noqa: S110 (it parsed: what evaluation made of it does not matter)
        pass

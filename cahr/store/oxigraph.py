"""The embedded default store: pyoxigraph's in-memory store, loaded from dist/
(or, as ``oxigraph-disk``, the build's on-disk store opened read-only).

The named graphs come from ``dataset.nq``; the store's default graph is
loaded with ``union.nt``, the deduplicated union, because pyoxigraph 0.5.13's
``use_default_graph_as_union`` repeats triples that several graphs hold.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import pyoxigraph as ox
from rdflib.term import Node

from cahr.dist import STORE_DIR, read_build, read_store_index
from cahr.query import syntax_error
from cahr.rdf import to_oxigraph, to_rdflib
from cahr.sandbox import is_denied
from cahr.store.base import Boolean, QueryResult, Row, Solutions, Triple, Triples


class OxigraphStore:
    """pyoxigraph over a built dist/ folder: loaded into memory, or its on-disk store.

    :param on_disk: open ``dist/store/`` (RocksDB, written by the build) read-only
        instead of loading the dumps into memory: every process that opens it shares
        its pages through the operating system's cache.
    :raises InputError: no build in ``dist``, or (``on_disk``) no store of this build.
    """

    def __init__(self, dist: Path, *, on_disk: bool = False) -> None:
        dist = Path(dist)
        self.build_id: str = read_build(dist)["build_id"]
        if on_disk:
            read_store_index(dist)
            self._store = ox.Store.read_only(str(dist / STORE_DIR))
        else:
            self._store = ox.Store()
            self._store.bulk_load(path=str(dist / "dataset.nq"), format=ox.RdfFormat.N_QUADS)
            self._store.bulk_load(
                path=str(dist / "union.nt"),
                format=ox.RdfFormat.N_TRIPLES,
                to_graph=ox.DefaultGraph(),
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
        default_graph: list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph] | None = None
        if default_graphs is not None:
            default_graph = [ox.NamedNode(g) for g in default_graphs]
        named: list[ox.NamedNode | ox.BlankNode] | None = None
        if named_graphs is not None:
            named = [ox.NamedNode(g) for g in named_graphs]
        try:
            result = self._store.query(
                text, base_iri=base_iri, default_graph=default_graph, named_graphs=named
            )
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
        s, p, o = (None if t is None else to_oxigraph(t) for t in (subject, predicate, obj))
        name = None if graph is None else ox.NamedNode(graph)
        for q in self._store.quads_for_pattern(s, p, o, name):
            if isinstance(q.graph_name, ox.DefaultGraph):
                continue  # the union built into the default graph; only named graphs count
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

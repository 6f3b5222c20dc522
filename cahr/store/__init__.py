"""Stores: the interface (``base``) and its backends.

``open_store(dist, engine)`` is the one way callers get a store, so that the
server, ``kg query`` and the tests share one loader. ``open_store(dist,
remote=URL)`` opens a remote SPARQL endpoint loaded from the same build
(``kg serve --store URL``) instead of an embedded engine.
"""

from __future__ import annotations

from pathlib import Path

from cahr.errors import InputError
from cahr.store.base import Boolean, QueryResult, Solutions, Store, Triples

# oxigraph: in memory, one copy per query process; oxigraph-disk: the build's on-disk
# store (dist/store/), opened read-only and shared through the page cache; rdflib: the
# reference engine.
ENGINES = ("oxigraph", "oxigraph-disk", "rdflib")

__all__ = ["ENGINES", "Boolean", "QueryResult", "Solutions", "Store", "Triples", "open_store"]


def open_store(
    dist: Path, engine: str = "oxigraph", *, remote: str = "", timeout: float = 30.0
) -> Store:
    """Open the dataset built in ``dist`` with the named engine, or at the endpoint ``remote``.

    :param remote: the query URL of a SPARQL endpoint holding this build; when
        given, ``engine`` is not used and only the manifest of ``dist`` is read.
    :param timeout: seconds the remote store waits for its endpoint.
    :raises InputError: unknown engine, no build in ``dist``, a URL that is not http(s).
    """
    if remote:
        from cahr.store.remote import RemoteStore

        return RemoteStore(remote, dist, timeout=timeout)
    if engine in ("oxigraph", "oxigraph-disk"):
        from cahr.store.oxigraph import OxigraphStore

        return OxigraphStore(dist, on_disk=engine == "oxigraph-disk")
    if engine == "rdflib":
        from cahr.store.reference import ReferenceStore

        return ReferenceStore(dist)
    raise InputError(f"unknown store engine {engine!r}: choose one of {', '.join(ENGINES)}")

"""Stores: the interface (``base``) and its backends.

``open_store(dist, engine)`` is the one way callers get a store, so that the
server, ``kg query`` and the tests share one loader.
"""

from __future__ import annotations

from pathlib import Path

from cahr.errors import InputError
from cahr.store.base import Boolean, QueryResult, Solutions, Store, Triples

ENGINES = ("oxigraph", "rdflib")

__all__ = ["ENGINES", "Boolean", "QueryResult", "Solutions", "Store", "Triples", "open_store"]


def open_store(dist: Path, engine: str = "oxigraph") -> Store:
    """Open the dataset built in ``dist`` with the named engine.

    :raises InputError: unknown engine, or no build in ``dist``.
    """
    if engine == "oxigraph":
        from cahr.store.oxigraph import OxigraphStore

        return OxigraphStore(dist)
    if engine == "rdflib":
        from cahr.store.reference import ReferenceStore

        return ReferenceStore(dist)
    raise InputError(f"unknown store engine {engine!r}: choose one of {', '.join(ENGINES)}")

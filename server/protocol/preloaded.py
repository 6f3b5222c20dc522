"""The build that the query processes' forkserver opens once, for every child to share.

Only the forkserver imports this module (``runner.PRELOAD``). It reads from its
environment (``runner.PRELOAD_ENV``, set by the worker before the forkserver
starts) which build and engine to open, and opens it: each child forked from it
starts with the store loaded, shared copy-on-write, instead of loading a copy of
its own. A child's load took 0.17 s alone and 0.7 s and more during a burst of
runaway queries, while the request handed that child waited for it (overload
test); a worker's children also share one copy of the store's pages.

Only the in-memory engines are opened here: an on-disk store runs RocksDB's
threads, which a fork does not copy, and opens in milliseconds anyway; a remote
store holds a connection. If anything fails, nothing is preloaded: each child
then opens the build itself and reports the error as it always did.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from cahr.store import Store, open_store

PRELOAD_ENV = "KG_QUERY_PROCESS_PRELOAD"
PRELOADABLE = ("oxigraph", "rdflib")

_key: tuple[str, str] | None = None
_store: Store | None = None


def store_for(dist: str, engine: str) -> Store | None:
    """The preloaded store if it is ``dist`` opened with ``engine``, else None."""
    return _store if _key == (dist, engine) else None


def _preload() -> None:
    global _key, _store
    raw = os.environ.get(PRELOAD_ENV)
    if not raw:
        return  # a forkserver of another program
    try:
        dist, engine = json.loads(raw)
    except (TypeError, ValueError):
        return  # not ours: the forkserver must start all the same
    if engine not in PRELOADABLE:
        return
    try:
        _store = open_store(Path(dist), engine)
    except Exception:  # noqa: BLE001 - the forkserver must start; the child reports it
        return
    _key = (dist, engine)


_preload()

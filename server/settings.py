"""Every setting of the server, with its default and help text, in one place.

``kg serve`` options are generated from this table, ``create_app`` reads it,
``CAHR_<NAME>`` environment variables override it, and a test checks that
docs/settings.md lists every entry.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str

    @property
    def env(self) -> str:
        return f"CAHR_{self.name.upper()}"

    def parse(self, raw: str) -> Any:
        """Convert an environment or command-line string to the default's type."""
        if isinstance(self.default, bool):
            return raw.strip().lower() in {"1", "true", "yes", "on"}
        if isinstance(self.default, int):
            return int(raw)
        if isinstance(self.default, float):
            return float(raw)
        return raw


SETTINGS: list[Setting] = [
    Setting("dist", "dist", "the built dataset folder that the server loads at start"),
    Setting(
        "engine", "oxigraph", "the query engine behind the store interface: oxigraph or rdflib"
    ),
    Setting("host", "127.0.0.1", "the address to listen on"),
    Setting("port", 8000, "the port to listen on"),
    Setting("workers", 4, "gunicorn worker processes, each with its own in-memory store"),
    Setting(
        "query_processes",
        3,
        "query processes per worker (each holds a copy of the store); all but one may run "
        "long queries, the last is kept for short ones",
    ),
    Setting(
        "query_queue",
        32,
        "queries per worker that may wait for a free query process, first come first served; one "
        "more gets 503 at once (while long queries hold all but the reserved process, the "
        "newest are served first and one more pushes the oldest out)",
    ),
    Setting(
        "query_wait",
        3.0,
        "the longest a query waits for a free query process, in seconds; then 503 with Retry-After",
    ),
    Setting(
        "long_query_after",
        0.3,
        "seconds after which a running query counts as long; one past that while the other "
        "processes of its worker run long queries is stopped with 503",
    ),
    Setting(
        "query_timeout", 10.0, "seconds a query may run before it is stopped and answered with 503"
    ),
    Setting(
        "max_rows", 10000, "the most result rows or triples a response carries; a cut is announced"
    ),
    Setting(
        "max_request_bytes", 1_000_000, "the largest request body accepted; larger ones get 413"
    ),
    Setting(
        "cache_mb",
        64.0,
        "megabytes of successful responses each worker keeps for the build it serves "
        "(least recently used go first); 0 turns the cache off",
    ),
    Setting(
        "store",
        "",
        "the query URL of a SPARQL 1.1 endpoint loaded from the same dist/ (a remote store, "
        "instead of the embedded engine); empty: the embedded engine",
    ),
]

BY_NAME = {s.name: s for s in SETTINGS}


def defaults() -> dict[str, Any]:
    """The settings with environment overrides applied (CAHR_QUERY_TIMEOUT=5, ...)."""
    values = {}
    for setting in SETTINGS:
        raw = os.environ.get(setting.env)
        values[setting.name] = setting.parse(raw) if raw is not None else setting.default
    return values

"""rdflib-endpoint over the built dataset, as an ASGI app for uvicorn's worker processes.

The comparison target "rdflib-endpoint" of ``benchmarks.load``. Its own CLI
(``rdflib-endpoint serve``) runs a single uvicorn process; this module loads
the data the same way (an rdflib ``Dataset`` with ``default_union=True``, as
the CLI and our reference store do) but can be served by ``uvicorn --workers
2``, so that it gets as many processes as ``kg serve --workers 2``. The
endpoint evaluates queries inside its async handler, so each process answers
one query at a time: that is the package's design, not a setting of ours.

The build is read from ``CAHR_BENCH_DIST`` (default ``dist/``) when uvicorn
imports the module in each worker.
"""

from __future__ import annotations

import os
from pathlib import Path

from rdflib import Dataset
from rdflib_endpoint import SparqlEndpoint

DIST = Path(os.environ.get("CAHR_BENCH_DIST", "dist"))


def make_app(dist: Path) -> SparqlEndpoint:
    """The endpoint at /sparql over ``dist/dataset.trig`` (union of the graphs by default)."""
    dataset = Dataset(default_union=True)
    dataset.parse(dist / "dataset.trig", format="trig")
    return SparqlEndpoint(graph=dataset, path="/sparql", title="CAHR-KG (benchmark)")


app = make_app(DIST)

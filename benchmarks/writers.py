"""RDF writers, before and after: rdflib's serialisers against cahr.rdf (pyoxigraph's).

Times, on a built dist/, writing the five RDF dumps and answering a
CONSTRUCT-heavy query (every triple of the union, and one article's graph) in
each RDF format, once with rdflib's writer (how the export, the graph answers
and the pages wrote RDF before #12) and once with ``cahr.rdf.write_rdf`` (what
they use now). Each figure is the median of ``--repeat`` runs, in milliseconds.
Prints a Markdown table; ``python -m benchmarks.writers [--dist DIST]``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from rdflib import Dataset, Graph

from cahr.iris import PREFIXES, bind_prefixes
from cahr.rdf import canonical_quads, write_rdf
from cahr.store.oxigraph import OxigraphStore

ROOT = Path(__file__).resolve().parent.parent
RDFLIB = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
    "application/n-quads": "nquads",
    "application/trig": "trig",
    "application/ld+json": "json-ld",
}
ARTICLE = "https://w3id.org/cahr/graph/central-asia-digest-2023-12"


def median_ms(work: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def rdflib_write(graph: Graph | Dataset, media_type: str) -> bytes:
    fmt = RDFLIB[media_type]
    if fmt == "json-ld":
        return graph.serialize(format=fmt, context=PREFIXES, auto_compact=True, encoding="utf-8")
    return graph.serialize(format=fmt, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    store = OxigraphStore(args.dist)
    dataset = Dataset()
    dataset.parse(args.dist / "dataset.nq", format="nquads")
    union = Graph()
    bind_prefixes(union)
    union.parse(args.dist / "union.nt", format="nt")

    rows = [
        "| what | format | rdflib (ms) | cahr.rdf (ms) | speed-up |",
        "|---|---|---:|---:|---:|",
    ]

    def row(
        what: str, media_type: str, before: Callable[[], object], after: Callable[[], object]
    ) -> None:
        old, new = median_ms(before, args.repeat), median_ms(after, args.repeat)
        rows.append(f"| {what} | {media_type} | {old:,.1f} | {new:,.1f} | {old / new:,.1f}x |")

    # Converted once, as the export stage does for all its dumps (timed on its own below).
    dataset_quads = canonical_quads(dataset)
    union_quads = canonical_quads(union)
    for name, media_type, source, statements in (
        ("dataset.trig", "application/trig", dataset, dataset_quads),
        ("dataset.nq", "application/n-quads", dataset, dataset_quads),
        ("union.ttl", "text/turtle", union, union_quads),
        ("union.nt", "application/n-triples", union, union_quads),
        ("union.jsonld", "application/ld+json", union, union_quads),
    ):
        row(
            f"dump {name}",
            media_type,
            lambda g=source, t=media_type: rdflib_write(g, t),
            lambda q=statements, t=media_type: write_rdf(q, t),
        )

    rows.append(
        f"| rdflib terms -> pyoxigraph, sorted (once per build) | all | | "
        f"{median_ms(lambda: (canonical_quads(dataset), canonical_quads(union)), args.repeat):,.1f} | |"
    )
    for what, query in (
        (
            f"CONSTRUCT, the union ({len(union):,} triples)",
            "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
        ),
        (
            "CONSTRUCT, one article",
            f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{ARTICLE}> {{ ?s ?p ?o }} }}",
        ),
    ):
        for media_type in (
            "text/turtle",
            "application/n-triples",
            "application/ld+json",
            "application/rdf+xml",
        ):

            def before(q: str = query, t: str = media_type) -> bytes:
                graph = Graph()
                bind_prefixes(graph)
                for triple in store.query(q).triples:  # type: ignore[union-attr]
                    graph.add(triple)
                return rdflib_write(graph, t)

            def after(q: str = query, t: str = media_type) -> bytes:
                return write_rdf(store.query(q, native=True).triples, t)  # type: ignore[union-attr]

            row(what, media_type, before, after)
    print("\n".join(rows))


if __name__ == "__main__":
    main()

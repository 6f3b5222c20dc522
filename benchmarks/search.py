"""Search benchmark (issue #14): SQLite FTS5 and Tantivy on the real graph and at 100x.

For each project (the real one, and a growth project made by ``benchmarks/generate.py``)
it loads and reasons the graph as ``kg build`` does, then

- builds the FTS5 index that ``kg build`` ships (``cahr.pipeline.search_index``): build
  seconds, size, and whether two builds are the same bytes;
- builds the same rows into Tantivy (PyPI ``tantivy``, if importable: it is not a
  dependency of the project; ``pip install --target DIR tantivy==0.27.0`` and
  ``PYTHONPATH=DIR``), with the same measures;
- times the searches of QUERIES: for FTS5 the whole of ``SearchIndex.search`` (ranking,
  snippets, grouping) and ``suggest``; for Tantivy its top CANDIDATES hits with a
  snippet each (the part an engine does).

Usage: ``python -m benchmarks.search [--growth DIR] [--factor 100] [--runs 50]``; it prints
Markdown for benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import shutil
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rdflib import Graph

from benchmarks.generate import generate
from cahr.iris import INFERRED_GRAPH, ONTOLOGY_GRAPH, graph_iri
from cahr.layout import Layout
from cahr.pipeline import search_index
from cahr.pipeline.load import load
from cahr.pipeline.reason import reason
from cahr.search import CANDIDATES, SearchIndex, terms_of

# What a researcher types: names in two spellings, words, prefixes, phrases, and junk.
QUERIES = [
    "Tleuberdi",
    "Tileuberdi",
    "tokayev",
    "Kassym-Jomart Tokayev",
    "kazakhstan",
    "human rights",
    "torture",
    "geneva",
    "decree",
    "ka",
    "UN Human Rights Council",
    "listening state",
    "azimova",
    "istanbul convention",
    '" * NEAR ( ) :',
    "zzzz",
]
SUGGEST = ["t", "tl", "tleu", "tok", "kaz", "azim", "hum", "ge"]


def graphs_of(layout: Layout) -> dict[str, Graph]:
    """The named graphs ``kg build`` exports: ontology, articles, inferred."""
    loaded = load(layout)
    reasoned = reason(q[:3] for q in loaded.dataset.quads((None, None, None, None)))
    graphs = {str(ONTOLOGY_GRAPH): loaded.ontology}
    for slug in loaded.articles:
        graphs[str(graph_iri(slug))] = loaded.article_graph(slug)
    graphs[str(INFERRED_GRAPH)] = reasoned.inferred
    return graphs


def percentiles(samples: list[float]) -> tuple[float, float]:
    """p50 and p99 in milliseconds."""
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))]
    return statistics.median(ordered) * 1000, p99 * 1000


def timed(call: Callable[[], object], runs: int, cpu: list[float] | None = None) -> list[float]:
    """Wall seconds of each of ``runs`` calls (after one to warm up); CPU seconds into ``cpu``.

    The CPU time of the calling thread is what the search costs; wall time adds what
    other processes on a shared machine take meanwhile.
    """
    call()  # warm: the first read of a page from disk is not what a server sees
    out = []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.thread_time()
        call()
        out.append(time.perf_counter() - start)
        if cpu is not None:
            cpu.append(time.thread_time() - start_cpu)
    return out


def fts5(layout: Layout, graphs: dict[str, Graph], folder: Path, runs: int) -> dict[str, Any]:
    start = time.perf_counter()
    data = search_index.build_index(layout, graphs)
    seconds = time.perf_counter() - start
    again = search_index.build_index(layout, graphs)
    path = folder / "search.sqlite"
    path.write_bytes(data)
    index = SearchIndex(path)
    search, suggest, cpu = [], [], []
    for q in QUERIES:
        search += timed(lambda q=q: index.search(q), runs, cpu)
    for q in SUGGEST:
        suggest += timed(lambda q=q: index.suggest(q), runs)
    rows = sqlite3.connect(path).execute("SELECT count(*) FROM hits").fetchone()[0]
    index.close()
    return {
        "rows": rows,
        "build": seconds,
        "bytes": len(data),
        "same bytes": data == again,
        "search": percentiles(search),
        "cpu": percentiles(cpu),
        "suggest": percentiles(suggest),
    }


def tantivy_rows(layout: Layout, graphs: dict[str, Graph]) -> list[tuple[str, ...]]:
    """The rows of the FTS5 index's ``hits`` table, to put the same documents in Tantivy."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "s.sqlite"
        path.write_bytes(search_index.build_index(layout, graphs))
        db = sqlite3.connect(path)
        found = db.execute(
            "SELECT text, grp, iri, label, field, types, article FROM hits"
        ).fetchall()
        db.close()
    return found


def tantivy_build(tantivy: Any, rows: list[tuple[str, ...]], folder: Path) -> Any:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("text", stored=True)
    for name in ("grp", "iri", "label", "field", "types", "article"):
        builder.add_text_field(name, stored=True, tokenizer_name="raw")
    schema = builder.build()
    index = tantivy.Index(schema, path=str(folder))
    writer = index.writer(heap_size=50_000_000, num_threads=1)
    for text, grp, iri, label, fld, types, article in rows:
        writer.add_document(
            tantivy.Document(
                text=text, grp=grp, iri=iri, label=label, field=fld, types=types, article=article
            )
        )
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    return index, schema


def folder_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def tantivy(layout: Layout, graphs: dict[str, Graph], folder: Path, runs: int) -> dict[str, Any]:
    try:
        import tantivy as engine
    except ImportError:
        return {}
    rows = tantivy_rows(layout, graphs)
    first, second = folder / "t1", folder / "t2"
    first.mkdir()
    second.mkdir()
    start = time.perf_counter()
    index, schema = tantivy_build(engine, rows, first)
    seconds = time.perf_counter() - start
    tantivy_build(engine, rows, second)
    searcher = index.searcher()

    def search(q: str) -> None:
        terms = [t.lower() for t in terms_of(q)]
        if not terms:
            return
        query = engine.Query.boolean_query(
            [(engine.Occur.Must, engine.Query.regex_query(schema, "text", f"{t}.*")) for t in terms]
        )
        snippets = engine.SnippetGenerator.create(searcher, query, schema, "text")
        for _, address in searcher.search(query, CANDIDATES).hits:
            snippets.snippet_from_doc(searcher.doc(address)).to_html()

    samples, cpu = [], []
    for q in QUERIES:
        samples += timed(lambda q=q: search(q), runs, cpu)
    size = sum(p.stat().st_size for p in first.rglob("*") if p.is_file())
    return {
        "rows": len(rows),
        "build": seconds,
        "bytes": size,
        "same bytes": folder_digest(first) == folder_digest(second),
        "search": percentiles(samples),
        "cpu": percentiles(cpu),
        "version": getattr(engine, "__version__", "?"),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--growth", type=Path, help="the growth project (made if missing)")
    parser.add_argument("--factor", type=int, default=100)
    parser.add_argument("--runs", type=int, default=50, help="runs of each query")
    args = parser.parse_args(argv)
    projects = [("1x", Layout.at("."))]
    if args.growth:
        if not (args.growth / "kg").is_dir():
            generate(args.factor, args.growth)
        projects.append((f"{args.factor}x", Layout.at(args.growth)))
    print(f"SQLite {sqlite3.sqlite_version}, Python {platform.python_version()}, ")
    print(f"load average at the start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{len(QUERIES)} searches and {len(SUGGEST)} autocompletions, {args.runs} runs each\n")
    print(
        "| factor | engine | rows | build s | size MiB | two builds same bytes "
        "| search p50 ms | search p99 ms | search CPU p50 ms | search CPU p99 ms "
        "| suggest p50 ms | suggest p99 ms |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, layout in projects:
        graphs = graphs_of(layout)
        folder = Path(tempfile.mkdtemp(prefix="cahr-search-bench-"))
        try:
            for engine, found in (
                ("SQLite FTS5", fts5(layout, graphs, folder, args.runs)),
                ("Tantivy", tantivy(layout, graphs, folder, args.runs)),
            ):
                if not found:
                    print(f"| {name} | {engine} | not installed | | | | | | | | | |")
                    continue
                if "version" in found:
                    engine = f"{engine} {found['version']}"
                suggest = found.get("suggest", ("–", "–"))
                print(
                    f"| {name} | {engine} | {found['rows']:,} | {found['build']:.2f} "
                    f"| {found['bytes'] / 2**20:.2f} | {'yes' if found['same bytes'] else 'no'} "
                    f"| {found['search'][0]:.2f} | {found['search'][1]:.2f} "
                    f"| {found['cpu'][0]:.2f} | {found['cpu'][1]:.2f} "
                    + (
                        f"| {suggest[0]:.2f} | {suggest[1]:.2f} |"
                        if isinstance(suggest[0], float)
                        else "| – | – |"
                    ),
                    flush=True,
                )
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    print(f"\nload average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()

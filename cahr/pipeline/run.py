"""The build: load, reason, validate, export; timed stage by stage."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph

import cahr
from cahr.errors import BuildFailed
from cahr.iris import INFERRED_GRAPH, ONTOLOGY_GRAPH, graph_iri
from cahr.layout import Layout
from cahr.pipeline import conflicts, consistency, evidence, marks, summary
from cahr.pipeline.annotations import write_annotations
from cahr.pipeline.disk_store import write_store
from cahr.pipeline.export import dataset_quads, union_of, write_dist
from cahr.pipeline.identity import build_id, built_at
from cahr.pipeline.load import Loaded, load
from cahr.pipeline.memory import cyclic_gc_paused
from cahr.pipeline.publish import publish
from cahr.pipeline.reason import reason
from cahr.pipeline.record import write_record
from cahr.pipeline.search_index import write_index
from cahr.pipeline.validate import Report, validate


@dataclass
class Checked:
    """The graph after loading, reasoning and validation."""

    loaded: Loaded
    inferred: Graph
    report: Report
    timings: dict[str, float] = field(default_factory=dict)
    derivations: dict = field(default_factory=dict)  # type: ignore[type-arg]


@dataclass
class Built:
    """A successful build: where it went and what it holds."""

    out: Path
    manifest: dict  # type: ignore[type-arg]
    checked: Checked


@contextmanager
def _timed(timings: dict[str, float], stage: str) -> Iterator[None]:
    start = time.perf_counter()
    yield
    timings[stage] = time.perf_counter() - start


def check(layout: Layout) -> Checked:
    """Load, reason and validate, without writing anything.

    The report holds the SHACL and check results and the OWL RL inconsistencies.

    :raises InputError: a file is missing or malformed (exit 2).
    """
    timings: dict[str, float] = {}
    with cyclic_gc_paused():
        with _timed(timings, "load"):
            loaded = load(layout)
        with _timed(timings, "reason"):
            reasoned = reason(q[:3] for q in loaded.dataset.quads((None, None, None, None)))
        with _timed(timings, "validate"):
            report = validate(loaded, reasoned.inferred, layout)
            # an inconsistent graph fails like a SHACL violation: the report names each
            report.problems.extend(consistency.problems(reasoned.inconsistencies, loaded, layout))
            report.problems.extend(
                conflicts.problems(loaded, layout) + marks.problems(loaded, layout)
            )
    return Checked(loaded, reasoned.inferred, report, timings, reasoned.derivations)


def build(layout: Layout, out: Path | None = None) -> Built:
    """Build the dataset into ``out`` (default ``dist/``).

    :raises BuildFailed: the graph does not conform; ``out`` is untouched (exit 1).
    :raises InputError: bad input (exit 2).
    """
    out = out or layout.dist_dir
    with cyclic_gc_paused():
        return _build(layout, out)


def _build(layout: Layout, out: Path) -> Built:
    checked = check(layout)
    if not checked.report.conforms:
        raise BuildFailed(checked.report.violations, checked.report.text())
    loaded = checked.loaded
    evidence.write_positions(loaded, checked.report.positions)
    graphs = {str(ONTOLOGY_GRAPH): loaded.ontology}
    for slug in loaded.articles:
        graphs[str(graph_iri(slug))] = loaded.article_graph(slug)
    graphs[str(INFERRED_GRAPH)] = checked.inferred
    with _timed(checked.timings, "export"):
        quads = dataset_quads(graphs)
        manifest = {
            "build_id": build_id(layout),
            "built_at": built_at(layout),
            "version": cahr.__version__,
            "graphs": {name: len(graph) for name, graph in graphs.items()},
            "union_triples": len(union_of(quads)),
            "inferred_triples": len(checked.inferred),
            "quotes_checked": checked.report.quotes_checked,
            "warnings": len(checked.report.warnings),
            "articles": summary.per_article(loaded, checked.inferred),
            "evidence": summary.evidence_per_article(loaded),
        }

        def finish(staging: Path, manifest: dict) -> dict:  # type: ignore[type-arg]
            # VoID/DCAT, ontology docs and examples are written before the swap,
            # so that dist/ never holds data without its description.
            asserted = (q[:3] for q in loaded.dataset.quads((None, None, None, None)))
            manifest = write_record(staging, manifest, checked.derivations, asserted)
            with _timed(checked.timings, "publish"):
                # The annotations and the search index first, so that VoID lists them.
                manifest = write_annotations(staging, manifest, loaded, checked.report.positions)
                manifest = write_index(layout, staging, manifest, graphs)
                manifest = publish(layout, staging, manifest)
            with _timed(checked.timings, "store"):
                return write_store(staging, manifest)

        manifest = write_dist(
            out,
            quads,
            checked.report.graph,
            checked.report.text(),
            manifest,
            finish=finish,
        )
    checked.timings["export"] -= checked.timings.get("publish", 0.0) + checked.timings.get(
        "store", 0.0
    )
    manifest["timings"] = checked.timings
    return Built(out, manifest, checked)

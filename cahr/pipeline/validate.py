"""Stage 3: validate the graph: SHACL shapes, cross-graph checks, quotes.

The SHACL data graph is the union of the ontology, the article graphs and
the inferred graph. The result is a :class:`Report` for machines (the W3C
report graph) and for people (problems that name file, line, focus node,
property and message); the caller decides what to print.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import RDF
from rdflib.term import Node

from cahr.errors import Problem
from cahr.iris import GRAPH, SH, bind_prefixes, prefixed
from cahr.layout import Layout
from cahr.pipeline import shacl
from cahr.pipeline.evidence import Position
from cahr.pipeline.load import Loaded, parse_turtle
from cahr.pipeline.locate import line_of_subject
from cahr.pipeline.quotes import check_quotes, place_attestations


@dataclass
class Report:
    """What validation found. ``conforms`` is False only for violations."""

    problems: list[Problem] = field(default_factory=list)
    graph: Graph = field(default_factory=Graph)
    quotes_checked: int = 0
    # where each attestation's words stand in its article's text (written before export)
    positions: dict[Node, Position] = field(default_factory=dict)

    @property
    def violations(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "Violation"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity != "Violation"]

    @property
    def conforms(self) -> bool:
        return not self.violations

    def text(self) -> str:
        lines = [str(p) for p in sorted(self.problems, key=_order)]
        verdict = "conforms" if self.conforms else "does NOT conform"
        lines.append(
            f"The graph {verdict}: {len(self.violations)} violation(s), "
            f"{len(self.warnings)} warning(s), {self.quotes_checked} quotes checked."
        )
        return "\n".join(lines)


def _order(p: Problem) -> tuple[int, str, int, str]:
    return (0 if p.severity == "Violation" else 1, p.path or "", p.line or 0, p.message)


def load_shapes(layout: Layout) -> Graph:
    shapes = Graph()
    for path in layout.shape_files():
        parse_turtle(path, layout, into=shapes)
    return shapes


def validate(loaded: Loaded, inferred: Graph, layout: Layout) -> Report:
    """Run the shapes, the checks of ``shapes/checks/`` and the quote check."""
    data = Graph()
    bind_prefixes(data)
    for s, p, o, _g in loaded.dataset.quads((None, None, None, None)):
        data.add((s, p, o))
    for triple in inferred:
        data.add(triple)
    report = Report()
    describing = _first_describing(loaded)
    _run_shacl(data, load_shapes(layout), describing, layout, report)
    _run_checks(loaded, inferred, layout, report, describing)
    quote_problems, report.quotes_checked = check_quotes(loaded, layout)
    report.problems.extend(quote_problems)
    place_problems, report.positions = place_attestations(loaded, layout)
    report.problems.extend(place_problems)
    return report


def _first_describing(loaded: Loaded) -> dict[URIRef, Path]:
    """Each subject of an article graph, with the first article file (in load order) that
    describes it.

    Made once per validation: asking every article graph about every focus node took
    problems x articles lookups (about 1,400 warnings x 500 files at 100x, #15).
    """
    found: dict[URIRef, Path] = {}
    for slug, path in loaded.articles.items():
        for subject in loaded.article_graph(slug).subjects(unique=True):
            if isinstance(subject, URIRef):
                found.setdefault(subject, path)
    return found


def _run_shacl(
    data: Graph, shapes: Graph, describing: dict[URIRef, Path], layout: Layout, report: Report
) -> None:
    results = shacl.validate(data, shapes)
    bind_prefixes(results)
    report.graph = results
    for result in results.subjects(RDF.type, SH.ValidationResult):
        focus = results.value(result, SH.focusNode)
        path = results.value(result, SH.resultPath)
        severity = results.value(result, SH.resultSeverity)
        message = results.value(result, SH.resultMessage)
        where, line = _where(focus, describing, layout)
        report.problems.append(
            Problem(
                message=str(message) if message else "fails a shape",
                path=where,
                line=line,
                focus=prefixed(str(focus)) if focus is not None else None,
                property=prefixed(str(path)) if isinstance(path, URIRef) else None,
                severity=str(severity).rsplit("#", 1)[-1] if severity else "Violation",
            )
        )


def _where(focus, describing: dict[URIRef, Path], layout: Layout) -> tuple[str | None, int | None]:  # type: ignore[no-untyped-def]
    """The first article file that describes ``focus``, and the line."""
    if not isinstance(focus, URIRef):
        return None, None
    path = describing.get(focus)
    if path is not None:
        return layout.relative(path), line_of_subject(path, str(focus))
    for path in layout.ontology_files():
        line = line_of_subject(path, str(focus))
        if line:
            return layout.relative(path), line
    return None, None


def _run_checks(
    loaded: Loaded,
    inferred: Graph,
    layout: Layout,
    report: Report,
    describing: dict[URIRef, Path] | None = None,
) -> None:
    """Run each ``shapes/checks/*-violation.rq``; every row is a violation.

    :param describing: :func:`_first_describing` of ``loaded``, when the caller has it.

    The checks run on pyoxigraph: rdflib's engine took seconds per check.
    """
    import pyoxigraph as ox

    from cahr.rdf import as_quad, to_oxigraph, to_rdflib

    if describing is None:
        describing = _first_describing(loaded)

    store = ox.Store()
    quads = [as_quad(quad) for quad in loaded.dataset.quads((None, None, None, None))]
    inferred_graph = ox.NamedNode(str(GRAPH["inferred"]))
    quads += [
        ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o), inferred_graph)
        for s, p, o in inferred
    ]
    store.extend(quads)
    for check in layout.check_files():
        rule = check.name.removesuffix("-violation.rq")
        solutions = store.query(check.read_text(encoding="utf-8"))
        assert isinstance(solutions, ox.QuerySolutions), f"{check.name} is a SELECT query"
        for solution in solutions:
            row = {
                v.value: (None if solution[v] is None else to_rdflib(solution[v]))
                for v in solutions.variables
            }
            focus, graph, prop = row.get("focus"), row.get("graph"), row.get("property")
            path: Path | None = None
            where: str | None
            if graph is not None:
                path = loaded.articles.get(str(graph).rsplit("/", 1)[-1])
            if path is not None:
                where, line = layout.relative(path), line_of_subject(path, str(focus))
            else:
                where, line = _where(focus, describing, layout)
            report.problems.append(
                Problem(
                    message=f"{row.get('message')} [{rule}]",
                    path=where,
                    line=line,
                    focus=prefixed(str(focus)) if focus is not None else None,
                    property=prefixed(str(prop)) if prop is not None else None,
                )
            )

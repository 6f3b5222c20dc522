"""What each article contributed, counted by kind, for the build summary."""

from __future__ import annotations

from rdflib import Graph
from rdflib.namespace import RDF

from cahr.kinds import COLUMNS
from cahr.pipeline.evidence import coverage
from cahr.pipeline.load import Loaded
from cahr.pipeline.quotes import verbatim_properties


def per_article(loaded: Loaded, inferred: Graph) -> dict[str, dict[str, int]]:
    """For each article slug: triples, and how many resources of each kind it describes."""
    counts: dict[str, dict[str, int]] = {}
    for slug in loaded.articles:
        graph = loaded.article_graph(slug)
        described = set(graph.subjects(RDF.type, None))
        row = {"triples": len(graph)}
        for heading, cls in COLUMNS.items():
            row[heading] = sum(
                1
                for s in described
                if (s, RDF.type, cls) in graph or (s, RDF.type, cls) in inferred
            )
        counts[slug] = row
    return counts


def evidence_per_article(loaded: Loaded) -> dict[str, dict[str, int]]:
    """For each article slug: its facts, and how many are vouched for in each way.

    ``own``: an attestation's words state the fact; ``verbatim``: the value is the
    article's words; ``implied``: an implied-value mark gives the words it rests on;
    ``resource``: only the subject's ``cahr:evidence`` (per resource, old style);
    ``none``: no words at all. See :mod:`cahr.pipeline.evidence`.
    """
    verbatim = verbatim_properties(loaded.ontology)
    return {slug: coverage(loaded.article_graph(slug), verbatim).row() for slug in loaded.articles}


def table(rows: dict[str, dict[str, int]]) -> str:
    """A plain-text table, one row per article and a total row."""
    if not rows:
        return ""
    headings = list(next(iter(rows.values())))
    widths = {h: max(len(h), 4) for h in headings}
    name_width = max(len("article"), *(len(s) for s in rows))

    def line(name: str, values: dict[str, int] | None) -> str:
        cells = (f"{(values[h] if values else h):>{widths[h]}}" for h in headings)
        return name.ljust(name_width) + " " + " ".join(cells)

    totals = {h: sum(r[h] for r in rows.values()) for h in headings}
    return "\n".join(
        [line("article", None), *(line(s, r) for s, r in rows.items()), line("(sum)", totals)]
    )

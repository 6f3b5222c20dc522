"""One test per article file: it parses, names its article like itself, and is archived."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.namespace import RDF, RDFS

from cahr.iris import CAHR, SLUG_PATTERN, source_iri
from cahr.layout import Layout

ROOT = Path(__file__).resolve().parents[2]
ARTICLES = sorted((ROOT / "kg").glob("*.ttl"))


def test_all_five_articles_are_curated() -> None:
    assert len(ARTICLES) == 5
    assert len(sorted((ROOT / "sources").glob("*.txt"))) == 5


@pytest.mark.parametrize("path", ARTICLES, ids=lambda p: p.stem)
def test_article_file(path: Path, layout: Layout) -> None:
    slug = path.stem
    assert SLUG_PATTERN.match(slug)
    graph = Graph().parse(path)
    articles = set(graph.subjects(RDF.type, CAHR.Article))
    assert articles == {source_iri(slug)}
    assert graph.value(source_iri(slug), CAHR.sourceText).toPython() == f"sources/{slug}.txt"
    assert layout.source_text(slug).is_file()
    # an attestation (evidence per fact) is words, not a resource: it needs no label
    typed = set(graph.subjects(RDF.type, None)) - set(graph.subjects(RDF.type, CAHR.Attestation))
    assert len(typed) >= 20, "an article contributes more than a handful of resources"
    for resource in typed:
        assert (resource, RDFS.label, None) in graph, resource


def test_one_iri_per_real_thing_across_articles() -> None:
    """Tokayev, Kazakhstan and the Action Plan are one resource in every graph that names them."""
    union = Graph()
    for path in ARTICLES:
        union.parse(path)
    tokayev = [
        s
        for s in union.subjects(RDF.type, CAHR.Person)
        if any("Tokayev" in str(label) for label in union.objects(s, RDFS.label))
    ]
    assert len(set(tokayev)) == 1
    kazakhstan = {
        s
        for s in union.subjects(RDFS.label, None)
        if str(union.value(s, RDFS.label)) == "Kazakhstan"
    }
    assert len(kazakhstan) == 1

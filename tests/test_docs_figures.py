"""The figures and outputs that README.md and docs/ show hold for the current build.

A change of data that changes a figure fails here until the docs follow. Each
figure is read from the text by a pattern and compared with what the build
says (its manifest) or what a query on the built store answers; the example
queries whose output the README shows are run, and their output compared.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from cahr.dist import read_manifest
from cahr.iris import GRAPH, INFERRED_GRAPH, ONTOLOGY_GRAPH
from cahr.results import write
from cahr.store.oxigraph import OxigraphStore

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
CAHR = "PREFIX cahr: <https://w3id.org/cahr/ontology#> "


@pytest.fixture(scope="module")
def store(dist: Path) -> OxigraphStore:
    return OxigraphStore(dist)


@pytest.fixture(scope="module")
def manifest(dist: Path) -> dict[str, Any]:
    return read_manifest(dist)


def figure(text: str, pattern: str) -> list[int]:
    """The numbers that ``pattern``'s groups capture in ``text`` (thousands commas allowed)."""
    match = re.search(pattern, text)
    assert match, f"the docs no longer say {pattern!r}"
    return [int(group.replace(",", "")) for group in match.groups()]


def count(store: OxigraphStore, where: str) -> int:
    answer = write(
        store.query(CAHR + f"SELECT (COUNT(DISTINCT ?x) AS ?n) {{ {where} }}"), "text/csv"
    )
    return int(answer.body.decode().split()[-1])


def test_the_triple_counts(manifest: dict[str, Any]) -> None:
    graphs = manifest["graphs"]
    articles = sum(
        n for iri, n in graphs.items() if iri not in (str(ONTOLOGY_GRAPH), str(INFERRED_GRAPH))
    )
    assert figure(
        README, r"asserted triples \| ([\d,]+) in the article graphs, ([\d,]+) in the ontology"
    ) == [
        articles,
        graphs[str(ONTOLOGY_GRAPH)],
    ]
    assert figure(README, r"inferred triples \| ([\d,]+) .*; ([\d,]+) in the union") == [
        manifest["inferred_triples"],
        manifest["union_triples"],
    ]
    assert figure(README, r"evidence quotes verified \| ([\d,]+)") == [manifest["quotes_checked"]]
    assert figure(README, r"articles \| (\d+) ") == [len(manifest["articles"])]


def test_the_distinct_resources(store: OxigraphStore) -> None:
    line = README[README.index("| distinct resources |") :].splitlines()[0]
    kinds = {
        r"(\d+) people": "?x a cahr:Person",
        r"(\d+) of them officials": "?x a cahr:Official",
        r"(\d+) statements": "?x a cahr:Statement",
        r"(\d+) post holdings": "?x a cahr:PostHolding",
        r"(\d+) international organisations": "?x a cahr:InternationalOrganization",
        r"(\d+) news outlets": "?x a cahr:NewsOutlet",
        r"(\d+) figures": "?x a cahr:Figure",
        r"(\d+) fundings": "?x a cahr:Funding",
        r"(\d+) implied values": "?x a cahr:ImpliedValue",
    }
    for pattern, where in kinds.items():
        assert figure(line, pattern) == [count(store, where)], pattern


def test_the_per_article_sums(manifest: dict[str, Any]) -> None:
    line = README[README.index("| per article, summed |") :].splitlines()[0]
    total = {
        kind: sum(article[kind] for article in manifest["articles"].values())
        for kind in (
            "people",
            "events",
            "meetings",
            "documents",
            "agreements",
            "decrees",
            "statements",
        )
    }
    assert figure(line, r"(\d+) people, (\d+) events \((\d+) meetings\)") == [
        total["people"],
        total["events"],
        total["meetings"],
    ]
    assert figure(
        line, r"(\d+) documents \((\d+) agreements, (\d+) decree mentions\), (\d+) statements"
    ) == [
        total["documents"],
        total["agreements"],
        total["decrees"],
        total["statements"],
    ]


def code_after(text: str, marker: str) -> tuple[str, str]:
    """The first code block after ``marker`` and the output block that follows it."""
    blocks = re.findall(r"```[a-z]*\n(.*?)```", text[text.index(marker) :], re.DOTALL)
    return blocks[0], blocks[1]


def test_the_first_curl_query_answers_as_shown(store: OxigraphStore) -> None:
    command, shown = code_after(README, "From a shell, with curl")
    query = command.split("query=", 1)[1].rsplit("'", 1)[0]
    answer = write(store.query(query), "text/csv").body.decode()
    rows = sorted(csv.reader(io.StringIO(answer)))
    assert rows == sorted(csv.reader(io.StringIO(shown))), answer


def test_the_python_example_prints_as_shown(store: OxigraphStore) -> None:
    program, shown = code_after(README, "From Python with SPARQLWrapper")
    query = program.split('"""', 2)[1]
    answer = json.loads(write(store.query(query), "application/sparql-results+json").body)
    printed = [
        f"{row['article']['value'].rsplit('/', 1)[-1]} {row['statements']['value']}"
        for row in answer["results"]["bindings"]
    ]
    assert printed == shown.strip().splitlines()


def test_health_examples_show_the_union_size(manifest: dict[str, Any]) -> None:
    """The /healthz answers that docs/ show count the union of the current build."""
    shown = 0
    for page in (ROOT / "docs").glob("*.md"):
        for triples in re.findall(r'"triples":(\d+)\}', page.read_text(encoding="utf-8")):
            assert int(triples) == manifest["union_triples"], page.name
            shown += 1
    assert shown >= 2


def test_every_article_graph_is_counted(manifest: dict[str, Any]) -> None:
    """The per-article figures above sum over every article of the build."""
    article_graphs = {iri for iri in manifest["graphs"] if iri.startswith(str(GRAPH))}
    assert len(article_graphs) - 2 == len(manifest["articles"])

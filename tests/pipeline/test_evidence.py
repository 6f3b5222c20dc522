"""Evidence per fact (#13, point 4): attestations get stable IRIs, their words a checked
place in the archived text, and the build counts which facts have words of their own."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDF

from cahr.dist import ANNOTATIONS_NAME, read_manifest
from cahr.iris import CAHR, EVIDENCE, OA, graph_iri
from cahr.layout import Layout
from cahr.pipeline.evidence import OWN, attestations, name_attestations
from cahr.pipeline.quotes import folded, normalise, places
from cahr.pipeline.run import Built, check

DECREE = "tokayev-decree-action-plan-2023-12-08"
PREFIXES = """@prefix cahr: <https://w3id.org/cahr/ontology#> .
@prefix id: <https://w3id.org/cahr/id/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""


def test_folding_keeps_the_original_positions() -> None:
    text = "Astana, \u2013 In a  landmark\nmove, Kazakhstan\u2019s plan"
    haystack, origin = folded(text)
    assert haystack == normalise(text)
    assert len(origin) == len(haystack)
    ((start, end),) = places(text, "landmark move, Kazakhstan's")
    assert text[start:end] == "landmark\nmove, Kazakhstan\u2019s"
    assert places(text, "a") == [(i, i + 1) for i, c in enumerate(text) if c == "a"]
    assert places(text, "not there") == []


def test_attestations_get_iris_from_what_they_say() -> None:
    data = (
        PREFIXES
        + """id:x cahr:date "2023-12-08"^^xsd:date ;
      cahr:attestation [ a cahr:Attestation ; cahr:exactWords "on December 8" ;
                         cahr:vouchesFor cahr:date ] ."""
    )
    named = []
    for _ in range(2):
        graph = Graph().parse(data=data, format="turtle")
        name_attestations(graph, "an-article")
        named.append(sorted(graph, key=str))
    assert named[0] == named[1], "the same file gives the same IRIs"
    (node,) = {o for _, p, o in named[0] if p == CAHR.attestation}
    assert str(node).startswith(str(EVIDENCE["an-article/"]))
    assert not any(isinstance(t, BNode) for triple in named[0] for t in triple)
    other = Graph().parse(data=data.replace("on December 8", "December 8"), format="turtle")
    name_attestations(other, "an-article")
    assert node not in set(other.objects(None, CAHR.attestation)), "other words, another IRI"


def add_to_decree(layout: Layout, turtle: str) -> Path:
    path = layout.kg_dir / f"{DECREE}.ttl"
    with path.open("a", encoding="utf-8") as file:
        file.write("\n" + turtle + "\n")
    return path


def messages(layout: Layout) -> list[str]:
    return [str(p) for p in check(layout).report.violations]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("attestation", "expected"),
    [
        # "human rights" occurs many times in the article: which one is meant?
        (
            '[ a cahr:Attestation ; cahr:exactWords "human rights" ; cahr:vouchesFor cahr:topic ]',
            "occur",
        ),
        (
            '[ a cahr:Attestation ; cahr:exactWords "human rights" ; cahr:offset 3 ; '
            "cahr:vouchesFor cahr:topic ]",
            "do not start at offset 3",
        ),
        (
            '[ a cahr:Attestation ; cahr:exactWords "signed a decree" ; '
            "cahr:vouchesFor cahr:location ]",
            "vouches for cahr:location",
        ),
        (
            '[ a cahr:Attestation ; cahr:exactWords "signed a decree" ; '
            "cahr:vouchesFor cahr:topic ; cahr:vouchesForValue id:child-rights ]",
            "vouches for the value",
        ),
        (
            '[ a cahr:Attestation ; cahr:exactWords "signed the decree" ; '
            "cahr:vouchesFor cahr:topic ]",
            "does not occur",
        ),
    ],
)
def test_a_bad_attestation_fails_naming_file_and_line(
    project_copy: Layout, attestation: str, expected: str
) -> None:
    path = add_to_decree(
        project_copy,
        f"id:signing-of-decree-on-human-rights-action-plan-2023 cahr:attestation {attestation} .",
    )
    last_line = len(path.read_text(encoding="utf-8").splitlines())
    found = [m for m in messages(project_copy) if expected in m]
    assert found, messages(project_copy)
    assert f"kg/{DECREE}.ttl:{last_line}:" in found[0], found[0]


@pytest.mark.slow
def test_a_recorded_offset_places_repeated_words(project_copy: Layout) -> None:
    text = (project_copy.root / "sources" / f"{DECREE}.txt").read_text(encoding="utf-8")
    second = text.index("human rights", text.index("human rights") + 1)
    add_to_decree(
        project_copy,
        "id:signing-of-decree-on-human-rights-action-plan-2023 cahr:attestation "
        f'[ a cahr:Attestation ; cahr:exactWords "human rights" ; cahr:offset {second} ; '
        "cahr:vouchesFor cahr:topic ] .",
    )
    checked = check(project_copy)
    assert checked.report.conforms, checked.report.text()
    graph = checked.loaded.article_graph(DECREE)
    (placed,) = [a for a in attestations(graph) if a.offset == second]
    assert checked.report.positions[placed.node].start == second
    assert checked.report.positions[placed.node].end == second + len("human rights")


# -- the real build ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def built_dataset(dist: Path) -> Dataset:
    found = Dataset()
    found.parse(dist / "dataset.nq", format="nquads")
    return found


def test_every_attestation_is_placed_where_its_words_are(
    built_dataset: Dataset, layout: Layout
) -> None:
    placed = 0
    for slug_path in layout.article_files():
        slug = slug_path.stem
        text = layout.source_text(slug).read_bytes().decode("utf-8")
        graph = built_dataset.graph(graph_iri(slug))
        for attestation in attestations(graph):
            start = graph.value(attestation.node, OA.start).toPython()
            end = graph.value(attestation.node, OA.end).toPython()
            exact = str(graph.value(attestation.node, OA.exact))
            assert text[start:end] == exact
            assert normalise(exact) == normalise(attestation.words)
            assert text[:start].endswith(str(graph.value(attestation.node, OA.prefix)))
            assert text[end:].startswith(str(graph.value(attestation.node, OA.suffix)))
            assert str(attestation.node).startswith(str(EVIDENCE[slug + "/"]))
            placed += 1
    assert placed >= 40


def test_the_annotations_are_the_graphs_attestations(built_dataset: Dataset, dist: Path) -> None:
    collection: dict[str, Any] = json.loads((dist / ANNOTATIONS_NAME).read_text("utf-8"))
    assert collection["@context"] == "http://www.w3.org/ns/anno.jsonld"
    items = collection["first"]["items"]
    assert collection["total"] == len(items) >= 40
    in_graph = {
        str(s) for s, _, _, _ in built_dataset.quads((None, RDF.type, CAHR.Attestation, None))
    }
    assert {a["id"] for a in items} == in_graph
    union = Graph()
    for s, p, o, _ in built_dataset.quads((None, None, None, None)):
        union.add((s, p, o))
    for item in items:
        quote, position = item["target"]["selector"]
        node = URIRef(item["id"])
        assert Literal(quote["exact"]) in set(union.objects(node, OA.exact))
        assert position["start"] == union.value(node, OA.start).toPython()
        subject = URIRef(item["body"]["id"])
        assert (subject, CAHR.attestation, node) in union
    assert ANNOTATIONS_NAME in read_manifest(dist)["files"]


def test_the_build_counts_the_facts_with_their_own_words(built: Built) -> None:
    counts = built.manifest["evidence"]
    assert set(counts) == set(built.manifest["articles"])
    for row in counts.values():
        assert row["facts"] == sum(v for k, v in row.items() if k != "facts")
    decree = counts[DECREE]
    # the worked example: what the curator did not attest rests on context (see the report)
    assert decree[OWN] >= 98 and decree["none"] == 0


DOCS = Path(__file__).resolve().parents[2] / "docs" / "linked-data.md"


def test_the_docs_give_this_builds_counts(built: Built) -> None:
    """The table and the sums in docs/linked-data.md are those of the build."""
    text = DOCS.read_text(encoding="utf-8")
    counts = built.manifest["evidence"]
    kinds = ["facts", "own", "verbatim", "implied", "resource", "none"]
    for slug, row in counts.items():
        match = re.search(rf"^\| `{slug}` \|(.*)\|$", text, re.MULTILINE)
        assert match, f"docs/linked-data.md has no row for {slug}"
        assert [int(c) for c in match.group(1).split("|")] == [row[k] for k in kinds], slug
    total = {k: sum(row[k] for row in counts.values()) for k in kinds}
    match = re.search(r"^\| all \|(.*)\|$", text, re.MULTILINE)
    assert match and [int(c) for c in match.group(1).split("|")] == [total[k] for k in kinds]
    words = total["own"] + total["verbatim"] + total["implied"]
    assert f"So {words} of {total['facts']:,} facts" in " ".join(text.split())
    decree = counts[DECREE]
    decree_words = decree["own"] + decree["verbatim"] + decree["implied"]
    assert f"in the worked example, {decree_words} of {decree['facts']}" in " ".join(text.split())
    if decree["resource"] + decree["none"]:
        assert f"The worked example's {decree['resource'] + decree['none']} others" in text
    us = counts["us-kazakhstan-dialogue-2024"]
    us_words = us["own"] + us["verbatim"] + us["implied"]
    assert f"converted second, {us_words} of {us['facts']}" in " ".join(text.split())
    if us["resource"] + us["none"]:
        assert f"The US article's {us['resource'] + us['none']}:" in " ".join(text.split())

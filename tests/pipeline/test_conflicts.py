"""The identity, conflict and implied-value checks fail the build where the articles clash.

Each case of ``tests/data/identity/`` is a small project (its ``kg/`` and
``sources/`` next to the real ontology and shapes); the checks run as the build
runs them. ``today`` holds the data as it was before these checks: they fail on
it, and pass on the corrected data of ``kg/``.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from rdflib import Literal

from cahr.errors import Problem
from cahr.layout import Layout
from cahr.pipeline import conflicts, marks
from cahr.pipeline.load import load
from cahr.pipeline.run import check

CASES = Path(__file__).parent.parent / "data" / "identity"


def project(case: str, layout: Layout, tmp_path: Path) -> Layout:
    """A project of ``case``'s kg/ (and sources/) with the real ontology and shapes."""
    for folder in ("ontology", "shapes"):
        shutil.copytree(layout.root / folder, tmp_path / folder)
    shutil.copytree(CASES / case / "kg", tmp_path / "kg")
    sources = CASES / case / "sources"
    shutil.copytree(sources if sources.is_dir() else layout.root / "sources", tmp_path / "sources")
    return Layout.at(tmp_path)


def found(layout: Layout, rule: str) -> list[Problem]:
    loaded = load(layout)
    problems = conflicts.problems(loaded, layout) + marks.problems(loaded, layout)
    return [p for p in problems if p.extra.get("rule") == rule]


def test_a_shared_iri_of_disjoint_kinds_fails_with_both_files(
    layout: Layout, tmp_path: Path
) -> None:
    small = project("type-clash", layout, tmp_path)
    [problem] = found(small, "identity-type-clash")
    assert problem.focus == "id:geneva-office"
    assert "cahr:Organization in kg/article-a.ttl:9" in problem.message
    assert "cahr:Place in kg/article-b.ttl:9" in problem.message
    # the whole build fails on it (the OWL RL closure also finds the graph inconsistent)
    report = check(small).report
    assert not report.conforms
    assert any("[identity-type-clash]" in p.message for p in report.violations)


def test_two_values_of_one_event_fail_with_both_values_and_lines(
    layout: Layout, tmp_path: Path
) -> None:
    small = project("value-clash", layout, tmp_path)
    [problem] = found(small, "identity-value-clash")
    assert (problem.focus, problem.property) == ("id:signing", "cahr:date")
    assert re.search(r'"2023-12-08"\^\^xsd:date in kg/article-a\.ttl:11', problem.message)
    assert re.search(r'"2023-11"\^\^xsd:gYearMonth in kg/article-b\.ttl:11', problem.message)
    assert (problem.path, problem.line) == ("kg/article-b.ttl", 11)
    assert not check(small).report.conforms


def test_a_coarser_date_agrees(layout: Layout, tmp_path: Path) -> None:
    assert found(project("value-coarser", layout, tmp_path), "identity-value-clash") == []


def test_a_recorded_disagreement_lets_the_build_pass_and_is_queryable(
    layout: Layout, tmp_path: Path
) -> None:
    small = project("recorded", layout, tmp_path)
    assert found(small, "identity-value-clash") == []
    assert found(small, "disagreement") == []
    dataset = load(small).dataset
    dataset.default_union = True  # the claims sit in their own articles' graphs
    rows = dataset.query(
        """
        PREFIX cahr: <https://w3id.org/cahr/ontology#>
        SELECT ?value ?article ?words WHERE {
          ?d a cahr:Disagreement ; cahr:disputedResource ?x ; cahr:disputedProperty cahr:date ;
             cahr:hasClaim ?c .
          ?c cahr:claimedValue ?value ; cahr:claimedIn ?article ; cahr:evidence ?words .
        }
        """
    )
    assert sorted((str(r.value), str(r.article).rsplit("/", 1)[-1]) for r in rows) == [
        ("2023-11", "article-b"),
        ("2023-12-08", "article-a"),
    ]


def test_a_claim_must_state_what_its_article_asserts(layout: Layout, tmp_path: Path) -> None:
    small = project("bad-claim", layout, tmp_path)
    faults = found(small, "disagreement")
    assert any('"2023-10"' in p.message and "article-b" in p.message for p in faults)
    # an ill-formed record excuses nothing: the clash is reported too
    assert len(found(small, "identity-value-clash")) == 1


def test_a_year_from_the_caption_needs_its_mark(layout: Layout, tmp_path: Path) -> None:
    small = project("caption", layout, tmp_path)
    [problem] = found(small, "unmarked-context-value")
    assert (problem.focus, problem.property) == ("id:reply", "cahr:date")
    assert "cahr:PhotoCaption" in problem.message
    assert (problem.path, problem.line) == ("kg/article-c.ttl", 30)


def test_the_checks_fail_on_the_data_before_issue_13(layout: Layout, tmp_path: Path) -> None:
    small = project("today", layout, tmp_path)
    [clash] = found(small, "identity-value-clash")
    assert clash.focus == "id:signing-of-decree-on-human-rights-action-plan-2023"
    assert clash.property == "cahr:instrument"
    assert "kg/central-asia-digest-2023-12.ttl:" in clash.message
    assert "kg/tokayev-decree-action-plan-2023-12-08.ttl:" in clash.message
    unmarked = found(small, "unmarked-context-value")
    by_property: dict[str | None, int] = {}
    for p in unmarked:
        by_property[p.property] = by_property.get(p.property, 0) + 1
    # the audit's count: 16 statement dates, 5 as-of dates, 16 "made at the High-Level
    # Segment" links; and the segment's own date, 4 dates marked implied without saying
    # that they rest on the caption, and the page's date banner given as its publication date
    assert by_property == {
        "cahr:date": 16 + 1 + 4,
        "cahr:asOf": 5,
        "cahr:madeAt": 16,
        "cahr:datePublished": 1,
    }
    [banner] = [p for p in unmarked if p.property == "cahr:datePublished"]
    assert "cahr:PageFurniture" in banner.message


def test_the_real_data_passes_every_check(layout: Layout) -> None:
    loaded = load(layout)
    assert conflicts.problems(loaded, layout) == []
    assert marks.problems(loaded, layout) == []


def test_every_property_that_must_agree_is_declared(layout: Layout) -> None:
    ontology = load(layout).ontology
    names = {str(p).rsplit("#", 1)[-1] for p in conflicts.agreeing_properties(ontology)}
    assert {"date", "instrument", "location", "signer"} <= names
    assert conflicts.disjoint_pairs(ontology)


@pytest.mark.parametrize(
    ("a", "b", "agree"),
    [
        (
            Literal("2023", datatype=conflicts.XSD.gYear),
            Literal("2023-12-08", datatype=conflicts.XSD.date),
            True,
        ),
        (
            Literal("2023-1", datatype=conflicts.XSD.gYearMonth),
            Literal("2023-12", datatype=conflicts.XSD.gYearMonth),
            False,
        ),
        (
            Literal("7", datatype=conflicts.XSD.decimal),
            Literal("7.0", datatype=conflicts.XSD.decimal),
            True,
        ),
    ],
)
def test_compatible_values(a: Literal, b: Literal, agree: bool) -> None:
    assert conflicts.compatible(a, b) is agree

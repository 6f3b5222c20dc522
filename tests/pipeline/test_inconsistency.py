"""An inconsistent graph fails the build (issue #11, point 8), and owlrl agrees that it is.

Each case is a copy of the project with one inconsistency the OWL RL closure
finds: an ill-typed literal (dt-not-type) or an individual of two disjoint
classes (cax-dw). ``kg build`` must exit 1 with a message naming the rule,
the resource or literal, and the file and line; dist/ must stay as it was, so
no error triple of the reasoner's can reach the dumps.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from owlrl.Namespaces import ERRNS
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from cahr.iris import CAHR, ID
from cahr.layout import Layout
from cahr.pipeline.load import load
from cahr.pipeline.reason import owlrl_closure, reason
from tests.pipeline.test_failures import kg, snapshot

pytestmark = pytest.mark.slow


@dataclass
class Broken:
    """What a test copy was broken with, and what the report must say about it."""

    rule: str
    path: Path  # the file the report must send the maintainer to
    line: int
    needles: list[str]  # what the message must name
    owlrl_message: str | None  # the message owlrl adds for it (None: owlrl does not check it)


def _replace_on_line(path: Path, pattern: str, new: str) -> int:
    """Replace the first match of ``pattern`` by ``new``; the (1-based) line it was on."""
    lines = path.read_text(encoding="utf-8").splitlines()
    number = next(i for i, line in enumerate(lines) if re.search(pattern, line))
    lines[number] = re.sub(pattern, new, lines[number], count=1)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return number + 1


def _ill_typed(path: Path, prop: str, old: str, new: str, datatype: str) -> Broken:
    """Write ``new`` for the value ``old`` of ``prop`` (both lexical forms of ``datatype``)."""
    line = _replace_on_line(
        path, rf'{prop} "{old}"\^\^xsd:{datatype}', f'{prop} "{new}"^^xsd:{datatype}'
    )
    return Broken(
        "dt-not-type",
        path,
        line,
        [f'"{new}"^^xsd:{datatype}', prop],
        f"Lexical value of the literal '{new}' does not match its datatype "
        f"(http://www.w3.org/2001/XMLSchema#{datatype})",
    )


def ill_typed_integer(layout: Layout) -> Broken:
    # cahr:ordinal has no sh:datatype shape: on main this copy built with exit 0
    path = layout.kg_dir / "central-asia-digest-2023-12.ttl"
    return _ill_typed(path, "cahr:ordinal", "75", "seventy-five", "positiveInteger")


def ill_typed_date(layout: Layout) -> Broken:
    path = layout.kg_dir / "kazakhstan-hrc-candidacy-2020.ttl"
    return _ill_typed(path, "cahr:asOf", "2020-02-24", "2020-13-45", "date")


def ill_typed_year_month(layout: Layout) -> Broken:
    # not an OWL 2 RL datatype: owlrl does not check it, the build does
    path = next(p for p in layout.article_files() if "^^xsd:gYearMonth" in p.read_text())
    line = _replace_on_line(path, r'"(\d{4})-\d\d"\^\^xsd:gYearMonth', r'"\1-13"^^xsd:gYearMonth')
    written = re.search(r'"\d{4}-13"\^\^xsd:gYearMonth', path.read_text().splitlines()[line - 1])
    assert written is not None
    return Broken("dt-not-type", path, line, [written.group(0)], None)


def disjoint_classes(layout: Layout) -> Broken:
    """A person also typed as an organisation, with the two classes made disjoint.

    The report must point at the statement that adds the second class, not at
    the person's first description.
    """
    with (layout.ontology_dir / "cahr.ttl").open("a", encoding="utf-8") as out:
        out.write("\ncahr:Person owl:disjointWith cahr:Organization .\n")
    files = layout.article_files()
    person = min(s for s in Graph().parse(files[0]).subjects(RDF.type, CAHR.Person))
    assert isinstance(person, URIRef)
    first = min(p for p in files if (person, None, None) in Graph().parse(p))
    slug = str(person).removeprefix(str(ID))
    with first.open("a", encoding="utf-8") as out:
        out.write(f"\nid:{slug} a cahr:Organization .\n")
    line = len(first.read_text(encoding="utf-8").splitlines())  # the type statement just added
    return Broken(
        "cax-dw",
        first,
        line,
        [f"id:{slug}", "cahr:Person", "cahr:Organization"],
        f"Disjoint classes {CAHR.Person} and {CAHR.Organization} have a common individual {person}",
    )


CASES: list[Callable[[Layout], Broken]] = [
    ill_typed_integer,
    ill_typed_date,
    ill_typed_year_month,
    disjoint_classes,
]
assert len(CASES) == 4


@pytest.fixture
def copy_with_dist(project_copy: Layout, dist: Path) -> Layout:
    shutil.copytree(dist, project_copy.dist_dir)
    return project_copy


@pytest.mark.parametrize("breaks", CASES, ids=[c.__name__ for c in CASES])
def test_an_inconsistent_copy_fails_the_build_and_keeps_dist(
    copy_with_dist: Layout, breaks: Callable[[Layout], Broken]
) -> None:
    before = snapshot(copy_with_dist.dist_dir)
    broken = breaks(copy_with_dist)
    result = kg(copy_with_dist.root, "build")
    assert result.returncode == 1, result.stdout + result.stderr
    where = f"{copy_with_dist.relative(broken.path)}:{broken.line}: Violation"
    lines = [line for line in result.stderr.splitlines() if f"OWL RL {broken.rule}" in line]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(where), (where, lines)
    for needle in broken.needles:
        assert needle in lines[0], (needle, lines[0])
    assert "dist/ was left as it was" in result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(copy_with_dist.dist_dir) == before


@pytest.mark.parametrize("breaks", CASES, ids=[c.__name__ for c in CASES])
def test_the_reference_owlrl_finds_the_same_inconsistency(
    project_copy: Layout, breaks: Callable[[Layout], Broken]
) -> None:
    broken = breaks(project_copy)
    asserted = [q[:3] for q in load(project_copy).dataset.quads((None, None, None, None))]
    fast, reference = reason(asserted), reason(asserted, engine="owlrl")
    assert [(i.rule, i.message) for i in fast.inconsistencies] == [
        (i.rule, i.message) for i in reference.inconsistencies
    ]
    assert [i.rule for i in fast.inconsistencies] == [broken.rule]
    owlrl_messages = {str(o) for _s, p, o in owlrl_closure(asserted) if p == ERRNS.error}
    expected = {broken.owlrl_message} if broken.owlrl_message else set()
    assert owlrl_messages == expected
    for result in (fast, reference):  # owlrl's error nodes never reach the inferred graph
        assert not any(str(p).startswith(str(ERRNS)) for _s, p, _o in result.inferred)
        assert (None, RDF.type, ERRNS.ErrorMessage) not in result.inferred


def test_kg_validate_reports_the_inconsistency(project_copy: Layout) -> None:
    broken = ill_typed_integer(project_copy)
    result = kg(project_copy.root, "validate")
    assert result.returncode == 1
    assert f"{project_copy.relative(broken.path)}:{broken.line}: Violation" in result.stdout
    assert "OWL RL dt-not-type" in result.stdout

"""A bad change makes `kg build` fail clearly, and leaves the previous dist/ as it was.

These run the real `kg` command on a copy of the project.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from cahr.iris import CAHR, PREFIXES
from cahr.layout import Layout

pytestmark = pytest.mark.slow


def kg(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cahr.cli", "--root", str(root), *args],
        capture_output=True,
        text=True,
        timeout=300,
    )


def snapshot(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def copy_with_dist(project_copy: Layout, dist: Path) -> Layout:
    """A project copy whose dist/ holds a good build."""
    shutil.copytree(dist, project_copy.dist_dir)
    return project_copy


def remove_triples(layout: Layout, cls: URIRef, prop: URIRef) -> tuple[str, Path]:
    """Remove ``prop`` from the first ``cls`` resource that has it, in every article file.

    Returns the resource and the first file that described it (where the
    report should send the maintainer).
    """
    graphs = {path: Graph().parse(path) for path in layout.article_files()}
    subject = next(
        s
        for g in graphs.values()
        for s in sorted(g.subjects(RDF.type, cls))
        if any((s, prop, None) in h for h in graphs.values())
    )
    first = None
    for path, graph in graphs.items():
        if (subject, None, None) in graph and first is None:
            first = path
        if (subject, prop, None) in graph:
            graph.remove((subject, prop, None))
            for prefix, ns in PREFIXES.items():
                graph.bind(prefix, ns, override=True)
            graph.serialize(path, format="turtle")
    assert first is not None
    return str(subject), first


@pytest.mark.parametrize(
    ("cls", "prop", "message"),
    [
        (CAHR.Meeting, CAHR.date, "A meeting needs a date"),
        (CAHR.Decree, CAHR.signer, "A decree needs the person who signed it"),
    ],
    ids=["meeting-date", "decree-signer"],
)
def test_missing_required_fact_fails_with_a_report_and_keeps_dist(
    copy_with_dist: Layout, cls: URIRef, prop: URIRef, message: str
) -> None:
    before = snapshot(copy_with_dist.dist_dir)
    subject, path = remove_triples(copy_with_dist, cls, prop)
    result = kg(copy_with_dist.root, "build")
    assert result.returncode == 1, result.stderr
    slug = subject.rsplit("/", 1)[-1]
    lines = [line for line in result.stderr.splitlines() if message in line]
    assert lines, result.stderr
    assert any(f"id:{slug}" in line and path.name in line for line in lines), lines
    assert snapshot(copy_with_dist.dist_dir) == before


def test_turtle_syntax_error_names_file_line_and_column(copy_with_dist: Layout) -> None:
    before = snapshot(copy_with_dist.dist_dir)
    path = copy_with_dist.article_files()[0]
    lines = path.read_text().splitlines()
    lines.insert(5, 'id:broken cahr:date "unterminated .')
    path.write_text("\n".join(lines) + "\n")
    result = kg(copy_with_dist.root, "build")
    assert result.returncode == 2
    assert f"kg/{path.name}:6:" in result.stderr, result.stderr
    assert snapshot(copy_with_dist.dist_dir) == before


def test_a_changed_quote_breaks_the_build(copy_with_dist: Layout) -> None:
    path = copy_with_dist.kg_dir / "tokayev-decree-action-plan-2023-12-08.ttl"
    text = path.read_text()
    graph = Graph().parse(path)
    quote = str(next(iter(sorted(graph.objects(None, CAHR.evidence)))))
    assert quote in text
    changed = quote.replace(quote.split()[0], quote.split()[0] + "X", 1)
    path.write_text(text.replace(f'"{quote}"', f'"{changed}"', 1))
    result = kg(copy_with_dist.root, "build")
    assert result.returncode == 1
    line_number = next(
        i for i, line in enumerate(path.read_text().splitlines(), 1) if changed in line
    )
    assert f"kg/{path.name}:{line_number}:" in result.stderr, result.stderr
    assert "does not occur in sources/tokayev-decree-action-plan-2023-12-08.txt" in result.stderr


def test_an_undeclared_term_breaks_the_build(copy_with_dist: Layout) -> None:
    path = copy_with_dist.article_files()[0]
    path.write_text(path.read_text() + "\nid:kazakhstan cahr:particpant id:kazakhstan .\n")
    result = kg(copy_with_dist.root, "validate")
    assert result.returncode == 1
    assert (
        "cahr#particpant" in result.stdout.replace("ontology#", "cahr#")
        or "particpant, which the ontology does not declare" in result.stdout
    ), result.stdout


def test_missing_folder_is_bad_input(tmp_path: Path) -> None:
    result = kg(tmp_path, "build")
    assert result.returncode == 2
    assert "ontology/ is missing" in result.stderr

"""Each cross-graph check of shapes/checks/ fires on a dataset made to break it.

``tests/data/checks/<rule>.trig`` breaks ``shapes/checks/<rule>-violation.rq``;
a valid dataset (the real one, in test_build) gives no row for any check.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Dataset, Graph

from cahr.layout import Layout
from cahr.pipeline.load import Loaded
from cahr.pipeline.validate import Report, _run_checks

CASES = sorted((Path(__file__).parent.parent / "data" / "checks").glob("*.trig"))


def test_every_check_has_a_bad_dataset(layout: Layout) -> None:
    rules = {p.name.removesuffix("-violation.rq") for p in layout.check_files()}
    assert rules == {p.stem for p in CASES}
    assert len(CASES) == 11


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_check_fires_on_its_bad_dataset(case: Path, layout: Layout, tmp_path: Path) -> None:
    dataset = Dataset()
    dataset.parse(case, format="trig")
    article = tmp_path / "t.ttl"
    article.write_text("# stands in for kg/t.ttl\n")
    report = Report()
    _run_checks(Loaded(dataset, {"t": article}), Graph(), layout, report)
    rules = {p.message.rsplit("[", 1)[-1].rstrip("]") for p in report.problems}
    assert case.stem in rules, [str(p) for p in report.problems]
    assert all(p.severity == "Violation" and p.message for p in report.problems)

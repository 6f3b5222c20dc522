"""A build that cannot make an artefact the site links to fails, and says what to install.

The ontology page shows a class diagram drawn by Graphviz's ``dot``: without dot,
``kg build`` must not publish a dist/ whose page points at a missing picture.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cahr.layout import Layout

pytestmark = pytest.mark.slow


def test_build_without_graphviz_fails_naming_the_package(
    project_copy: Layout, tmp_path: Path
) -> None:
    # The venv's python by its full path, and a PATH that holds nothing: no dot.
    bare = tmp_path / "bin"
    bare.mkdir()
    out = tmp_path / "out"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "cahr.cli",
            "--root",
            str(project_copy.root),
            "build",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PATH": str(bare)},
    )
    assert done.returncode == 2, done.stderr
    assert "graphviz" in done.stderr and "dot" in done.stderr
    assert "Traceback" not in done.stderr
    assert not out.exists(), "nothing is published"

"""What identifies a build: its id (a hash of everything it is made from) and its date.

Two builds of the same inputs with the same code and libraries write the same
bytes into dist/ and carry the same id, so that a dump can be cited by its
checksum and its id. The id covers the data (ontology/, kg/, shapes/,
sources/), the code of the graph side (every module of ``cahr``), and the
versions of the libraries and tools that write the output.

The date (``built_at``) is not the clock's, which would make every build
differ: it is ``SOURCE_DATE_EPOCH`` when set (the reproducible-builds.org
convention), else the time of the last commit that changed the inputs when
they are committed as they are, else now.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import cahr
from cahr.layout import Layout

# The libraries whose versions decide what the build writes.
LIBRARIES = ("rdflib", "owlrl", "pyshacl", "pyoxigraph", "pylode")
INPUT_SUFFIXES = {".ttl", ".rq", ".txt"}
CODE = Path(cahr.__file__).resolve().parent


def _inputs(layout: Layout) -> list[Path]:
    folders = (layout.ontology_dir, layout.kg_dir, layout.shapes_dir, layout.sources_dir)
    return [
        path
        for folder in folders
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.suffix in INPUT_SUFFIXES
    ]


def tool_versions() -> list[str]:
    """``name==version`` of each library, and Graphviz's own version line."""
    versions = [f"{name}=={metadata.version(name)}" for name in LIBRARIES]
    try:
        dot = subprocess.run(["dot", "-V"], capture_output=True, text=True, timeout=30)
        versions.append(dot.stderr.strip())
    except OSError:
        versions.append("graphviz missing")
    return versions


def build_id(layout: Layout) -> str:
    """A hash of the inputs, the code of ``cahr`` and the tools' versions (16 hex digits).

    Same inputs, code and tools: same id; any change of one: another id.
    """
    digest = hashlib.sha256(cahr.__version__.encode())
    for path in _inputs(layout):
        digest.update(layout.relative(path).encode())
        digest.update(path.read_bytes())
    for module in sorted(CODE.rglob("*.py")):
        if module.relative_to(CODE).parts[0] == "server":
            continue  # an installed wheel puts the HTTP side here; it writes nothing of dist/
        digest.update(module.relative_to(CODE).as_posix().encode())
        digest.update(module.read_bytes())
    for version in tool_versions():
        digest.update(version.encode())
    return digest.hexdigest()[:16]


def built_at(layout: Layout) -> str:
    """The build's date, ISO 8601 in UTC, as the module docstring says."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is None:
        epoch = _commit_time(layout)
    when = datetime.fromtimestamp(int(epoch), UTC) if epoch else datetime.now(UTC)
    return when.replace(microsecond=0).isoformat()


def _commit_time(layout: Layout) -> str | None:
    """The time of the last commit that changed the inputs, if they are committed as they are."""
    folders = ["ontology", "kg", "shapes", "sources"]
    try:
        changed = subprocess.run(
            ["git", "status", "--porcelain", "--", *folders],
            cwd=layout.root,
            capture_output=True,
            text=True,
            timeout=30,
        )
        if changed.returncode != 0 or changed.stdout.strip():
            return None
        last = subprocess.run(
            ["git", "log", "-1", "--format=%ct", "--", *folders],
            cwd=layout.root,
            capture_output=True,
            text=True,
            timeout=30,
        )
    except OSError:
        return None
    if last.returncode != 0:
        return None
    return last.stdout.strip() or None

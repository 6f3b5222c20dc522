"""Stage 5c: the competency questions, copied into dist/ as the query UI's examples.

The server reads nothing but dist/ (BRIEF, layout), so the example queries it
offers must travel with the build they were written for. Each
``ontology/competency/*.rq`` opens with a comment: ``# Question: ...`` (the
researcher's question in English, possibly over several lines) and
``# Why: ...``; the rest is the query, kept whole.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from cahr.layout import Layout

_FIELD = re.compile(r"^#\s*(Question|Why)\s*:\s*(.*)$", re.IGNORECASE)


@dataclass(frozen=True)
class Example:
    """One competency question and its query."""

    file: str
    name: str
    question: str
    why: str
    query: str


def parse(path: Path) -> Example:
    """The question, the reason and the query of one ``.rq`` file.

    A file without a ``# Question:`` line still becomes an example, named
    after the file, so that nothing a curator adds is silently dropped.
    """
    text = path.read_text(encoding="utf-8")
    fields: dict[str, list[str]] = {"question": [], "why": []}
    current: str | None = None
    for line in text.splitlines():
        if not line.startswith("#"):
            if line.strip():
                break
            continue
        match = _FIELD.match(line)
        if match:
            current = match.group(1).lower()
            fields[current].append(match.group(2).strip())
        elif current is not None:
            fields[current].append(line.lstrip("#").strip())
    name = re.sub(r"[-_]+", " ", path.stem).strip()
    question = " ".join(p for p in fields["question"] if p) or name
    return Example(path.name, name, question, " ".join(p for p in fields["why"] if p), text)


def examples(layout: Layout) -> list[Example]:
    """Every competency question of the project, in file order (may be empty)."""
    return [parse(path) for path in layout.competency_files()]


def as_json(found: list[Example]) -> list[dict[str, Any]]:
    return [asdict(e) for e in found]

"""A plain-text table of query results, for people at a terminal."""

from __future__ import annotations

from rdflib import Literal, URIRef

from cahr.iris import prefixed
from cahr.store.base import Boolean, Solutions


def text_table(result: Solutions | Boolean, width: int = 60) -> str:
    if isinstance(result, Boolean):
        return "true" if result.value else "false"
    rows = [[_cell(t, width) for t in row] for row in result.rows]
    widths = [max([len(v)] + [len(r[i]) for r in rows]) for i, v in enumerate(result.variables)]
    line = "  ".join(v.ljust(w) for v, w in zip(result.variables, widths, strict=True))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out)


def _cell(term: object, width: int) -> str:
    if term is None:
        return ""
    text = prefixed(str(term)) if isinstance(term, URIRef) else str(term)
    if isinstance(term, Literal) and term.language:
        text += f"@{term.language}"
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"

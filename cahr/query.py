"""Vet a SPARQL request before any engine sees it.

The public endpoint is read-only and offline. This module reads the query's
tokens (skipping strings, comments and IRIs) to tell its form, and refuses
what an engine could use to change data or to reach outside the dataset:
updates, SERVICE (pyoxigraph 0.5.13 does make HTTP calls for SERVICE; rdflib
does too), and FROM / FROM NAMED / protocol dataset parameters naming a
graph the dataset does not hold (rdflib would fetch it). Scanning tokens is
cheap, so the checks cost nothing next to evaluation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from cahr.errors import QueryRefused, QuerySyntaxError

QUERY_FORMS = {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}
UPDATE_FORMS = {
    "INSERT",
    "DELETE",
    "LOAD",
    "CLEAR",
    "DROP",
    "CREATE",
    "ADD",
    "MOVE",
    "COPY",
    "WITH",
}

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<comment>\#[^\r\n]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
               |'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][A-Za-z0-9_\u00b7\u00c0-\uffff]+)
  | (?P<pname>(?:[A-Za-z\u00c0-\uffff][\w.\-\u00b7\u00c0-\uffff]*)?:(?:[\w\-\u00b7\u00c0-\uffff%\\.]*[\w\-\u00b7\u00c0-\uffff%])?)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass
class QueryInfo:
    """What a query is and which graphs it names."""

    form: str
    from_graphs: list[str] = field(default_factory=list)
    from_named: list[str] = field(default_factory=list)
    uses_service: bool = False


def _tokens(text: str) -> Iterable[tuple[str, str]]:
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        if kind not in ("space", "comment"):
            yield kind, match.group()


def analyse(text: str) -> QueryInfo:
    """Tell the form of a query (or update) and the graphs it names.

    >>> analyse("PREFIX g: <https://w3id.org/cahr/graph/> SELECT * FROM g:x { ?s ?p ?o }").from_graphs
    ['https://w3id.org/cahr/graph/x']
    >>> analyse("INSERT DATA { <a> <b> <c> }").form
    'INSERT'
    """
    tokens = list(_tokens(text))
    prefixes: dict[str, str] = {}
    base = ""
    form = ""
    info = QueryInfo(form="")
    i = 0
    while i < len(tokens):
        kind, value = tokens[i]
        upper = value.upper() if kind == "word" else ""
        if upper == "PREFIX" and i + 2 < len(tokens) and tokens[i + 1][0] == "pname":
            if tokens[i + 2][0] == "iri":
                prefixes[tokens[i + 1][1][:-1]] = tokens[i + 2][1][1:-1]
            i += 3
            continue
        if upper == "BASE" and i + 1 < len(tokens) and tokens[i + 1][0] == "iri":
            base = tokens[i + 1][1][1:-1]
            i += 2
            continue
        if not form and (upper in QUERY_FORMS or upper in UPDATE_FORMS):
            form = upper
        if upper == "SERVICE":
            info.uses_service = True
        if upper == "FROM" and i + 1 < len(tokens):
            named = tokens[i + 1][0] == "word" and tokens[i + 1][1].upper() == "NAMED"
            target = tokens[i + 2] if named and i + 2 < len(tokens) else tokens[i + 1]
            iri = _resolve(target, prefixes, base)
            if iri is not None:
                (info.from_named if named else info.from_graphs).append(iri)
        i += 1
    info.form = form
    return info


def _resolve(token: tuple[str, str], prefixes: dict[str, str], base: str) -> str | None:
    kind, value = token
    if kind == "iri":
        iri = value[1:-1]
        return iri if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", iri) else base + iri
    if kind == "pname":
        prefix, _, local = value.partition(":")
        return prefixes.get(prefix, prefix + ":") + local
    return None


def vet(
    text: str,
    known_graphs: Iterable[str],
    *,
    default_graphs: Sequence[str] = (),
    named_graphs: Sequence[str] = (),
) -> QueryInfo:
    """Refuse what the read-only, offline endpoint must not run.

    :param known_graphs: the named graphs the dataset holds.
    :param default_graphs: the request's default-graph-uri values.
    :param named_graphs: the request's named-graph-uri values.
    :raises QuerySyntaxError: the text is empty.
    :raises QueryRefused: an update, SERVICE, or a graph outside the dataset.
    """
    if not text.strip():
        raise QuerySyntaxError("the query is empty")
    info = analyse(text)
    if info.form in UPDATE_FORMS:
        raise QueryRefused(
            f"this endpoint is read-only: {info.form} is a SPARQL Update operation, and updates "
            "are refused (SPARQL 1.1 Protocol, section 2.2: a query service need not accept updates)"
        )
    if info.uses_service:
        raise QueryRefused(
            "SERVICE is not allowed: this endpoint never contacts other services on a query's behalf"
        )
    known = set(known_graphs)
    for source, iris in (
        ("FROM", info.from_graphs),
        ("FROM NAMED", info.from_named),
        ("default-graph-uri", default_graphs),
        ("named-graph-uri", named_graphs),
    ):
        for iri in iris:
            if iri not in known:
                raise QueryRefused(
                    f"{source} <{iri}> names a graph that this dataset does not hold; this endpoint "
                    "never loads graphs from elsewhere. Its named graphs are listed in the service "
                    "description (GET /sparql)."
                )
    return info


def syntax_error(message: str) -> QuerySyntaxError:
    """A QuerySyntaxError from an engine message such as 'error at 1:25: expected ...'."""
    match = re.search(r"error at (\d+):(\d+): ?(.*)", message, re.DOTALL)
    if match:
        return QuerySyntaxError(match.group(3).strip(), int(match.group(1)), int(match.group(2)))
    return QuerySyntaxError(message)

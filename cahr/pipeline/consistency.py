"""The inconsistencies the OWL RL closure found, as problems that point at the files.

An inconsistent graph entails everything, so its closure means nothing: each
instance of a consistency rule (W3C OWL 2 RL, tables 4 to 9:
https://www.w3.org/TR/owl2-profiles/#Reasoning_in_OWL_2_RL_and_RDF_Graphs_using_Rules)
is a violation that fails the build. The rule's resource (or, for an
ill-typed literal, the statement holding it) is located in the file that
asserts it.
"""

from __future__ import annotations

import re
from pathlib import Path

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDF
from rdflib.term import Node

from cahr.errors import Problem
from cahr.iris import ONTOLOGY_GRAPH, graph_iri, prefixed
from cahr.layout import Layout
from cahr.pipeline.load import Loaded
from cahr.pipeline.locate import line_of_statement, line_of_subject, line_of_value
from cahr.pipeline.rules import NOT_IMPLEMENTED, Inconsistency

_IRI = re.compile(r"https?://[^\s,()'\"<>]+")


def problems(found: list[Inconsistency], loaded: Loaded, layout: Layout) -> list[Problem]:
    """One violation per inconsistency, with the file and line of the asserted statement."""
    return [
        _refused(inconsistency, loaded, layout)
        if inconsistency.rule == NOT_IMPLEMENTED
        else _problem(inconsistency, loaded, layout)
        for inconsistency in found
    ]


def _refused(found: Inconsistency, loaded: Loaded, layout: Layout) -> Problem:
    """An axiom the reasoner does not implement, at the line that writes it.

    A blank node (a restriction, a list) is found in the block of the named
    resource it belongs to.
    """
    term = found.property
    assert term is not None
    named, seen = found.focus, set()
    while isinstance(named, BNode) and named not in seen:
        seen.add(named)
        named = next((q[0] for q in loaded.dataset.quads((None, None, named, None))), named)
    path: str | None = None
    line: int | None = None
    # the file whose block of ``named`` writes the term (a class can be described in
    # several files), else the first file about ``named``
    for candidate in [*layout.ontology_files(), *loaded.articles.values()]:
        line = line_of_statement(candidate, str(named), str(term))
        if line is not None:
            path = layout.relative(candidate)
            break
    where = _first_file(named, loaded, layout) if path is None else None
    if where is not None:
        path, line = layout.relative(where[0]), line_of_subject(where[0], str(named))
    return Problem(
        message=(
            f"{prefixed(str(named))} uses {prefixed(str(term))}, an axiom that the build's "
            "OWL RL reasoner does not implement: its conclusions would be silently missing "
            '(the rules it implements: docs/ontology.md, "Reasoning"); remove the axiom, '
            "or implement its rule in cahr/pipeline/rules.py"
        ),
        path=path,
        line=line,
        focus=prefixed(str(named)) if isinstance(named, URIRef) else None,
        property=prefixed(str(term)),
        extra={"rule": NOT_IMPLEMENTED},
    )


def _problem(found: Inconsistency, loaded: Loaded, layout: Layout) -> Problem:
    focus, prop = found.focus, found.property
    where: tuple[Path, Node] | None = None
    if isinstance(focus, Literal) and found.rule == "dt-not-type":
        # the literal stands in for the statement that holds it
        for s, p, _o, g in loaded.dataset.quads((None, None, focus, None)):
            file = _file_of(g, s, loaded, layout)
            if file is not None:
                where, focus, prop = (file, s), s, p
                break
        message = (
            f"the literal {_literal(found.focus)} is not a valid value of its datatype "
            f"(OWL RL dt-not-type: an ill-typed literal makes the graph inconsistent)"
        )
    else:
        where = _first_file(focus, loaded, layout)
        message = f"{_short(found.message)} (OWL RL {found.rule}: the graph is inconsistent)"
    path: str | None = None
    line: int | None = None
    typed = _typing(found, loaded, layout)
    if typed is not None:  # the statement that gives ``focus`` one of the clashing classes
        path, line = layout.relative(typed[0]), typed[1]
    elif where is not None:
        path = layout.relative(where[0])
        subject = str(where[1])
        if isinstance(found.focus, Literal) and found.rule == "dt-not-type":
            line = line_of_value(where[0], subject, str(found.focus))
        else:
            line = line_of_subject(where[0], subject)
    return Problem(
        message=message,
        path=path,
        line=line,
        focus=prefixed(str(focus)) if isinstance(focus, URIRef) else None,
        property=prefixed(str(prop)) if isinstance(prop, URIRef) else None,
        extra={"rule": found.rule},
    )


def _typing(found: Inconsistency, loaded: Loaded, layout: Layout) -> tuple[Path, int] | None:
    """The file and line of an asserted ``focus a C`` for one of the rule's classes.

    The last class first: it is the one the type statement added last (in the
    order the rule names them) most often contradicts.
    """
    for cls in reversed(found.classes):
        files = {
            _file_of(g, found.focus, loaded, layout)
            for _s, _p, _o, g in loaded.dataset.quads((found.focus, RDF.type, cls, None))
        }
        for path in sorted(p for p in files if p is not None):
            line = line_of_statement(path, str(found.focus), str(cls))
            if line is not None:
                return path, line
    return None


def _file_of(graph: Node | None, subject: Node, loaded: Loaded, layout: Layout) -> Path | None:
    """The file an asserted graph comes from (for the ontology: the file naming ``subject``)."""
    for slug, path in loaded.articles.items():
        if graph == graph_iri(slug):
            return path
    if graph == ONTOLOGY_GRAPH:
        files = layout.ontology_files()
        for path in files:
            if line_of_subject(path, str(subject)):
                return path
        return files[0] if files else None
    return None


def _first_file(focus: Node, loaded: Loaded, layout: Layout) -> tuple[Path, Node] | None:
    """The first file, by name, with a statement about ``focus`` (as subject, else as object)."""
    for pattern in ((focus, None, None), (None, None, focus)):
        files = {
            path
            for _s, _p, _o, g in loaded.dataset.quads((*pattern, None))
            if (path := _file_of(g, focus, loaded, layout)) is not None
        }
        if files:
            return min(files), focus
    return None


def _literal(literal: Node) -> str:
    assert isinstance(literal, Literal)
    if literal.datatype is None:
        return f'"{literal}"'
    return f'"{literal}"^^{prefixed(str(literal.datatype))}'


def _short(message: str) -> str:
    """owlrl's message with its IRIs written as prefixed names."""
    return _IRI.sub(lambda m: prefixed(m.group(0)), message)

"""RDF terms between rdflib and pyoxigraph, and the one writer of RDF for every output.

Graph answers of ``/sparql`` and ``kg query``, linked-data pages, the service
description and the dumps of dist/ are all written here, by pyoxigraph's
serialisers: measured on the 9,030-triple union, 13 to 37 times faster than
rdflib's (Turtle 629 -> 17 ms), and they keep every literal's lexical form as
it was written (rdflib's Turtle writer turns ``"41"^^xsd:decimal`` into
``41.0``). rdflib writes one format only: compacted JSON-LD with the project's
context, which pyoxigraph 0.5 does not write (it writes expanded JSON-LD).

Statements are given as pyoxigraph Triples or Quads, or as rdflib tuples
(``(s, p, o)`` or ``(s, p, o, graph IRI)``); a triple format merges the
graphs of quads and writes each triple once, a quad format writes triples in
the default graph.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from cahr.iris import PREFIXES

JSON_LD = "application/ld+json"
# Media type -> pyoxigraph's format, for every RDF media type of cahr.formats.RDF_TYPES.
FORMATS: dict[str, ox.RdfFormat] = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/n-quads": ox.RdfFormat.N_QUADS,
    "application/trig": ox.RdfFormat.TRIG,
    JSON_LD: ox.RdfFormat.JSON_LD,
}

Statement = ox.Triple | ox.Quad | tuple[Any, ...]


def to_rdflib(term: object) -> Node:
    """An rdflib term for a pyoxigraph term."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        return Literal(
            term.value, datatype=None if datatype == str(XSD.string) else URIRef(datatype)
        )
    raise TypeError(f"unsupported term {term!r}")


def to_oxigraph(term: Node) -> Any:
    """A pyoxigraph term for an rdflib term (the literal's lexical form kept as written)."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"unsupported term {term!r}")


def as_quad(statement: Statement) -> ox.Quad:
    """A pyoxigraph Quad; a triple goes into the default graph."""
    if isinstance(statement, ox.Quad):
        return statement
    if isinstance(statement, ox.Triple):
        return ox.Quad(statement.subject, statement.predicate, statement.object)
    s, p, o, *graph = statement
    name = ox.NamedNode(str(graph[0])) if graph and graph[0] is not None else ox.DefaultGraph()
    return ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o), name)


def canonical_quads(graph: Graph | Dataset) -> list[ox.Quad]:
    """The statements of an rdflib Graph (in the default graph) or Dataset (named graphs),
    blank nodes labelled canonically (RDFC-1.0), sorted: the same statements give the same
    list, whatever labels rdflib gave their blank nodes when it parsed them (random ones)."""
    if isinstance(graph, Dataset):
        return canonical([as_quad(quad) for quad in graph.quads((None, None, None, None))])
    return canonical([as_quad(triple) for triple in graph])


def canonical(statements: list[ox.Quad]) -> list[ox.Quad]:
    """``statements`` with their blank nodes labelled canonically (RDFC-1.0), sorted.

    Only the statements that hold a blank node are canonicalised: RDFC-1.0 labels a
    blank node from the statements that mention it alone, so the labels are the same,
    and a 100x build no longer hands 750,000 statements to the algorithm for the few
    thousand that need it.
    """
    blank = [q for q in statements if _has_blank_node(q)]
    if blank:
        labelled = ox.Dataset(blank)
        labelled.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
        statements = [q for q in statements if not _has_blank_node(q)] + list(labelled)
    return sorted(statements, key=str)


def _has_blank_node(quad: ox.Quad) -> bool:
    return isinstance(quad.subject, ox.BlankNode) or isinstance(quad.object, ox.BlankNode)


def write_rdf(
    statements: Iterable[Statement],
    media_type: str,
    *,
    prefixes: dict[str, str] | None = None,
    compact: bool = True,
) -> bytes:
    """``statements`` written as ``media_type`` (a key of FORMATS), in the order given.

    :param prefixes: added to the project's prefixes (cahr.iris.PREFIXES) where the
        format has any.
    :param compact: JSON-LD compacted with the prefixes as its context (rdflib's
        writer: a page or an answer a person reads); else pyoxigraph's flat JSON-LD,
        full IRIs and no context, about 20 times faster (the dump of the union, which
        at 100x was the largest cost of the export stage).

    >>> write_rdf([(URIRef("https://w3id.org/cahr/id/x"), URIRef("https://schema.org/value"),
    ...   Literal("41", datatype=XSD.decimal))], "text/turtle").decode().splitlines()[-1]
    'id:x schema:value "41"^^xsd:decimal .'
    """
    known = {**PREFIXES, **(prefixes or {})}
    if media_type == JSON_LD and compact:
        return _compacted_json_ld(statements, known)
    quads = (as_quad(s) for s in statements)
    rdf_format = FORMATS[media_type]
    # An RDF graph or dataset is a set: each statement once (a triple format merges graphs).
    items: Iterable[ox.Triple] | Iterable[ox.Quad]
    if rdf_format.supports_datasets:
        items = list(dict.fromkeys(quads))
    else:
        items = list(dict.fromkeys(q.triple for q in quads))
    body = ox.serialize(items, format=rdf_format, prefixes=known)
    assert body is not None  # no output file was given: the bytes are returned
    return body


def _compacted_json_ld(statements: Iterable[Statement], prefixes: dict[str, str]) -> bytes:
    graph = Graph()
    for prefix, namespace in prefixes.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    for statement in statements:
        if isinstance(statement, ox.Triple | ox.Quad):
            terms = (statement.subject, statement.predicate, statement.object)
            graph.add((to_rdflib(terms[0]), to_rdflib(terms[1]), to_rdflib(terms[2])))
        else:
            graph.add(tuple(statement[:3]))
    compacted = json.loads(graph.serialize(format="json-ld", context=prefixes, auto_compact=True))
    # rdflib writes nodes and values in the order of its hash tables, which changes from one
    # process to the next; sorted, the same graph is the same bytes.
    return (json.dumps(_sorted_json_ld(compacted), indent=2, ensure_ascii=False) + "\n").encode()


def _sorted_json_ld(value: Any) -> Any:
    """JSON-LD with every unordered array sorted (an ``@list`` keeps its order)."""
    if isinstance(value, dict):
        return {
            key: [_sorted_json_ld(v) for v in item] if key == "@list" else _sorted_json_ld(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        items = [_sorted_json_ld(v) for v in value]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
    return value

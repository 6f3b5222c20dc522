"""Comparing what the server answers with what the build wrote.

pyoxigraph 0.5.13 (the default store) keeps the value of a literal typed with a
derived integer type but reports its datatype as ``xsd:integer``
(``"43"^^xsd:positiveInteger`` comes back as ``"43"^^xsd:integer``), so every
answer from the store, the endpoint's included, has that form. rdflib's Turtle
writer prints ``"2"^^xsd:decimal`` as ``2.0``, the same value in its canonical
lexical form. Comparisons map both to one form on both sides; everything else
must be equal as it is.
"""

from __future__ import annotations

from decimal import Decimal

from rdflib import Literal
from rdflib.namespace import XSD
from rdflib.term import Node

INTEGER_TYPES = {
    XSD.positiveInteger,
    XSD.nonNegativeInteger,
    XSD.negativeInteger,
    XSD.nonPositiveInteger,
    XSD.long,
    XSD.int,
    XSD.short,
    XSD.byte,
    XSD.unsignedLong,
    XSD.unsignedInt,
    XSD.unsignedShort,
    XSD.unsignedByte,
}


def canonical_term(term: Node) -> Node:
    if isinstance(term, Literal) and term.datatype in INTEGER_TYPES:
        return Literal(str(term), datatype=XSD.integer)
    if isinstance(term, Literal) and term.datatype == XSD.decimal:
        return Literal(format(Decimal(str(term)).normalize(), "f"), datatype=XSD.decimal)
    return term


def canonical(triple: tuple[Node, Node, Node]) -> tuple[Node, Node, Node]:
    s, p, o = triple
    return s, p, canonical_term(o)

"""Write query results in the SPARQL results formats and in RDF.

One writer for every backend, so that the engines answer byte-alike. A row
cap cuts a SELECT result and says so (``Written.truncated``), never silently.
The rows of a SELECT may hold rdflib terms or pyoxigraph's own (a store asked
for ``native`` rows, which spares making an rdflib term of each value: a
third of the cost of a light query's answer); both are written alike.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TypeVar
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef

from cahr.rdf import write_rdf
from cahr.store.base import Boolean, QueryResult, Row, Solutions, Triples

T = TypeVar("T")


@dataclass
class Written:
    """A serialised result and what the response should say about it."""

    body: bytes
    media_type: str
    rows: int
    truncated: bool = False


def is_graph_result(result: QueryResult) -> bool:
    return isinstance(result, Triples)


def write(result: QueryResult, media_type: str, *, max_rows: int | None = None) -> Written:
    """Serialise ``result`` as ``media_type`` (one of cahr.formats), cut at ``max_rows``."""
    if isinstance(result, Triples):
        triples, truncated = _take(result.triples, max_rows)
        return Written(write_rdf(triples, media_type), media_type, len(triples), truncated)
    if isinstance(result, Boolean):
        return Written(_boolean(result.value, media_type), media_type, 1)
    assert isinstance(result, Solutions)
    rows, truncated = _take(result.rows, max_rows)
    writer = {
        "application/sparql-results+json": _json,
        "application/sparql-results+xml": _xml,
        "text/csv": _csv,
        "text/tab-separated-values": _tsv,
    }[media_type]
    return Written(writer(result.variables, rows), media_type, len(rows), truncated)


def _take(rows: Iterator[T], limit: int | None) -> tuple[list[T], bool]:
    """The first ``limit`` items, and whether there were more."""
    taken: list[T] = []
    for row in rows:
        if limit is not None and len(taken) >= limit:
            return taken, True
        taken.append(row)
    return taken, False


def _boolean(value: bool, media_type: str) -> bytes:
    if media_type == "application/sparql-results+json":
        return json.dumps({"head": {}, "boolean": value}).encode()
    if media_type == "application/sparql-results+xml":
        return (
            f'<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
            f"<head/><boolean>{'true' if value else 'false'}</boolean></sparql>\n"
        ).encode()
    # CSV/TSV have no boolean form; the common practice is a one-cell table.
    return f"_askResult\n{'true' if value else 'false'}\n".encode()


# Datatypes that a SPARQL results document leaves out (plain and language-tagged strings).
_IMPLICIT = {
    "http://www.w3.org/2001/XMLSchema#string",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString",
}


def _parts(term: object) -> tuple[str, str, str | None, str | None]:
    """(kind, value, language, datatype) of an rdflib or a pyoxigraph term.

    ``kind`` is "uri", "bnode" or "literal", as in SPARQL JSON results; the
    datatype is None for plain and language-tagged strings.
    """
    if isinstance(term, ox.NamedNode):
        return "uri", term.value, None, None
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value
        language = term.language or None
        return "literal", term.value, language, None if datatype in _IMPLICIT else datatype
    if isinstance(term, ox.BlankNode):
        return "bnode", term.value, None, None
    if isinstance(term, URIRef):
        return "uri", str(term), None, None
    if isinstance(term, BNode):
        return "bnode", str(term), None, None
    assert isinstance(term, Literal)
    written_type = str(term.datatype) if term.datatype and not term.language else None
    return "literal", str(term), term.language or None, written_type


def _json_term(term: object) -> dict[str, str]:
    kind, value, language, datatype = _parts(term)
    out = {"type": kind, "value": value}
    if language:
        out["xml:lang"] = language
    elif datatype:
        out["datatype"] = datatype
    return out


def _json(variables: list[str], rows: list[Row]) -> bytes:
    bindings = [
        {v: _json_term(t) for v, t in zip(variables, row, strict=False) if t is not None}
        for row in rows
    ]
    return json.dumps(
        {"head": {"vars": variables}, "results": {"bindings": bindings}}, ensure_ascii=False
    ).encode("utf-8")


def _xml(variables: list[str], rows: list[Row]) -> bytes:
    out = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n<head>']
    out += [f"<variable name={quoteattr(v)}/>" for v in variables]
    out.append("</head>\n<results>")
    for row in rows:
        out.append("<result>")
        for v, t in zip(variables, row, strict=False):
            if t is None:
                continue
            kind, value, language, datatype = _parts(t)
            if kind != "literal":
                inner = f"<{kind}>{escape(value)}</{kind}>"
            else:
                attr = (
                    f" xml:lang={quoteattr(language)}"
                    if language
                    else f" datatype={quoteattr(datatype)}"
                    if datatype
                    else ""
                )
                inner = f"<literal{attr}>{escape(value)}</literal>"
            out.append(f"<binding name={quoteattr(v)}>{inner}</binding>")
        out.append("</result>")
    out.append("</results>\n</sparql>\n")
    return "".join(out).encode("utf-8")


def _csv(variables: list[str], rows: list[Row]) -> bytes:
    # SPARQL 1.1 CSV: plain values, blank nodes as _:label, CRLF line ends.
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(variables)
    for row in rows:
        writer.writerow([_csv_cell(t) for t in row])
    return buffer.getvalue().encode("utf-8")


def _csv_cell(term: object) -> str:
    if term is None:
        return ""
    kind, value, _, _ = _parts(term)
    return f"_:{value}" if kind == "bnode" else value


def _tsv_term(term: object) -> str:
    if term is None:
        return ""
    kind, value, language, datatype = _parts(term)
    if kind == "uri":
        return f"<{value}>"
    if kind == "bnode":
        return f"_:{value}"
    text = (
        value.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
    )
    if language:
        return f'"{text}"@{language}'
    if datatype:
        return f'"{text}"^^<{datatype}>'
    return f'"{text}"'


def _tsv(variables: list[str], rows: list[Row]) -> bytes:
    lines = ["\t".join(f"?{v}" for v in variables)]
    lines += ["\t".join(_tsv_term(t) for t in row) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")

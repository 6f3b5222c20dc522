"""Media types and formats, as data: shared by ``kg query`` and the server.

Each table maps a media type to the short name that ``kg query --format``
and the ``format`` request parameter accept, and to how it is written.
"""

from __future__ import annotations

# SELECT and ASK results: media type -> short name.
RESULT_TYPES: dict[str, str] = {
    "application/sparql-results+json": "json",
    "application/sparql-results+xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
}

# CONSTRUCT, DESCRIBE and linked-data pages: media type -> (short name, rdflib format, extension).
RDF_TYPES: dict[str, tuple[str, str, str]] = {
    "text/turtle": ("turtle", "turtle", "ttl"),
    "application/n-triples": ("ntriples", "nt", "nt"),
    "application/ld+json": ("jsonld", "json-ld", "jsonld"),
    "application/rdf+xml": ("rdfxml", "xml", "rdf"),
    "application/n-quads": ("nquads", "nquads", "nq"),
    "application/trig": ("trig", "trig", "trig"),
}

# Aliases clients send in ?format= / ?output= (SPARQLWrapper sends json, xml, turtle, ...).
ALIASES: dict[str, str] = {
    "json": "application/sparql-results+json",
    "srj": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "srx": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "turtle": "text/turtle",
    "ttl": "text/turtle",
    "n3": "text/turtle",
    "nt": "application/n-triples",
    "ntriples": "application/n-triples",
    "n-triples": "application/n-triples",
    "jsonld": "application/ld+json",
    "json-ld": "application/ld+json",
    "rdf": "application/rdf+xml",
    "rdfxml": "application/rdf+xml",
    "rdf+xml": "application/rdf+xml",
    "nq": "application/n-quads",
    "nquads": "application/n-quads",
    "trig": "application/trig",
}

# Other media types that name one of ours.
SYNONYMS: dict[str, str] = {
    "application/json": "application/sparql-results+json",
    "application/xml": "application/sparql-results+xml",
    "text/xml": "application/sparql-results+xml",
    "application/x-turtle": "text/turtle",
    "text/plain": "application/n-triples",
    "application/json+ld": "application/ld+json",
}

DEFAULT_RESULT_TYPE = "application/sparql-results+json"
DEFAULT_RDF_TYPE = "text/turtle"


def media_type_for(name: str) -> str | None:
    """The media type a short name, alias or media type stands for.

    >>> media_type_for("ttl")
    'text/turtle'
    >>> media_type_for("application/json")
    'application/sparql-results+json'
    """
    key = name.strip().lower()
    if key in RESULT_TYPES or key in RDF_TYPES:
        return key
    return ALIASES.get(key) or SYNONYMS.get(key)

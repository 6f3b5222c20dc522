"""Namespaces and the persistent IRI scheme (see shared BRIEF: Identifiers).

IRIs are fixed once, in the w3id.org style, and never derived from the host
that serves them; the server maps ``https://w3id.org/cahr/{path}`` to ``/{path}``.
"""

from __future__ import annotations

import re

from rdflib import Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SKOS, TIME, XSD

BASE = "https://w3id.org/cahr/"
CAHR = Namespace(BASE + "ontology#")
ID = Namespace(BASE + "id/")
SOURCE = Namespace(BASE + "source/")
GRAPH = Namespace(BASE + "graph/")
# The attestations (per-fact evidence quotes): evidence/<article-slug>/<hash>.
EVIDENCE = Namespace(BASE + "evidence/")
# W3C Web Annotation: the selectors that place an attestation's words in its text.
OA = Namespace("http://www.w3.org/ns/oa#")
SCHEMA = Namespace("https://schema.org/")
VANN = Namespace("http://purl.org/vocab/vann/")
SH = Namespace("http://www.w3.org/ns/shacl#")

ONTOLOGY = URIRef(BASE + "ontology")
ONTOLOGY_GRAPH = GRAPH["ontology"]
# The VoID/DCAT description of the dataset, and the dataset it describes.
VOID_DOC = URIRef(BASE + ".well-known/void")
DATASET = URIRef(BASE + ".well-known/void#dataset")
# DCAT 3's dcat:version, which rdflib's closed DCAT namespace (DCAT 2) does not list.
DCAT_VERSION = URIRef("http://www.w3.org/ns/dcat#version")
INFERRED_GRAPH = GRAPH["inferred"]

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")

# Prefixes bound in every serialisation and shown in the query UI.
PREFIXES: dict[str, str] = {
    "cahr": str(CAHR),
    "id": str(ID),
    "src": str(SOURCE),
    "graph": str(GRAPH),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "foaf": str(FOAF),
    "org": str(ORG),
    "prov": str(PROV),
    "time": str(TIME),
    "schema": str(SCHEMA),
    "oa": str(OA),
}

# Namespaces whose own terms the graph never makes statements about.
BUILTIN_NAMESPACES = (str(RDF), str(RDFS), str(OWL), str(XSD), str(SH))


def graph_iri(slug: str) -> URIRef:
    """The named graph of the article ``slug``."""
    return GRAPH[slug]


def source_iri(slug: str) -> URIRef:
    """The article resource ``slug``."""
    return SOURCE[slug]


def slug_of(iri: str) -> str | None:
    """The last path segment of a CAHR IRI, or None for any other IRI.

    >>> slug_of("https://w3id.org/cahr/id/kazakhstan")
    'kazakhstan'
    >>> slug_of("https://schema.org/Person") is None
    True
    """
    if not iri.startswith(BASE):
        return None
    return iri.rstrip("/").rsplit("/", 1)[-1].split("#")[-1]


def prefixed(iri: str) -> str:
    """A short prefixed name for an IRI when a known prefix fits, else the IRI.

    >>> prefixed("https://w3id.org/cahr/ontology#Decree")
    'cahr:Decree'
    """
    best = ""
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and len(ns) > len(PREFIXES.get(best, "")):
            best = prefix
    if best:
        local = iri[len(PREFIXES[best]) :]
        if re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.-]*", local or "_") and local:
            return f"{best}:{local}"
    return iri


def bind_prefixes(graph) -> None:  # type: ignore[no-untyped-def]
    """Bind the project's prefixes on an rdflib Graph or Dataset."""
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns, override=True, replace=True)

"""The SPARQL 1.1 Service Description of /sparql, as an RDF graph.

https://www.w3.org/TR/sparql11-service-description/ : what a client learns
from a GET of the endpoint without a query: the endpoint, the language
(queries only: this service is read-only), the result formats, the features
(the default graph is the union of the named graphs; no SERVICE, so no
sd:BasicFederatedQuery) and the default dataset with each named graph and its
size. The graph is written in whichever RDF format the client negotiated.
"""

from __future__ import annotations

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, VOID, XSD

from cahr.rdf import write_rdf
from cahr.server.state import Served

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
ENT = Namespace("http://www.w3.org/ns/entailment/")
W3C_FORMATS = Namespace("http://www.w3.org/ns/formats/")

# Our media types -> the W3C's IRIs for them (https://www.w3.org/ns/formats/).
FORMAT_IRIS: dict[str, URIRef] = {
    "application/sparql-results+json": W3C_FORMATS.SPARQL_Results_JSON,
    "application/sparql-results+xml": W3C_FORMATS.SPARQL_Results_XML,
    "text/csv": W3C_FORMATS.SPARQL_Results_CSV,
    "text/tab-separated-values": W3C_FORMATS.SPARQL_Results_TSV,
    "text/turtle": W3C_FORMATS.Turtle,
    "application/n-triples": W3C_FORMATS["N-Triples"],
    "application/ld+json": W3C_FORMATS["JSON-LD"],
    "application/rdf+xml": W3C_FORMATS.RDF_XML,
    "application/n-quads": W3C_FORMATS["N-Quads"],
    "application/trig": W3C_FORMATS.TriG,
}


def describe(endpoint: str, served: Served) -> Graph:
    """The service description of the endpoint at ``endpoint`` serving ``served``."""
    graph = Graph()
    graph.bind("sd", SD)
    graph.bind("void", VOID)
    graph.bind("formats", W3C_FORMATS)
    service = URIRef(endpoint)
    graph.add((service, RDF.type, SD.Service))
    graph.add((service, SD.endpoint, service))
    graph.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    graph.add((service, SD.feature, SD.UnionDefaultGraph))
    graph.add((service, SD.defaultEntailmentRegime, ENT.Simple))
    graph.add((service, DCTERMS.title, Literal("CAHR-KG SPARQL endpoint (read-only)")))
    for iri in FORMAT_IRIS.values():
        graph.add((service, SD.resultFormat, iri))

    dataset, default = BNode(), BNode()
    graph.add((service, SD.defaultDataset, dataset))
    graph.add((dataset, RDF.type, SD.Dataset))
    graph.add((dataset, DCTERMS.identifier, Literal(served.build_id)))
    graph.add((dataset, DCTERMS.modified, Literal(served.last_modified)))
    graph.add((dataset, SD.defaultGraph, default))
    graph.add((default, RDF.type, SD.Graph))
    _size(graph, default, served.manifest.get("union_triples"))
    counts = served.manifest.get("graphs", {})
    for name in served.store.graphs():
        named, inner = BNode(), BNode()
        graph.add((dataset, SD.namedGraph, named))
        graph.add((named, RDF.type, SD.NamedGraph))
        graph.add((named, SD.name, URIRef(name)))
        graph.add((named, SD.graph, inner))
        graph.add((inner, RDF.type, SD.Graph))
        _size(graph, inner, counts.get(name))
    return graph


def _size(graph: Graph, node: BNode, triples: int | None) -> None:
    if triples is not None:
        graph.add((node, VOID.triples, Literal(triples, datatype=XSD.integer)))


def serialize(graph: Graph, media_type: str) -> bytes:
    """The description as ``media_type``, with its ``sd:``/``void:`` prefixes where the format has any."""
    return write_rdf(graph, media_type, prefixes={"sd": str(SD), "void": str(VOID)})

"""The SPARQL 1.1 Service Description on a GET of /sparql without a query.

Parsed back into a graph and checked by meaning: the endpoint, the query
language, every result format, the union default graph, no federation, and
the named graphs of the build with their sizes.
"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, VOID, XSD

from cahr.formats import RDF_TYPES, RESULT_TYPES
from cahr.server.protocol.service_description import FORMAT_IRIS, SD
from tests.server.conftest import served
from tests.server.helpers import error_of

ENDPOINT = URIRef("http://localhost/sparql")


def _description(client: FlaskClient, accept: str = "text/turtle") -> Graph:
    response = client.get("/sparql", headers={"Accept": accept})
    assert response.status_code == 200 and response.mimetype == accept
    if accept in ("application/n-quads", "application/trig"):
        from rdflib import Dataset

        dataset = Dataset()
        dataset.parse(data=response.data, format=RDF_TYPES[accept][1])
        graph = Graph()
        for s, p, o, _ in dataset.quads():
            graph.add((s, p, o))
        return graph
    return Graph().parse(data=response.data, format=RDF_TYPES[accept][1])


def test_every_media_type_has_its_w3c_format_iri() -> None:
    assert set(FORMAT_IRIS) == set(RESULT_TYPES) | set(RDF_TYPES)


def test_the_service(client: FlaskClient) -> None:
    graph = _description(client)
    assert (ENDPOINT, RDF.type, SD.Service) in graph
    assert (ENDPOINT, SD.endpoint, ENDPOINT) in graph
    assert set(graph.objects(ENDPOINT, SD.supportedLanguage)) == {SD.SPARQL11Query}
    assert set(graph.objects(ENDPOINT, SD.resultFormat)) == set(FORMAT_IRIS.values())
    features = set(graph.objects(ENDPOINT, SD.feature))
    assert SD.UnionDefaultGraph in features
    assert SD.BasicFederatedQuery not in features  # SERVICE is refused


def test_the_default_dataset_lists_the_named_graphs(app: Flask, client: FlaskClient) -> None:
    graph = _description(client)
    [dataset] = graph.objects(ENDPOINT, SD.defaultDataset)
    manifest = served(app).manifest
    [default] = graph.objects(dataset, SD.defaultGraph)
    assert graph.value(default, VOID.triples) == Literal(
        manifest["union_triples"], datatype=XSD.integer
    )
    sizes = {}
    for named in graph.objects(dataset, SD.namedGraph):
        name = graph.value(named, SD.name)
        sizes[str(name)] = graph.value(graph.value(named, SD.graph), VOID.triples).toPython()
    assert sizes == manifest["graphs"]
    assert sorted(sizes) == served(app).store.graphs()


@pytest.mark.parametrize("media_type", [t for t in RDF_TYPES if t != "text/turtle"])
def test_the_description_in_every_rdf_format(client: FlaskClient, media_type: str) -> None:
    assert isomorphic(_description(client, media_type), _description(client))


def test_the_description_in_no_rdf_format_is_406(client: FlaskClient) -> None:
    error_of(client.get("/sparql", headers={"Accept": "text/csv"}), 406)

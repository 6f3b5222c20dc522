"""The dataset describes itself: VoID and DCAT from the data, dumps with checksums.

Every count in the description is checked against the dataset as rdflib reads
it from the dumps, so the description cannot drift from the data; every
distribution is downloaded and its SHA-256 compared with the one announced.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, VOID

from cahr.dist import read_manifest
from cahr.iris import BASE
from cahr.pipeline.void import DATASET, DCAT_VERSION, SPDX

CC_BY = URIRef("https://creativecommons.org/licenses/by/4.0/")


@pytest.fixture(scope="module")
def void(ld_app: Flask) -> Graph:
    response = ld_app.test_client().get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert response.status_code == 200 and response.mimetype == "text/turtle"
    found = Graph()
    found.parse(data=response.data, format="turtle")
    return found


@pytest.fixture(scope="module")
def union(dist: Path) -> Graph:
    found = Graph()
    found.parse(dist / "union.nt", format="nt")
    return found


def number(g: Graph, subject: Any, predicate: URIRef) -> int:
    value = g.value(subject, predicate)
    assert isinstance(value, Literal), (subject, predicate)
    return int(value)


def test_it_is_a_void_and_dcat_dataset(void: Graph, dist: Path) -> None:
    manifest = read_manifest(dist)
    assert (DATASET, RDF.type, VOID.Dataset) in void
    assert (DATASET, RDF.type, DCAT.Dataset) in void
    assert void.value(DATASET, DCTERMS.license) == CC_BY
    assert void.value(DATASET, VOID.sparqlEndpoint) == URIRef(BASE + "sparql")
    assert str(void.value(DATASET, VOID.uriSpace)) == BASE
    version = str(void.value(DATASET, DCAT_VERSION))
    assert version == f"{manifest['version']}+build.{manifest['build_id']}"


def test_counts_equal_the_datasets(void: Graph, union: Graph, dist: Path) -> None:
    manifest = read_manifest(dist)
    assert number(void, DATASET, VOID.triples) == len(union) == manifest["union_triples"]
    assert number(void, DATASET, VOID.properties) == len(set(union.predicates()))
    assert number(void, DATASET, VOID.distinctSubjects) == len(set(union.subjects()))
    assert number(void, DATASET, VOID.distinctObjects) == len(set(union.objects()))
    entities = {s for s in union.subjects() if str(s).startswith(BASE)}
    assert number(void, DATASET, VOID.entities) == len(entities)


def test_class_partitions_count_the_instances(void: Graph, union: Graph) -> None:
    instances: dict[URIRef, set[Any]] = defaultdict(set)
    for s, o in union.subject_objects(RDF.type):
        if isinstance(o, URIRef):
            instances[o].add(s)
    described = {
        void.value(part, VOID["class"]): number(void, part, VOID.entities)
        for part in void.objects(DATASET, VOID.classPartition)
    }
    assert described == {cls: len(members) for cls, members in instances.items()}
    assert number(void, DATASET, VOID.classes) == len(instances)


def test_property_partitions_count_the_triples(void: Graph, union: Graph) -> None:
    counts = Counter(p for _, p, _ in union)
    described = {
        void.value(part, VOID.property): number(void, part, VOID.triples)
        for part in void.objects(DATASET, VOID.propertyPartition)
    }
    assert described == dict(counts)


def test_named_graphs_are_subsets_with_their_sizes(void: Graph, dist: Path) -> None:
    dataset = Dataset()
    dataset.parse(dist / "dataset.nq", format="nquads")
    sizes = {c.identifier: len(c) for c in dataset.contexts() if len(c)}
    described = {g: number(void, g, VOID.triples) for g in void.objects(DATASET, VOID.subset)}
    assert described == sizes
    assert len(described) == len(read_manifest(dist)["graphs"])


def test_every_distribution_downloads_with_its_checksum(
    void: Graph, ld_client: FlaskClient
) -> None:
    distributions = list(void.objects(DATASET, DCAT.distribution))
    assert len(distributions) >= 6
    dumps = set(void.objects(DATASET, VOID.dataDump))
    for dist in distributions:
        url = str(void.value(dist, DCAT.downloadURL))
        assert url.startswith(BASE + "dumps/")
        checksum = void.value(dist, SPDX.checksum)
        expected = str(void.value(checksum, SPDX.checksumValue))
        response = ld_client.get("/" + url[len(BASE) :])
        assert response.status_code == 200, url
        body = response.get_data()
        response.close()
        assert hashlib.sha256(body).hexdigest() == expected, url
        assert number(void, dist, DCAT.byteSize) == len(body)
    for url in ("union.ttl", "union.nt", "dataset.nq", "dataset.trig"):
        assert URIRef(BASE + "dumps/" + url) in dumps


def test_void_is_linked_from_home_and_has_a_page(ld_client: FlaskClient) -> None:
    home = ld_client.get("/").get_data(as_text=True)
    assert 'href="/.well-known/void"' in home
    page = ld_client.get("/.well-known/void", headers={"Accept": "text/html"})
    assert page.mimetype == "text/html"
    assert "CAHR-KG" in page.get_data(as_text=True)
    jsonld = ld_client.get("/.well-known/void.jsonld")
    assert jsonld.mimetype == "application/ld+json"
    assert len(Graph().parse(data=jsonld.data, format="json-ld")) > 100


def test_dumps_listing_has_every_file_checksum_and_build(
    ld_client: FlaskClient, dist: Path
) -> None:
    manifest = read_manifest(dist)
    page = ld_client.get("/dumps/").get_data(as_text=True)
    assert manifest["build_id"] in page
    assert len(manifest["files"]) >= 12
    for name, info in manifest["files"].items():
        assert f'href="/dumps/{name}"' in page
        assert info["sha256"] in page
        response = ld_client.get(f"/dumps/{name}")
        assert response.status_code == 200
        assert hashlib.sha256(response.get_data()).hexdigest() == info["sha256"]
        response.close()
    assert ld_client.get("/dumps/secrets.txt").status_code == 404
    assert ld_client.get("/dumps/..%2Fmanifest.json").status_code == 404


def test_examples_travel_with_the_build(dist: Path, layout: Any) -> None:
    import json

    found = json.loads((dist / "competency.json").read_text(encoding="utf-8"))
    assert [e["file"] for e in found] == [p.name for p in layout.competency_files()]
    assert all(e["question"] and e["query"] for e in found)

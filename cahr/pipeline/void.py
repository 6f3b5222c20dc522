"""Stage 5a: the dataset's self-description, VoID and DCAT, computed from dist/.

Catalogues and crawlers find a linked-data set through its VoID description at
``/.well-known/void``. Every number in it is counted from the files just
written (never typed by hand), so the description cannot drift from the data;
a test compares each count with the dataset.

The description uses the persistent IRIs, never the serving host: the
server maps ``https://w3id.org/cahr/{path}`` to ``/{path}``, so the dumps,
the endpoint and this document all dereference on any deployment.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, RDF, VOID, XSD

from cahr.dist import RDF_DUMPS
from cahr.iris import BASE, DATASET, DCAT_VERSION, ONTOLOGY, VOID_DOC, bind_prefixes

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
# The vocabularies of the description, besides the project's own prefixes.
PREFIXES = {"void": str(VOID), "dcat": str(DCAT), "sd": str(SD), "spdx": str(SPDX)}
IANA = "https://www.iana.org/assignments/media-types/"
SERVICE = URIRef(BASE + ".well-known/void#sparql-service")
ENDPOINT = URIRef(BASE + "sparql")
LANDING_PAGE = URIRef(BASE)
LICENSE = URIRef("https://creativecommons.org/licenses/by/4.0/")
TITLE = "CAHR-KG: the Central Asia Human Rights Knowledge Graph"
DESCRIPTION = (
    "Facts about agreements, decrees, meetings, officials, statements and funding in "
    "Central Asian human-rights news, one named graph per source article, each fact "
    "with the article's own words as evidence, and the OWL RL entailments in a "
    "separate graph."
)

# Which dumps are RDF (a void:dataDump); the others are reports.


def dump_iri(name: str) -> URIRef:
    """The persistent IRI of a file of dist/, served at ``/dumps/<name>``."""
    return URIRef(f"{BASE}dumps/{name}")


def describe(dist: Path, manifest: dict[str, Any]) -> Graph:
    """The VoID + DCAT description of the dataset built in ``dist``.

    :param dist: a dist/ folder with ``union.nt`` and ``dataset.nq`` written.
    :param manifest: its manifest (build id, version, files with checksums).
    """
    # Counted on pyoxigraph's streaming parser: rdflib took most of a 100x build's
    # publish stage to parse the dumps again (issue #15).
    union = ox.parse(path=str(dist / "union.nt"), format=ox.RdfFormat.N_TRIPLES)
    dataset = ox.parse(path=str(dist / "dataset.nq"), format=ox.RdfFormat.N_QUADS)

    g = Graph()
    bind_prefixes(g)
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns)

    g.add((VOID_DOC, RDF.type, VOID.DatasetDescription))
    g.add((VOID_DOC, DCTERMS.title, Literal(f"A VoID and DCAT description of {TITLE}", lang="en")))
    g.add((VOID_DOC, FOAF.primaryTopic, DATASET))

    d = DATASET
    version = str(manifest.get("version", ""))
    build_id = str(manifest.get("build_id", ""))
    for cls in (VOID.Dataset, DCAT.Dataset):
        g.add((d, RDF.type, cls))
    g.add((d, DCTERMS.title, Literal(TITLE, lang="en")))
    g.add((d, DCTERMS.description, Literal(DESCRIPTION, lang="en")))
    g.add((d, DCTERMS.license, LICENSE))
    g.add((d, DCTERMS.identifier, Literal(build_id)))
    g.add((d, OWL.versionInfo, Literal(version)))
    # One string for both: the release and the build of its data (semver build metadata).
    g.add((d, DCAT_VERSION, Literal(f"{version}+build.{build_id}")))
    if manifest.get("built_at"):
        g.add((d, DCTERMS.modified, Literal(manifest["built_at"], datatype=XSD.dateTime)))
    g.add((d, DCAT.landingPage, LANDING_PAGE))
    g.add((d, FOAF.homepage, LANDING_PAGE))
    g.add((d, VOID.uriSpace, Literal(BASE)))
    g.add((d, VOID.sparqlEndpoint, ENDPOINT))
    g.add((d, VOID.rootResource, ONTOLOGY))

    _add_statistics(g, d, union)
    _add_named_graphs(g, d, dataset)
    _add_distributions(g, d, manifest.get("files", {}))

    g.add((SERVICE, RDF.type, DCAT.DataService))
    g.add((SERVICE, RDF.type, SD.Service))
    g.add((SERVICE, DCTERMS.title, Literal("CAHR-KG SPARQL 1.1 endpoint (read-only)", lang="en")))
    g.add((SERVICE, DCAT.endpointURL, ENDPOINT))
    g.add((SERVICE, SD.endpoint, ENDPOINT))
    g.add((SERVICE, DCAT.servesDataset, d))
    g.add((d, DCAT.accessService, SERVICE))
    return g


def _add_statistics(g: Graph, d: URIRef, union: Iterable[ox.Quad]) -> None:
    """Triple, entity, class and property counts of the union (VoID section 4)."""
    by_property: Counter[str] = Counter()
    instances: dict[str, set[object]] = {}
    subjects: set[object] = set()
    objects: set[object] = set()
    triples = 0
    rdf_type = str(RDF.type)
    for quad in union:
        s, p, o = quad.subject, quad.predicate, quad.object
        triples += 1
        by_property[p.value] += 1
        subjects.add(s)
        objects.add(o)
        if p.value == rdf_type and isinstance(o, ox.NamedNode):
            instances.setdefault(o.value, set()).add(s)
    entities = {s for s in subjects if isinstance(s, ox.NamedNode) and s.value.startswith(BASE)}
    g.add((d, VOID.triples, Literal(triples)))
    g.add((d, VOID.entities, Literal(len(entities))))
    g.add((d, VOID.distinctSubjects, Literal(len(subjects))))
    g.add((d, VOID.distinctObjects, Literal(len(objects))))
    g.add((d, VOID.properties, Literal(len(by_property))))
    g.add((d, VOID.classes, Literal(len(instances))))
    vocabularies = set()
    for name, count in sorted(by_property.items()):
        part = BNode()
        g.add((d, VOID.propertyPartition, part))
        g.add((part, VOID.property, URIRef(name)))
        g.add((part, VOID.triples, Literal(count)))
        vocabularies.add(_namespace(URIRef(name)))
    for cls, members in sorted(instances.items()):
        part = BNode()
        g.add((d, VOID.classPartition, part))
        g.add((part, VOID["class"], URIRef(cls)))
        g.add((part, VOID.entities, Literal(len(members))))
        vocabularies.add(_namespace(URIRef(cls)))
    for ns in sorted(vocabularies):
        g.add((d, VOID.vocabulary, URIRef(ns)))


def _namespace(iri: URIRef) -> str:
    """The namespace of a term: up to and including its last '#' or '/'."""
    text = str(iri)
    cut = max(text.rfind("#"), text.rfind("/"))
    return text[: cut + 1]


def _add_named_graphs(g: Graph, d: URIRef, dataset: Iterable[ox.Quad]) -> None:
    """Each named graph as a subset with its triple count (VoID section 3.3)."""
    sizes: Counter[str] = Counter()
    subjects: dict[str, set[str]] = {}
    for quad in dataset:
        if isinstance(quad.graph_name, ox.NamedNode):
            name = quad.graph_name.value
            sizes[name] += 1
            if isinstance(quad.subject, ox.NamedNode):
                subjects.setdefault(name, set()).add(quad.subject.value)
    for name_text in sorted(sizes):
        name = URIRef(name_text)
        g.add((d, VOID.subset, name))
        g.add((name, RDF.type, VOID.Dataset))
        g.add((name, RDF.type, SD.NamedGraph))
        g.add((name, SD.name, name))
        g.add((name, VOID.triples, Literal(sizes[name_text])))
        slug = name_text.rsplit("/", 1)[-1]
        source = f"{BASE}source/{slug}"
        if source in subjects.get(name_text, ()):
            g.add((name, DCTERMS.source, URIRef(source)))


def _add_distributions(g: Graph, d: URIRef, files: dict[str, dict[str, Any]]) -> None:
    """One dcat:Distribution per file, with size and SHA-256; RDF files are also void:dataDump."""
    for name, info in sorted(files.items()):
        url = dump_iri(name)
        dist = URIRef(f"{VOID_DOC}#dump-{name.replace('.', '-')}")
        g.add((d, DCAT.distribution, dist))
        g.add((dist, RDF.type, DCAT.Distribution))
        g.add((dist, DCAT.downloadURL, url))
        g.add((dist, DCAT.accessURL, URIRef(f"{BASE}dumps/")))
        g.add((dist, DCTERMS.title, Literal(name)))
        if info.get("description"):
            g.add((dist, DCTERMS.description, Literal(info["description"], lang="en")))
        if info.get("media_type"):
            g.add((dist, DCAT.mediaType, URIRef(IANA + info["media_type"])))
        g.add(
            (
                dist,
                DCAT.byteSize,
                Literal(int(info.get("bytes", 0)), datatype=XSD.nonNegativeInteger),
            )
        )
        g.add((dist, DCTERMS.license, LICENSE))
        if info.get("sha256"):
            checksum = BNode()
            g.add((dist, SPDX.checksum, checksum))
            g.add((checksum, RDF.type, SPDX.Checksum))
            g.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
            g.add((checksum, SPDX.checksumValue, Literal(info["sha256"], datatype=XSD.hexBinary)))
        if name in RDF_DUMPS:
            g.add((d, VOID.dataDump, url))

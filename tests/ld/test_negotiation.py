"""Cool-URI content negotiation for each kind of IRI (issue #6, "Done when").

One IRI of each kind (a thing, an article, an article's graph, the inferred
graph, the ontology, its version IRI) is asked for HTML and for every RDF
format, by Accept header, by suffix and by ``?format=``. RDF answers are parsed
back with rdflib; unknown IRIs get 404, unusable Accept headers 406.
"""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from rdflib import Dataset, Graph, URIRef

from cahr.formats import RDF_TYPES
from cahr.iris import ID, SOURCE
from tests.ld.rdfcheck import canonical

ARTICLE = "kazakhstan-hrc-candidacy-2020"
# path -> an IRI the RDF must describe
KINDS = {
    "/id/kassym-jomart-tokayev": str(ID["kassym-jomart-tokayev"]),
    f"/source/{ARTICLE}": str(SOURCE[ARTICLE]),
    f"/graph/{ARTICLE}": str(SOURCE[ARTICLE]),
    "/graph/inferred": str(ID["kassym-jomart-tokayev"]),
    "/ontology": "https://w3id.org/cahr/ontology#Decree",
    "/ontology/0.1.0": "https://w3id.org/cahr/ontology#Decree",
}
EXTENSIONS = {media_type: ext for media_type, (_, _, ext) in RDF_TYPES.items()}
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"


def parse(body: bytes, media_type: str) -> Dataset:
    """An RDF body parsed by rdflib, quads or triples alike."""
    found = Dataset()
    found.parse(data=body, format=RDF_TYPES[media_type][1])
    return found


def subjects(found: Dataset) -> set[str]:
    return {str(s) for s, _, _, _ in found.quads((None, None, None, None))}


def test_kinds_cover_every_route() -> None:
    assert {p.split("/")[1] for p in KINDS} == {"id", "source", "graph", "ontology"}


@pytest.mark.parametrize("path", KINDS)
def test_browsers_get_html_with_vary_and_alternates(ld_client: FlaskClient, path: str) -> None:
    response = ld_client.get(path, headers={"Accept": BROWSER_ACCEPT})
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert "Accept" in response.headers["Vary"]
    canonical = "/ontology" if path.startswith("/ontology") else path
    assert response.headers["Content-Location"] == f"{canonical}.html"
    links = response.headers["Link"]
    assert f'<{canonical}>; rel="canonical"' in links
    for media_type, ext in EXTENSIONS.items():
        assert f'<{canonical}.{ext}>; rel="alternate"; type="{media_type}"' in links


@pytest.mark.parametrize("media_type", list(RDF_TYPES))
@pytest.mark.parametrize("path", KINDS)
def test_clients_get_each_rdf_format(ld_client: FlaskClient, path: str, media_type: str) -> None:
    response = ld_client.get(path, headers={"Accept": media_type})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == media_type
    assert "Accept" in response.headers["Vary"]
    canonical = "/ontology" if path.startswith("/ontology") else path
    assert response.headers["Content-Location"] == f"{canonical}.{EXTENSIONS[media_type]}"
    assert f'<{canonical}.html>; rel="alternate"; type="text/html"' in response.headers["Link"]
    assert KINDS[path] in subjects(parse(response.data, media_type))


@pytest.mark.parametrize("media_type", list(RDF_TYPES))
def test_suffix_and_format_urls_are_stable(ld_client: FlaskClient, media_type: str) -> None:
    """``/id/x.ttl`` and ``/id/x?format=ttl`` answer the same, whatever the Accept header."""
    ext = EXTENSIONS[media_type]
    by_suffix = ld_client.get(f"/id/kazakhstan.{ext}", headers={"Accept": "text/html"})
    by_param = ld_client.get(f"/id/kazakhstan?format={ext}", headers={"Accept": "text/html"})
    for response in (by_suffix, by_param):
        assert response.status_code == 200
        assert response.mimetype == media_type
        assert "Accept" not in response.vary, "a stable URL does not vary on Accept"
    a, b = parse(by_suffix.data, media_type), parse(by_param.data, media_type)
    assert set(a.quads((None, None, None, None))) == set(b.quads((None, None, None, None)))


def test_html_suffix_and_format(ld_client: FlaskClient) -> None:
    for url in ("/id/kazakhstan.html", "/id/kazakhstan?format=html"):
        response = ld_client.get(url, headers={"Accept": "text/turtle"})
        assert response.status_code == 200 and response.mimetype == "text/html"


def test_quality_values_decide(ld_client: FlaskClient) -> None:
    response = ld_client.get(
        "/id/kazakhstan", headers={"Accept": "text/html;q=0.5, application/rdf+xml"}
    )
    assert response.mimetype == "application/rdf+xml"
    assert ld_client.get("/id/kazakhstan", headers={"Accept": "*/*"}).mimetype == "text/html"
    assert ld_client.get("/id/kazakhstan").mimetype == "text/html"


def test_quad_formats_keep_each_fact_in_its_article_graph(ld_client: FlaskClient) -> None:
    """TriG and N-Quads carry the provenance the page shows: the named graph of each fact."""
    found = parse(ld_client.get("/id/kassym-jomart-tokayev.trig").data, "application/trig")
    graphs = {
        str(g)
        for _, _, _, g in found.quads((URIRef(str(ID["kassym-jomart-tokayev"])), None, None, None))
    }
    assert "https://w3id.org/cahr/graph/inferred" in graphs
    assert len([g for g in graphs if "/graph/" in g and not g.endswith("inferred")]) >= 4


@pytest.mark.parametrize(
    "path",
    [
        "/id/no-such-thing",
        "/source/no-such-article",
        "/graph/no-such-graph",
        "/ontology/9.9.9",
        "/source/no-such-article/timeline",
    ],
)
def test_unknown_iris_are_404_pages(ld_client: FlaskClient, path: str) -> None:
    page = ld_client.get(path, headers={"Accept": "text/html"})
    assert page.status_code == 404
    assert page.mimetype == "text/html"
    assert "404" in page.get_data(as_text=True)
    rdf = ld_client.get(path, headers={"Accept": "text/turtle"})
    assert rdf.status_code == 404


def test_unknown_extension_is_404(ld_client: FlaskClient) -> None:
    assert ld_client.get("/id/kazakhstan.exe").status_code == 404


def test_no_acceptable_representation_is_406(ld_client: FlaskClient) -> None:
    response = ld_client.get("/id/kazakhstan", headers={"Accept": "image/png"})
    assert response.status_code == 406


def test_unknown_format_parameter_is_400(ld_client: FlaskClient) -> None:
    assert ld_client.get("/id/kazakhstan?format=docx").status_code == 400


def test_graph_rdf_is_the_whole_named_graph(ld_client: FlaskClient, dataset: Dataset) -> None:
    iri = URIRef(f"https://w3id.org/cahr/graph/{ARTICLE}")
    found = Graph()
    found.parse(data=ld_client.get(f"/graph/{ARTICLE}.nt").data, format="nt")
    assert {canonical(t) for t in found} == {canonical(t) for t in dataset.graph(iri)}

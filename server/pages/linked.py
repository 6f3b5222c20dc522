"""Cool URIs: one IRI, an HTML page for people and RDF for programs.

Following the W3C note "Cool URIs for the Semantic Web" (section 4.2, 303-free
content negotiation with Content-Location): the generic URL
(``/id/kazakhstan``) answers in the representation the Accept header prefers,
with ``Vary: Accept`` so caches keep them apart, ``Content-Location`` naming
the specific URL and ``Link`` headers listing every alternate. Each
representation has a stable URL of its own, by suffix (``/id/kazakhstan.ttl``)
or parameter (``?format=ttl``), for links and for clients that cannot set headers.

The RDF of a resource is its concise neighbourhood: every triple about it in
every graph (asserted and inferred), the triples that point at it, its
attestations (the words that vouch for each fact), and the labels of the
resources on either side, so a client can show what it got.
Quad formats (TriG, N-Quads) keep each triple in its article's named graph,
which is the provenance the HTML page shows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask import Response, abort, request
from rdflib import URIRef
from rdflib.namespace import RDFS, SKOS
from rdflib.term import Node

from cahr.formats import ALIASES, RDF_TYPES, SYNONYMS, media_type_for
from cahr.iris import CAHR, SLUG_PATTERN
from cahr.rdf import write_rdf
from cahr.server.protocol.negotiation import negotiate
from cahr.store import Store

HTML = "text/html"
JSON_LD = "application/ld+json"
# A client that asks for plain JSON gets JSON-LD, which is JSON (#14, point 8). Negotiation
# reads application/json as SPARQL JSON results (cahr.formats.SYNONYMS), so that is the
# offer here; listed last, so that it never wins over a type the client names as well.
JSON = SYNONYMS["application/json"]
OFFERS = [HTML, *RDF_TYPES, JSON]  # HTML first: a browser, and a client sending */*, get the page
# URL suffix -> media type: the RDF extensions of cahr.formats, and .html.
EXTENSIONS: dict[str, str] = {"html": HTML, **{ext: mt for mt, (_, _, ext) in RDF_TYPES.items()}}
LABELS = (SKOS.prefLabel, RDFS.label)  # the canonical name first

Quad = tuple[Node, Node, Node, str]


@dataclass(frozen=True)
class Choice:
    """The representation a request asked for, and whether it was negotiated."""

    media_type: str
    negotiated: bool

    @property
    def is_html(self) -> bool:
        return self.media_type == HTML


def split_suffix(name: str) -> tuple[str, str | None]:
    """``("kazakhstan", "ttl")`` for ``kazakhstan.ttl``; slugs contain no dots.

    :raise 404: an extension that is not one of ours.
    """
    if "." not in name:
        return name, None
    stem, _, ext = name.rpartition(".")
    if ext not in EXTENSIONS:
        abort(
            404,
            description=f"no representation with the extension .{ext}: "
            f"use one of {', '.join('.' + e for e in EXTENSIONS)}",
        )
    return stem, ext


def resource_name(name: str) -> tuple[str, str | None]:
    """The slug and extension of a ``/id/``, ``/source/`` or ``/graph/`` name.

    Every slug of the graph is lower-case kebab case (the build refuses any
    other, ``shapes/checks/bad-slug-violation.rq``), so any other name names
    nothing, and is answered before it reaches the store (which refuses IRIs
    with characters such as U+FFFD or a space).

    :raise 404: an unknown extension, or a name that cannot be a slug.
    """
    slug, ext = split_suffix(name)
    if not SLUG_PATTERN.match(slug):
        abort(
            404,
            description=f"no resource is named {slug[:80]!r}: names here are lower-case "
            "letters and digits joined by hyphens (kassym-jomart-tokayev)",
        )
    return slug, ext


def choose(ext: str | None) -> Choice:
    """The representation to send: by suffix, then ``?format=``, then the Accept header.

    :raise 400: an unknown ``format`` parameter.
    :raise 406: the Accept header admits none of our representations.
    """
    if ext is not None:
        return Choice(EXTENSIONS[ext], negotiated=False)
    fmt = request.args.get("format")
    if fmt:
        media_type = HTML if fmt.lower() in ("html", HTML) else media_type_for(fmt)
        if media_type not in OFFERS:
            abort(
                400,
                description=f"unknown format {fmt!r}: use html or one of "
                f"{', '.join(sorted(k for k, v in ALIASES.items() if v in RDF_TYPES))}",
            )
        return Choice(media_type, negotiated=False)
    media_type = negotiate(request.headers.get("Accept"), OFFERS)
    if media_type == JSON:
        media_type = JSON_LD
    if media_type is None:
        abort(
            406,
            description="this resource is available as HTML and as "
            f"{', '.join(RDF_TYPES)}; none of them is acceptable "
            f"(Accept: {request.headers.get('Accept', '')!r})",
        )
    return Choice(media_type, negotiated=True)


def alternates(path: str) -> list[tuple[str, str, str]]:
    """(URL, media type, format name) for every representation of the resource at ``path``."""
    names = {HTML: "HTML", **{mt: label for mt, label in FORMAT_NAMES.items()}}
    return [(f"{path}.{ext}", mt, names[mt]) for ext, mt in EXTENSIONS.items()]


FORMAT_NAMES: dict[str, str] = {
    "text/turtle": "Turtle",
    "application/n-triples": "N-Triples",
    "application/ld+json": "JSON-LD",
    "application/rdf+xml": "RDF/XML",
    "application/n-quads": "N-Quads",
    "application/trig": "TriG",
}


def decorate(response: Response, path: str, choice: Choice) -> Response:
    """Add the Cool-URI headers: Vary, Content-Location and the Link alternates."""
    if choice.negotiated:
        response.vary.add("Accept")
        ext = next(e for e, mt in EXTENSIONS.items() if mt == choice.media_type)
        response.headers["Content-Location"] = f"{path}.{ext}"
    links = [f'<{path}>; rel="canonical"']
    links += [
        f'<{url}>; rel="alternate"; type="{mt}"'
        for url, mt, _ in alternates(path)
        if mt != choice.media_type
    ]
    response.headers["Link"] = ", ".join(links)
    return response


# -- RDF ------------------------------------------------------------------------------


def neighbourhood(store: Store, iri: str) -> list[Quad]:
    """Every quad about ``iri`` or pointing at it, plus the labels of its neighbours."""
    node = URIRef(iri)
    quads = list(store.quads(node, None, None)) + list(store.quads(None, None, node))
    # its attestations too: the words that vouch for each fact, and where they stand
    for attestation in sorted({q[2] for q in quads if q[1] == CAHR.attestation}, key=str):
        quads.extend(store.quads(attestation, None, None))
    neighbours = {q[2] for q in quads if isinstance(q[2], URIRef)} | {
        q[0] for q in quads if isinstance(q[0], URIRef)
    }
    neighbours.discard(node)
    for other in sorted(neighbours, key=str):
        for prop in LABELS:
            quads.extend(store.quads(other, prop, None))
    return quads


def serialize(quads: Iterable[Quad], media_type: str) -> bytes:
    """Quads in ``media_type``: quad formats keep the graphs, triple formats merge them."""
    return write_rdf(quads, media_type)


def rdf_response(quads: Iterable[Quad], media_type: str) -> Response:
    """An RDF answer, UTF-8 said explicitly for the line and Turtle formats."""
    charset = (
        "" if media_type in ("application/ld+json", "application/rdf+xml") else "; charset=utf-8"
    )
    return Response(serialize(quads, media_type), content_type=media_type + charset)

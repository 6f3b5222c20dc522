"""Blueprint ``dumps``: the dataset's files and its self-description (issue #6).

``/dumps/`` lists every file of the build being served with its size, its
SHA-256 and the build id, so a researcher can cite and verify exactly what
they downloaded; ``/dumps/<name>`` serves it. ``/.well-known/void`` is the
VoID + DCAT description generated at build time (by the build's VoID stage), where
RFC 8615 and the VoID note tell crawlers to look, in any RDF format or as a
page. Files come from the server's private copy of the build (``state``), so
the listing, the checksums and the bytes always belong to one build.

The listing and the VoID description sit behind the response cache
(``cache.cached_view``). The files themselves do not: they are sent from disk
(the operating system's page cache keeps them) with Range support, and the
largest of them would crowd every other answer out of a memory bound.
"""

from __future__ import annotations

import base64
import functools
from typing import Any

from flask import Blueprint, Response, abort, render_template, send_file
from rdflib import Graph, URIRef
from rdflib.namespace import DCAT, RDF, VOID

from cahr.dist import VOID_NAME
from cahr.iris import DATASET, DCAT_VERSION, VOID_DOC
from cahr.server.pages import linked
from cahr.server.state import get_served
from cahr.server.web.cache import cached_view
from cahr.server.web.responses import CACHE_MAX_AGE

bp = Blueprint("dumps", __name__, template_folder="templates")


@bp.route("/dumps/")
@cached_view()
def listing() -> str:
    """Every file of the build, with size, media type and SHA-256."""
    served = get_served()
    files = sorted(served.manifest.get("files", {}).items())
    return render_template("dumps.html", files=files, manifest=served.manifest)


@bp.route("/dumps/<name>")
def dump(name: str) -> Response:
    """One file of the build, as written by ``kg build``.

    :raise 404: not a file of this build.
    """
    served = get_served()
    info = served.manifest.get("files", {}).get(name)
    path = served.dist / name
    if info is None or not path.is_file():
        abort(404, description=f"{name} is not a file of build {served.build_id}: see /dumps/")
    # Cacheable as the pages are (nginx honours it; ``no-cache`` it would not store):
    # behind a proxy cache a dump then passes through a replica once per build and
    # max-age, not once per download, and a replica killed mid-stream cuts only those.
    # Range requests are answered, so a cut download resumes.
    response = send_file(path, mimetype=info.get("media_type"), max_age=CACHE_MAX_AGE)
    # RFC 9530: the checksum of the listing, for a client that verifies as it downloads.
    digest = base64.b64encode(bytes.fromhex(info["sha256"])).decode()
    response.headers["Repr-Digest"] = f"sha-256=:{digest}:"
    return response


@bp.route("/.well-known/void")
@bp.route("/.well-known/void.<ext>")
@cached_view(linked.OFFERS)
def void(ext: str | None = None) -> Response:
    """The VoID and DCAT description, in the format the client asks for, or as a page.

    :raise 404: an unknown extension, or a build made before VoID was generated.
    """
    if ext is not None and ext not in linked.EXTENSIONS:
        abort(404, description=f"no representation with the extension .{ext}")
    served = get_served()
    path = served.dist / VOID_NAME
    if not path.is_file():
        abort(404, description="this build has no VoID description: rebuild with `kg build`")
    description = _description(str(path), served.build_id)
    choice = linked.choose(ext)
    url = "/.well-known/void"
    if not choice.is_html:
        quads = [(s, p, o, str(VOID_DOC)) for s, p, o in description]
        return linked.decorate(linked.rdf_response(quads, choice.media_type), url, choice)
    html = render_template(
        "void.html",
        summary=_summary(description),
        url=url,
        alternates=linked.alternates(url),
        manifest=served.manifest,
    )
    return linked.decorate(Response(html, mimetype="text/html"), url, choice)


@functools.lru_cache(maxsize=2)
def _description(path: str, build_id: str) -> Graph:
    """The parsed description of one build (immutable while it is served; keyed by build)."""
    description = Graph()
    description.parse(path, format="turtle")
    return description


def _summary(g: Graph) -> dict[str, Any]:
    """The figures a person looks for first, read back from the description itself."""
    d = DATASET

    def number(p: URIRef, subject: Any = d) -> int:
        value = g.value(subject, p)
        return int(value) if value is not None else 0

    classes = sorted(
        (
            (str(g.value(part, VOID["class"])), number(VOID.entities, part))
            for part in g.objects(d, VOID.classPartition)
        ),
        key=lambda x: (-x[1], x[0]),
    )
    properties = sorted(
        (
            (str(g.value(part, VOID.property)), number(VOID.triples, part))
            for part in g.objects(d, VOID.propertyPartition)
        ),
        key=lambda x: (-x[1], x[0]),
    )
    subsets = sorted((str(s), number(VOID.triples, s)) for s in g.objects(d, VOID.subset))
    return {
        "title": str(g.value(d, URIRef("http://purl.org/dc/terms/title")) or ""),
        "license": str(g.value(d, URIRef("http://purl.org/dc/terms/license")) or ""),
        "version": str(g.value(d, DCAT_VERSION) or ""),
        "triples": number(VOID.triples),
        "entities": number(VOID.entities),
        "classes": classes,
        "properties": properties,
        "subsets": subsets,
        "dumps": sorted(str(o) for o in g.objects(d, VOID.dataDump)),
        "endpoint": str(g.value(d, VOID.sparqlEndpoint) or ""),
        "distributions": len(list(g.objects(d, DCAT.distribution))),
        "is_dataset": (d, RDF.type, VOID.Dataset) in g,
    }

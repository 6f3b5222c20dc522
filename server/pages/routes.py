"""Blueprint ``pages``: the query UI and the linked-data pages (issue #6).

Every ``https://w3id.org/cahr/{path}`` IRI of the graph answers at ``/{path}``:
``/id/<slug>`` (things), ``/source/<slug>`` (articles), ``/graph/<slug>``
(named graphs) and ``/ontology`` (terms, by fragment), each as HTML or RDF by
content negotiation (:mod:`cahr.server.pages.linked`). Views only choose, gather and
render: what a page shows is computed in ``describe``, ``articles``,
``timeline`` and ``explain``, from the store of the build being served. Every
page is fixed by its URL and the negotiated type while a build is served, so
each view sits behind the response cache (``cache.cached_view``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    render_template,
    request,
    send_file,
    url_for,
)
from rdflib import URIRef
from rdflib.namespace import OWL

from cahr.dist import DIAGRAM_NAME, EXAMPLES_NAME, HTML_NAME
from cahr.iris import (
    BASE,
    EVIDENCE,
    GRAPH,
    ID,
    INFERRED_GRAPH,
    ONTOLOGY,
    ONTOLOGY_GRAPH,
    PREFIXES,
    SOURCE,
)
from cahr.layout import YASGUI_BUILD
from cahr.server.pages import forms, linked, permalinks, reader, vendor
from cahr.server.pages import search as searching
from cahr.server.pages.articles import KINDS as ARTICLE_KINDS
from cahr.server.pages.articles import contributions, heading_of
from cahr.server.pages.index import Index, get_index
from cahr.server.pages.present import href, local_name
from cahr.server.pages.resource import Describer, show
from cahr.server.pages.timeline import Timeline, timeline
from cahr.server.state import get_served, get_store
from cahr.server.web.cache import cached_view
from cahr.server.web.responses import inline_hash, page_policy

bp = Blueprint(
    "pages",
    __name__,
    # The site's templates and assets are the application's, one folder up (server/).
    template_folder="../templates",
    static_folder="../static",
    static_url_path="/assets",
)

YASGUI_FILES = ("yasgui.min.js", "yasgui.min.css")
# The checkout of an editable install: server/pages/routes.py is two folders below it.
CHECKOUT = Path(__file__).resolve().parents[2]
# YASGUI's column resizer (in its table view) adds two <style> elements: its rules
# when a table is drawn, and "*{cursor:col-resize!important}" while a column is
# dragged. The query page allows exactly these by hash rather than any inline
# style; a new YASGUI that adds others fails tests/ld/test_browser.py, whose
# Chromium reports each blocked style with the hash to put here.
YASGUI_STYLE_HASHES = (
    "'sha256-zCK2EVMoPc04mRF/g5CotUvxbJPWS+8V0b+s9ptqQIk='",
    inline_hash("*{cursor:col-resize!important}"),
)
# pyLODE's page styles itself in <style> elements (the build's docs stage adds to them).
INLINE_STYLE = re.compile(r"<style[^>]*>(.*?)</style>", re.DOTALL | re.IGNORECASE)

# The first tab: a query whose answers are resources, so that every cell links to a page
# (the competency questions answer with labels, which YASGUI cannot link).
START_HERE: dict[str, str] = {
    "file": "",
    "name": "start here",
    "question": "Which statements does the graph hold, who made them, when, and which article "
    "reports each? (Click any result to open its page, with the article's words.)",
    "why": "a first look: every answer is a resource with its own page",
    "query": """# Start here: every statement, its speaker, its date and the article that reports it.
# Each result is a link: open one to see its facts, the articles and their words.
PREFIX cahr: <https://w3id.org/cahr/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>

SELECT ?statement ?speaker ?date ?article
WHERE {
  GRAPH ?g {
    ?statement a cahr:Statement ;
               cahr:speaker ?speaker ;
               cahr:mentionedIn ?article .
    OPTIONAL { ?statement cahr:date ?date }
  }
}
ORDER BY ?date ?statement
""",
}


def _index() -> Index:
    return get_index(get_store())


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    """Functions every template may use to show terms."""
    return {
        "term": lambda node: show(_index(), URIRef(node) if type(node) is str else node),
        "article_of": lambda graph: _index().articles.get(graph),
    }


# -- the query UI ------------------------------------------------------------------------


@bp.route("/")
@cached_view()
def home() -> Response:
    """The query UI: YASGUI with the competency questions as example tabs."""
    return render_home()


def render_home(opened: dict[str, str] | None = None) -> Response:
    """The query page; ``opened`` (a permalink's name and query) opens in a tab and runs."""
    served = get_served()
    index = _index()
    examples = [START_HERE, *_examples(served.dist)]
    config = {
        "endpoint": url_for("sparql.sparql"),
        "base": BASE,
        "prefixes": PREFIXES,
        "examples": [permalinks.with_id(e) for e in examples],
        "opened": opened,
        "vendor": vendor.urls(),
    }
    html = render_template(
        # Every "<" escaped: the JSON sits in a <script> element, where "</script>" would end
        # it and "<!--<script" would keep the real end tag from ending it (a permalink's query
        # is anyone's text).
        "home.html",
        config=json.dumps(config, ensure_ascii=False).replace("<", "\\u003c"),
        examples=examples,
        articles=sorted(index.articles.values(), key=_article_order),
        manifest=served.manifest,
        yasgui=_yasgui_dir() is not None,
        opened=opened,
    )
    response = Response(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = page_policy(YASGUI_STYLE_HASHES)
    return response


def _examples(dist: Path) -> list[dict[str, Any]]:
    """The competency questions of this build (``competency.json``); none is fine."""
    path = dist / EXAMPLES_NAME
    if not path.is_file():
        return []
    found: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    return found


def _yasgui_dir() -> Path | None:
    """Where YASGUI's built files are (setting ``yasgui``), or None if they are not there.

    By default ``make assets`` (npm ci) puts them in ``node_modules/`` of the project
    folder: ``kg serve`` looks there in ``--root``; an app made without the setting, in
    the checkout this package is installed from (editable, as the Makefile installs it).
    """
    configured = current_app.config["CAHR"]["yasgui"]
    folder = Path(configured) if configured else CHECKOUT / YASGUI_BUILD
    return folder if all((folder / name).is_file() for name in YASGUI_FILES) else None


permalinks.register(bp, render_home, lambda: [START_HERE, *_examples(get_served().dist)])
vendor.register(bp, _yasgui_dir)


@bp.route("/vendor/yasgui/<name>")
def yasgui_asset(name: str) -> Response:
    """YASGUI's script and style, from the npm package: served by us, never by a CDN.

    :raise 404: not one of the two files, or ``make assets`` has not run.
    """
    if name not in YASGUI_FILES:
        abort(404, description=f"YASGUI's files here are {' and '.join(YASGUI_FILES)}")
    folder = _yasgui_dir()
    if folder is None:
        abort(404, description="YASGUI is not installed: run `make assets` (npm ci)")
    return send_file(folder / name, max_age=3600)


# -- resources: /id, /source ----------------------------------------------------------------


@bp.route("/id/")
@bp.route("/id.<ext>")
@cached_view(forms.OFFERS)
def entities(ext: str | None = None) -> Response:
    """Every described resource, grouped by kind: a way in for browsing (also JSON, CSV).

    :raise 406: Accept admits none of HTML, JSON and CSV.
    """
    choice = forms.choose(ext)
    index = _index()
    groups: dict[str, list[tuple[str, str]]] = {}
    for iri in index.types:
        if iri.startswith(str(ID)):
            groups.setdefault(heading_of(index, iri), []).append((iri, index.label(iri)))
    order = [h for _, h in ARTICLE_KINDS] + ["Other"]
    listed = [(h, sorted(groups[h], key=lambda x: x[1].lower())) for h in order if h in groups]
    total = sum(len(items) for _, items in listed)
    rows = [
        {"kind": heading, "label": label, "iri": iri, "page": href(iri)}
        for heading, items in listed
        for iri, label in items
    ]
    return forms.respond(
        choice,
        "/id",
        html=lambda: render_template("entities.html", groups=listed, total=total),
        data=lambda: {
            "total": total,
            "groups": [
                {"kind": h, "resources": [r for r in rows if r["kind"] == h]} for h, _ in listed
            ],
        },
        rows=lambda: rows,
        columns=["kind", "label", "iri", "page"],
    )


@bp.route("/id/<name>")
@cached_view(linked.OFFERS)
def entity(name: str) -> Response:
    """A thing: its page, or its RDF (Turtle, N-Triples, JSON-LD, RDF/XML, TriG, N-Quads).

    :raise 404: the graph does not mention ``https://w3id.org/cahr/id/<name>``.
    :raise 406: no acceptable representation.
    """
    slug, ext = linked.resource_name(name)
    return _resource(str(ID[slug]), f"/id/{slug}", ext)


@bp.route("/source/<name>")
@cached_view(linked.OFFERS)
def source(name: str) -> Response:
    """An article: what it is, and everything its named graph contributed.

    :raise 404: no such article.
    """
    slug, ext = linked.resource_name(name)
    return _resource(str(SOURCE[slug]), f"/source/{slug}", ext)


@bp.route("/evidence/<article>/<name>")
@cached_view(linked.OFFERS)
def evidence(article: str, name: str) -> Response:
    """An attestation: words of one article that vouch for facts, and where they stand in it.

    :raise 404: no such attestation.
    """
    slug, _ = linked.resource_name(article)
    stem, ext = linked.resource_name(name)
    return _resource(str(EVIDENCE[f"{slug}/{stem}"]), f"/evidence/{slug}/{stem}", ext)


def _resource(iri: str, path: str, ext: str | None) -> Response:
    choice = linked.choose(ext)
    store = get_store()
    if not choice.is_html:
        quads = linked.neighbourhood(store, iri)
        if not quads:
            abort(404, description=f"the graph says nothing about <{iri}>")
        return linked.decorate(linked.rdf_response(quads, choice.media_type), path, choice)
    index = get_index(store)
    description = Describer(store, index).describe(iri)
    if description is None:
        abort(404, description=f"the graph says nothing about <{iri}>")
    article = (
        index.articles.get(str(GRAPH[local_name(iri)])) if iri.startswith(str(SOURCE)) else None
    )
    context: dict[str, Any] = {
        "d": description,
        "iri": iri,
        "path": path,
        "alternates": linked.alternates(path),
        "article": article,
    }
    template = "resource.html"
    if article is not None:
        context["groups"] = contributions(store, index, article)
        context["timeline_count"] = len(timeline(store, index, article.graph).entries)
        text = searching.get_search_index().article(article.slug)
        if text is not None:
            template = "reader.html"
            context["paragraphs"] = reader.paragraphs(text)
            context["citation"] = reader.citation(store, index, article, text)
            context["quote_count"] = len(text.quotes)
    html = render_template(template, **context)
    return linked.decorate(Response(html, mimetype="text/html"), path, choice)


# -- named graphs ----------------------------------------------------------------------


@bp.route("/graph/<name>")
@cached_view(linked.OFFERS)
def graph(name: str) -> Response:
    """A named graph: a summary page, or all its triples as RDF.

    :raise 404: no such graph.
    """
    slug, ext = linked.resource_name(name)
    iri, path = str(GRAPH[slug]), f"/graph/{slug}"
    store = get_store()
    if iri not in store.graphs():
        abort(404, description=f"there is no named graph <{iri}>")
    choice = linked.choose(ext)
    quads = list(store.quads(graph=iri))
    if not choice.is_html:
        return linked.decorate(linked.rdf_response(quads, choice.media_type), path, choice)
    index = get_index(store)
    predicates: dict[str, int] = {}
    subjects: dict[str, int] = {}
    blank = set()
    for s, p, _, _ in quads:
        predicates[str(p)] = predicates.get(str(p), 0) + 1
        if isinstance(s, URIRef):
            subjects[str(s)] = subjects.get(str(s), 0) + 1
        else:
            blank.add(s)
    html = render_template(
        "graph.html",
        iri=iri,
        path=path,
        slug=slug,
        triples=len(quads),
        article=index.articles.get(iri),
        alternates=linked.alternates(path),
        is_inferred=iri == str(INFERRED_GRAPH),
        is_ontology=iri == str(ONTOLOGY_GRAPH),
        predicates=sorted(predicates.items(), key=lambda kv: (-kv[1], kv[0])),
        subjects=sorted(subjects.items(), key=lambda kv: (-kv[1], kv[0])),
        blank=len(blank),
    )
    return linked.decorate(Response(html, mimetype="text/html"), path, choice)


# -- the ontology ----------------------------------------------------------------------


@bp.route("/ontology")
@bp.route("/ontology.<ext>")
@bp.route("/ontology/<version>")
@cached_view(linked.OFFERS)
def ontology(ext: str | None = None, version: str | None = None) -> Response:
    """The ontology: pyLODE's documentation for browsers, the OWL file for RDF clients.

    ``/ontology/<version>`` is its owl:versionIRI and answers while it names this release.

    :raise 404: an unknown version or extension.
    """
    served = get_served()
    if version is not None:
        current = _ontology_version()
        stem, suffix = (version, None) if version == current else linked.split_suffix(version)
        if stem != current:
            abort(
                404, description=f"this server holds version {current} of the ontology, not {stem}"
            )
        ext = suffix
    elif ext is not None and ext not in linked.EXTENSIONS:
        abort(404, description=f"no representation with the extension .{ext}")
    path = "/ontology"
    choice = linked.choose(ext)
    if not choice.is_html:
        quads = list(get_store().quads(graph=str(ONTOLOGY_GRAPH)))
        return linked.decorate(linked.rdf_response(quads, choice.media_type), path, choice)
    page = served.dist / HTML_NAME
    if not page.is_file():
        abort(404, description="this build has no ontology documentation: rebuild with `kg build`")
    html = page.read_text(encoding="utf-8")
    response = Response(html, mimetype="text/html")
    # Its own policy: the site's, with pyLODE's inline styles allowed by their hashes.
    hashes = sorted({inline_hash(style) for style in INLINE_STYLE.findall(html)})
    response.headers["Content-Security-Policy"] = page_policy(hashes)
    return linked.decorate(response, path, choice)


def _ontology_version() -> str:
    """The last path segment of the ontology's owl:versionIRI (``0.1.0``)."""
    index = _index()
    version_iri = index.ontology.value(ONTOLOGY, OWL.versionIRI)
    return local_name(str(version_iri)) if version_iri is not None else ""


@bp.route("/ontology/diagram.svg")
@cached_view()
def ontology_diagram() -> Response:
    """The class and property diagram drawn by Graphviz at build time.

    :raise 404: Graphviz was missing when this build was made.
    """
    path = get_served().dist / DIAGRAM_NAME
    if not path.is_file():
        abort(
            404,
            description="this build has no diagram: Graphviz's dot was missing at build "
            "time (install the Debian package graphviz and rebuild)",
        )
    return Response(path.read_bytes(), mimetype="image/svg+xml")


# -- timelines ---------------------------------------------------------------------------


@bp.route("/timeline")
@bp.route("/timeline.<ext>")
@cached_view(forms.OFFERS)
def timeline_page(ext: str | None = None) -> Response:
    """Every dated event, document, statement and funding on one axis (also JSON, CSV).

    :raise 406: Accept admits none of HTML, JSON and CSV.
    """
    choice = forms.choose(ext)
    store = get_store()
    index = get_index(store)
    found = timeline(store, index)
    rows = _timeline_rows(found)
    return forms.respond(
        choice,
        "/timeline",
        html=lambda: render_template("timeline.html", t=found, article=None),
        data=lambda: {"entries": rows},
        rows=lambda: rows,
        columns=TIMELINE_COLUMNS,
    )


TIMELINE_COLUMNS = [
    "date",
    "precision",
    "label",
    "iri",
    "page",
    "kind",
    "role",
    "status",
    "stated_in",
    "implied_in",
    "reasoning",
]


def _timeline_rows(found: Timeline) -> list[dict[str, Any]]:
    return [
        {
            "date": e.key.iso(),
            "precision": e.key.precision,
            "label": e.label,
            "iri": e.iri,
            "page": e.href,
            "kind": e.kind,
            "role": e.role or "date",
            "status": e.status,
            "stated_in": [a.slug for a in e.stated],
            "implied_in": [a.slug for a, _ in e.implied],
            "reasoning": [m.reasoning for _, m in e.implied],
        }
        for e in found.entries
    ]


@bp.route("/source/<slug>/timeline")
@cached_view()
def article_timeline(slug: str) -> str:
    """One article's dated facts on the same axis.

    :raise 404: no such article.
    """
    store = get_store()
    index = get_index(store)
    article = index.article_by_slug(slug)
    if article is None:
        abort(404, description=f"there is no article <{SOURCE[slug]}>")
    return render_template(
        "timeline.html", t=timeline(store, index, article.graph), article=article
    )


def _article_order(article: Any) -> tuple[str, str]:
    return (article.date.iso() if article.date else "", article.title)


# -- search (issue #14) -------------------------------------------------------------------


@bp.route("/search")
@bp.route("/search.<ext>")
@cached_view(forms.OFFERS)
def search(ext: str | None = None) -> Response:
    """Names, spellings, quotes and article passages matching ``q``, grouped and ranked.

    ``kind`` (a class's local name, ``Person``) and ``article`` (a slug) narrow them.

    :raise 400: a search over 500 characters, an unknown kind or article.
    :raise 406: Accept admits none of HTML, JSON and CSV.
    """
    choice = forms.choose(ext)
    index = _index()
    engine = searching.get_search_index()
    q, kind, article = searching.read_request(engine, index)
    found = searching.find(engine, q, kind, article)
    return forms.respond(
        choice,
        "/search",
        html=lambda: render_template(
            "search.html",
            q=q,
            kind=kind,
            article=article,
            found=found,
            kinds=searching.kinds(engine),
            articles=sorted(index.articles.values(), key=_article_order),
            headings=searching.GROUP_HEADINGS,
            fields=searching.FIELD_NAMES,
            link=searching.link,
            marked=searching.marked,
        ),
        data=lambda: searching.as_json(found, q, kind, article),
        rows=lambda: searching.as_rows(found),
        columns=searching.CSV_COLUMNS,
    )


@bp.route("/search/suggest")
@cached_view()
def suggest() -> Response:
    """Autocomplete: up to 8 resources whose names start with the words of ``q`` (JSON).

    :raise 400: a search over 500 characters.
    """
    engine = searching.get_search_index()
    q = request.args.get("q", "")
    try:
        found = engine.suggest(q)
    except searching.BadSearch as exc:
        abort(400, description=str(exc))
    for one in found:
        one["page"] = href(one["iri"])
    return Response(
        json.dumps({"q": q, "suggestions": found}, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
    )


@bp.route("/sources/<name>")
@cached_view()
def source_text(name: str) -> Response:
    """The archived text of an article, as received (``/sources/<slug>.txt``).

    :raise 404: not a ``.txt`` name, or no such article text in this build.
    """
    slug, dot, ext = name.rpartition(".")
    if not dot or ext != "txt":
        abort(404, description=f"archived texts are at /sources/<slug>.txt, not {name[:80]!r}")
    text = searching.get_search_index().article(slug)
    if text is None:
        abort(404, description=f"this build holds no archived text for {slug[:80]!r}")
    return Response(text.text, content_type="text/plain; charset=utf-8")

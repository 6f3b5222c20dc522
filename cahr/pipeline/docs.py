"""Stage 5b: the ontology's documentation, generated from the OWL file at build time.

A person following ``https://w3id.org/cahr/ontology#Decree`` needs a page that
explains the term; the page is made by pyLODE (an established documentation
generator, not hand-written HTML) and a class diagram is drawn by Graphviz's
``dot`` from the same triples, so neither can fall behind the ontology.

The HTML is post-processed so that it works offline and locally: every
``https://w3id.org/cahr/`` link becomes a path on the serving host, each term
gets an anchor named by its local name (pyLODE names anchors after labels,
so ``#ActionPlan`` would otherwise miss), and the diagram is placed on the page.
What we add is styled in pyLODE's one ``<style>`` element, never by a style
attribute: the server allows that element by its hash in the page's
Content-Security-Policy (``server/pages.py``), and a policy can allow no
attribute that way.
"""

from __future__ import annotations

import gc
import html
import logging
import os
import re
import shutil
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from cahr.dist import DIAGRAM_NAME, HTML_NAME
from cahr.errors import InputError
from cahr.iris import BASE, CAHR, ID, ONTOLOGY
from cahr.rdf import canonical_quads, to_rdflib

DIAGRAM_URL = "/ontology/diagram.svg"
# The style of what ontology_html adds, appended to pyLODE's <style> element.
ADDED_CSS = (
    ".cahr-nav{font:14px sans-serif;padding:.5em 0}.cahr-diagram img{max-width:100%;height:auto}"
    # on a phone: pyLODE's fixed widths give way, wide tables and code scroll in their box
    "#content{max-width:100%;box-sizing:border-box}#content table,#content pre"
    "{display:block;max-width:100%;overflow-x:auto}#content code,#content a,#toc a"
    "{overflow-wrap:anywhere}@media (max-width:40rem){body{padding:0 .75rem 1rem}"
    "#content{width:auto}#pylode{display:none}#toc{position:static;width:auto;height:auto}"
    "dd{margin-left:1rem}}"
)
# The site's frame around pyLODE's page (issue #14): its viewport, stylesheet and header.
FRAME_HEAD = (
    '<meta name="viewport" content="width=device-width, initial-scale=1">'
    '<link rel="stylesheet" href="/assets/site.css">'
)
FRAME_HEADER = (
    '<header class="site-header"><div class="bar">'
    '<a class="brand" href="/">CAHR-KG<small>Central Asia Human Rights Knowledge Graph</small></a>'
    '<nav aria-label="Main"><ul><li><a href="/">Query</a></li><li><a href="/id/">Browse</a></li>'
    '<li><a href="/timeline">Timeline</a></li>'
    '<li><a href="/ontology" aria-current="page">Ontology</a></li>'
    '<li><a href="/dumps/">Dumps</a></li><li><a href="/.well-known/void">VoID</a></li>'
    '<li><a href="/sparql">SPARQL endpoint</a></li></ul></nav></div></header>'
)
_H1 = re.compile(r"<h1>.*?</h1>", re.DOTALL)
_TITLE = re.compile(r"<title>.*?</title>", re.DOTALL)

_ENTITY = re.compile(
    r'(<div class="[^"]*\bentity\b[^"]*" id="([^"]+)">\s*<h3>.*?</h3>\s*<table>.*?<code>'
    + re.escape(str(CAHR))
    + r"([A-Za-z0-9_-]+)</code>)",
    re.DOTALL,
)


def documented_graph(ontology: Graph) -> Graph:
    """The terms pyLODE should document: the ontology without the topic scheme's instances.

    pyLODE treats a skos:ConceptScheme as a second ontology header and merges
    its title into the page title; topics have entity pages of their own.
    """
    out = Graph()
    for prefix, ns in ontology.namespaces():
        out.bind(prefix, ns)
    has_title = (ONTOLOGY, URIRef("http://purl.org/dc/terms/title"), None) in ontology
    for s, p, o in ontology:
        if isinstance(s, URIRef) and str(s).startswith(str(ID)):
            continue
        if s == ONTOLOGY and p == RDFS.label and has_title:
            continue  # the title is shown once, not "title + label" run together
        out.add((s, p, o))
    return out


def ontology_html(ontology: Graph) -> str:
    """pyLODE's HTML for the ontology, made local, with term anchors and the diagram."""
    OntPub = _import_pylode()

    # pyLODE 3.3 reads its stylesheet with open() and never closes it; the ResourceWarning
    # is its bug, not ours, and must not fail a build run under -W error.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        page = OntPub(ontology=documented_graph(ontology)).make_html()
        gc.collect()
    page = _ENTITY.sub(_with_local_anchor, page)
    page = page.replace(f'href="{BASE}', 'href="/')
    banner = (
        '<nav class="cahr-nav">'
        '<a href="/">CAHR-KG</a> · <a href="/timeline">Timeline</a> · '
        '<a href="/dumps/">Dumps</a> · <a href="/ontology?format=ttl">OWL (Turtle)</a></nav>'
    )
    page = page.replace('<div id="content">', '<div id="content">' + banner, 1)
    page = page.replace("</style>", ADDED_CSS + "</style>", 1)
    page = _framed(page, _title(ontology))
    figure = (
        '<div class="section cahr-diagram" id="diagram"><h2>Diagram</h2>'
        "<p>Classes of the <code>cahr:</code> namespace (boxes), their subclass links "
        "(hollow arrows) and the object properties whose domain and range are both "
        "CAHR classes (labelled arrows). Generated from the OWL file by Graphviz.</p>"
        f'<p><a href="{DIAGRAM_URL}"><img src="{DIAGRAM_URL}" '
        'alt="Class and property diagram of the CAHR ontology"></a></p></div>'
    )
    page = page.replace(
        '<div class="section" id="classes">', figure + '<div class="section" id="classes">', 1
    )
    return page.replace(
        '<div id="namespaces">', _individuals(ontology) + '<div id="namespaces">', 1
    )


def _individuals(ontology: Graph) -> str:
    """A section for the named individuals of ``cahr:``, which pyLODE 3.3 leaves out."""
    rows = []
    for term in sorted(ontology.subjects(RDF.type, OWL.NamedIndividual), key=str):
        if not (isinstance(term, URIRef) and str(term).startswith(str(CAHR))):
            continue
        local = html.escape(str(term)[len(str(CAHR)) :])
        kinds = ", ".join(
            f"<code>cahr:{html.escape(str(c)[len(str(CAHR)) :])}</code>"
            for c in sorted(ontology.objects(term, RDF.type), key=str)
            if str(c).startswith(str(CAHR))
        )
        definition = next(iter(ontology.objects(term, SKOS.definition)), "")
        rows.append(
            f'<div class="entity" id="{local}"><h3>{html.escape(_label(ontology, term))}</h3>'
            f"<table><tr><th>IRI</th><td><code>{html.escape(str(term))}</code></td></tr>"
            f"<tr><th>Type</th><td>{kinds}</td></tr>"
            f"<tr><th>Definition</th><td>{html.escape(str(definition))}</td></tr></table></div>"
        )
    if not rows:
        return ""
    return (
        '<div class="section" id="namedindividuals"><h2>Named Individuals</h2>'
        + "".join(rows)
        + "</div>"
    )


def _title(ontology: Graph) -> str:
    """The ontology's one title (pyLODE's heading runs its title and label together)."""
    for predicate in (RDFS.label, URIRef("http://purl.org/dc/terms/title")):
        for value in ontology.objects(ONTOLOGY, predicate):
            return str(value)
    return "CAHR ontology"


def _framed(page: str, title: str) -> str:
    """pyLODE's page inside the site's frame (viewport, site.css, header), with one title."""
    safe = html.escape(title)
    page = _H1.sub(lambda _: f"<h1>{safe}</h1>", page, count=1)
    page = _TITLE.sub(lambda _: f"<title>{safe} · CAHR-KG</title>", page, count=1)
    page = page.replace("</head>", FRAME_HEAD + "</head>", 1)
    return re.sub(r"<body([^>]*)>", lambda m: m.group(0) + FRAME_HEADER, page, count=1)


def _import_pylode() -> Any:
    """pyLODE's OntPub, imported without the logging set-up that pyLODE does on import.

    Imported here, not at the top: pyLODE loads its background ontologies on import.
    One of its modules calls ``logging.basicConfig(level=DEBUG)``, which would make
    every library's debug lines part of ``kg build``'s output; basicConfig does nothing
    while the root logger has a handler, so a silent one stands in during the import.
    """
    root = logging.getLogger()
    stand_in, level = logging.NullHandler(), root.level
    root.addHandler(stand_in)
    try:
        from pylode import OntPub
    finally:
        root.removeHandler(stand_in)
        root.setLevel(level)
    return OntPub


def _with_local_anchor(match: re.Match[str]) -> str:
    """Add ``id="LocalName"`` before an entity block whose pyLODE id differs."""
    block, pylode_id, local = match.group(1), match.group(2), match.group(3)
    if pylode_id == local:
        return block
    return f'<span id="{html.escape(local)}"></span>{block}'


def _label(graph: Graph, term: URIRef) -> str:
    for label in graph.objects(term, RDFS.label):
        if isinstance(label, Literal):
            return str(label)
    return str(term)[len(str(CAHR)) :]


def diagram_dot(ontology: Graph) -> str:
    """A Graphviz description of the CAHR classes, their hierarchy and object properties."""
    classes = sorted(
        c
        for c in ontology.subjects(RDF.type, OWL.Class)
        if isinstance(c, URIRef) and str(c).startswith(str(CAHR))
    )
    known = set(classes)
    lines = [
        "digraph cahr {",
        '  graph [rankdir=RL, fontname="Helvetica", nodesep=0.25, ranksep=0.45, '
        'bgcolor="white", label="CAHR ontology: classes and object properties", '
        "labelloc=t, fontsize=20];",
        '  node [shape=box, style="rounded,filled", fillcolor="#eef3fb", color="#2c5aa0", '
        'fontname="Helvetica", fontsize=11];',
        '  edge [fontname="Helvetica", fontsize=9];',
    ]
    for c in classes:
        local = str(c)[len(str(CAHR)) :]
        lines.append(
            f'  "{local}" [label="{_dot_escape(_label(ontology, c))}", URL="/ontology#{local}"];'
        )
    for c in classes:
        for parent in sorted(ontology.objects(c, RDFS.subClassOf), key=str):
            if parent in known:
                lines.append(
                    f'  "{_local(c)}" -> "{_local(parent)}" [arrowhead=empty, color="#555555"];'
                )
    # Several properties between one pair of classes share one arrow with a
    # multi-line label: one arrow per property made the hubs (Agent, Event) unreadable.
    pairs: dict[tuple[str, str], list[str]] = {}
    for p in sorted(ontology.subjects(RDF.type, OWL.ObjectProperty), key=str):
        if not str(p).startswith(str(CAHR)):
            continue
        for d in sorted((x for x in ontology.objects(p, RDFS.domain) if x in known), key=str):
            for r in sorted((x for x in ontology.objects(p, RDFS.range) if x in known), key=str):
                pairs.setdefault((_local(d), _local(r)), []).append(_local(p))
    for (domain, range_), names in sorted(pairs.items()):
        label = "\\n".join(names)
        lines.append(
            f'  "{domain}" -> "{range_}" [label="{label}", color="#c0504d", '
            'fontcolor="#8a2a27", style=dashed];'
        )
    lines.append("}")
    return "\n".join(lines) + "\n"


def _local(term: object) -> str:
    return str(term)[len(str(CAHR)) :]


def _dot_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def render(dot_source: str, fmt: str = "svg") -> bytes:
    """Run ``dot -T<fmt>`` on a Graphviz description.

    :raises InputError: dot is not installed (the site links to the diagram, so a build
        without it would publish a broken page).
    :raises RuntimeError: dot failed.
    """
    exe = shutil.which("dot")
    if exe is None:
        raise InputError(
            "Graphviz's dot was not found, and the ontology page shows a diagram drawn by it: "
            "install the Debian package graphviz (`make build` installs it when missing)"
        )
    done = subprocess.run(
        [exe, f"-T{fmt}"], input=dot_source.encode(), capture_output=True, timeout=120, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"dot failed: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout


def make_docs(ontology_file: Path) -> dict[str, bytes]:
    """``ontology.html`` and ``ontology.svg`` (drawn by Graphviz), from the OWL file.

    :returns: file name -> content, for the caller to write into dist/.
    :raises InputError: Graphviz is not installed.
    """
    ontology = Graph()
    ontology.parse(ontology_file, format="turtle")
    return {
        DIAGRAM_NAME: render(diagram_dot(ontology), "svg"),
        HTML_NAME: _html_with_fixed_hash_seed(ontology_file),
    }


class _InsertionOrdered(dict[Any, None]):
    """A set's ``add`` and iteration, in insertion order (see the ``__main__`` block)."""

    def add(self, item: Any) -> None:
        self.setdefault(item)


def _html_with_fixed_hash_seed(ontology_file: Path) -> bytes:
    """The documentation page, made by pyLODE in a child Python whose hash seed is fixed.

    pyLODE lists some terms in the order of its hash tables, which Python seeds at
    random in every process, and of blank-node names, which rdflib draws at random:
    two builds of the same ontology gave two orders. With a fixed seed and canonical
    blank-node names the page is the same bytes every time, so that a build can be
    cited by its checksums.

    :raises RuntimeError: pyLODE failed.
    """
    done = subprocess.run(
        [sys.executable, "-m", "cahr.pipeline.docs", str(ontology_file)],
        env={**os.environ, "PYTHONHASHSEED": "0"},
        capture_output=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"pyLODE failed:\n{done.stderr.decode(errors='replace')}")
    return done.stdout


if __name__ == "__main__":
    # The child of _html_with_fixed_hash_seed: the page of the ontology file named, on stdout.
    # rdflib names blank nodes at random when it parses; pyLODE's order depends on the
    # names too, so they are relabelled canonically first.
    parsed = Graph()
    parsed.parse(sys.argv[1], format="turtle")
    graph = Graph()
    for prefix, namespace in parsed.namespaces():
        graph.bind(prefix, namespace)
    for quad in canonical_quads(parsed):
        graph.add((to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)))
    # pyLODE 3.3 gathers the members of a union or intersection class in a set() of HTML
    # elements, which iterates in the order of their memory addresses; an insertion-ordered
    # stand-in (the RDF list's order) for that module's set() makes the order the list's.
    _import_pylode()  # quietly, before its utils module is touched
    import pylode.utils

    pylode.utils.set = _InsertionOrdered
    sys.stdout.buffer.write(ontology_html(graph).encode("utf-8"))

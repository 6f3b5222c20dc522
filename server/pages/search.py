"""Search (issue #14, point 1): ``/search?q=`` and ``/search/suggest?q=`` over the build's index.

The index (``cahr.search``, built by ``kg build`` into dist/) holds every name and
spelling, every evidence quote and every paragraph of the archived articles. A page
shows the results in three groups (resources, statements, article passages), each with
its snippet, the words found marked; ``kind`` (a class, ``Person``) and ``article`` (a
slug) narrow them. The same results come as JSON and CSV (``forms.py``). Snippets are
escaped before the marks are put in, so no text of the data is ever markup.
"""

from __future__ import annotations

from typing import Any

from flask import abort, request
from markupsafe import Markup, escape

from cahr.errors import InputError
from cahr.iris import CAHR
from cahr.search import CLOSE, OPEN, BadSearch, Found, Result, SearchIndex, open_index
from cahr.server.pages.articles import KINDS
from cahr.server.pages.index import Index
from cahr.server.pages.present import href
from cahr.server.state import get_served

GROUP_HEADINGS = {"resource": "Resources", "statement": "Statements", "passage": "Article passages"}
FIELD_NAMES = {"name": "name", "quote": "quote", "passage": "article text"}
CSV_COLUMNS = ["group", "label", "iri", "page", "kind", "article", "field", "snippet"]


def get_search_index() -> SearchIndex:
    """The index of the build this worker serves.

    :raise 404: the build has no index (made before the search stage).
    """
    try:
        return open_index(get_served().dist)
    except InputError as exc:  # a build made before the search stage
        abort(404, description=f"this build has no search index ({exc}): rebuild with `kg build`")


def marked(snippet: str) -> Markup:
    """A snippet as HTML: escaped, with the words found in ``<mark>``."""
    return Markup(str(escape(snippet)).replace(OPEN, "<mark>").replace(CLOSE, "</mark>"))


def plain(snippet: str) -> str:
    return snippet.replace(OPEN, "").replace(CLOSE, "")


def kinds(index: SearchIndex) -> list[tuple[str, str]]:
    """(class local name, heading) for each kind a result can have, in the site's order."""
    present = set(index.kinds())
    prefix = str(CAHR)
    out = []
    for cls, heading in KINDS:
        name = str(cls)[len(prefix) :] if str(cls).startswith(prefix) else "Concept"
        if name in present:
            out.append((name, heading))
    return out


def read_request(index: SearchIndex, site: Index) -> tuple[str, str, str]:
    """``q``, ``kind`` and ``article`` of the request, checked.

    :raise 400: an unknown kind or article.
    """
    q = request.args.get("q", "")
    kind = request.args.get("kind", "")
    article = request.args.get("article", "")
    known = dict(kinds(index))
    if kind and kind not in index.kinds():
        abort(
            400,
            description=f"unknown kind {kind[:60]!r}: use the local name of a class, one of "
            f"{', '.join(known)}",
        )
    if article and site.article_by_slug(article) is None:
        abort(400, description=f"there is no article {article[:80]!r} (use its slug)")
    return q, kind, article


def find(index: SearchIndex, q: str, kind: str, article: str) -> Found:
    """:raise 400: a search too long to be one."""
    try:
        return index.search(q, kind=kind, article=article)
    except BadSearch as exc:
        abort(400, description=str(exc))


def link(result: Result) -> str:
    """Where a result leads: a resource's page, or the passage in the article reader."""
    if result.grp == "passage":
        return f"/source/{result.article}#{result.anchor}"
    return href(result.iri)


def as_json(found: Found, q: str, kind: str, article: str) -> dict[str, Any]:
    groups = {
        grp: [
            {
                "iri": r.iri,
                "label": r.label,
                "page": link(r),
                "kinds": r.types,
                "article": r.article,
                "passage": f"/source/{r.article}#{r.anchor}" if r.anchor else None,
                "matches": [
                    {"field": fld, "snippet": plain(s), "html": str(marked(s))}
                    for fld, s in r.snippets
                ],
            }
            for r in results
        ]
        for grp, results in found.groups.items()
    }
    return {
        "q": q,
        "kind": kind or None,
        "article": article or None,
        "terms": found.terms,
        "results": groups,
        "truncated": found.more,
    }


def as_rows(found: Found) -> list[dict[str, Any]]:
    return [
        {
            "group": grp,
            "label": r.label,
            "iri": r.iri,
            "page": link(r),
            "kind": r.types,
            "article": r.article,
            "field": r.snippets[0][0] if r.snippets else "",
            "snippet": plain(r.snippets[0][1]) if r.snippets else "",
        }
        for grp, results in found.groups.items()
        for r in results
    ]

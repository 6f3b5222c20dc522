"""Machine-readable forms of the browsing pages (issue #14, point 8): HTML, JSON or CSV.

``/id/``, ``/timeline`` and ``/search`` are lists: besides their page they answer as
JSON (``application/json``) and CSV (``text/csv``), chosen like a resource's RDF
(``linked.py``): by suffix (``/timeline.csv``), then ``?format=``, then the Accept
header. An Accept header that admits none of the three (``text/turtle``) is a 406
naming them, as the W3C note on Cool URIs asks of a resource with several forms.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from flask import Response, abort, request

from cahr.server.pages.linked import Choice
from cahr.server.protocol.negotiation import negotiate

HTML, JSON, CSV = "text/html", "application/json", "text/csv"
SUFFIXES = {"html": HTML, "json": JSON, "csv": CSV}
# What the negotiator (and the response cache's key) is offered: it reads Accept's
# application/json as its synonym application/sparql-results+json (cahr.formats.SYNONYMS),
# which is taken here to mean JSON, so both are JSON and the cache keeps them apart from CSV.
RESULTS_JSON = "application/sparql-results+json"
OFFERS = [HTML, RESULTS_JSON, CSV]


def choose(ext: str | None = None) -> Choice:
    """The form to send: by suffix, then ``?format=``, then Accept.

    :raise 404: a suffix other than ``.json`` and ``.csv``.
    :raise 400: an unknown ``format``.
    :raise 406: Accept admits none of HTML, JSON and CSV.
    """
    if ext is not None:
        if ext not in ("json", "csv"):
            abort(404, description=f"no form with the suffix .{ext[:20]}: use .json or .csv")
        return Choice(SUFFIXES[ext], negotiated=False)
    fmt = request.args.get("format")
    if fmt:
        media_type = SUFFIXES.get(fmt.lower()) or (
            fmt.lower() if fmt.lower() in (HTML, JSON, CSV) else None
        )
        if media_type is None:
            abort(400, description=f"unknown format {fmt[:40]!r}: use html, json or csv")
        return Choice(media_type, negotiated=False)
    media_type = negotiate(request.headers.get("Accept"), OFFERS)
    if media_type is None:
        abort(
            406,
            description="this page is available as HTML (text/html), JSON (application/json) "
            "and CSV (text/csv); none of them is acceptable "
            f"(Accept: {request.headers.get('Accept', '')[:200]!r})",
        )
    return Choice(JSON if media_type == RESULTS_JSON else media_type, negotiated=True)


def respond(
    choice: Choice,
    path: str,
    *,
    html: Callable[[], str],
    data: Callable[[], Mapping[str, Any]],
    rows: Callable[[], Iterable[Mapping[str, Any]]],
    columns: list[str],
) -> Response:
    """The page, its JSON or its CSV, with Vary, Content-Location and Link alternates.

    :param path: the page's URL path without a suffix (``/timeline``); ``/id/`` has
        ``/id.json`` and ``/id.csv``.
    :param data: the JSON document; ``rows`` the CSV's records, ``columns`` its header.
    """
    if choice.media_type == HTML:
        response = Response(html(), mimetype=HTML)
    elif choice.media_type == JSON:
        body = json.dumps(data(), ensure_ascii=False, indent=1) + "\n"
        response = Response(body, content_type=f"{JSON}; charset=utf-8")
    else:
        response = Response(to_csv(rows(), columns), content_type=f"{CSV}; charset=utf-8")
    stem = path.rstrip("/")
    query = request.query_string.decode("utf-8", "replace")
    suffix_query = f"?{query}" if query and "format=" not in query else ""
    if choice.negotiated:
        response.vary.add("Accept")
        ext = next(e for e, mt in SUFFIXES.items() if mt == choice.media_type)
        if ext != "html":
            response.headers["Content-Location"] = f"{stem}.{ext}{suffix_query}"
    response.headers["Link"] = ", ".join(
        f'<{stem}.{ext}{suffix_query}>; rel="alternate"; type="{mt}"'
        for ext, mt in SUFFIXES.items()
        if mt not in (choice.media_type, HTML)
    )
    return response


def to_csv(rows: Iterable[Mapping[str, Any]], columns: list[str]) -> str:
    """RFC 4180 CSV (CRLF line ends) with a header line; lists joined by " | "."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(
            [
                " | ".join(map(str, v)) if isinstance(v, list | tuple) else ("" if v is None else v)
                for v in (row.get(c) for c in columns)
            ]
        )
    return out.getvalue()

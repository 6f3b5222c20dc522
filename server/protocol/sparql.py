"""/sparql: the SPARQL 1.1 Protocol query operation (read-only) and the service description.

https://www.w3.org/TR/sparql11-protocol/ section 2.1: a query by GET, by POST
of a form, or by POST of the query itself (application/sparql-query); the
dataset from default-graph-uri and named-graph-uri; the media type of the
answer from the Accept header, or from the ``format`` / ``output`` /
``results`` parameters that SPARQLWrapper and others send, when they name a
type this kind of answer can be written in. A GET without a query is the
service description (``description.py``).

The work goes cheapest first: read the request (400, 403 for updates, 413),
guess the query's form from its tokens (only to negotiate), negotiate (406),
answer a conditional GET from the build once the query is vetted (304: nothing
is evaluated, but a forbidden query gets its 403 first), answer from the cache
(``cache.py``: the same query, dataset and media types answered before on this
build), and only then vet and evaluate, in a child process that the time limit
can kill (``runner.py``: 503). The vetting (``cahr.query.vet``: updates,
SERVICE, graphs outside the dataset: 403) parses the query, which costs
milliseconds to seconds of pure Python: it runs in the child, never here, and
the child cannot open a network socket (``cahr.sandbox``). A refused query is
never cached, so it is vetted (from the child's verdict cache) on every request.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from flask import Blueprint, Response, request
from werkzeug.exceptions import BadRequest, NotAcceptable

from cahr.errors import QueryRefused
from cahr.formats import RDF_TYPES, RESULT_TYPES, media_type_for
from cahr.query import check_operators, guess_form
from cahr.results import Written
from cahr.server.protocol.negotiation import negotiate
from cahr.server.protocol.runner import Job
from cahr.server.protocol.service_description import describe, serialize
from cahr.server.state import get_served
from cahr.server.web.cache import normalise_query, respond
from cahr.server.web.inputs import percent_encoded_utf8, require_utf8_charset, utf8_text
from cahr.server.web.responses import not_modified

bp = Blueprint("sparql", __name__)

FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
UPDATE = "application/sparql-update"
# Parameters that clients use to ask for a format besides (or instead of) Accept.
FORMAT_PARAMS = ("format", "output", "results")
GRAPH_FORMS = {"CONSTRUCT", "DESCRIBE"}
# Deepest nesting of brackets a query may have (see _check_nesting).
MAX_NESTING = 64
_NOT_BRACKETS = re.compile(r"[^{}()\[\]]+")
# Offers in the server's order of preference: the first is the default.
RESULT_OFFERS = list(RESULT_TYPES)
GRAPH_OFFERS = list(RDF_TYPES)
READ_ONLY = (
    "this endpoint is read-only: SPARQL Update requests are refused, whatever the route, "
    "method or parameter; the data changes only by a new build"
)


@dataclass
class Operation:
    """A protocol query request, once read: the query and its dataset."""

    query: str | None
    default_graphs: list[str]
    named_graphs: list[str]


@bp.route("/sparql", methods=["GET", "POST"])
def sparql() -> Response:
    """Answer a SPARQL query, or describe the service when there is none.

    :raise 400: a syntax error (with line and column), no query, two queries,
        a POST in another media type, brackets nested too deep.
    :raise 403: an update, SERVICE, or a graph outside the dataset.
    :raise 406: the client accepts none of the media types of the answer.
    :raise 413: the request body is too large (414 for the URL).
    :raise 503: the query ran past the time limit.
    """
    operation = _read_operation()
    if operation.query is None:
        return _service_description()
    _check_nesting(operation.query)
    # Again by the vetting, on the decoded text; here, a huge chain never costs a query
    # process its time (or its place, when it runs long).
    check_operators(operation.query)
    served = get_served()
    # Not a security decision (the child vets the parse): the form picks the media
    # types and the cache key; a wrong guess only chooses the other family's default.
    guessed = guess_form(operation.query)
    result_type, graph_type = _choose(RESULT_OFFERS), _choose(GRAPH_OFFERS)
    graph_form = guessed in GRAPH_FORMS
    chosen = graph_type if graph_form else result_type
    current = _current_copy(chosen, GRAPH_OFFERS if graph_form else RESULT_OFFERS)
    job = Job(
        operation.query,
        tuple(operation.default_graphs),
        tuple(operation.named_graphs),
        result_type,
        graph_type,
        served.max_rows,
        # SPARQL 1.1 Protocol: a relative IRI in a query without BASE is relative to
        # the service's own IRI, the URL it was asked at.
        base_iri=request.base_url,
    )
    if current is not None:
        # A 304 (or 412) tells the client the query may run: only the vetting may say
        # so. A forbidden query gets its 403 whatever validators it sends.
        served.runner.check(job)
        return current
    # Everything that decides the answer, besides the build (which respond adds).
    parts = (
        "sparql",
        normalise_query(job.text),
        json.dumps([job.default_graphs, job.named_graphs]),
        result_type or "",
        graph_type or "",
        str(job.max_rows),
        job.base_iri or "",
    )
    return respond(parts, lambda: _response(served.runner.run(job), served.max_rows))


def _read_operation() -> Operation:
    """The query and dataset of the request, by whichever of the three routes it came.

    :raise 400: two queries, no query in a POST, a POST in another media type, a body
        declared in a charset other than UTF-8 or not UTF-8 (the query string is
        checked for every route, ``inputs.check_request``).
    :raise 403: an update (``update`` parameter or application/sparql-update body).
    """
    if request.method == "POST" and request.mimetype == FORM:
        # Before anything parses the form, which would replace invalid bytes silently.
        require_utf8_charset("the form body")
        percent_encoded_utf8(request.get_data(), "the form body (percent-decoded)")
    if request.mimetype == UPDATE or "update" in request.values:
        raise QueryRefused(READ_ONLY)
    queries = request.args.getlist("query")
    default_graphs = request.args.getlist("default-graph-uri")
    named_graphs = request.args.getlist("named-graph-uri")
    if request.method == "POST":
        if request.mimetype == FORM:
            queries += request.form.getlist("query")
            default_graphs += request.form.getlist("default-graph-uri")
            named_graphs += request.form.getlist("named-graph-uri")
        elif request.mimetype == DIRECT:
            queries.append(_body_text())
        else:
            raise BadRequest(
                f"a query is POSTed as {FORM} (a 'query' field) or as {DIRECT} (the query as the "
                f"body), not as {request.mimetype or 'a body without a Content-Type'} "
                "(SPARQL 1.1 Protocol, section 2.1)"
            )
        if not queries:
            raise BadRequest(
                "no query: send it in the 'query' field of the form "
                "(SPARQL 1.1 Protocol, section 2.1.2)"
            )
    if len(queries) > 1:
        raise BadRequest(
            f"the request carries {len(queries)} queries: send exactly one "
            "(in the URL, in the form, or as the body)"
        )
    return Operation(queries[0] if queries else None, default_graphs, named_graphs)


def _check_nesting(text: str) -> None:
    """Refuse a query nested deeper than MAX_NESTING brackets, before a parser sees it.

    Oxigraph's parser overflows its stack (the process dies) near 5,000 levels,
    rdflib's near 30: a few kilobytes of brackets must not crash a query process.
    Every bracket counts, even in strings and comments: an overestimate that can
    only refuse an absurd query.

    :raise 400: too deep.
    """
    depth = deepest = 0
    for char in _NOT_BRACKETS.sub("", text):
        if char in "{([":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "})]":
            depth -= 1
    if deepest > MAX_NESTING:
        raise BadRequest(
            f"the query nests brackets {deepest} deep; this endpoint accepts up to {MAX_NESTING}"
        )


def _body_text() -> str:
    """The query POSTed as the body: UTF-8, the only valid charset (Protocol 2.1.3).

    :raise 400: another charset declared, or bytes that are not UTF-8.
    """
    require_utf8_charset(f"the {DIRECT} body")
    return utf8_text(request.get_data(), "the query in the body")


def _choose(offers: list[str]) -> str | None:
    """The media type to answer in, among ``offers``; None if none is acceptable."""
    for name in (value for param in FORMAT_PARAMS for value in request.values.getlist(param)):
        media_type = media_type_for(name)
        if media_type in offers:
            return media_type
    return negotiate(request.headers.get("Accept"), offers)


def _current_copy(chosen: str | None, offers: list[str]) -> Response | None:
    """A 304 when the client's copy of the answer in ``chosen`` is current, else None.

    :raise 406: nothing among ``offers`` was acceptable (``chosen`` is None).
    """
    if chosen is None:
        raise NotAcceptable(
            f"this answer can be written as {', '.join(offers)}, and the request accepts none "
            f"of them (Accept: {request.headers.get('Accept', '')!r}); ask for one in the "
            "Accept header or with the 'format' parameter"
        )
    cached = not_modified(chosen)
    if cached is not None:
        cached.vary.add("Accept")
    return cached


def _service_description() -> Response:
    """The SPARQL 1.1 Service Description, in the RDF format the client asks for.

    :raise 406: the client accepts no RDF format.
    """
    media_type = _choose(GRAPH_OFFERS)
    cached = _current_copy(media_type, GRAPH_OFFERS)
    if cached is not None:
        return cached
    assert media_type is not None  # _current_copy raised 406 otherwise

    def make() -> Response:
        graph = describe(request.base_url, get_served())
        return _response(Written(serialize(graph, media_type), media_type, len(graph)), None)

    return respond(("description", request.base_url, media_type), make)


def _response(written: Written, max_rows: int | None) -> Response:
    """The answer, saying how many rows it holds and whether the row cap cut it."""
    response = Response(written.body, mimetype=written.media_type)
    response.vary.add("Accept")
    response.headers["X-CAHR-Rows"] = str(written.rows)
    response.headers["X-CAHR-Truncated"] = "true" if written.truncated else "false"
    if written.truncated:
        response.headers["Warning"] = (
            f'299 kg-serve "the result was cut at {max_rows} rows (setting max_rows); '
            'page through it with LIMIT and OFFSET"'
        )
    return response

"""The one place where exceptions become HTTP error responses.

Every error has one JSON shape, pinned by a test::

    {"error": {"status": 400, "title": "Query syntax error",
               "message": "line 1, column 28: expected ...", "line": 1, "column": 28}}

and browsers (a client that prefers text/html) get the same fields as a page,
``templates/error.html``, in the site's own look. Every 4xx says what was
wrong: where Werkzeug raised an error with only its generic text (no route,
a method, a range), ``_message`` says it for this request instead. Only what the client can fix becomes a 4xx: query,
protocol and media-type errors; a timeout is 503, and so is a remote store that
cannot be reached (logged, with Retry-After); anything else is a bug, so
it is logged with its traceback and answered 500, never disguised as a 4xx.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, RequestedRangeNotSatisfiable

from cahr.errors import (
    CahrError,
    InputError,
    QueryRefused,
    QuerySyntaxError,
    QueryTimeout,
    StoreUnavailable,
)
from cahr.server.protocol.negotiation import negotiate

log = logging.getLogger(__name__)

# Seconds a client is asked to wait when the remote store is unavailable.
RETRY_AFTER = 5

# CahrError subclasses a client can cause: (class, status, title); the first match wins.
CLIENT_ERRORS: list[tuple[type[CahrError], int, str]] = [
    (QuerySyntaxError, 400, "Query syntax error"),
    (QueryRefused, 403, "Query refused"),
    (QueryTimeout, 503, "Query timeout"),
    (InputError, 400, "Bad request"),
]


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _any_error)


def error_response(status: int, title: str, message: str, **extra: Any) -> Response:
    """An error in the one shape: JSON, or a page for a client that prefers HTML."""
    fields = {"status": status, "title": title, "message": message, **extra}
    if negotiate(request.headers.get("Accept"), ["application/json", "text/html"]) == "text/html":
        response = Response(render_template("error.html", **fields), mimetype="text/html")
    else:
        response = jsonify({"error": fields})
    response.status_code = status
    return response


def _http_error(exc: HTTPException) -> Response:
    status = exc.code or 500
    response = error_response(status, exc.name, _message(exc))
    for name, value in exc.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def _message(exc: HTTPException) -> str:
    """The error's own description, or one about this request where Werkzeug's is generic."""
    status = exc.code
    path = request.path[:200]
    if status == 413:
        limit = current_app.config["CAHR"]["max_request_bytes"]
        return (
            f"the request is larger than the limit of {limit} bytes (setting "
            "max_request_bytes): send a shorter query"
        )
    if exc.description and exc.description != getattr(type(exc), "description", None):
        return exc.description
    if status == 404:
        return (
            f"there is nothing at {path}: this server answers /sparql, /id/, /source/, "
            "/graph/, /ontology, /timeline, /dumps/ and /.well-known/void (see /)"
        )
    if isinstance(exc, MethodNotAllowed):
        allowed = ", ".join(sorted(exc.valid_methods or []))
        return f"{request.method} is not allowed at {path}: it answers {allowed}"
    if isinstance(exc, RequestedRangeNotSatisfiable):
        return (
            f"the Range header {request.headers.get('Range', '')[:100]!r} asks for no bytes "
            f"this file has (it has {exc.length} bytes)"
        )
    return f"{exc.name} for {request.method} {path}: {exc.description}"


def _any_error(exc: Exception) -> Response:
    if isinstance(exc, StoreUnavailable):
        # The details name the store's address: for the log, not for the client.
        log.error("%s %s: %s", request.method, request.path, exc)
        response = error_response(
            503,
            "Store unavailable",
            "the store that answers this endpoint's queries could not be reached; "
            "try again shortly",
        )
        response.headers["Retry-After"] = str(RETRY_AFTER)
        return response
    if isinstance(exc, CahrError):
        for cls, status, title in CLIENT_ERRORS:
            if isinstance(exc, cls):
                return error_response(status, title, str(exc), **_details(exc))
    log.exception("internal error while answering %s %s", request.method, request.path)
    return error_response(
        500,
        "Internal server error",
        "the server failed to answer this request; the error has been logged",
    )


def _details(exc: CahrError) -> dict[str, Any]:
    """The machine-readable fields of an error, beside its message."""
    if isinstance(exc, QuerySyntaxError) and exc.line is not None:
        return {"line": exc.line, "column": exc.column}
    if isinstance(exc, QueryTimeout):
        return {"limit_seconds": exc.seconds, "setting": "query_timeout"}
    return {}

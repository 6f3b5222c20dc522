"""What every route does to be a good HTTP citizen, whichever blueprint answers.

A ``before_request`` hook refuses what no view can answer (``inputs.py``: a
path or query string that is not UTF-8, a control character, an overlong
name, a bad Host). One ``after_request`` hook runs the steps in a fixed order,
so that each sees the response the previous one left: CORS headers;
validators (ETag and Last-Modified from the build; 304 or 412 for a
conditional request); security headers (Content-Security-Policy and its
companions); Cache-Control; gzip for large bodies; then one access-log line with the size
actually sent. ``/healthz`` lives here too: it belongs to no surface.

The security headers (docs/linked-data.md, "Security headers"): every answer
says ``X-Content-Type-Options: nosniff`` and may not be framed; an HTML page
gets ``PAGE_POLICY``, which lets it run and style only what this server sends
as files (no inline script, no eval), and keeps links from telling other sites
where they came from. A page that must carry an inline style (pyLODE's
ontology page) sets its own policy with the style's hash (``page_policy``).

Validators come from the build, not from the body: every answer of a route is
fixed by the build, the URL and the negotiated media type, so a client's
copy is current exactly when the build is the same (``Served.etag``). The
/sparql view checks this before it runs a query (``not_modified``). These
steps run alike on an answer from the response cache (``cache.py``), which
keeps an answer's gzipped body beside it.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import time
from collections.abc import Iterable

from flask import Flask, Response, current_app, g, jsonify, request
from werkzeug.exceptions import RequestURITooLarge
from werkzeug.http import parse_date, parse_etags, unquote_etag

from cahr.server.state import get_served
from cahr.server.web.access import log_request
from cahr.server.web.cache import gzipped
from cahr.server.web.errors import error_response
from cahr.server.web.inputs import check_request, read_body

# Bodies smaller than this are not worth compressing.
GZIP_MIN_BYTES = 1024
GZIP_LEVEL = 6
# Seconds a cache may reuse a successful answer without asking again; a new
# build changes every ETag, so a revalidation after that is cheap (304).
CACHE_MAX_AGE = 300
# Seconds a browser may reuse a CORS preflight answer.
PREFLIGHT_MAX_AGE = 86400
# Read-only for every origin: no credentials, nothing that writes.
CORS_METHODS = "GET, HEAD, POST, OPTIONS"
CORS_EXPOSED = "ETag, Last-Modified, Link, Warning, X-CAHR-Rows, X-CAHR-Truncated, X-CAHR-Cache"
# Media types worth compressing (text formats, all our RDF and results formats).
COMPRESSIBLE = (
    "text/",
    "application/json",
    "application/ld+json",
    "application/n-triples",
    "application/n-quads",
    "application/trig",
    "application/rdf+xml",
    "application/sparql-results+",
    "application/xml",
    "image/svg+xml",
    "application/javascript",
)
# Content-Security-Policy of an HTML page: scripts, styles, fonts and requests come
# from this server only (YASGUI is served by us, ``pages.yasgui_asset``); images
# may also be data: URLs (the empty favicon, YASGUI's icons); no plugin, no <base>
# elsewhere, forms post here, and no other site may frame a page (clickjacking).
PAGE_DIRECTIVES: dict[str, str] = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self' data:",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
# Everything else (RDF, results, JSON, files, the diagram) is data: nothing to run or load.
DATA_POLICY = "default-src 'none'; frame-ancestors 'none'"
# Links to other sites send no Referer; this server's own requests keep theirs.
REFERRER_POLICY = "same-origin"


def init_app(app: Flask) -> None:
    app.before_request(_before)
    app.after_request(_after)
    app.add_url_rule("/healthz", "healthz", healthz)


def healthz() -> Response:
    """For load balancers: 200 with the build being served, never cached.

    ``cache`` counts the hits and misses of the response cache of the worker
    process that answers (each worker keeps its own); ``queries``, what that worker's
    pool of query processes does now (``QueryRunner.load``).
    """
    served = get_served()
    response = jsonify(
        status="ok",
        build_id=served.build_id,
        engine=served.engine,
        triples=served.manifest.get("union_triples"),
        query_processes=len(served.runner.pids()),
        queries=served.runner.load(),
        cache=served.cache.stats(),
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def not_modified(media_type: str) -> Response | None:
    """A 304 when the client already holds the current ``media_type`` answer, else None.

    Lets a view skip its work (a query) for a conditional GET.
    """
    if request.method not in ("GET", "HEAD"):
        return None
    response = _validated(Response(mimetype=media_type))
    return response if response.status_code != 200 else None


def page_policy(style_hashes: Iterable[str] = ()) -> str:
    """The Content-Security-Policy of an HTML page, allowing the inline styles hashed.

    :param style_hashes: CSP sources (``'sha256-...'``) of inline ``<style>`` elements.
    """
    directives = dict(PAGE_DIRECTIVES)
    directives["style-src"] = " ".join([directives["style-src"], *style_hashes])
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def inline_hash(content: str) -> str:
    """The CSP source that allows an inline element with exactly ``content``."""
    digest = hashlib.sha256(content.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


PAGE_POLICY = page_policy()


def _before() -> None:
    """Start the clock of the access log; refuse a malformed or over-long URL, or a body
    that cannot be read whole in time."""
    g.cahr_started = time.perf_counter()
    limit = current_app.config["CAHR"]["max_request_bytes"]
    if len(request.query_string) > limit:
        raise RequestURITooLarge(
            f"the URL's query part is longer than the limit of {limit} bytes (setting "
            "max_request_bytes): POST a long query instead of putting it in the URL"
        )
    check_request()
    read_body()


def _after(response: Response) -> Response:
    _cors(response)
    response = _validated(response)  # may be a new response (412)
    _security(response)
    _cache_control(response)
    _gzip(response)
    _log(response)
    return response


def _cors(response: Response) -> None:
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = CORS_EXPOSED
    if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
        response.headers["Access-Control-Allow-Methods"] = CORS_METHODS
        requested = request.headers.get("Access-Control-Request-Headers")
        if requested:
            response.headers["Access-Control-Allow-Headers"] = requested
        response.headers["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE)


def _security(response: Response) -> None:
    """nosniff and no framing on every answer; a page's policy and Referrer-Policy on HTML."""
    headers = response.headers
    headers["X-Content-Type-Options"] = "nosniff"
    headers.setdefault("X-Frame-Options", "DENY")  # frame-ancestors, for older browsers
    if response.mimetype == "text/html":
        headers.setdefault("Content-Security-Policy", PAGE_POLICY)
        headers.setdefault("Referrer-Policy", REFERRER_POLICY)
    else:
        headers.setdefault("Content-Security-Policy", DATA_POLICY)


def _validated(response: Response) -> Response:
    """Add the build's ETag and Last-Modified to a successful GET, then apply the conditions.

    RFC 9110, section 13.2.2, in its order: If-Match, then If-None-Match (or,
    without it, If-Modified-Since). Our tags are weak (an answer is the same in
    meaning, not always in bytes) and If-Match compares strongly, so only
    ``If-Match: *`` holds; a failed one is a 412 in the one error shape.
    """
    # send_file answers a failed If-Match itself: 412, but with the file as its body.
    from_file = response.status_code == 412 and response.direct_passthrough
    if (
        request.method not in ("GET", "HEAD")
        or (response.status_code != 200 and not from_file)
        or "no-store" in response.headers.get("Cache-Control", "")
    ):
        return response
    served = get_served()
    if "ETag" not in response.headers:
        response.set_etag(served.etag(response.mimetype or ""), weak=True)
    if response.last_modified is None:
        response.last_modified = served.last_modified
    if_match = request.headers.get("If-Match")
    if if_match is not None and if_match.strip() != "*":
        response.close()  # a file's handle, from send_file
        return error_response(
            412,
            "Precondition Failed",
            "If-Match names no current representation: this server's entity "
            f"tags are weak ({response.headers['ETag']}), so only If-Match: * "
            "can hold (RFC 9110, section 13.1.1)",
        )
    if "If-None-Match" in request.headers:
        tag, _ = unquote_etag(response.headers["ETag"])
        current = parse_etags(request.headers["If-None-Match"]).contains_weak(tag)
    else:
        since = parse_date(request.headers.get("If-Modified-Since"))
        modified = response.last_modified
        current = since is not None and modified is not None and modified <= since
    if current:
        response.status_code = 304
        response.set_data(b"")
    return response


def _cache_control(response: Response) -> None:
    if "Cache-Control" in response.headers:
        return
    if response.status_code >= 400 or request.method not in ("GET", "HEAD", "OPTIONS"):
        response.headers["Cache-Control"] = "no-store"
    else:
        response.headers["Cache-Control"] = f"public, max-age={CACHE_MAX_AGE}"


def _gzip(response: Response) -> None:
    if (
        response.status_code != 200
        or response.direct_passthrough
        or response.is_streamed
        or "Content-Encoding" in response.headers
        or not (response.mimetype or "").startswith(COMPRESSIBLE)
    ):
        return
    response.vary.add("Accept-Encoding")
    if request.accept_encodings["gzip"] <= 0:
        return
    body = response.get_data()
    if len(body) >= GZIP_MIN_BYTES:
        response.set_data(gzipped(body, _compress))
        response.headers["Content-Encoding"] = "gzip"


def _compress(body: bytes) -> bytes:
    return gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)


def _log(response: Response) -> None:
    started = g.get("cahr_started")
    millis = (time.perf_counter() - started) * 1000 if started is not None else -1.0
    size = response.headers.get("Content-Length", "-")
    if request.method == "HEAD" or response.status_code == 304:
        size = "0"
    log_request(
        request.remote_addr,
        request.method,
        request.path,
        request.query_string.decode("latin-1"),
        response.status_code,
        size,
        millis,
    )

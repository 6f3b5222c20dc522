"""What a request must be before any view reads it: UTF-8 text, names of a sane length, a Host.

Werkzeug decodes a path, a query string and a form body as UTF-8 with
``errors="replace"``: an invalid byte silently becomes U+FFFD, and a view
would then look up (or hand a store) a name nobody sent. So the raw bytes are
checked here, and a request that is not UTF-8 is refused with a 400 saying
where: the SPARQL 1.1 Protocol sends a query percent-encoded (sections 2.1.1,
2.1.2) or as the body, where "UTF-8 is the only valid charset" (2.1.3), and
an IRI's path is percent-encoded UTF-8 (RFC 3987, section 3.1). A control
character is in no URL of this server, and no name is longer than
``MAX_SEGMENT``: both are refused before a view sees them (400, 404).
"""

from __future__ import annotations

import codecs
import re
import sys
from typing import Any
from urllib.parse import unquote_to_bytes

from flask import request
from gunicorn.http.errors import NoMoreData, ParseException
from werkzeug.exceptions import BadRequest, NotFound, RequestTimeout

# Characters in one path segment (between slashes) beyond which no name of this
# server exists: slugs are a few words of kebab case, file names are short.
MAX_SEGMENT = 256
# Seconds a request's whole body may take to arrive once its headers have: a client that
# declares more than it sends (or drips it) gets 408 rather than a connection held forever.
# 1 MB (max_request_bytes) at 100 kB/s takes 10 s.
BODY_SECONDS = 15
# A percent escape of a byte at or above 0x80: only those can make a string not UTF-8.
_HIGH_ESCAPE = re.compile(rb"%[89A-Fa-f][0-9A-Fa-f]")


def check_request() -> None:
    """Refuse a request whose path, query string or Host header no view could answer.

    :raise 400: a path or query string that is not UTF-8 once percent-decoded, a
        control character in the path, a Host header that names no host.
    :raise 404: a path segment longer than ``MAX_SEGMENT`` characters.
    """
    wsgi_path = request.environ.get("PATH_INFO", "")
    try:
        raw_path = wsgi_path.encode("latin-1")  # PEP 3333: the bytes, as latin-1
    except UnicodeEncodeError:
        raw_path = wsgi_path.encode("utf-8")  # a server that decoded them already
    path = _utf8(
        raw_path,
        "the URL's path (percent-decoded)",
        "an IRI's path is percent-encoded UTF-8 (RFC 3987, section 3.1)",
    )
    control = next((c for c in path if ord(c) < 0x20 or ord(c) == 0x7F), None)
    if control is not None:
        raise BadRequest(
            f"the URL's path holds the control character U+{ord(control):04X}: "
            "no URL of this server has one"
        )
    longest = max(path.split("/"), key=len)
    if len(longest) > MAX_SEGMENT:
        raise NotFound(
            f"the URL's path has a segment of {len(longest)} characters; no name on this "
            f"server is longer than {MAX_SEGMENT}"
        )
    query = request.query_string
    if query:
        percent_encoded_utf8(query, "the URL's query string (percent-decoded)")
    if "Host" in request.headers and not request.host:
        raise BadRequest(
            f"the Host header {request.headers['Host'][:100]!r} is not a host name: letters, "
            "digits, dots and hyphens (or an [IPv6] address), then an optional :port "
            "(RFC 9110, section 7.2)"
        )


def read_body() -> None:
    """Read the request's body now, whole, within BODY_SECONDS (kept for the view).

    Read here, before any view, so that a body that cannot be read is one clear 4xx
    on every route: gunicorn's reader raises its own errors for a malformed chunked
    body (a 500 when a view met them), and waits as long as the client likes for a
    body that was declared but not sent.

    :raise 400: a malformed chunked body, or a body cut short by the client.
    :raise 408: the body did not arrive within BODY_SECONDS.
    :raise 413: the body is larger than the limit (Werkzeug's check).
    """
    if (
        not request.content_length
        and "chunked" not in request.headers.get("Transfer-Encoding", "").lower()
    ):
        return
    monkey = sys.modules.get("gevent.monkey")
    deadline: Any = None
    if monkey is not None and monkey.is_module_patched("socket"):
        import gevent

        deadline = gevent.Timeout(BODY_SECONDS)
    try:
        if deadline is None:
            request.get_data(cache=True)
        else:
            with deadline:
                request.get_data(cache=True)
    except ParseException as exc:
        raise BadRequest(
            f"the request body cannot be read: {type(exc).__name__} ({str(exc)[:200]}); "
            "send it with a Content-Length, or as valid chunks (RFC 9112, section 7.1)"
        ) from exc
    except NoMoreData as exc:
        raise BadRequest(
            "the request body ended before the length it declared: send the whole body"
        ) from exc
    except BaseException as exc:
        if deadline is not None and exc is deadline:
            raise RequestTimeout(
                f"the request body did not arrive within {BODY_SECONDS} s of its headers "
                f"(Content-Length: {request.content_length or 'none, chunked'}): "
                "send the whole body at once"
            ) from None
        raise


def percent_encoded_utf8(raw: bytes, what: str) -> None:
    """Check that ``raw`` (``a=b&c=d``, as in a URL or a form body) is UTF-8 once decoded.

    :param what: names the part of the request in the error message.
    :raise 400: a byte sequence that is not UTF-8, with its position.
    """
    if raw.isascii() and _HIGH_ESCAPE.search(raw) is None:
        # Every byte it decodes to is below 0x80: ASCII, so UTF-8 (and no decoding to pay
        # for: CPython's unquote_to_bytes loops in Python over every escape).
        return
    _utf8(
        unquote_to_bytes(raw.replace(b"+", b" ")),
        what,
        "the SPARQL 1.1 Protocol sends parameters as percent-encoded UTF-8 (section 2.1)",
    )


def require_utf8_charset(what: str) -> None:
    """Refuse a body declared in a charset other than UTF-8.

    :raise 400: a ``charset`` parameter that names another (or no known) encoding.
    """
    charset = request.mimetype_params.get("charset")
    if charset is None:
        return
    try:
        name = codecs.lookup(charset).name
    except LookupError:
        name = None
    if name != "utf-8":
        raise BadRequest(
            f"{what} is declared as charset={charset[:40]}; UTF-8 is the only charset this "
            "endpoint reads (SPARQL 1.1 Protocol, section 2.1.3): send UTF-8 and say "
            "charset=utf-8, or no charset"
        )


def utf8_text(raw: bytes, what: str) -> str:
    """``raw`` decoded as UTF-8.

    :raise 400: bytes that are not UTF-8, with their position.
    """
    return _utf8(
        raw,
        what,
        "UTF-8 is the only valid charset (SPARQL 1.1 Protocol, section 2.1.3)",
    )


def _utf8(raw: bytes, what: str, rule: str) -> str:
    """``raw`` decoded as UTF-8.

    :raise 400: not UTF-8: the message names ``what``, the byte, its offset and ``rule``.
    """
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest(
            f"{what} is not UTF-8: byte 0x{raw[exc.start]:02X} at offset {exc.start} "
            f"({exc.reason}); {rule}"
        ) from exc

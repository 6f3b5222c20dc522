"""Permalinks of queries, ``/q/<id>``: a short link that reopens a query in the UI.

Replicas of the server share nothing (each serves its own copy of dist/), so
an id must be resolvable by any of them without a shared store:

- a question of the build (the UI's example tabs) is named by a hash of its
  text, ``q/<12 hex digits>``: every replica holds the build's questions, so
  the link holds as long as the question's text does (the life of the data);
- any other query carries itself: ``q/z<base64url of its raw DEFLATE
  stream>``. Nothing is stored, so no replica can lose or disagree on it; a
  link is longer (274 characters for a 300-character query, measured) but never breaks.
  The base64 is cut by "/" every ``SEGMENT`` characters: the server refuses a
  path segment over 256 characters (``web/inputs.py``), and base64url has no "/".

The page of a permalink is the query page with that query opened in a tab and
run, with its CSV and JSON links beside it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import zlib
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, abort, current_app

from cahr.server.web.cache import cached_view

# Hex digits of a question's id: 48 bits, no collision among a few hundred questions.
HASH_DIGITS = 12
# The first character of an id that carries its query (DEFLATE, base64url).
CARRIED = "z"
# Characters of base64 between two "/" of a carried id (below the server's 256 per segment).
SEGMENT = 200


def question_id(query: str) -> str:
    """The permalink id of a build's question: a hash of its text."""
    return hashlib.sha256(query.encode("utf-8")).hexdigest()[:HASH_DIGITS]


def with_id(example: dict[str, Any]) -> dict[str, Any]:
    """An example of the UI with its permalink id."""
    return {**example, "id": question_id(example["query"])}


def carried_id(query: str) -> str:
    """The id that carries ``query`` itself (what the UI computes for an edited query)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    packed = packer.compress(query.encode("utf-8")) + packer.flush()
    text = CARRIED + base64.urlsafe_b64encode(packed).decode("ascii").rstrip("=")
    return "/".join(text[i : i + SEGMENT] for i in range(0, len(text), SEGMENT))


def decode_carried(text: str, limit: int) -> str:
    """The query an id of the ``z`` form carries.

    :param limit: the most bytes the query may have (a small id must not inflate
        into a large query: DEFLATE packs a run of 1,000 bytes into a few).
    :raise 400: not base64url, not a DEFLATE stream, not UTF-8, or over ``limit``.
    """
    try:
        packed = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        abort(400, description="this permalink is not base64url: copy the whole link")
    unpacker = zlib.decompressobj(-15)
    try:
        query = unpacker.decompress(packed, limit + 1)
    except zlib.error:
        abort(
            400, description="this permalink does not hold a compressed query: copy the whole link"
        )
    if len(query) > limit or unpacker.unconsumed_tail:
        abort(
            400,
            description=f"the query of this permalink is longer than the limit of {limit} bytes "
            "(setting max_request_bytes)",
        )
    if not unpacker.eof:
        abort(400, description="this permalink's query is cut short: copy the whole link")
    try:
        return query.decode("utf-8")
    except UnicodeDecodeError:
        abort(400, description="this permalink's query is not UTF-8 text")


def register(
    bp: Blueprint,
    render: Callable[[dict[str, str] | None], Response],
    questions: Callable[[], list[dict[str, Any]]],
) -> None:
    """Add ``/q/<id>`` to ``bp``: the query page (``render``) with the linked query open.

    :param questions: the build's questions (name and query), whose ids are hashes.
    """

    @bp.route("/q/<path:qid>")
    @cached_view()
    def permalink(qid: str) -> Response:
        """A query's permalink: the query page with it opened and run.

        :raise 400: a ``z`` id that does not decode (see :func:`decode_carried`).
        :raise 404: a hash that names no question of this build.
        """
        if qid.startswith(CARRIED):
            limit = current_app.config["CAHR"]["max_request_bytes"]
            query = decode_carried(qid[len(CARRIED) :].replace("/", ""), limit)
            return render({"name": "shared query", "query": query, "id": qid})
        for question in questions():
            if question_id(question["query"]) == qid:
                return render({"name": question["name"], "query": question["query"], "id": qid})
        abort(
            404,
            description=f"no question of this build has the permalink {qid!r}: a question's "
            "link holds while its text is unchanged",
        )

"""Content negotiation: an Accept header with q-values -> one of our media types.

RFC 9110, section 12.5.1: the most specific matching range sets a type's
quality; q=0 excludes it; among equal qualities the server's order decides.
"""

from __future__ import annotations

from collections.abc import Sequence

from cahr.formats import SYNONYMS


def parse_accept(header: str | None) -> list[tuple[str, float]]:
    """``[(range, q), ...]`` from an Accept header; malformed parts are skipped.

    >>> parse_accept("text/turtle;q=0.5, application/ld+json")
    [('text/turtle', 0.5), ('application/ld+json', 1.0)]
    """
    ranges: list[tuple[str, float]] = []
    for part in (header or "").split(","):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if "/" not in media:
            continue
        q = 1.0
        for param in fields[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        ranges.append((media, q))
    return ranges


def _quality(offer: str, ranges: list[tuple[str, float]]) -> tuple[float, int]:
    """The q of the most specific range matching ``offer``, and how specific it was."""
    best_q, best_specificity = -1.0, -1
    kind = offer.split("/")[0]
    for media, q in ranges:
        media = SYNONYMS.get(media, media)
        if media == offer:
            specificity = 2
        elif media == f"{kind}/*":
            specificity = 1
        elif media == "*/*":
            specificity = 0
        else:
            continue
        if specificity > best_specificity:
            best_q, best_specificity = q, specificity
    return best_q, best_specificity


def negotiate(header: str | None, offers: Sequence[str]) -> str | None:
    """The offer the client prefers, the first offer when there is no Accept, or None (406).

    >>> negotiate("text/csv;q=0.9, application/sparql-results+json", ["text/csv", "application/sparql-results+json"])
    'application/sparql-results+json'
    >>> negotiate("image/png", ["text/turtle"]) is None
    True
    """
    ranges = parse_accept(header)
    if not ranges:
        return offers[0] if offers else None
    scored = [(_quality(offer, ranges)[0], -i, offer) for i, offer in enumerate(offers)]
    q, _, offer = max(scored)
    return offer if q > 0 else None

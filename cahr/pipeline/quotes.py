"""The quote check: every evidence quote occurs verbatim in its own article.

Quotes are compared after folding white space and typographic quotes, so that
a curator may type ' for ’; words and punctuation must match exactly. The words
of an attestation (``cahr:exactWords``) are also placed: their start and end in
the archived text, in code points, which must be one place (or the one its
``cahr:offset`` names), and what they vouch for must be facts of the graph.
"""

from __future__ import annotations

import re
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS
from rdflib.term import Node

from cahr.errors import Problem
from cahr.iris import CAHR, prefixed, source_iri
from cahr.layout import Layout
from cahr.pipeline.evidence import PREFIX_LENGTH, Attestation, Position, attestations
from cahr.pipeline.load import Loaded
from cahr.pipeline.locate import line_of_text, line_of_words

# The properties whose values are the article's own words; their
# sub-properties in the ontology (cahr:aim under cahr:description) count too.
VERBATIM_PROPERTIES = (
    CAHR.evidence,
    CAHR.quote,
    CAHR.description,
    CAHR.purpose,
    CAHR.titleAsWritten,
    CAHR.title,
    CAHR.exactWords,
)


def verbatim_properties(ontology: Graph) -> set[URIRef]:
    """VERBATIM_PROPERTIES and every property declared below one of them."""
    found = set(VERBATIM_PROPERTIES)
    for prop in VERBATIM_PROPERTIES:
        for sub in ontology.transitive_subjects(RDFS.subPropertyOf, prop):
            if isinstance(sub, URIRef):
                found.add(sub)
    return found


_FOLD = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00a0": " ",
        "\u2013": "-",
        "\u2014": "-",
    }
)


def normalise(text: str) -> str:
    """Fold typographic quotes and dashes, and collapse white space.

    >>> normalise("Kazakhstan\u2019s   \u201clistening\\nstate\u201d")
    'Kazakhstan\\'s "listening state"'
    """
    return re.sub(r"\s+", " ", text.translate(_FOLD)).strip()


def folded(text: str) -> tuple[str, list[int]]:
    """``normalise(text)``, and for each of its characters the index it comes from in ``text``.

    >>> folded(" a’  b")
    ("a' b", [1, 2, 3, 5])
    """
    out: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        char = char.translate(_FOLD)
        if char.isspace():
            if not out or out[-1] == " ":
                continue
            char = " "
        out.append(char)
        origin.append(index)
    if out and out[-1] == " ":
        out.pop()
        origin.pop()
    return "".join(out), origin


def places(text: str, words: str) -> list[tuple[int, int]]:
    """Every (start, end) in ``text`` of ``words``, compared as the quote check compares."""
    haystack, origin = folded(text)
    needle = normalise(words)
    found: list[tuple[int, int]] = []
    if not needle:
        return found
    at = haystack.find(needle)
    while at != -1:
        found.append((origin[at], origin[at + len(needle) - 1] + 1))
        at = haystack.find(needle, at + 1)
    return found


def position(text: str, start: int, end: int) -> Position:
    """The selectors' view of ``text[start:end]``: offsets, exact words, context."""
    return Position(
        start,
        end,
        text[start:end],
        text[max(0, start - PREFIX_LENGTH) : start],
        text[end : end + PREFIX_LENGTH],
    )


def place_attestations(
    loaded: Loaded, layout: Layout
) -> tuple[list[Problem], dict[Node, Position]]:
    """Place every attestation's words in its article's text; problems for what does not fit.

    A quote found nowhere is the quote check's to report; here: words found more
    than once without a ``cahr:offset``, an offset that is not where the words are,
    and a property or value vouched for that the graph does not give the subject.
    """
    problems: list[Problem] = []
    found: dict[Node, Position] = {}
    for slug, path in loaded.articles.items():
        text_path = layout.source_text(slug)
        if not text_path.is_file():
            continue  # check_quotes reports it
        # bytes, not read_text: universal newlines would shift the offsets
        text = text_path.read_bytes().decode("utf-8")
        graph = loaded.article_graph(slug)
        rel, text_rel = layout.relative(path), layout.relative(text_path)
        for attestation in attestations(graph):
            problems += _vouched(graph, attestation, path, rel)
            at = places(text, attestation.words)
            if not at:
                continue
            chosen = _choose(at, attestation, path, rel, text_rel, problems)
            if chosen is not None:
                found[attestation.node] = position(text, *chosen)
    return problems, found


def _choose(
    at: list[tuple[int, int]],
    attestation: Attestation,
    path: Path,
    rel: str,
    text_rel: str,
    problems: list[Problem],
) -> tuple[int, int] | None:
    """The one place of the words (the recorded offset's, if any), else None and a problem."""
    starts = ", ".join(str(s) for s, _ in at)
    words = _short(attestation.words)
    if attestation.offset is not None:
        for place in at:
            if place[0] == attestation.offset:
                return place
        message = (
            f'the words "{words}" do not start at offset {attestation.offset} of '
            f"{text_rel}: they start at {starts}"
        )
    elif len(at) > 1:
        message = (
            f'the words "{words}" occur {len(at)} times in {text_rel} (at offsets {starts}): '
            "add cahr:offset with the one meant, or quote more"
        )
    else:
        return at[0]
    problems.append(
        Problem(
            message,
            path=rel,
            line=_line(path, attestation),
            focus=str(attestation.subject),
            property=str(CAHR.offset),
        )
    )
    return None


def _line(path: Path, attestation: Attestation) -> int | None:
    """The line of the attestation's words, searched from its subject's block on."""
    return line_of_words(path, str(attestation.subject), attestation.words)


def _vouched(graph: Graph, attestation: Attestation, path: Path, rel: str) -> list[Problem]:
    """Problems for what an attestation vouches for but its subject does not have here."""
    subject, line = attestation.subject, _line(path, attestation)
    found: list[tuple[str, URIRef, int | None]] = []
    if not attestation.properties:
        found.append(("an attestation must name what its words vouch for", CAHR.vouchesFor, line))
    for prop in sorted(attestation.properties, key=str):
        if (subject, prop, None) not in graph:
            message = (
                f"vouches for {prefixed(str(prop))}, but this graph gives the resource no such fact"
            )
            found.append((message, CAHR.vouchesFor, line))
    for value in sorted(attestation.values, key=str):
        if not any((subject, prop, value) in graph for prop in attestation.properties):
            message = (
                f"vouches for the value {value.n3()}, which no property it vouches for has "
                "on this resource here"
            )
            found.append((message, CAHR.vouchesForValue, line))
    return [
        Problem(message, path=rel, line=at, focus=str(subject), property=str(prop))
        for message, prop, at in found
    ]


def check_quotes(loaded: Loaded, layout: Layout) -> tuple[list[Problem], int]:
    """Problems for quotes not found in their article, and how many were checked."""
    problems: list[Problem] = []
    checked = 0
    properties = sorted(verbatim_properties(loaded.ontology))
    for slug, path in loaded.articles.items():
        text_path = layout.source_text(slug)
        rel = layout.relative(path)
        if not text_path.is_file():
            problems.append(
                Problem(
                    f"the archived text {layout.relative(text_path)} is missing: every article's "
                    "text must be archived in sources/ so that its quotes can be checked",
                    path=rel,
                    focus=str(source_iri(slug)),
                )
            )
            continue
        article = normalise(text_path.read_text(encoding="utf-8"))
        graph = loaded.article_graph(slug)
        for prop in properties:
            for subject, value in graph.subject_objects(prop):
                if not isinstance(value, Literal):
                    continue
                checked += 1
                if normalise(str(value)) not in article:
                    problems.append(
                        Problem(
                            f'the quote "{_short(str(value))}" does not occur in '
                            f"{layout.relative(text_path)} (compared after folding white space "
                            "and typographic quotes)",
                            path=rel,
                            line=line_of_text(path, str(value)),
                            focus=str(subject),
                            property=str(prop),
                        )
                    )
    return problems, checked


def _short(text: str, limit: int = 80) -> str:
    text = normalise(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"

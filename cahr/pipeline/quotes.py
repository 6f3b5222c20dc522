"""The quote check: every evidence quote occurs verbatim in its own article.

Quotes are compared after folding white space and typographic quotes, so that
a curator may type ' for ’; words and punctuation must match exactly.
"""

from __future__ import annotations

import re

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS

from cahr.errors import Problem
from cahr.iris import CAHR, source_iri
from cahr.layout import Layout
from cahr.pipeline.load import Loaded
from cahr.pipeline.locate import line_of_text

# The properties whose values are the article's own words; their
# sub-properties in the ontology (cahr:aim under cahr:description) count too.
VERBATIM_PROPERTIES = (
    CAHR.evidence,
    CAHR.quote,
    CAHR.description,
    CAHR.purpose,
    CAHR.titleAsWritten,
    CAHR.title,
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

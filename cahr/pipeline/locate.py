"""Find where in a Turtle file a resource or a literal is written.

The parsers keep no positions for triples, so problems found after parsing
(SHACL, checks, quotes) are located by searching the file's text: good enough
to send a maintainer to the right line.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from cahr.iris import PREFIXES


@lru_cache(maxsize=64)
def _lines(path: Path) -> tuple[str, ...]:
    try:
        return tuple(path.read_text(encoding="utf-8").splitlines())
    except OSError:
        return ()


def _spellings(iri: str) -> list[str]:
    forms = [f"<{iri}>"]
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and len(iri) > len(ns):
            forms.append(f"{prefix}:{iri[len(ns) :]}")
    return forms


def line_of_subject(path: Path, iri: str) -> int | None:
    """The line where ``iri`` starts a block as subject, else where it first appears."""
    forms = _spellings(iri)
    lines = _lines(path)
    for number, text in enumerate(lines, 1):
        for form in forms:
            if text.startswith(form) and (
                len(text) == len(form) or not _name_char(text[len(form)])
            ):
                return number
    for number, text in enumerate(lines, 1):
        for form in forms:
            for match in re.finditer(re.escape(form), text):
                end = match.end()
                if end == len(text) or not _name_char(text[end]):
                    return number
    return None


def line_of_text(path: Path, literal: str) -> int | None:
    """The first line holding the start of ``literal`` (as a Turtle string)."""
    probe = literal.strip().splitlines()[0][:60] if literal.strip() else literal
    escaped = probe.replace("\\", "\\\\").replace('"', '\\"')
    for number, text in enumerate(_lines(path), 1):
        if probe in text or escaped in text:
            return number
    return None


def _name_char(char: str) -> bool:
    return char.isalnum() or char in "-_:"


def line_of_value(path: Path, subject: str, lexical: str) -> int | None:
    """The line where ``lexical`` is written as a string, in the block of ``subject``.

    The same value can be written in many places (a date, a count): the search
    starts at the subject's line, so that it finds the statement about it.
    """
    start = line_of_subject(path, subject) or 1
    quoted = '"' + lexical.replace("\\", "\\\\").replace('"', '\\"')
    lines = _lines(path)
    for number in range(start, len(lines) + 1):
        if quoted in lines[number - 1]:
            return number
    return line_of_text(path, lexical) if lexical else start


def line_of_statement(path: Path, subject: str, obj: str) -> int | None:
    """The line where ``obj`` is written in a block of ``subject`` (a subject can have several).

    A block starts with the subject at the start of a line and runs to the next
    line that starts with something else.
    """
    subjects, objects, lines = _spellings(subject), _spellings(obj), _lines(path)
    inside = False
    for number, text in enumerate(lines, 1):
        if text and not text[0].isspace():
            inside = any(_starts_with_name(text, form) for form in subjects)
        if inside and any(_names(text, form) for form in objects):
            return number
    return None


def _starts_with_name(text: str, form: str) -> bool:
    return text.startswith(form) and (len(text) == len(form) or not _name_char(text[len(form)]))


def _names(text: str, form: str) -> bool:
    """True if ``form`` occurs in ``text`` as a whole name."""
    for match in re.finditer(re.escape(form), text):
        start, end = match.start(), match.end()
        before = text[start - 1] if start else " "
        if (end == len(text) or not _name_char(text[end])) and not _name_char(before):
            return True
    return False


def line_of_words(path: Path, subject: str, words: str) -> int | None:
    """The line where the string ``words`` is written whole in a block of ``subject``.

    For an attestation's words: the same words may start a longer quote elsewhere,
    and a subject may have several blocks (its facts, then its attestations).
    """
    quoted = '"' + words.replace("\\", "\\\\").replace('"', '\\"') + '"'
    subjects, inside = _spellings(subject), False
    for number, text in enumerate(_lines(path), 1):
        if text and not text[0].isspace():
            inside = any(_starts_with_name(text, form) for form in subjects)
        if inside and (quoted in text or f'"{words}"' in text):
            return number
    return line_of_value(path, subject, words)

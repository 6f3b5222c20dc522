"""Read the search index of a build (``search.sqlite``, written by the pipeline's search stage).

The index is opened read-only and immutable (a worker's private copy of dist/ never
changes), and no text a user types reaches FTS5's query language: :func:`match_expression`
cuts it into words itself and quotes each one as a prefix term, so that ``"``, ``*``,
``NEAR``, ``(``, ``)``, ``:``, ``AND``/``OR``/``NOT`` and any other character are only ever
searched for (or dropped), never obeyed.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from cahr.dist import SEARCH_NAME
from cahr.errors import InputError

MAX_QUERY_CHARS = 500  # longer is not a search but a paste: refused with a message
MAX_TERMS = 12
# A word: letters and digits (FTS5's unicode61 tokenizer splits on everything else).
WORD = re.compile(r"[^\W_]+")
# How much a match in each field counts: a name is what a researcher looks for first.
WEIGHTS = {"name": 4.0, "quote": 1.5, "passage": 1.0}
RANKED = 1000  # matches of a group ranked by BM25 (the first in the group's stored order)
CANDIDATES = 80  # best-ranked rows of a group read before grouping
PER_GROUP = 25
SUGGESTIONS = 8
OPEN, CLOSE = "\x02", "\x03"  # around a word found; made into <mark> after escaping
SNIPPET_WORDS = 24
GROUPS = ("resource", "statement", "passage")


class BadSearch(InputError):
    """A search the index cannot answer as typed (too long): the message says why."""


@dataclass
class Result:
    """One result: a resource or statement (its matching texts) or one article passage."""

    grp: str
    iri: str
    label: str
    types: list[str]
    article: str
    anchor: str
    score: float
    snippets: list[tuple[str, str]] = field(default_factory=list)  # (field, marked text)


@dataclass
class Found:
    """A search's results by group, best first, and what was searched for."""

    terms: list[str]
    groups: dict[str, list[Result]]
    more: dict[str, bool]

    @property
    def total(self) -> int:
        return sum(len(v) for v in self.groups.values())


@dataclass(frozen=True)
class Quote:
    """A quote's place in its article (code points, end exclusive) and what it vouches for."""

    start: int
    end: int
    words: str
    resource: str
    label: str
    properties: tuple[str, ...]


@dataclass(frozen=True)
class Text:
    """An archived article: its title, text, paragraphs' spans and located quotes."""

    slug: str
    title: str
    text: str
    paragraphs: list[tuple[int, int]]
    quotes: list[Quote]


def terms_of(q: str) -> list[str]:
    """The words of a search, as the index's tokenizer would cut them.

    :raises BadSearch: ``q`` is longer than MAX_QUERY_CHARS.
    """
    if len(q) > MAX_QUERY_CHARS:
        raise BadSearch(
            f"the search is {len(q)} characters long; at most {MAX_QUERY_CHARS} are searched for"
        )
    return WORD.findall(unicodedata.normalize("NFKC", q))[:MAX_TERMS]


def match_expression(terms: list[str]) -> str | None:
    """An FTS5 query in which every term is a quoted prefix (``"tleub"*``), all required.

    >>> match_expression(["NEAR", "tok"])
    '"NEAR"* "tok"*'
    """
    # A term holds letters and digits only (WORD), so it cannot end its quotes.
    return " ".join(f'"{t}"*' for t in terms) or None


def fold(word: str) -> str:
    """A word as the index compares it: case and diacritics removed (unicodec61's
    ``remove_diacritics 2``, near enough for marking the words found)."""
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def snippet(text: str, terms: list[str], words: int = SNIPPET_WORDS) -> str:
    """About ``words`` words of ``text`` around its first match, each word that starts
    with one of ``terms`` (folded) between the OPEN and CLOSE markers.

    >>> snippet("Mukhtar Tileuberdi said", ["tileub"]).replace(OPEN, "[").replace(CLOSE, "]")
    'Mukhtar [Tileuberdi] said'
    """
    found = list(WORD.finditer(text))
    hits = [i for i, m in enumerate(found) if fold(m.group()).startswith(tuple(terms))]
    first = hits[0] if hits else 0
    start = max(0, min(first - words // 4, len(found) - words))
    end = min(len(found), start + words)
    if not found:
        return text[:200]
    begin = found[start].start() if start else 0
    finish = found[end - 1].end() if end < len(found) else len(text)
    out, at = [], begin
    for i in range(start, end):
        m = found[i]
        out.append(text[at : m.start()])
        out.append(f"{OPEN}{m.group()}{CLOSE}" if i in hits else m.group())
        at = m.end()
    out.append(text[at:finish])
    return ("…" if start else "") + "".join(out).strip() + ("…" if end < len(found) else "")


class SearchIndex:
    """The search index of one build, opened read-only."""

    def __init__(self, path: Path) -> None:
        if not path.is_file():
            raise InputError(f"{path.parent} holds no search index: rebuild with `kg build`")
        self.path = path
        self._db = sqlite3.connect(
            f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True, check_same_thread=False
        )
        self._lock = threading.Lock()
        self._kinds: list[str] | None = None
        self._ranges = {grp: (0, -1) for grp in GROUPS}
        for key, value in self._rows("SELECT key, value FROM meta WHERE key LIKE 'rows:%'"):
            lo, hi = str(value).split()
            self._ranges[str(key)[5:]] = (int(lo), int(hi))

    def close(self) -> None:
        self._db.close()

    def _rows(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    def search(self, q: str, *, kind: str = "", article: str = "") -> Found:
        """The best results for ``q``, grouped; ``kind`` (a class's local name) and
        ``article`` (a slug) narrow them.

        :raises BadSearch: see :func:`terms_of`.
        """
        terms = terms_of(q)
        expression = match_expression(terms)
        groups: dict[str, list[Result]] = {g: [] for g in GROUPS}
        more = dict.fromkeys(GROUPS, False)
        if expression is None:
            return Found(terms, groups, more)
        where, params = ["hits MATCH ?"], [expression]
        if kind:
            where.append("instr(types, ?) > 0")
            params.append(f" {kind} ")
        if article:
            where.append("article = ?")
            params.append(article)
        rows: list[tuple[object, ...]] = []
        for group in GROUPS:
            ranked, cut = self._ranked(" AND ".join(where), params, self._ranges[group])
            rows += ranked
            more[group] = cut
        by_key: dict[tuple[str, str], Result] = {}
        folded_terms = [fold(t) for t in terms]
        for grp, iri, label, fld, types, slug, anchor, score, text in rows:
            key = (str(iri), str(anchor)) if grp == "passage" else (str(iri), "")
            found = by_key.get(key)
            if found is None:
                if len(groups[str(grp)]) >= PER_GROUP:
                    more[str(grp)] = True
                    continue
                found = by_key[key] = Result(
                    str(grp),
                    str(iri),
                    str(label),
                    str(types).split(),
                    str(slug),
                    str(anchor),
                    float(score),  # type: ignore[arg-type]
                )
                groups[str(grp)].append(found)
            if len(found.snippets) >= 2:
                continue
            snip = snippet(str(text), folded_terms)
            if all(s != snip for _, s in found.snippets):
                found.snippets.append((str(fld), snip))
                if not found.anchor and anchor:
                    found.anchor = str(anchor)
        return Found(terms, groups, more)

    def _ranked(
        self, where: str, params: list[str], span: tuple[int, int]
    ) -> tuple[list[tuple[object, ...]], bool]:
        """The best rows of one group (rowids ``span``), with snippets; and whether some
        matches were left unranked.

        A group's rows are stored in a fixed order (names before quotes, short texts
        before long: roughly what BM25 puts first for one word), so the first RANKED
        matches in rowid order are found by streaming the posting lists, and only they
        are ranked: the cost is bounded however many rows match ("kazakhstan" at 100x).
        """
        lo, hi = span
        found = self._rows(
            f"SELECT rowid FROM hits WHERE {where} AND rowid BETWEEN ? AND ? "
            f"LIMIT 1 OFFSET {RANKED - 1}",
            (*params, lo, hi),
        )
        bound = int(found[0][0]) if found else hi  # type: ignore[call-overload]
        weight = " ".join(f"WHEN '{f}' THEN {w}" for f, w in WEIGHTS.items())
        best = self._rows(
            f"SELECT rowid, bm25(hits) * CASE field {weight} ELSE 1.0 END AS score FROM hits "
            f"WHERE {where} AND rowid BETWEEN ? AND ? ORDER BY score, rowid LIMIT {CANDIDATES}",
            (*params, lo, bound),
        )
        if not best:
            return [], False
        scores = {int(i): float(sc) for i, sc in best}  # type: ignore[call-overload, arg-type]
        marks = ",".join("?" * len(scores))
        # The stored columns by rowid alone (no MATCH): FTS5's snippet() would run the
        # match again for every row, which at 100x cost more than all the rest.
        stored = {
            int(row[0]): row[1:]  # type: ignore[call-overload]
            for row in self._rows(
                "SELECT rowid, grp, iri, label, field, types, article, anchor, text FROM hits "
                f"WHERE rowid IN ({marks})",
                tuple(scores),
            )
        }
        ordered = sorted(scores, key=lambda i: (scores[i], i))
        rows = [(*stored[i][:7], scores[i], stored[i][7]) for i in ordered if i in stored]
        return rows, bound < hi

    def suggest(self, q: str) -> list[dict[str, str]]:
        """Names that start with the words typed, one per resource, for autocomplete.

        :raises BadSearch: see :func:`terms_of`.
        """
        expression = match_expression(terms_of(q))
        if expression is None:
            return []
        # Names are stored shortest first: the first matches are the likeliest completions.
        rows = self._rows(
            "SELECT iri, label, types, text FROM names WHERE names MATCH ? "
            f"LIMIT {SUGGESTIONS * 8}",
            (expression,),
        )
        out: dict[str, dict[str, str]] = {}
        for iri, label, types, text in rows:
            if str(iri) in out:
                continue
            out[str(iri)] = {
                "iri": str(iri),
                "label": str(label),
                "matched": str(text),
                "types": str(types).strip(),
            }
            if len(out) == SUGGESTIONS:
                break
        return list(out.values())

    def kinds(self) -> list[str]:
        """The local names of the classes any result may have."""
        if self._kinds is None:
            found: set[str] = set()
            for (types,) in self._rows("SELECT DISTINCT types FROM names"):
                found.update(str(types).split())
            self._kinds = sorted(found)
        return self._kinds

    def article(self, slug: str) -> Text | None:
        """The archived text of the article ``slug``, or None if the build has none."""
        rows = self._rows("SELECT title, text FROM articles WHERE slug = ?", (slug,))
        if not rows:
            return None
        title, text = rows[0]
        spans = self._rows('SELECT start, "end" FROM paragraphs WHERE slug = ? ORDER BY n', (slug,))
        quotes = [
            Quote(int(s), int(e), str(w), str(r), str(lb), tuple(str(p).split()))  # type: ignore[call-overload]
            for s, e, w, r, lb, p in self._rows(
                'SELECT start, "end", words, resource, label, properties FROM quotes '
                'WHERE slug = ? ORDER BY start, "end", resource, properties',
                (slug,),
            )
        ]
        return Text(
            slug,
            str(title),
            str(text),
            [(int(s), int(e)) for s, e in spans],  # type: ignore[call-overload]
            quotes,
        )


_OPEN: dict[Path, SearchIndex] = {}
_OPEN_LOCK = threading.Lock()


def open_index(dist: Path) -> SearchIndex:
    """The search index of the build in ``dist``, opened once per process.

    :raises InputError: the build has no index (made before the search stage).
    """
    path = Path(dist) / SEARCH_NAME
    with _OPEN_LOCK:
        found = _OPEN.get(path)
        if found is None:
            found = _OPEN[path] = SearchIndex(path)
        return found

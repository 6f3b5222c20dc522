"""Vet a SPARQL request before any engine evaluates it.

The public endpoint is read-only and offline. :func:`vet` decides from a real
parse (rdflib's SPARQL grammar, after SPARQL's own escape decoding, then its
algebra) and refuses what an engine could use to change data or to reach
outside the dataset: updates, SERVICE in any form (pyoxigraph 0.5.13 makes the
HTTP call, even on an empty store; rdflib does too), and FROM / FROM NAMED /
protocol dataset parameters naming a graph the dataset does not hold. The
engine then evaluates the decoded text that was vetted, so that no second
reading of the raw text can differ from the one that was judged.

:func:`guess_form` only reads tokens: a cheap guess of a query's form for content
negotiation and cache keys, never a security decision (issue #11).
"""

from __future__ import annotations

import re
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace

from cahr.errors import QueryRefused, QuerySyntaxError

QUERY_FORMS = {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}
UPDATE_FORMS = {
    "INSERT",
    "DELETE",
    "LOAD",
    "CLEAR",
    "DROP",
    "CREATE",
    "ADD",
    "MOVE",
    "COPY",
    "WITH",
}

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<comment>\#[^\r\n]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
               |'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][A-Za-z0-9_\u00b7\u00c0-\uffff]+)
  | (?P<pname>(?:[A-Za-z\u00c0-\uffff][\w.\-\u00b7\u00c0-\uffff]*)?:(?:[\w\-\u00b7\u00c0-\uffff%\\.]*[\w\-\u00b7\u00c0-\uffff%])?)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)

_ABSOLUTE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


@dataclass
class QueryInfo:
    """What a query is and which graphs it names; ``text`` is what the engine must evaluate."""

    form: str
    from_graphs: list[str] = field(default_factory=list)
    from_named: list[str] = field(default_factory=list)
    text: str = ""


def _tokens(text: str) -> Iterable[tuple[str, str]]:
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        if kind not in ("space", "comment"):
            yield kind, match.group()


def guess_form(text: str) -> str:
    r"""The form of a query (SELECT, ...) or update (INSERT, ...) as its raw tokens suggest;
    "" if none shows.

    Not a security decision: escapes, comments and prefixed names can make the
    tokens say one thing and the grammar another. The worker uses the form only to
    negotiate the media type and key its cache; :func:`vet` decides what may run.

    >>> guess_form("PREFIX g: <https://w3id.org/cahr/graph/> SELECT * FROM g:x { ?s ?p ?o }")
    'SELECT'
    >>> guess_form("# SELECT\nINSERT DATA { <a> <b> <c> }")
    'INSERT'
    """
    forms = QUERY_FORMS | UPDATE_FORMS
    words = (value.upper() for kind, value in _tokens(text) if kind == "word")
    return next((word for word in words if word in forms), "")


def has_relative_iri(text: str) -> bool:
    """Whether ``text`` may hold a relative IRI (a guess that errs towards yes).

    >>> has_relative_iri("SELECT * { <x> ?p ?o }"), has_relative_iri("ASK { <urn:a> ?p ?o }")
    (True, False)
    """
    return any(kind == "iri" and not _ABSOLUTE.match(value[1:-1]) for kind, value in _tokens(text))


def syntax_error(message: str) -> QuerySyntaxError:
    """A QuerySyntaxError from an engine message such as 'error at 1:25: expected ...'."""
    match = re.search(r"error at (\d+):(\d+): ?(.*)", message, re.DOTALL)
    if match:
        return QuerySyntaxError(match.group(3).strip(), int(match.group(1)), int(match.group(2)))
    return QuerySyntaxError(message)


# -- the security decision: a real parse ------------------------------------------------------

#: A query longer than this is vetted every time rather than kept in the verdict cache.
CACHED_CHARS = 64 * 1024
#: How many verdicts a process keeps (the most recently used).
CACHED_VERDICTS = 512
#: rdflib's grammar recurses about ten frames per triple pattern: Python's default
#: limit (1,000) refused 100 patterns joined by '.'; 20,000 took 1,000 of them and
#: still raised RecursionError (not a crash) at 3,000.
PARSE_RECURSION_LIMIT = 20_000
# rdflib expands these itself, greedily (\u with 4 *or* 8 digits, any case): one still
# in the text after the SPARQL decoding would be read one way by rdflib, another by Oxigraph.
_RDFLIB_ESCAPE = re.compile(r"\\u[0-9a-f]{4}", re.IGNORECASE)
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_LONE_CR = re.compile(r"\r(?!\n)")
# Most operators a query may have, and how many operator characters one IRI or
# prefixed name may hold without counting (see check_operators).
MAX_OPERATORS = 1000
TOKEN_ALLOWANCE = 64
# The tokens check_operators reads: an IRI, a run of name characters, an operator,
# a bracket.
_OPERATOR_TOKEN = re.compile(
    r"""
    (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<open>[(\[])
  | (?P<close>[)\]])
  | (?P<name>[\w.\-:%\u00b7\u00c0-\uffff]+)
  | (?P<operator>\|\||&&|!=|<=|>=|[|/^+*!=<>;,{])
    """,
    re.VERBOSE,
)
_IN_TOKEN = re.compile(r"[/.\-+*!=;,&]")
# Keywords that chain graph patterns as operators chain expressions: counted as operators.
_CHAIN_WORDS = {"UNION", "OPTIONAL", "MINUS", "FILTER", "BIND"}

#: asked for another parser's syntax error on a text and its base IRI
Explain = Callable[[str, str | None], None]


@dataclass(frozen=True)
class Verdict:
    """What a parse found, before the dataset is checked (the part worth caching).

    Made only by :func:`_parse`; a query process passes the verdict of a query that
    passed to its worker, which hands it with the same text to its other query
    processes (:func:`adopt_verdict`), so that each text is parsed once per worker
    rather than once per process.
    """

    info: QueryInfo | None = None
    refusal: str = ""
    syntax: tuple[str, int | None, int | None] | None = None
    too_complex: str = ""
    invalid: str = ""


_verdicts: OrderedDict[tuple[str, str | None], Verdict] = OrderedDict()
_verdicts_lock = threading.Lock()


def check_operators(text: str) -> None:
    """Refuse a query with more than MAX_OPERATORS operators, before a parser sees it.

    Oxigraph's parser recurses once per term of an operator chain and its process
    dies of a stack overflow (exit -11, a 500) near 6,800 terms of ``+``, 8,200 of
    ``/`` or ``;``, 9,300 of ``||``, and near 7,000 groups joined by UNION,
    OPTIONAL, MINUS or BIND (measured, pyoxigraph 0.5.13); the Oxigraph server
    behind a remote store, whose threads have smaller stacks, failed on 2,000
    terms of ``+`` (1,500 passed). Long before, the query must get a 400 that
    names the limit. Every operator counts
    (``|| && = != < > <= >= + - * / | ^ ! ; , .``), and so do ``{`` and those
    keywords, in strings and comments too:
    skipping them would need to know, as only the parser does, whether a ``<``
    opens an IRI or compares, and a wrong guess would hide the rest of a line. An
    IRI (``<...>``) or a prefixed name (``id:kassym-jomart-tokayev``) hides up to
    TOKEN_ALLOWANCE of its own slashes, dots and hyphens, so that real IRIs cost
    nothing and a chain disguised as one still counts. An overestimate that can
    only refuse an absurd query.

    :raises QuerySyntaxError: too many operators, or too many terms in one pair of brackets.
    """
    count = 0
    # Terms in each open bracket: an RDF collection "( 1 2 3 ... )" has no operators,
    # and one of 7,000 terms killed Oxigraph's parser too.
    terms: list[int] = []
    for token in _OPERATOR_TOKEN.finditer(text):
        kind, value = token.lastgroup, token.group()
        if kind == "open":
            terms.append(0)
            continue
        if kind == "close":
            if terms:
                terms.pop()
            continue
        if terms and kind in ("iri", "name"):
            terms[-1] += 1
            if terms[-1] > MAX_OPERATORS:
                raise QuerySyntaxError(
                    f"the query holds more than {MAX_OPERATORS} terms in one pair of "
                    "brackets (a collection or a list of arguments); this endpoint accepts "
                    f"up to {MAX_OPERATORS}: give a long list of values with VALUES"
                )
        if kind == "operator" or value.upper() in _CHAIN_WORDS:
            count += 1
            continue
        inside = len(_IN_TOKEN.findall(value))
        hideable = kind == "iri" or (value[0].isalpha() and ":" in value)
        count += inside if not hideable or inside > TOKEN_ALLOWANCE else 0
    if count > MAX_OPERATORS:
        raise QuerySyntaxError(
            f"the query has {count} operators (|| && + - * / | ; , . = < > and others, "
            "{ UNION OPTIONAL MINUS FILTER BIND, counted in strings and comments too); "
            "this endpoint accepts up to "
            f"{MAX_OPERATORS}: split it into smaller queries, or give a long list of "
            "values with VALUES, which needs no separators"
        )


def canonical(text: str) -> str:
    """The text both the vetting and the engine read: SPARQL's escapes decoded once.

    SPARQL 1.1 (section 19.2) decodes ``\\uXXXX`` and ``\\UXXXXXXXX`` before
    parsing, everywhere; doing it here, once and by the grammar's rule, leaves no
    escape for rdflib and Oxigraph to decode differently. A lone carriage return
    ends a comment for Oxigraph (and the grammar) but not for rdflib: it becomes
    a line feed.

    :raises QueryRefused: an escape that would decode to a surrogate or past U+10FFFF,
        or a backslash-u sequence left after decoding (``\\u005Cu0053``), which the
        two parsers would read differently.
    """

    def decode(match: re.Match[str]) -> str:
        point = int(match.group(1) or match.group(2), 16)
        if point > 0x10FFFF or 0xD800 <= point <= 0xDFFF:
            raise QueryRefused(f"the escape {match.group()} names no Unicode character")
        return chr(point)

    decoded = _LONE_CR.sub("\n", _ESCAPE.sub(decode, text))
    if _RDFLIB_ESCAPE.search(decoded):
        raise QueryRefused(
            "the query cannot be vetted: after its \\u escapes are decoded it still holds a "
            "backslash-u sequence, which parsers read differently; write the character itself"
        )
    return decoded


def vet(
    text: str,
    known_graphs: Iterable[str],
    *,
    default_graphs: Sequence[str] = (),
    named_graphs: Sequence[str] = (),
    base_iri: str | None = None,
    explain: Explain | None = None,
) -> QueryInfo:
    """Decide from a real parse whether the read-only, offline endpoint may run ``text``.

    The text is decoded (:func:`canonical`), parsed by rdflib's SPARQL grammar and
    translated to its algebra; the syntax tree and the algebra are searched for
    SERVICE in any form, the dataset clauses resolved (BASE, PREFIX, ``base_iri``).
    The engine must then evaluate ``info.text``, the decoded text that was vetted.
    Verdicts are kept per process (:data:`CACHED_VERDICTS`), keyed by the text and
    the base; the dataset is checked on every call.

    Pure-Python parsing costs about 17 ms a query (60 ms for the longest
    competency question): run it where a time limit can stop it (a query process).

    :param known_graphs: the named graphs the dataset holds.
    :param default_graphs: the request's default-graph-uri values.
    :param named_graphs: the request's named-graph-uri values.
    :param base_iri: what relative IRIs resolve against (the service's IRI).
    :param explain: called with the text when rdflib cannot parse it, to raise a
        better QuerySyntaxError (Oxigraph's, in a sandboxed process); if it returns,
        the other parser accepted what rdflib cannot read, and the query is refused.
    :raises QuerySyntaxError: the text does not parse, is empty, or is too deep to parse.
    :raises QueryRefused: an update, SERVICE, a graph outside the dataset, or a text
        that cannot be vetted.
    """
    if not text.strip():
        raise QuerySyntaxError("the query is empty")
    decoded = canonical(text)
    parsed = _parsed(decoded, base_iri)
    if parsed.too_complex or parsed.invalid:
        # The grammar read it (no second opinion needed), or could not read it at all.
        raise QuerySyntaxError(parsed.too_complex or parsed.invalid)
    if parsed.syntax is not None:
        if explain is not None:
            explain(decoded, base_iri)
            raise QueryRefused(
                "the query cannot be vetted: the engine reads it, the vetting parser "
                f"(rdflib's) does not ({parsed.syntax[0]}); rewrite it"
            )
        raise QuerySyntaxError(*parsed.syntax)
    if parsed.refusal:
        raise QueryRefused(parsed.refusal)
    assert parsed.info is not None
    known = set(known_graphs)
    for source, iris in (
        ("FROM", parsed.info.from_graphs),
        ("FROM NAMED", parsed.info.from_named),
        ("default-graph-uri", default_graphs),
        ("named-graph-uri", named_graphs),
    ):
        for iri in iris:
            if iri not in known:
                raise QueryRefused(
                    f"{source} <{iri}> names a graph that this dataset does not hold; this endpoint "
                    "never loads graphs from elsewhere. Its named graphs are listed in the service "
                    "description (GET /sparql)."
                )
    return replace(parsed.info, text=decoded)


def kept_verdict(text: str, base_iri: str | None) -> Verdict | None:
    """The verdict this process keeps on ``text`` (as sent, before decoding), if it passed.

    :raises QueryRefused: ``text`` cannot be decoded (see :func:`canonical`).
    """
    with _verdicts_lock:
        found = _verdicts.get((canonical(text), base_iri))
    return found if found is not None and found.info is not None else None


def adopt_verdict(text: str, base_iri: str | None, verdict: Verdict) -> None:
    """Keep ``verdict``, which another query process's parse gave on the same ``text`` and
    base, as this process's own, unless it has one; only a verdict that passed is taken.

    Safe because the verdict is the one :func:`_parse` gave on exactly this text and base
    (the worker keys it by both, and no request can supply one); :func:`vet` still
    decodes the text and checks the dataset on every call.

    :raises QueryRefused: ``text`` cannot be decoded (see :func:`canonical`).
    """
    decoded = canonical(text)
    if verdict.info is None or len(decoded) > CACHED_CHARS:
        return
    with _verdicts_lock:
        _verdicts.setdefault((decoded, base_iri), verdict)
        while len(_verdicts) > CACHED_VERDICTS:
            _verdicts.popitem(last=False)


def _parsed(text: str, base_iri: str | None) -> Verdict:
    """The cached verdict on ``text``, parsing it on a miss."""
    key = (text, base_iri)
    with _verdicts_lock:
        found = _verdicts.get(key)
        if found is not None:
            _verdicts.move_to_end(key)
            return found
    # Only a text within the limit is ever kept: a kept verdict has passed the count.
    check_operators(text)
    found = _parse(text, base_iri)
    if len(text) <= CACHED_CHARS:
        with _verdicts_lock:
            _verdicts[key] = found
            while len(_verdicts) > CACHED_VERDICTS:
                _verdicts.popitem(last=False)
    return found


def _parse(text: str, base_iri: str | None) -> Verdict:
    from pyparsing import ParseBaseException
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, PARSE_RECURSION_LIMIT))
    try:
        try:
            tree = parseQuery(text)
        except ParseBaseException as exc:
            try:
                update = parseUpdate(text)
            except ParseBaseException:
                return Verdict(syntax=(_pyparsing_message(exc), exc.lineno, exc.col))
            operations = [op.name for op in update.request or []]
            if not operations:
                return Verdict(
                    syntax=("no query: the text holds only a prologue or comments", None, None)
                )
            return Verdict(refusal=_read_only(operations[0]))
        try:
            query = translateQuery(tree, base=base_iri)
        except (RecursionError, ParseBaseException):
            raise
        except Exception as exc:  # rdflib raises plain Exception for an unknown prefix, ...
            return Verdict(invalid=f"the query is not valid SPARQL: {exc}")
    except RecursionError:
        return Verdict(
            too_complex=f"the query nests too deeply or chains too many terms to be vetted "
            f"(the parser recursed past its limit of {PARSE_RECURSION_LIMIT} frames): "
            "split or simplify it"
        )
    finally:
        sys.setrecursionlimit(limit)
    if _holds(tree, "ServiceGraphPattern") or _holds(query.algebra, "ServiceGraphPattern"):
        return Verdict(
            refusal="SERVICE is not allowed: this endpoint never contacts other services on a "
            "query's behalf"
        )
    info = QueryInfo(form=_FORMS.get(query.algebra.name, ""))
    for clause in query.algebra.get("datasetClause") or []:
        # CompValue.get answers the key itself for a missing key: test membership.
        if "named" in clause:
            info.from_named.append(str(clause["named"]))
        else:
            info.from_graphs.append(str(clause["default"]))
    return Verdict(info=info)


_FORMS = {
    "SelectQuery": "SELECT",
    "AskQuery": "ASK",
    "ConstructQuery": "CONSTRUCT",
    "DescribeQuery": "DESCRIBE",
}


def _read_only(operation: str) -> str:
    # rdflib calls DELETE/INSERT ... WHERE "Modify"; the others are their keywords in CamelCase.
    name = "DELETE/INSERT" if operation == "Modify" else re.sub(r"(?<!^)(?=[A-Z])", " ", operation)
    name = name.upper()
    return (
        f"this endpoint is read-only: {name} is a SPARQL Update operation, and updates are "
        "refused (SPARQL 1.1 Protocol, section 2.2: a query service need not accept updates)"
    )


def _pyparsing_message(exc: Exception) -> str:
    message = str(getattr(exc, "msg", exc))
    return message.strip() or "the query does not parse"


def _holds(tree: object, name: str) -> bool:
    """Whether a syntax tree or algebra (nested CompValues, lists, ParseResults) holds a
    part called ``name``; iterative, so that a deep tree cannot overflow the stack."""
    from pyparsing import ParseResults
    from rdflib.plugins.sparql.parserutils import CompValue

    stack, seen = [tree], set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, CompValue):
            if node.name == name:
                return True
            stack.extend(dict.values(node))
        elif isinstance(node, ParseResults):
            stack.extend(list(node))
            stack.extend(node.values())  # type: ignore[no-untyped-call]
        elif isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list | tuple | set | frozenset):
            stack.extend(node)
    return False

"""A remote store: an existing SPARQL 1.1 endpoint (Oxigraph server, Fuseki, ...) loaded from dist/.

For a graph larger than one process should hold, ``kg serve --store URL`` keeps
everything of ours in front (vetting, limits, negotiation, cache, pages) and
sends only the vetted queries to the endpoint at ``URL``, by the SPARQL 1.1
Protocol (the dataset as ``default-graph-uri`` / ``named-graph-uri``). Results
come back as SPARQL JSON or N-Triples and are parsed by pyoxigraph into the same
rdflib terms the embedded store gives; an answer in any other type (SPARQL XML,
whose parser in pyoxigraph 0.5.13 trims the white space of literals) is refused.
Queries are sent as an HTML form (``application/x-www-form-urlencoded``, Protocol
2.1.2), which every engine reads: Virtuoso 7.2 never answers a POST of
``application/sparql-query``.

An endpoint whose default graph is not ours (Virtuoso's is every graph it holds,
its system graphs and the named graphs included, repeats and all) is named with
``default-graph-uri`` in its URL, the graph into which ``union.nt`` was loaded:
``http://127.0.0.1:8890/sparql?default-graph-uri=urn:cahr:union``. Every query
is then sent with its whole dataset spelled out (that graph, or the query's own
FROM clauses, and the build's named graphs), so no graph outside the build
(``virtrdf:`` and the others) is ever seen. Virtuoso's answers (its ``Server``
header says so) are read as the others': an ASK comes back as a one-column table
(``__ASK_RETVAL``), a blank node in SPARQL JSON as ``nodeID://b1`` and an
``xsd:boolean`` as 1 or 0; each is turned into what Oxigraph sends.

The endpoint must have been loaded from the same build: ``dataset.nq`` for the
named graphs and ``union.nt`` into its default graph (the deduplicated union;
an engine's "union default graph" option may repeat triples, see BRIEF,
"Known pitfalls", and docs/deploy.md). The build id, the graph list and the
sizes come from the local ``dist/manifest.json``; :meth:`RemoteStore.check`
compares the endpoint's counts with them, so a server never answers for one
build with another build's data.

Errors: the endpoint's 400 is a :class:`QuerySyntaxError`, a read that passes
the time limit a :class:`QueryTimeout`, anything else (refused connection,
5xx, a body that does not parse or is not JSON or N-Triples) a :class:`StoreUnavailable` (503 at the HTTP
layer). Blank nodes cannot be named in a query: a pattern with a blank node is
asked with a variable and filtered here, which needs the endpoint to keep the
labels of its blank nodes from one query to the next: Oxigraph does; Jena's
writers number them afresh in each answer unless ``arq:outputGraphBNodeLabels``
is set (docs/deploy.md), and :meth:`RemoteStore.check` refuses such an endpoint.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Iterator, Sequence
from http.client import HTTPException, HTTPResponse
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import BNode
from rdflib.term import Node

from cahr.dist import MANIFEST, read_build
from cahr.errors import InputError, QueryRefused, QuerySyntaxError, QueryTimeout, StoreUnavailable
from cahr.query import UPDATE_FORMS, guess_form, has_relative_iri, syntax_error, vet
from cahr.rdf import to_oxigraph, to_rdflib
from cahr.store.base import Boolean, QueryResult, Solutions, Triples
from cahr.store.oxigraph import rows_of, triples_of

RESULTS_JSON = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"
# SELECT and ASK answer in SPARQL JSON, CONSTRUCT and DESCRIBE in N-Triples; the form is
# guessed from the text (Virtuoso answers a CONSTRUCT in the first type a list offers), and
# a text whose form does not show offers both: the Content-Type says which one came back.
ACCEPT = f"{RESULTS_JSON}, {N_TRIPLES};q=0.9"
ACCEPT_BY_FORM = {
    "SELECT": RESULTS_JSON,
    "ASK": RESULTS_JSON,
    "CONSTRUCT": N_TRIPLES,
    "DESCRIBE": N_TRIPLES,
}
# Virtuoso 7.2 answers an ASK in SPARQL JSON as a table of this one variable: one row
# (the integer 1) for true, none for false.
VIRTUOSO_ASK = "__ASK_RETVAL"
# ... and labels a blank node "nodeID://b1", which is no blank-node label: the prefix goes.
VIRTUOSO_BNODE = (b'"type": "bnode", "value": "nodeID://', b'"type": "bnode", "value": "')
XSD_BOOLEAN = ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean")
# A graph that no endpoint holds: the empty half of a dataset (a FROM without FROM NAMED).
NO_GRAPH = "urn:cahr:no-graph"
# Virtuoso's DESCRIBE gives the triples about a resource and those pointing at it; its
# "CBD" mode gives Oxigraph's (the resource's triples, and its blank nodes' in turn).
VIRTUOSO_DESCRIBE = 'define sql:describe-mode "CBD" '
# The header of a Virtuoso answer cut short by its time limit ("S1TAT": an "anytime" answer).
VIRTUOSO_PARTIAL = "X-SQL-State"
# Virtuoso's 500 for a query it cannot compile (SQLSTATE 37000) or evaluate (22xxx, a data
# exception); other states (a timeout, a lack of memory) are the store's.
VIRTUOSO_QUERY_ERROR = re.compile(r"Virtuoso (37000|22\w{3}) Error ")
XSD_DURATION = ox.NamedNode("http://www.w3.org/2001/XMLSchema#duration")
# The first SELECT of a text is its outermost (subqueries come after it).
_SELECT_ALL = re.compile(r"(?is).*?\bSELECT\s+(?:(?:DISTINCT|REDUCED)\s+)?\*")
_FROM = re.compile(r"\bFROM\b", re.IGNORECASE)
_GRAPH = re.compile(r"\bGRAPH\b", re.IGNORECASE)
# How much of an error body goes into a message.
ERROR_CHARS = 500
POSITIONS = ("s", "p", "o")
DATASET_PARAMS = ("default-graph-uri", "named-graph-uri")


class RemoteStore:
    """A SPARQL 1.1 endpoint holding the build in ``dist``, queried over HTTP.

    :param endpoint: the query URL (``http://127.0.0.1:7878/query`` for Oxigraph
        server, ``http://host:3030/cahr/query`` for Fuseki); with ``default-graph-uri``
        in its query string, the graph there that holds ``union.nt`` (Virtuoso).
    :param dist: the build the endpoint was loaded from (only its manifest is read).
    :param timeout: seconds to wait for the endpoint (to connect, and between bytes).
    :raises InputError: no build in ``dist``, or not an http(s) URL.
    """

    def __init__(self, endpoint: str, dist: Path, *, timeout: float = 30.0) -> None:
        dist = Path(dist)
        self._manifest: dict[str, Any] = read_build(dist, needs=MANIFEST)
        if urllib.parse.urlsplit(endpoint).scheme not in ("http", "https"):
            raise InputError(f"the remote store {endpoint!r} is not an http(s) URL")
        self.endpoint, self.timeout = endpoint, timeout
        self.build_id: str = self._manifest["build_id"]
        self._graphs = sorted(self._manifest["graphs"])
        parts = urllib.parse.urlsplit(endpoint)
        self._url = urllib.parse.urlunsplit(parts._replace(query="", fragment=""))
        given = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
        # The graph holding the union, where the endpoint's own default graph is not it.
        self._union = [v for k, v in given if k == "default-graph-uri"]
        self._params = [(k, v) for k, v in given if k not in DATASET_PARAMS]
        self._virtuoso: bool | None = None  # learnt from the first answer

    def graphs(self) -> list[str]:
        return list(self._graphs)

    def __len__(self) -> int:
        return sum(int(n) for n in self._manifest["graphs"].values())

    def check(self) -> None:
        """Make sure the endpoint answers and holds this build (its graphs and their sizes).

        :raises InputError: the endpoint holds other data, repeats triples in its
            default graph (a union default graph instead of ``union.nt``), or labels
            blank nodes afresh in each answer.
        :raises StoreUnavailable: it cannot be reached.
        """
        counts = self.query(
            "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
        )
        assert isinstance(counts, Solutions)
        found = {str(g): int(str(n)) for g, n in counts.rows}
        expected = {g: int(n) for g, n in self._manifest["graphs"].items()}
        if found != expected:
            differ = sorted(
                g for g in set(found) | set(expected) if found.get(g) != expected.get(g)
            )
            raise InputError(
                f"the remote store {self.endpoint} does not hold build {self.build_id}: "
                + "; ".join(
                    f"<{g}> has {found.get(g, 0)} triples there, {expected.get(g, 0)} in the build"
                    for g in differ[:5]
                )
                + ". Load this dist/ into it (docs/deploy.md)"
            )
        union = self.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        assert isinstance(union, Solutions)
        [(size,)] = list(union.rows)
        if int(str(size)) != int(self._manifest["union_triples"]):
            raise InputError(
                f"the default graph of the remote store {self.endpoint} holds {size} triples, "
                f"the union of build {self.build_id} {self._manifest['union_triples']}: load "
                "union.nt into its default graph rather than using a union-default-graph "
                "option, which can repeat triples (docs/deploy.md)"
            )
        self._check_blank_labels()

    def _check_blank_labels(self) -> None:
        """Refuse an endpoint whose blank-node labels do not hold from one answer to the next.

        A blank node that its subject and predicate single out is asked for alone; a
        numbering made afresh for each answer (b0, b1, ...) labels it as the first node
        of that answer, so one that was not first among all of them shows the change.

        :raises InputError: the label changed.
        """
        listed = self.query("SELECT ?s ?p ?b WHERE { ?s ?p ?b FILTER(isIRI(?s) && isBlank(?b)) }")
        assert isinstance(listed, Solutions)
        by_pair: dict[tuple[Node, Node], list[Node]] = {}
        first: Node | None = None
        for s, p, b in listed.rows:
            assert s is not None and p is not None and b is not None
            first = b if first is None else first
            by_pair.setdefault((s, p), []).append(b)
        singled_out = [(pair, nodes[0]) for pair, nodes in by_pair.items() if len(nodes) == 1]
        chosen = next(((pair, b) for pair, b in singled_out if b != first), None)
        if chosen is None:
            return  # too few blank nodes to tell
        (s, p), label = chosen
        alone = self.query(f"SELECT ?b WHERE {{ {to_oxigraph(s)} {to_oxigraph(p)} ?b }}")
        assert isinstance(alone, Solutions)
        if [row[0] for row in alone.rows] != [label]:
            raise InputError(
                f"the remote store {self.endpoint} labels blank nodes afresh in each answer "
                f"(one was _:{label} in one answer and not in the next), so their pages and "
                "descriptions cannot be found; on Jena, set arq:outputGraphBNodeLabels to true "
                "(docs/deploy.md)"
            )

    def query(
        self,
        text: str,
        *,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        native: bool = False,
        base_iri: str | None = None,
    ) -> QueryResult:
        # A cheap belt only: the query processes vet every user's query on its parse
        # (cahr.query.vet) before it comes here; the store's own queries are ours.
        if guess_form(text) in UPDATE_FORMS:
            raise QueryRefused("the remote store answers queries only, never updates")
        if base_iri is not None and has_relative_iri(text):
            # The endpoint would resolve against its own URL; a later BASE in the query
            # still wins. On the first line, so that its line numbers stay the query's.
            text = f"BASE {ox.NamedNode(base_iri)} {text}"
        form = guess_form(text)
        if self._union and default_graphs is None and named_graphs is None:
            default_graphs, named_graphs = self._dataset(text, base_iri)
            if form == "DESCRIBE" and not _GRAPH.search(text):
                # Virtuoso describes a resource from the named graphs too (their copies of
                # its blank nodes); Oxigraph from the default graph.
                named_graphs = [NO_GRAPH]
        elif self._union:
            # An empty half sent as no parameter would be every graph there, Virtuoso's own too.
            default_graphs, named_graphs = (
                None if graphs is None else (list(graphs) or [NO_GRAPH])
                for graphs in (default_graphs, named_graphs)
            )
        params: list[tuple[str, str]] = []
        if default_graphs is not None or named_graphs is not None:
            # The protocol's parameters replace the whole dataset: a part left as None
            # ("all of them") is spelled out. (The endpoint then merges the graphs for a
            # default graph itself, which may repeat triples: the server always gives both.)
            for name, graphs in zip(DATASET_PARAMS, (default_graphs, named_graphs), strict=True):
                params += [(name, g) for g in (self._graphs if graphs is None else graphs)]
        if form == "DESCRIBE" and self._is_virtuoso():
            text = VIRTUOSO_DESCRIBE + text  # a define comes before the prologue
        # Always JSON, though Virtuoso 7.2 writes it slowly (9,030 rows: 2.4 to 5.6 s, in XML
        # 0.8 s): pyoxigraph 0.5.13's XML results parser trims the white space at either end
        # of a literal, which changes the data (a quote's oa:prefix begins with a newline).
        # An endpoint that ignores Accept and answers in XML anyway is refused below.
        accept = ACCEPT_BY_FORM.get(form, ACCEPT)
        response = self._post(text, params, accept)
        media_type = response.headers.get_content_type()
        virtuoso = self._virtuoso = response.headers.get("Server", "").startswith("Virtuoso")
        if virtuoso and response.headers.get(VIRTUOSO_PARTIAL):
            # Past MaxQueryExecutionTime Virtuoso sends what it found so far, as a 200.
            response.close()
            raise QueryTimeout(self.timeout)
        if media_type == RESULTS_JSON:
            body: Any = _Replacing(response, *VIRTUOSO_BNODE) if virtuoso else response
            parsed = self._guard(lambda: ox.parse_query_results(body, ox.QueryResultsFormat.JSON))
            if isinstance(parsed, ox.QueryBoolean):
                response.close()
                return Boolean(bool(parsed))
            variables = [v.value for v in parsed.variables]
            if virtuoso and form == "ASK" and variables == [VIRTUOSO_ASK]:
                found = list(self._streamed(rows_of(parsed, 1, native=True), response))
                return Boolean(bool(found))
            rows: Iterator[tuple[Any, ...]] = rows_of(parsed, len(variables), native=True)
            if virtuoso:
                rows = (tuple(_canonical(t) for t in row) for row in rows)
                if _SELECT_ALL.match(text):
                    # Oxigraph lists the variables of SELECT * by name, Virtuoso as they appear.
                    order = sorted(range(len(variables)), key=variables.__getitem__)
                    variables = [variables[i] for i in order]
                    rows = (tuple(row[i] for i in order) for row in rows)
            if not native:
                rows = (tuple(None if t is None else to_rdflib(t) for t in row) for row in rows)
            return Solutions(variables, self._streamed(rows, response))
        if media_type == N_TRIPLES:
            triples: Iterator[ox.Triple] = self._guard(
                lambda: ox.parse(response, ox.RdfFormat.N_TRIPLES)
            )
            if virtuoso:
                triples = (ox.Triple(t.subject, t.predicate, _canonical(t.object)) for t in triples)
            return Triples(self._streamed(triples_of(triples), response))
        response.close()
        # SPARQL XML among them: its parser would trim the white space of literals.
        raise StoreUnavailable(
            f"the remote store {self.endpoint} answered in {media_type}, "
            f"not in {RESULTS_JSON} or {N_TRIPLES}, though it was asked for {accept}"
        )

    def quads(
        self,
        subject: Node | None = None,
        predicate: Node | None = None,
        obj: Node | None = None,
        graph: str | None = None,
    ) -> Iterable[tuple[Node, Node, Node, str]]:
        given = (subject, predicate, obj)
        pattern, filters = [], []
        for name, term in zip(POSITIONS, given, strict=True):
            if term is None or isinstance(term, BNode):
                pattern.append(f"?{name}")
                if isinstance(term, BNode):
                    filters.append(f"FILTER(isBlank(?{name}))")
            else:
                pattern.append(str(to_oxigraph(term)))
        where = "?g" if graph is None else str(ox.NamedNode(graph))
        text = (
            f"SELECT ?s ?p ?o ?g WHERE {{ GRAPH {where} {{ {' '.join(pattern)} }} "
            f"{' '.join(filters)} }}"
        )
        result = self.query(text)
        assert isinstance(result, Solutions)
        for row in result.rows:
            # A position given as a term comes back unbound, one given as a blank node
            # comes back to be compared here.
            s, p, o = (
                term if found is None else found for found, term in zip(row[:3], given, strict=True)
            )
            if all(term is None or got == term for got, term in zip((s, p, o), given, strict=True)):
                assert s is not None and p is not None and o is not None
                yield s, p, o, graph if graph is not None else str(row[3])

    def _is_virtuoso(self) -> bool:
        """Whether the endpoint is Virtuoso (its Server header), asked once if not yet known."""
        if self._virtuoso is None:
            self.query("ASK {}")
        return bool(self._virtuoso)

    def _dataset(self, text: str, base_iri: str | None) -> tuple[list[str], list[str]]:
        """The whole dataset of a query, for an endpoint whose default graph is not ours:
        the query's FROM and FROM NAMED (a missing half is empty, as SPARQL says), or the
        union and the build's named graphs.

        The protocol's parameters would replace the query's own clauses, so these are
        read from the query (vetted already: the verdict is kept, :func:`cahr.query.vet`).
        """
        if _FROM.search(text):
            info = vet(text, self._graphs, base_iri=base_iri)
            if info.from_graphs or info.from_named:
                return info.from_graphs or [NO_GRAPH], info.from_named or [NO_GRAPH]
        return list(self._union), list(self._graphs)

    def _post(self, text: str, params: list[tuple[str, str]], accept: str) -> HTTPResponse:
        """POST the query as a form (SPARQL 1.1 Protocol 2.1.2); the open response of a 200.

        :raises QuerySyntaxError: the endpoint answered 400.
        :raises QueryTimeout: it did not answer within the timeout.
        :raises StoreUnavailable: it could not be reached, or failed.
        """
        form = [("query", text), *self._params, *params]
        request = urllib.request.Request(
            self._url,
            data=urllib.parse.urlencode(form).encode("ascii"),
            method="POST",
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": accept,
            },
        )
        try:
            response: HTTPResponse = urllib.request.urlopen(request, timeout=self.timeout)  # noqa: S310
        except urllib.error.HTTPError as exc:
            body = _text(exc)
            if exc.code == 400:
                raise _syntax_error(body) from exc
            if VIRTUOSO_QUERY_ERROR.match(body) and exc.headers.get("Server", "").startswith(
                "Virtuoso"
            ):
                # A query ours accepted and Virtuoso cannot compile ("SQ074: Too many opened
                # parentheses") or evaluate ("SR084: Division by 0", where SPARQL makes the
                # FILTER false): the query's doing, not a failing store.
                raise QueryRefused(
                    f"the remote store cannot evaluate this query: {body.splitlines()[0]}"
                ) from exc
            raise StoreUnavailable(
                f"the remote store {self.endpoint} answered {exc.code} {exc.reason}: {body}"
            ) from exc
        except TimeoutError as exc:
            raise QueryTimeout(self.timeout) from exc
        except (urllib.error.URLError, OSError, HTTPException) as exc:
            reason = getattr(exc, "reason", exc)
            if isinstance(reason, TimeoutError):
                raise QueryTimeout(self.timeout) from exc
            raise StoreUnavailable(
                f"the remote store {self.endpoint} cannot be reached: {reason}"
            ) from exc
        return response

    def _guard(self, parse: Callable[[], Any]) -> Any:
        """Run a parser over the endpoint's body: a stalled body is a timeout, a broken one
        a broken store."""
        try:
            return parse()
        except TimeoutError as exc:
            raise QueryTimeout(self.timeout) from exc
        except (SyntaxError, ValueError, OSError, HTTPException) as exc:
            raise StoreUnavailable(
                f"the remote store {self.endpoint} sent an answer that does not parse: {exc}"
            ) from exc

    def _streamed(self, items: Iterator[Any], response: HTTPResponse) -> Iterator[Any]:
        """The items as the body arrives; the connection closes when the consumer is done.

        A consumer that stops early (the row cap) closes it too, so the endpoint
        stops writing the rest.
        """
        try:
            while True:
                item = self._guard(lambda: next(items, _END))
                if item is _END:
                    return
                yield item
        finally:
            response.close()


def _canonical(term: Any) -> Any:
    """A term of Virtuoso's as Oxigraph would give it back: Virtuoso writes an
    ``xsd:boolean`` as 1 or 0, and an ``xsd:duration`` as its number of seconds."""
    if not isinstance(term, ox.Literal):
        return term
    if term.datatype == XSD_BOOLEAN and term.value in ("0", "1"):
        return ox.Literal("true" if term.value == "1" else "false", datatype=XSD_BOOLEAN)
    if term.datatype == XSD_DURATION and re.fullmatch(r"-?\d+(\.\d*)?", term.value):
        return ox.Literal(_duration(float(term.value)), datatype=XSD_DURATION)
    return term


def _duration(seconds: float) -> str:
    """Seconds as an xsd:duration in days, hours, minutes and seconds (172800 -> P2D)."""
    sign, rest = ("-" if seconds < 0 else ""), abs(seconds)
    days, rest = divmod(rest, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, rest = divmod(rest, 60)
    time = "".join(f"{n:g}{unit}" for n, unit in ((hours, "H"), (minutes, "M"), (rest, "S")) if n)
    text = (f"{days:g}D" if days else "") + (f"T{time}" if time else "")
    return f"{sign}P{text or 'T0S'}"


class _Replacing:
    """A body read with one byte string replaced by another, also across reads."""

    def __init__(self, raw: HTTPResponse, old: bytes, new: bytes) -> None:
        self._raw, self._old, self._new = raw, old, new
        self._held = b""  # a tail that may be the start of ``old``

    def read(self, size: int = -1) -> bytes:
        while True:
            chunk = self._raw.read(size if size and size > 0 else -1)
            data = (self._held + chunk).replace(self._old, self._new)
            if not chunk:
                self._held = b""
                return data
            keep = next(
                (n for n in range(len(self._old) - 1, 0, -1) if data.endswith(self._old[:n])), 0
            )
            self._held = data[len(data) - keep :] if keep else b""
            if len(data) > keep:
                return data[: len(data) - keep]


def _text(exc: urllib.error.HTTPError) -> str:
    try:
        return exc.read(ERROR_CHARS * 4).decode("utf-8", "replace").strip()[:ERROR_CHARS]
    except (OSError, HTTPException):
        return ""
    finally:
        exc.close()


def _syntax_error(body: str) -> QuerySyntaxError:
    """Oxigraph's "error at 1:20: ..." keeps its position; another engine's text is kept whole."""
    found = syntax_error(body)
    return found if found.line is not None else QuerySyntaxError(body or "the query was refused")


_END = object()

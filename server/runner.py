"""Evaluate users' queries in child processes, so that a timeout really stops them.

Neither pyoxigraph nor rdflib can cancel a running query from Python (BRIEF,
"Known pitfalls"): a thread whose query runs away keeps its CPU until the
query ends. So every query of /sparql runs in a child process of the worker,
which sends back the serialised result. When the limit passes, the worker
kills the child (SIGKILL frees its CPU at once), answers 503 and starts a
fresh child; the worker's other requests, served by other children, go on.

Children are forked from a multiprocessing *forkserver* that has imported the
engines already, so a new child is ready in a fraction of a second; each
loads the worker's private copy of the build (see ``cahr.server.state``). The
pool holds ``size`` children (the worker's threads) from the start, and starts
a new one for each killed, so a request never waits for a child to load the
build, and a worker's memory under load is what it was at rest (a pool grown
on demand grew in bursts, which a soak cannot tell from a leak).

Each child vets its queries on their parse (``cahr.query.vet``) and, for an
embedded engine, cannot open a network socket at all (``cahr.sandbox``,
installed before it reads a query): see docs/querying.md, "What is enforced where".

As in any multiprocessing code, a child re-imports the parent's main script:
a script that calls ``create_app`` itself must do so under
``if __name__ == "__main__":`` (``kg serve``, gunicorn and pytest do).
"""

from __future__ import annotations

import functools
import gc
import math
import multiprocessing
import signal
import threading
import time
import traceback
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from werkzeug.exceptions import BadRequest, NotAcceptable

from cahr.errors import CahrError, QueryRefused, QuerySyntaxError, QueryTimeout, StoreUnavailable
from cahr.formats import DEFAULT_RDF_TYPE, DEFAULT_RESULT_TYPE
from cahr.query import Explain, vet
from cahr.results import Written, write
from cahr.sandbox import check_apart, deny_network, is_denied, network_refused
from cahr.store import Store, Triples, open_store
from cahr.store.oxigraph import check_syntax
from cahr.store.reference import ReferenceStore

# A child kills itself (SIGALRM's default action) this long after a query's limit,
# in case the worker that should have killed it is gone.
GRACE_SECONDS = 5
# How long a new child may take to load the build before the worker gives up on it.
STARTUP_SECONDS = 60
# The stack a query is parsed and evaluated on (reserved, touched only as deep as it goes).
EVAL_STACK_BYTES = 256 * 1024 * 1024
# Imported once by the forkserver, so that children start with the engines loaded.
PRELOAD = [
    "cahr.server.runner",
    "cahr.store.oxigraph",
    "cahr.store.reference",
    "cahr.store.remote",
    "pyseccomp",
]


@dataclass(frozen=True)
class Job:
    """One query to answer, with the dataset and the media types the request negotiated.

    ``result_type`` is used for SELECT and ASK, ``graph_type`` for CONSTRUCT and
    DESCRIBE; None means the client accepts none of that family (406).
    """

    text: str
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    result_type: str | None = DEFAULT_RESULT_TYPE
    graph_type: str | None = DEFAULT_RDF_TYPE
    max_rows: int | None = None
    #: what relative IRIs resolve against when the query has no BASE: the service's IRI
    base_iri: str | None = None
    #: False only in a test that proves the sandbox holds alone; no request can set it
    vet: bool = True


class QueryRunner:
    """A pool of child processes that answer queries within ``timeout`` seconds."""

    def __init__(
        self, dist: Path, engine: str, *, timeout: float, size: int, remote: str = ""
    ) -> None:
        self.dist, self.engine, self.timeout, self.size = Path(dist), engine, timeout, size
        self.remote = remote  # a remote store's endpoint: children query it instead
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(PRELOAD)
        self._cond = threading.Condition()
        self._idle: list[_Child] = []
        self._children: set[_Child] = set()
        self._closed = False
        with self._cond:
            self._fill()

    def run(self, job: Job) -> Written:
        """Answer ``job`` in a child process.

        :raises QueryTimeout: it ran past the limit; its child was killed.
        :raises QuerySyntaxError: the query does not parse.
        :raises QueryRefused: the engine refused it.
        :raises NotAcceptable: the result's kind has no acceptable media type.
        :raises StoreUnavailable: the remote store could not answer.
        :raises BadRequest: the query nests too deeply for the engine.
        :raises RuntimeError: the engine failed (a bug: the worker answers 500).
        """
        child = self._checkout()
        try:
            reply = child.ask(job, self.timeout)
        except BaseException:
            self._discard(child)
            raise
        with self._cond:
            self._idle.append(child)
            self._cond.notify()
        return _unpack(reply, self.engine)

    def pids(self) -> list[int]:
        """The process ids of the live children (for tests and /healthz)."""
        with self._cond:
            return sorted(c.process.pid for c in self._children if c.process.pid is not None)

    def close(self) -> None:
        """Kill every child; the runner answers no more queries."""
        with self._cond:
            self._closed = True
            children, self._children, self._idle = list(self._children), set(), []
        for child in children:
            child.kill()

    def _checkout(self) -> _Child:
        """An idle child, a new one if the pool may grow, or wait for one (up to the limit)."""
        deadline = time.monotonic() + self.timeout
        with self._cond:
            # A child that died while idle (killed from outside) is dropped, not handed out.
            for dead in [c for c in self._idle if not c.process.is_alive()]:
                self._idle.remove(dead)
                self._children.discard(dead)
                dead.kill()  # reaps it and closes its pipe
            while not self._idle and len(self._children) >= self.size:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise QueryTimeout(self.timeout)
                self._cond.wait(remaining)
            if self._closed:
                raise RuntimeError("the query runner is closed")
            child = self._idle.pop() if self._idle else self._start()
            self._fill()
            return child

    def _discard(self, child: _Child) -> None:
        child.kill()
        with self._cond:
            self._children.discard(child)
            self._fill()
            self._cond.notify()

    def _fill(self) -> None:
        """Start idle children until the pool holds ``size`` (lock held)."""
        while not self._closed and len(self._children) < self.size:
            self._idle.append(self._start())

    def _start(self) -> _Child:
        child = _Child(self._context, self.dist, self.engine, self.timeout, self.remote)
        self._children.add(child)
        return child


class _Child:
    """One child process and the worker's end of its pipe."""

    def __init__(self, context: Any, dist: Path, engine: str, timeout: float, remote: str) -> None:
        self.conn, child_end = context.Pipe()
        self.process = context.Process(
            target=_child_main,
            args=(child_end, str(dist), engine, timeout, remote),
            name=f"kg-query-{engine}",
            daemon=True,
        )
        self.process.start()
        child_end.close()
        self.ready = False

    def ask(self, job: Job, timeout: float) -> tuple[Any, ...]:
        if not self.ready:
            if not self.conn.poll(STARTUP_SECONDS):
                raise RuntimeError(
                    f"the query process did not load the build in {STARTUP_SECONDS} s"
                )
            reply = self._receive()
            if reply[0] != "ready":
                raise RuntimeError(f"the query process could not load the build:\n{reply[1]}")
            self.ready = True
        self.conn.send(job)
        if not self.conn.poll(timeout):
            raise QueryTimeout(timeout)
        return self._receive()

    def _receive(self) -> tuple[Any, ...]:
        try:
            reply: tuple[Any, ...] = self.conn.recv()
        except (EOFError, OSError) as exc:
            self.process.join(1)
            raise RuntimeError(
                f"the query process {self.process.pid} ended unexpectedly "
                f"(exit code {self.process.exitcode})"
            ) from exc
        return reply

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()


def _unpack(reply: tuple[Any, ...], engine: str) -> Written:
    kind = reply[0]
    if kind == "ok":
        written: Written = reply[1]
        return written
    if kind == "syntax":
        raise QuerySyntaxError(reply[1], reply[2], reply[3])
    if kind == "refused":
        raise QueryRefused(reply[1])
    if kind == "too-complex":
        raise BadRequest(reply[1])
    if kind == "timeout":
        raise QueryTimeout(reply[1])
    if kind == "unavailable":
        raise StoreUnavailable(reply[1])
    if kind == "unacceptable":
        raise NotAcceptable(
            f"the query gave {reply[1]}, and the Accept header (or format "
            "parameter) allows none of the media types they can be written in"
        )
    raise RuntimeError(f"the {engine} engine failed on a query:\n{reply[1]}")


def _child_main(conn: Connection, dist: str, engine: str, timeout: float, remote: str) -> None:
    """The loop of a child: load the build (or reach the remote store), then answer jobs
    until the worker goes."""
    # Ctrl-C on `kg serve` reaches the whole process group: the worker decides
    # when a child ends (by closing the pipe, or killing it).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    # What the forkserver imported is shared with it copy-on-write: kept out of this
    # process's garbage collections, which would write to (and so copy) every page.
    gc.freeze()
    try:
        # A remote store waits a little past the limit: the worker, not the socket, decides.
        store = open_store(Path(dist), engine, remote=remote, timeout=timeout + 1)
        if not remote:
            # An embedded engine needs no socket but the pipe (AF_UNIX) to the worker: the
            # wall behind the vetting (issue #11). A remote store's process must reach it.
            deny_network()
    except Exception:
        conn.send(("failed", traceback.format_exc()))
        return
    explain: Explain = check_syntax
    if not is_denied():
        # Oxigraph's reading of an unvetted text evaluates it: only where no socket opens.
        explain = functools.partial(check_apart, check_syntax, timeout=timeout)
    conn.send(("ready", store.build_id))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return  # the worker is gone
        signal.alarm(math.ceil(timeout) + GRACE_SECONDS)
        reply = _on_a_deep_stack(_answer, store, explain, job)
        try:
            conn.send(reply)
        except OSError:
            return
        signal.alarm(0)


def _on_a_deep_stack(function: Any, *args: Any) -> tuple[Any, ...]:
    """``function(*args)`` on a thread with a stack of EVAL_STACK_BYTES.

    Oxigraph's parser recurses once per operator of a chain: on the main thread's
    8 MiB it killed the process (SIGSEGV) at 7,000 terms joined by ``+`` and 10,000
    by ``||``; on 256 MiB, 7,000 took 3 s and 50,000 ran past the time limit without
    a crash. rdflib's vetting must parse such a chain first and takes longer still
    (20,000 terms: 16 s), so the time limit stops every longer chain before it.
    """
    replies: list[tuple[Any, ...]] = []
    previous = threading.stack_size(EVAL_STACK_BYTES)
    try:
        thread = threading.Thread(target=lambda: replies.append(function(*args)))
        thread.start()
    finally:
        threading.stack_size(previous)
    thread.join()
    return replies[0] if replies else ("failed", "the query thread ended without an answer")


def _answer(store: Store, explain: Explain, job: Job) -> tuple[Any, ...]:
    """Vet, evaluate and serialise one job; errors become replies that the worker re-raises.

    The vetting is here, not in the worker: rdflib's pure-Python parse of a large
    query takes seconds, which the time limit can stop only in this process.

    :param explain: asked for Oxigraph's syntax error when rdflib cannot parse a query;
        it runs Oxigraph only where no network socket can be opened.
    """
    try:
        text = job.text
        if job.vet:
            text = vet(
                job.text,
                store.graphs(),
                default_graphs=job.default_graphs,
                named_graphs=job.named_graphs,
                base_iri=job.base_iri,
                explain=explain,
            ).text
            if isinstance(store, ReferenceStore):
                # rdflib's engine accepts some invalid queries (a SELECT of a variable
                # not grouped by): Oxigraph's stricter reading gives every engine one answer.
                explain(text, job.base_iri)
        dataset_given = bool(job.default_graphs or job.named_graphs)
        result = store.query(
            text,
            # SPARQL 1.1 Protocol 2.1.4: once either parameter is given, the
            # dataset is exactly the graphs named, the other part being empty.
            default_graphs=list(job.default_graphs) if dataset_given else None,
            named_graphs=list(job.named_graphs) if dataset_given else None,
            native=True,  # the rows are only written
            base_iri=job.base_iri,
        )
        graph = isinstance(result, Triples)
        media_type = job.graph_type if graph else job.result_type
        if media_type is None:
            return ("unacceptable", "an RDF graph" if graph else "a table of results")
        return ("ok", write(result, media_type, max_rows=job.max_rows))
    except QuerySyntaxError as exc:
        return ("syntax", exc.message, exc.line, exc.column)
    except QueryTimeout as exc:
        return ("timeout", exc.seconds)
    except StoreUnavailable as exc:
        return ("unavailable", str(exc))
    except RecursionError:
        # rdflib's algebra recurses once per nesting level (about 30 levels suffice).
        return ("too-complex", "the query nests too deeply for this engine: simplify it")
    except CahrError as exc:
        return ("refused", str(exc))
    except Exception as exc:
        if network_refused(exc):
            return ("refused", NETWORK_REFUSED)
        return ("failed", traceback.format_exc())


NETWORK_REFUSED = (
    "the query tried to open a network connection, and this endpoint's query processes "
    "cannot open any (SERVICE and outside graphs are refused)"
)

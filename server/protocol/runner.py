"""Evaluate users' queries in child processes, so that a timeout really stops them.

Neither pyoxigraph nor rdflib can cancel a running query from Python (BRIEF,
"Known pitfalls"): a thread whose query runs away keeps its CPU until the
query ends. So every query of /sparql runs in a child process of the worker,
which sends back the serialised result. When the limit passes, the worker
kills the child (SIGKILL frees its CPU at once), answers 503 and starts a
fresh child; the worker's other requests, served by other children, go on.

Children are forked from a multiprocessing *forkserver* that has imported the
engines and opened the worker's private copy of the build (``preloaded``; see
``cahr.server.state`` for the copy), so a new child starts with the store loaded
and shares its pages copy-on-write. The pool holds ``size`` children from the
start, and starts a new one for each killed, so a worker's memory under load is
what it was at rest (a pool grown on demand grew in bursts, which a soak cannot
tell from a leak).

Overload: a query that finds no idle child waits in a bounded queue, at most
``wait`` seconds, or is answered 503 with Retry-After at once. A query still
running after ``reserve_after`` seconds is long, and all children but one may
run long queries: one more is stopped (503), so that a burst of runaway
queries cannot hold every child until the time limit while short ones wait.
While that happens, the reserved child goes to the newest waiter (see
``_hand_over``). A long query's child is niced, so that short queries get the
CPU first, and replaced once it ends: while long queries run, a spare child
starts beside them, so that the next child to go (a long one, or the reserved
one stopped in a burst) is replaced by one that is ready.

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
import json
import math
import multiprocessing
import os
import queue
import signal
import sys
import threading
import traceback
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from werkzeug.exceptions import BadRequest, NotAcceptable, ServiceUnavailable

from cahr.errors import CahrError, QueryRefused, QuerySyntaxError, QueryTimeout, StoreUnavailable
from cahr.formats import DEFAULT_RDF_TYPE, DEFAULT_RESULT_TYPE
from cahr.query import CACHED_VERDICTS, Explain, Verdict, adopt_verdict, kept_verdict, vet
from cahr.results import Written, write
from cahr.sandbox import check_apart, deny_network, is_denied, network_refused
from cahr.server.protocol import preloaded
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
# The niceness of a query process once its query runs long (19 is the lowest priority).
LONG_NICENESS = 15
# Replies after which the child's verdict on the query is shared (its last element).
PASSED = ("ok", "vetted")
# Answered by each new query process before it is ready (see _child_main).
WARM_UP = "SELECT ?s WHERE { ?s a ?type FILTER(?type != <urn:x>) } LIMIT 1"
# Imported once by the forkserver, so that children start with the engines loaded.
PRELOAD = [
    "cahr.server.protocol.runner",
    "cahr.server.protocol.preloaded",
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
    #: only vet (for a conditional GET that may be answered 304): nothing is evaluated
    vet_only: bool = False
    #: the verdict another query process of this worker gave on this text and base
    #: (``QueryRunner`` sets it from its replies; see ``cahr.query.adopt_verdict``)
    verdict: Verdict | None = None


class QueryRunner:
    """A pool of child processes that answer queries within ``timeout`` seconds.

    :param size: the children, all started with the runner (at least 1).
    :param queue: how many queries may wait for a free child; one more is refused at once.
    :param wait: the longest a query waits for a free child, in seconds.
    :param reserve_after: seconds after which a running query counts as long; all
        children but one may run long queries, so the last one stays for short ones.
    """

    def __init__(
        self,
        dist: Path,
        engine: str,
        *,
        timeout: float,
        size: int,
        queue: int = 32,
        wait: float = 3.0,
        reserve_after: float = 0.3,
        remote: str = "",
    ) -> None:
        self.dist, self.engine, self.timeout = Path(dist), engine, timeout
        self.size, self.queue, self.wait = max(1, size), max(0, queue), max(0.0, wait)
        self.reserve_after = reserve_after
        # With one child there is nothing to reserve: it may run anything.
        self.long_slots = max(1, self.size - 1)
        self.remote = remote  # a remote store's endpoint: children query it instead
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(PRELOAD)
        if not remote:
            # Read by the forkserver when it starts (a worker's first child): the build it
            # opens for its children to share. One that runs already (a test's second
            # runner) keeps what it opened, and children of another build load their own.
            os.environ[preloaded.PRELOAD_ENV] = json.dumps([str(self.dist), engine])
        self._lock = threading.Lock()
        self._idle: list[_Child] = []
        self._children: set[_Child] = set()
        self._waiters: list[_Waiter] = []
        self._long = 0  # queries running past reserve_after now
        self._replaced = 0  # children started in place of others (killed, niced, dead)
        self._died = 0  # children that ended on their own (a crash, or killed from outside)
        self._spare: _Child | None = None  # started while long queries run
        # Verdicts of the children's parses, by (text, base IRI): see _round_trip.
        self._verdicts: OrderedDict[tuple[str, str | None], Verdict] = OrderedDict()
        self._closed = False
        with self._lock:
            for _ in range(self.size):
                self._idle.append(self._start())

    def run(self, job: Job) -> Written:
        """Answer ``job`` in a child process.

        :raises QueryTimeout: it ran past the limit; its child was killed.
        :raises ServiceUnavailable: no child is free soon (the queue is full or the
            wait too long), or the query ran long while every long slot was taken
            (its child was killed); with Retry-After.
        :raises QuerySyntaxError: the query does not parse.
        :raises QueryRefused: the engine refused it.
        :raises NotAcceptable: the result's kind has no acceptable media type.
        :raises StoreUnavailable: the remote store could not answer.
        :raises BadRequest: the query nests too deeply for the engine.
        :raises RuntimeError: the engine failed (a bug: the worker answers 500).
        """
        written = _unpack(self._round_trip(job), self.engine)
        assert written is not None  # only a vet_only job is answered without a body
        return written

    def check(self, job: Job) -> None:
        """Vet ``job`` in a child without evaluating it: returns if it may run.

        A conditional GET whose copy is current needs no evaluation, but its 304 says
        the query may run: only the vetting may say that (a refused query gets 403).

        :raises QuerySyntaxError: the query does not parse.
        :raises QueryRefused: the vetting refused it.
        :raises ServiceUnavailable: no child is free soon (as for :meth:`run`).
        """
        _unpack(self._round_trip(replace(job, vet_only=True)), self.engine)

    def _round_trip(self, job: Job) -> tuple[Any, ...]:
        """The reply of a child to ``job``, the child returned to the pool or replaced.

        A verdict that one child's parse gave is handed with the same text and base to
        the others: each text is parsed once per worker, not once per child (a
        competency question took 21 ms to parse, 2.4 ms to answer once vetted).
        """
        key = (job.text, job.base_iri)
        if job.vet and job.verdict is None:
            with self._lock:
                known = self._verdicts.get(key)
            if known is not None:
                job = replace(job, verdict=known)
        reply = self._exchange(job)
        if reply[0] in PASSED and reply[-1] is not None:
            with self._lock:
                self._verdicts[key] = reply[-1]
                self._verdicts.move_to_end(key)
                while len(self._verdicts) > CACHED_VERDICTS:
                    self._verdicts.popitem(last=False)
        return reply

    def _exchange(self, job: Job) -> tuple[Any, ...]:
        child = self._checkout()
        try:
            reply = self._ask(child, job)
        except BaseException:
            self._discard(child)
            raise
        if child.long:
            # Niced for good (a process may not raise its priority again), and its heap
            # may have grown with a query that long: a fresh child takes its place.
            self._discard(child)
        else:
            with self._lock:
                self._hand_over(child)
        return reply

    def pids(self) -> list[int]:
        """The process ids of the live children (for tests and /healthz)."""
        with self._lock:
            return sorted(c.process.pid for c in self._children if c.process.pid is not None)

    def load(self) -> dict[str, int]:
        """What the pool does now (for /healthz): children, busy ones, long ones, waiters,
        how many children were started in place of others since it began (a long query's
        child is replaced by design), how many of those had died on their own, and whether
        a spare has started; of the children that have answered, how many started with
        the store the forkserver opened (``preloaded``) and how many opened their own."""
        with self._lock:
            ready = [c for c in self._children if c.ready]
            return {
                "preloaded": sum(c.preloaded for c in ready),
                "loaded_own": sum(not c.preloaded for c in ready),
                "processes": len(self._children),
                "busy": len(self._children) - len(self._idle),
                "long": self._long,
                "waiting": len(self._waiters),
                "replaced": self._replaced,
                "died": self._died,
                "spare": int(self._spare is not None),
            }

    def close(self) -> None:
        """Kill every child; the runner answers no more queries."""
        with self._lock:
            self._closed = True
            children, self._children, self._idle = list(self._children), set(), []
            if self._spare is not None:
                children.append(self._spare)
                self._spare = None
            waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            waiter.refused = "the server is stopping"
            waiter.ready.set()
        for child in children:
            child.kill(wait=True)

    def _checkout(self) -> _Child:
        """An idle child, or wait for one (newest waiter first), or 503 at once."""
        with self._lock:
            if self._closed:
                raise RuntimeError("the query runner is closed")
            # A child that died while idle (killed from outside) is replaced, not handed out.
            for dead in [c for c in self._idle if not c.process.is_alive()]:
                self._idle.remove(dead)
                self._children.discard(dead)
                dead.kill()
                self._replaced += 1
                self._died += 1
                self._idle.append(self._start())
            if self._idle:
                return self._idle.pop()
            if not self.queue:
                raise self._busy("every one is busy, and none may be waited for")
            if len(self._waiters) >= self.queue:
                if not self._reserve_only():
                    raise self._busy(f"{self.queue} queries are already waiting for one")
                # Long queries hold the others: the newest are served first, the oldest goes.
                oldest = self._waiters.pop(0)
                oldest.refused = f"{self.queue} newer queries were waiting for one"
                oldest.ready.set()
            waiter = _Waiter()
            self._waiters.append(waiter)
        waiter.ready.wait(self.wait)
        with self._lock:
            if waiter.child is None:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)
                raise self._busy(waiter.refused or f"none became free within {self.wait:g} s")
            return waiter.child

    def _ask(self, child: _Child, job: Job) -> tuple[Any, ...]:
        """Send ``job`` and wait for the reply; past ``reserve_after`` the query needs a
        long slot, or it is stopped so that short queries keep a child."""
        child.send(job)
        if child.readable(min(self.reserve_after, self.timeout)):
            return child.receive()
        if self.timeout <= self.reserve_after:
            raise QueryTimeout(self.timeout)
        with self._lock:
            if self._long >= self.long_slots:
                raise self._busy(
                    f"it ran past {self.reserve_after:g} s while {self._long} longer "
                    "queries were running (the last process is kept for short queries)"
                )
            self._long += 1
            if self._spare is None:
                self._spare = self._new_child()
        child.long = True
        # The long query yields the CPU to short ones, and to the worker's requests.
        child.lower_priority()
        try:
            if child.readable(self.timeout - self.reserve_after):
                return child.receive()
            raise QueryTimeout(self.timeout)
        finally:
            with self._lock:
                self._long -= 1

    def _busy(self, why: str) -> ServiceUnavailable:
        return ServiceUnavailable(
            f"the server has no query process free for this query ({why}): try again shortly",
            retry_after=math.ceil(self.timeout),
        )

    def _discard(self, child: _Child) -> None:
        child.kill()
        with self._lock:
            self._children.discard(child)
            if not self._closed:
                self._replaced += 1
                self._died += child.died
                self._hand_over(self._replacement())

    def _hand_over(self, child: _Child) -> None:
        """Give a free child to a waiter, or keep it idle (lock held).

        First come, first served, except for the reserved child while long queries
        hold all the others: then the newest waiter gets it. The oldest are then
        the likeliest to be long queries that a burst queued (each would hold the
        reserved child until it is stopped), and a request that just came is
        answered at once rather than after them ("adaptive LIFO").
        """
        if self._closed:
            child.kill()
        elif self._waiters:
            waiter = self._waiters.pop() if self._reserve_only() else self._waiters.pop(0)
            waiter.child = child
            waiter.ready.set()
        else:
            self._idle.append(child)

    def _reserve_only(self) -> bool:
        """Whether long queries hold every child but the reserved one (lock held)."""
        return self._long >= self.long_slots

    def _start(self) -> _Child:
        child = self._new_child()
        self._children.add(child)
        return child

    def _replacement(self) -> _Child:
        """The spare, if one is loading and alive, else a new child (lock held)."""
        spare, self._spare = self._spare, None
        if spare is None or not spare.process.is_alive():
            if spare is not None:
                spare.kill()
            return self._start()
        self._children.add(spare)
        if self._long:
            self._spare = self._new_child()  # long queries still run: the next one loads now
        return spare

    def _new_child(self) -> _Child:
        return _Child(self._context, self.dist, self.engine, self.timeout, self.remote)


@dataclass
class _Waiter:
    """A query waiting for a child: the child it is handed, and the event that says so."""

    ready: threading.Event = field(default_factory=threading.Event)
    child: _Child | None = None
    refused: str = ""  # why it was woken with no child, if it was refused


class _Child:
    """One child process and the worker's end of its pipe."""

    def __init__(self, context: Any, dist: Path, engine: str, timeout: float, remote: str) -> None:
        self.conn, child_end = context.Pipe()
        # Under gevent the pipe is a patched socketpair, left non-blocking: the child's
        # reads would fail with EAGAIN. The worker waits for it with ``readable``.
        for end in (self.conn, child_end):
            os.set_blocking(end.fileno(), True)
        self.process = context.Process(
            target=_child_main,
            args=(child_end, str(dist), engine, timeout, remote),
            name=f"kg-query-{engine}",
            daemon=True,
        )
        self.process.start()
        child_end.close()
        self.ready = False
        self.preloaded = False  # it started with the forkserver's store (``preloaded``)
        self.long = False  # it ran a query past ``reserve_after`` (and was niced)
        self.died = False  # its pipe closed before it answered: it ended on its own

    def send(self, job: Job) -> None:
        """Send ``job``, once the child has loaded the build.

        :raises RuntimeError: the child could not load the build.
        """
        if not self.ready:
            if not self.readable(STARTUP_SECONDS):
                raise RuntimeError(
                    f"the query process did not load the build in {STARTUP_SECONDS} s"
                )
            reply = self.receive()
            if reply[0] != "ready":
                raise RuntimeError(f"the query process could not load the build:\n{reply[1]}")
            self.ready, self.preloaded = True, bool(reply[2])
        self.conn.send(job)

    def readable(self, seconds: float) -> bool:
        """Whether the child's reply arrives within ``seconds``.

        Under gevent (``kg serve``) the wait yields to the worker's other requests;
        ``Connection.poll`` only does if multiprocessing was imported after gevent
        patched the selectors, which an import order must not decide.
        """
        if _cooperative():
            from gevent.select import select

            return bool(select([self.conn.fileno()], [], [], max(0.0, seconds))[0])
        return self.conn.poll(max(0.0, seconds))

    def receive(self) -> tuple[Any, ...]:
        try:
            reply: tuple[Any, ...] = self.conn.recv()
        except (EOFError, OSError) as exc:
            self.died = True
            self.process.join(1)
            raise RuntimeError(
                f"the query process {self.process.pid} ended unexpectedly "
                f"(exit code {self.process.exitcode})"
            ) from exc
        return reply

    def lower_priority(self) -> None:
        """Nice every thread of the child to LONG_NICENESS.

        Linux keeps a nice value per thread, and ``setpriority`` on the process id
        changes only its main thread's: the query runs on the deep-stack thread
        (_on_a_deep_stack), so a burst's long queries kept their full share of the CPU
        and a fresh child took 1.4 s to load the build beside them (overload test).
        """
        try:
            threads = os.listdir(f"/proc/{self.process.pid}/task")
        except OSError:
            threads = [str(self.process.pid)]  # no procfs: at least the main thread
        for thread in threads:
            try:
                os.setpriority(os.PRIO_PROCESS, int(thread), LONG_NICENESS)
            except (ProcessLookupError, PermissionError):
                pass  # it ended meanwhile: the wait for its reply says so

    def kill(self, wait: bool = False) -> None:
        """SIGKILL the child and close its pipe; ``wait`` also joins it.

        The forkserver reaps a killed child, and multiprocessing forgets it at the next
        start. A worker under load must not join: the join waits for the forkserver to
        report the exit, blocking the worker's loop (every request of the worker, /healthz
        too) for up to 0.6 s in a burst of runaway queries.
        """
        if self.process.is_alive():
            self.process.kill()
        if wait:
            self.process.join(5)
        self.conn.close()


def _cooperative() -> bool:
    """Whether this process runs under gevent's monkey-patching (a gevent worker)."""
    monkey = sys.modules.get("gevent.monkey")
    return monkey is not None and bool(monkey.is_module_patched("select"))


def _unpack(reply: tuple[Any, ...], engine: str) -> Written | None:
    kind = reply[0]
    if kind == "ok":
        written: Written = reply[1]
        return written
    if kind == "vetted":
        return None
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
        store = None if remote else preloaded.store_for(dist, engine)
        from_forkserver = store is not None
        if store is None:
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
    if not remote:
        # The first query of a process paid about 35 ms more than the next (the parsers'
        # first use): paid here, before the pool hands this process to a request. Not
        # through a remote store, which would see a query nobody asked.
        _on_a_deep_stack(_answer, store, explain, Job(text=WARM_UP))
    conn.send(("ready", store.build_id, from_forkserver))
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
    """``function(*args)`` on this process's deep-stack thread (EVAL_STACK_BYTES).

    Oxigraph's parser recurses once per operator of a chain: on the main thread's
    8 MiB it killed the process (SIGSEGV) at 7,000 terms joined by ``+`` and 10,000
    by ``||``; on 256 MiB, 7,000 took 3 s and 50,000 ran past the time limit without
    a crash. rdflib's vetting must parse such a chain first and takes longer still
    (20,000 terms: 16 s), so the time limit stops every longer chain before it.
    The thread is made once per process: one made per query cost 0.3 ms of the
    2.4 ms a competency question took (measured, one query process, 170 queries).
    """
    global _deep_stack
    if _deep_stack is None:
        jobs: queue.SimpleQueue[tuple[Any, tuple[Any, ...], queue.SimpleQueue[Any]]]
        jobs = queue.SimpleQueue()

        def serve() -> None:
            while True:
                work, work_args, reply = jobs.get()
                try:
                    reply.put(work(*work_args))
                except BaseException as exc:  # noqa: BLE001 (re-raised by the caller)
                    reply.put(exc)

        previous = threading.stack_size(EVAL_STACK_BYTES)
        try:
            threading.Thread(target=serve, name="kg-query-eval", daemon=True).start()
        finally:
            threading.stack_size(previous)
        _deep_stack = jobs
    answer: queue.SimpleQueue[Any] = queue.SimpleQueue()
    _deep_stack.put((function, args, answer))
    result = answer.get()
    if isinstance(result, BaseException):
        raise result
    reply: tuple[Any, ...] = result
    return reply


_deep_stack: queue.SimpleQueue[Any] | None = None


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
            if job.verdict is not None:
                adopt_verdict(job.text, job.base_iri, job.verdict)
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
        # Passed on to the worker for its other children, unless it came from there.
        shared = kept_verdict(job.text, job.base_iri) if job.vet and not job.verdict else None
        if job.vet_only:
            return ("vetted", shared)
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
        return ("ok", write(result, media_type, max_rows=job.max_rows), shared)
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

"""pyshacl on two cores: the shapes shared out between this process and one fork of it.

pyshacl validates one shape after another in one thread, and it took most of a
100x build's validate stage (issue #15). Each shape with a target is validated
on its own against the whole data graph (``use_shapes``), so the results are
those of one run over all shapes; the two processes take shapes from one queue
until it is empty, so that neither waits while the other has a long shape. The
fork shares the data graph copy-on-write (one extra process, not a pool: a
second copy of a 300x graph's pages is all the memory it may cost). The results
are merged into one W3C validation report.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from multiprocessing.connection import Connection
from typing import Any

from pyshacl import validate as shacl_validate
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF

from cahr.iris import SH

_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
_OPTIONS: dict[str, Any] = {
    "inference": "none",
    # The data graph is made for this call alone: no need for pyshacl's copy of it,
    # which took a tenth of the validation of a 20x graph.
    "inplace": True,
    "allow_warnings": True,
    "advanced": True,
    "abort_on_first": False,
}


def validate(data: Graph, shapes: Graph, processes: int | None = None) -> Graph:
    """The W3C validation report of ``data`` against ``shapes``.

    :param processes: 1 or 2; by default 2 where the machine has two cores or more.
    """
    targeted: list[URIRef] = sorted(
        {s for t in _TARGETS for s in shapes.subjects(t, None)},  # type: ignore[misc]
        key=str,
    )
    if processes is None:
        processes = 2 if (os.cpu_count() or 1) > 1 else 1
    if processes < 2 or len(targeted) < 2 or not all(isinstance(s, URIRef) for s in targeted):
        # A targeted blank-node shape cannot be named to use_shapes: one run over all.
        _conforms, results, _text = shacl_validate(data, shacl_graph=shapes, **_OPTIONS)
        report: Graph = results
        return report
    fork = multiprocessing.get_context("fork")
    # The index of the next shape to take, shared: both processes have the list.
    taken = fork.Value("i", 0)
    receive, send = fork.Pipe(duplex=False)
    helper = fork.Process(target=_helper, args=(data, shapes, targeted, taken, send), daemon=True)
    helper.start()
    send.close()
    try:
        mine = list(_work(data, shapes, targeted, taken))
        theirs = receive.recv()
    finally:
        helper.join(timeout=60)
        if helper.is_alive():
            helper.kill()
    if isinstance(theirs, BaseException):
        raise theirs
    return _merged(mine + [_parsed(nt) for nt in theirs])


def _helper(
    data: Graph, shapes: Graph, targeted: list[URIRef], taken: Any, send: Connection
) -> None:
    try:
        done = [
            r.serialize(format="nt", encoding="utf-8") for r in _work(data, shapes, targeted, taken)
        ]
        send.send(done)
    except BaseException as exc:  # the parent raises it
        send.send(exc)


def _work(data: Graph, shapes: Graph, targeted: list[URIRef], taken: Any) -> Iterator[Graph]:
    """Validate the shapes not yet taken, one at a time, until none is left; their reports."""
    while True:
        with taken.get_lock():
            index = taken.value
            taken.value += 1
        if index >= len(targeted):
            return
        _conforms, results, _text = shacl_validate(
            data, shacl_graph=shapes, use_shapes=[str(targeted[index])], **_OPTIONS
        )
        yield results


def _parsed(nt: bytes) -> Graph:
    graph = Graph()
    graph.parse(data=nt, format="nt")
    return graph


def _merged(reports: list[Graph]) -> Graph:
    """One validation report holding the results of ``reports``."""
    merged = Graph()
    node = BNode()
    merged.add((node, RDF.type, SH.ValidationReport))
    conforms = True
    for report in reports:
        parts = set(report.subjects(RDF.type, SH.ValidationReport))
        for part in parts:
            conforms = conforms and report.value(part, SH.conforms) == Literal(True)
            for result in report.objects(part, SH.result):
                merged.add((node, SH.result, result))
        for s, p, o in report:
            if s not in parts:
                merged.add((s, p, o))
    merged.add((node, SH.conforms, Literal(conforms)))
    return merged

"""Write the reasoner's derivation record into dist/ (``derivations.ttl``, :mod:`cahr.derivations`)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from rdflib import BNode
from rdflib.term import Node

from cahr.derivations import PREFIXES, Why, statements
from cahr.dist import DERIVATIONS_NAME, EXTRAS, file_entry
from cahr.rdf import write_rdf

Triple = tuple[Node, Node, Node]


def write_record(
    staging: Path,
    manifest: dict[str, Any],
    derivations: dict[Triple, Why],
    asserted: Iterable[Triple],
) -> dict[str, Any]:
    """Write the record of ``derivations`` into ``staging``; the manifest with its entry.

    :param asserted: the statements the reasoner started from, which describe
        the blank nodes (class expressions) that the derivations name.
    """
    about: dict[BNode, list[tuple[Node, Node]]] = {}
    for s, p, o in asserted:
        if isinstance(s, BNode):
            about.setdefault(s, []).append((p, o))
    record = statements(derivations, lambda node: about.get(node, ()))
    data = write_rdf(record, EXTRAS[DERIVATIONS_NAME][1], prefixes=PREFIXES)
    (staging / DERIVATIONS_NAME).write_bytes(data)
    files = {**manifest.get("files", {}), DERIVATIONS_NAME: file_entry(DERIVATIONS_NAME, data)}
    return {**manifest, "files": files, "derivations": len(derivations)}

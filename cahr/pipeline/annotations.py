"""The evidence as W3C Web Annotations: ``dist/annotations.jsonld``.

One ``Annotation`` per attestation (:mod:`cahr.pipeline.evidence`): its target is
the article (whose archived text is ``sources/<slug>.txt``), selected by a
``TextQuoteSelector`` (exact words, prefix, suffix) and a ``TextPositionSelector``
(start and end, in code points); its body is the resource the words describe,
with the properties they vouch for under their CAHR IRI. The collection is
written in the Web Annotation JSON-LD context (``http://www.w3.org/ns/anno.jsonld``,
never fetched: it is only named), sorted by id, so two builds write the same bytes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rdflib import Literal
from rdflib.term import Node

from cahr.dist import ANNOTATIONS_NAME, file_entry
from cahr.iris import CAHR, SOURCE
from cahr.pipeline.evidence import Position, attestations
from cahr.pipeline.load import Loaded

CONTEXT = "http://www.w3.org/ns/anno.jsonld"
COLLECTION_ID = "https://w3id.org/cahr/evidence/"


def _value(node: Node) -> Any:
    if isinstance(node, Literal):
        found: dict[str, Any] = {"@value": str(node)}
        if node.language:
            found["@language"] = node.language
        elif node.datatype:
            found["@type"] = str(node.datatype)
        return found
    return {"id": str(node)}


def web_annotations(loaded: Loaded, positions: dict[Node, Position]) -> list[dict[str, Any]]:
    """A Web Annotation for each attestation that the build placed in its text."""
    found = []
    for slug in sorted(loaded.articles):
        for attestation in attestations(loaded.article_graph(slug)):
            place = positions.get(attestation.node)
            if place is None:
                continue
            body: dict[str, Any] = {
                "id": str(attestation.subject),
                str(CAHR.vouchesFor): [
                    {"id": str(p)} for p in sorted(attestation.properties, key=str)
                ],
            }
            if attestation.values:
                body[str(CAHR.vouchesForValue)] = [
                    _value(v) for v in sorted(attestation.values, key=lambda v: v.n3())
                ]
            found.append(
                {
                    "id": str(attestation.node),
                    "type": "Annotation",
                    "motivation": "identifying",
                    "body": body,
                    "target": {
                        "type": "SpecificResource",
                        "source": str(SOURCE[slug]),
                        "selector": [
                            {
                                "type": "TextQuoteSelector",
                                "exact": place.exact,
                                "prefix": place.prefix,
                                "suffix": place.suffix,
                            },
                            {
                                "type": "TextPositionSelector",
                                "start": place.start,
                                "end": place.end,
                            },
                        ],
                    },
                }
            )
    return sorted(found, key=lambda a: a["id"])


def as_json_ld(items: list[dict[str, Any]]) -> bytes:
    """The annotations as one AnnotationCollection with one page, JSON-LD, stable bytes."""
    collection = {
        "@context": CONTEXT,
        "id": COLLECTION_ID,
        "type": "AnnotationCollection",
        "label": "CAHR-KG: the article words that vouch for each fact",
        "total": len(items),
        "first": {"type": "AnnotationPage", "startIndex": 0, "items": items},
    }
    return (json.dumps(collection, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def write_annotations(
    dist: Path, manifest: dict[str, Any], loaded: Loaded, positions: dict[Node, Position]
) -> dict[str, Any]:
    """Write ``annotations.jsonld`` into ``dist``; return the manifest with it recorded."""
    data = as_json_ld(web_annotations(loaded, positions))
    (dist / ANNOTATIONS_NAME).write_bytes(data)
    files = {**manifest.get("files", {}), ANNOTATIONS_NAME: file_entry(ANNOTATIONS_NAME, data)}
    return {**manifest, "files": files}

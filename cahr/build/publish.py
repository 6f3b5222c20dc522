"""Stage 5: what a publisher adds beside the data: VoID/DCAT, ontology docs, example queries.

Runs on the export's staging folder before it is swapped in (so a failure
here leaves the previous dist/ untouched) and reads only that folder's files.
Each file it adds is recorded in the manifest with its size and SHA-256, so
that ``/dumps/`` lists it with a checksum like every other file; the export
writes the manifest.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from cahr.build import docs, examples, void
from cahr.layout import Layout

VOID_NAME = "void.ttl"

# file name -> (what it holds, media type), as export.DUMPS does for the data files.
EXTRAS: dict[str, tuple[str, str]] = {
    VOID_NAME: ("the VoID and DCAT description of the dataset, Turtle", "text/turtle"),
    docs.HTML_NAME: ("the ontology's documentation (pyLODE), HTML", "text/html"),
    docs.DIAGRAM_NAME: (
        "the ontology's class and property diagram (Graphviz), SVG",
        "image/svg+xml",
    ),
    examples.EXAMPLES_NAME: (
        "the competency questions and their queries (the query UI's examples), JSON",
        "application/json",
    ),
}


def publish(layout: Layout, dist: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    """Write VoID, the ontology docs and the example queries into ``dist``; return the manifest."""
    made = docs.make_docs(dist / "ontology.ttl")
    found = examples.as_json(examples.examples(layout))
    made[examples.EXAMPLES_NAME] = (json.dumps(found, indent=2, ensure_ascii=False) + "\n").encode()
    made[VOID_NAME] = void.describe(dist, manifest).serialize(format="turtle").encode("utf-8")
    for name, data in made.items():
        (dist / name).write_bytes(data)
    files = dict(manifest.get("files", {}))
    for name, data in made.items():
        files[name] = {
            "bytes": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
            "media_type": EXTRAS[name][1],
            "description": EXTRAS[name][0],
        }
    return {**manifest, "files": files, "diagram": docs.DIAGRAM_NAME in made}

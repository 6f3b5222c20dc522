"""Stage 5: what a publisher adds beside the data: VoID/DCAT, ontology docs, example queries.

Runs on the export's staging folder before it is swapped in (so a failure
here leaves the previous dist/ untouched) and reads only that folder's files.
Each file it adds is recorded in the manifest with its size and SHA-256, so
that ``/dumps/`` lists it with a checksum like every other file; the export
writes the manifest.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cahr.dist import EXAMPLES_NAME, VOID_NAME, file_entry
from cahr.layout import Layout
from cahr.pipeline import docs, examples, void
from cahr.rdf import canonical_quads, write_rdf


def publish(layout: Layout, dist: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    """Write VoID, the ontology docs and the example queries into ``dist``; return the manifest."""
    made = docs.make_docs(dist / "ontology.ttl")
    found = examples.as_json(examples.examples(layout))
    made[EXAMPLES_NAME] = (json.dumps(found, indent=2, ensure_ascii=False) + "\n").encode()
    made[VOID_NAME] = write_rdf(
        canonical_quads(void.describe(dist, manifest)), "text/turtle", prefixes=void.PREFIXES
    )
    for name, data in made.items():
        (dist / name).write_bytes(data)
    files = dict(manifest.get("files", {}))
    files.update((name, file_entry(name, data)) for name, data in made.items())
    return {**manifest, "files": files}

"""What the parse-based vetting (cahr.query.vet) costs a query process, issue #11.

Vets each competency question (ontology/competency/*.rq) uncached, then again
from the per-process verdict cache, and prints mean / max milliseconds.

    .venv/bin/python benchmarks/vetting.py
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from cahr import query
from cahr.iris import BASE

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    texts = [
        p.read_text(encoding="utf-8") for p in sorted((ROOT / "ontology/competency").glob("*.rq"))
    ]
    for label in ("uncached", "cached"):
        if label == "uncached":
            query._verdicts.clear()
        times = []
        for text in texts:
            start = time.perf_counter()
            query.vet(text, [], base_iri=BASE + "sparql")
            times.append((time.perf_counter() - start) * 1000)
        print(
            f"{label}: {len(texts)} questions, mean {statistics.mean(times):.2f} ms, "
            f"max {max(times):.2f} ms"
        )


if __name__ == "__main__":
    main()

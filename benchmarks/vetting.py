"""What the parse-based vetting (cahr.query.vet) costs, issue #11.

1. In this process: each competency question (ontology/competency/*.rq) vetted
   uncached, then again from the verdict cache; mean and max milliseconds.
2. In a real query process (``QueryRunner``, one child, the built ``dist/``): rounds of
   the 34 questions with the vetting on and off (``Job.vet``, reachable from Python
   only), after a first round that fills the child's verdict cache; the median round.

    .venv/bin/python -m benchmarks.vetting [--rounds 6]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from cahr import query
from cahr.iris import BASE
from cahr.server.protocol.runner import Job, QueryRunner

ROOT = Path(__file__).resolve().parent.parent
SERVICE = BASE + "sparql"


def questions() -> list[str]:
    return [
        p.read_text(encoding="utf-8") for p in sorted((ROOT / "ontology/competency").glob("*.rq"))
    ]


def in_process(texts: list[str]) -> None:
    for label in ("uncached", "cached"):
        if label == "uncached":
            query._verdicts.clear()
        times = []
        for text in texts:
            start = time.perf_counter()
            query.vet(text, [], base_iri=SERVICE)
            times.append((time.perf_counter() - start) * 1000)
        print(
            f"vet, {label}: {len(texts)} questions, mean {statistics.mean(times):.2f} ms, "
            f"max {max(times):.2f} ms"
        )


def in_a_query_process(texts: list[str], rounds: int) -> None:
    runner = QueryRunner(ROOT / "dist", "oxigraph", timeout=30, size=1)
    try:
        for text in texts:
            runner.run(Job(text, base_iri=SERVICE))
        seconds: dict[bool, list[float]] = {True: [], False: []}
        for _ in range(rounds):
            for vetted in (True, False):
                start = time.perf_counter()
                for text in texts:
                    runner.run(Job(text, base_iri=SERVICE, vet=vetted))
                seconds[vetted].append(time.perf_counter() - start)
        for vetted, found in seconds.items():
            print(
                f"query process, vetting {'on' if vetted else 'off'}: median round of "
                f"{len(texts)} questions {statistics.median(found) * 1000:.1f} ms"
            )
    finally:
        runner.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=6)
    args = parser.parse_args()
    texts = questions()
    in_process(texts)
    in_a_query_process(texts, args.rounds)


if __name__ == "__main__":
    main()

"""The response cache's LRU, ours (server/web/cache.py) against cachetools' LRUCache.

Run: ``.venv/bin/python -m benchmarks.lru`` (needs the ``bench`` extra: cachetools).

The key mix is the site's: one key per page of dist/ (every resource, source,
graph and timeline page, hashed as ``cached_view`` hashes them) and one per
competency question (as ``/sparql`` hashes them), requested with Zipf-like
frequencies (a few pages are most of the traffic); an answer's size is the
resource's share of ``union.nt`` (what its page shows), so that a bound of
the bound (a third of the answers' bytes) holds part of the site and evicts. Both caches are
driven by the same trace: look the key up; on a miss, keep the answer. Each
cache takes a lock per operation, as a worker's greenlets need.
"""

from __future__ import annotations

import random
import statistics
import sys
import threading
import time
from collections import Counter
from pathlib import Path

from cahr.server.web.cache import Entry, ResponseCache

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = 5
REQUESTS = 200_000
SHARE = 3  # the bound holds a third of the site's answers, so the trace evicts


class CachetoolsLRU:
    """cachetools.LRUCache bounded in bytes, behind a lock, with our get/put."""

    def __init__(self, max_bytes: int) -> None:
        import cachetools

        self._cache: cachetools.LRUCache[bytes, Entry] = cachetools.LRUCache(
            maxsize=max_bytes, getsizeof=lambda entry: entry.size
        )
        self._lock = threading.Lock()
        self.max_bytes = max_bytes

    def get(self, key: bytes) -> Entry | None:
        with self._lock:
            return self._cache.get(key)

    def put(self, key: bytes, entry: Entry) -> bool:
        if entry.size > self.max_bytes // 4:
            return False
        with self._lock:
            self._cache[key] = entry
        return True


def key_mix(seed: int = 7) -> tuple[list[bytes], list[Entry], list[int]]:
    """The keys of the site's pages and questions, their answers' sizes, and a trace."""
    sizes: Counter[str] = Counter()
    for line in (ROOT / "dist" / "union.nt").read_text(encoding="utf-8").splitlines():
        sizes[line.split(" ", 1)[0]] += len(line) + 1
    pages = [("page", "http://127.0.0.1/", "/id/" + s.rsplit("/", 1)[-1][:-1], "", "text/html")
             for s in sizes]  # fmt: skip
    questions = sorted((ROOT / "ontology" / "competency").glob("*.rq"))
    parts = pages + [
        ("sparql", q.read_text(encoding="utf-8"), "", "", "application/sparql-results+json")
        for q in questions
    ]
    keys = [ResponseCache.key("build", *p) for p in parts]
    body_sizes = list(sizes.values()) + [2048] * len(questions)
    entries = [
        Entry(200, [("Content-Type", p[-1])], b"x" * n)
        for p, n in zip(parts, body_sizes, strict=True)
    ]
    rng = random.Random(seed)
    weights = [1 / (rank + 1) ** 1.1 for rank in range(len(keys))]
    rng.shuffle(weights)
    trace = rng.choices(range(len(keys)), weights=weights, k=REQUESTS)
    return keys, entries, trace


def run(cache: ResponseCache | CachetoolsLRU, keys: list[bytes], entries: list[Entry],
        trace: list[int]) -> tuple[float, float]:  # fmt: skip
    """Seconds for the trace, and the hit ratio."""
    hits = 0
    get, put = cache.get, cache.put
    started = time.perf_counter()
    for i in trace:
        if get(keys[i]) is None:
            put(keys[i], Entry(200, entries[i].headers, entries[i].body))
        else:
            hits += 1
    return time.perf_counter() - started, hits / len(trace)


def main() -> None:
    keys, entries, trace = key_mix()
    bound = sum(e.size for e in entries) // SHARE
    results: dict[str, list[float]] = {"ours": [], "cachetools": []}
    ratios: dict[str, float] = {}
    for _ in range(ROUNDS):
        for name, make in (("ours", ResponseCache), ("cachetools", CachetoolsLRU)):
            seconds, ratios[name] = run(make(bound), keys, entries, trace)
            results[name].append(seconds)
    print(f"{len(keys)} keys, {REQUESTS} requests, bound {bound} bytes, {ROUNDS} rounds")
    for name, times in results.items():
        per = statistics.median(times) / REQUESTS * 1e6
        print(f"{name:>10}: {per:.2f} µs a request (median), hit ratio {ratios[name]:.3f}")


if __name__ == "__main__":
    sys.exit(main())

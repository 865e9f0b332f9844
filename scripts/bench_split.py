#!/usr/bin/env python
"""Sentence splitting speed on real news: pysbd's ``segment`` as shipped vs ``index.chunk.SentenceSplitter``
(a larger pattern cache for pysbd, and no per-sentence regex search after splitting).

Both run in this process on the same Wikinews articles (../shared/data/wikinews-en/), alternating,
and must give the same sentences. Prints the median ms per article of each and their ratio.

    .venv/bin/python scripts/bench_split.py --articles 300 --runs 5
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pysbd  # noqa: E402

from index import PROJECT_ROOT  # noqa: E402
from index import chunk  # noqa: E402
from index.formats import parse_record, read_records  # noqa: E402

WIKINEWS = PROJECT_ROOT.parent / "shared" / "data" / "wikinews-en" / "wikinews-en.jsonl"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    records = read_records(WIKINEWS, WIKINEWS.parent, 10**7)
    bodies = [parse_record(next(records)).body for _ in range(args.articles)]

    ours = chunk.SentenceSplitter()
    shipped = chunk.SentenceSplitter(cache_patterns=False)
    shipped._sentences = shipped._segmenter.segment  # what the splitter called before
    modules = [m for n, m in sys.modules.items() if n.startswith("pysbd") and hasattr(m, "re")]
    cache = modules[0].re  # the pattern cache ours installed

    def timed(fast: bool) -> tuple[float, list]:
        for m in modules:  # the cache is installed module-wide: swap it in and out around each run
            m.re = cache if fast else chunk.re
        splitter = ours if fast else shipped
        started = time.perf_counter()
        out = [splitter.spans(b) for b in bodies]
        return (time.perf_counter() - started) * 1000 / len(bodies), out

    times: dict[bool, list[float]] = {False: [], True: []}
    for _ in range(args.runs):
        for fast in (False, True):
            ms, spans = timed(fast)
            times[fast].append(ms)
            if fast:
                assert spans == reference, "the faster splitter changed the sentences"
            else:
                reference = spans
    base, fast = statistics.median(times[False]), statistics.median(times[True])
    print(f"{len(bodies)} Wikinews articles, {args.runs} alternating runs, pysbd {pysbd.__version__ if hasattr(pysbd, '__version__') else ''}")
    print(f"pysbd segment() as shipped: {base:.1f} ms/article (median)")
    print(f"index.chunk.SentenceSplitter: {fast:.1f} ms/article (median), {base / fast:.2f}x faster, same sentences")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python
"""Benchmark a full index build of the SQuAD dev paragraphs (2,067 articles).

Prints wall time, chunks and sentences per second and index size on disk; with --runs N,
the median over N full builds. The model load is timed separately (it happens once per
process in real use).
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from index.build import build_index  # noqa: E402
from index.embed import Embedder  # noqa: E402
from index.layout import live_version  # noqa: E402
from qa import squad  # noqa: E402
from qa.settings import Settings  # noqa: E402


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--paragraphs", type=int, help="only the first N paragraphs")
    args = parser.parse_args()
    paragraphs, _ = squad.load()
    paragraphs = paragraphs[: args.paragraphs] if args.paragraphs else paragraphs
    started = time.perf_counter()
    embedder = Embedder(Settings().model)
    print(f"model load: {time.perf_counter() - started:.1f} s")
    walls, report, size = [], None, 0
    with tempfile.TemporaryDirectory() as tmp:
        corpus = squad.write_corpus(paragraphs, Path(tmp) / "corpus").parent
        for run in range(args.runs):
            settings = Settings(corpus_dir=corpus, index_dir=Path(tmp) / f"index-{run}")
            t = time.perf_counter()
            report = build_index(settings, embedder=embedder, full=True, progress=False)
            walls.append(time.perf_counter() - t)
            size = folder_size(live_version(settings.index_dir))
            print(f"run {run + 1}: {walls[-1]:.1f} s")
    wall = statistics.median(walls)
    print(f"\n{report.articles} articles → {report.chunks} chunks, {report.sentences} sentence vectors")
    print(f"full build, median of {len(walls)} run(s): {wall:.1f} s wall")
    print(f"throughput: {report.chunks / wall:.1f} chunks/s ({(report.chunks + report.sentences) / wall:.1f} "
          f"embedded texts/s), {report.articles / wall:.1f} articles/s")
    print(f"index size on disk: {size / 2**20:.1f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())

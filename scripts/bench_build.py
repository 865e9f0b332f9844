#!/usr/bin/env python
"""Benchmark a full index build of the SQuAD dev paragraphs (2,067 articles).

Prints wall time, chunks and sentences per second and index size on disk; with --runs N,
the median over N full builds. The model load is timed separately (it happens once per
process in real use). With several --batch-sizes, each is measured in this same process
and compared with the first.
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from evaluation import squad  # noqa: E402
from index import build_index, live_version, make_encoder  # noqa: E402
from qa.settings import Settings  # noqa: E402


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--paragraphs", type=int, help="only the first N paragraphs")
    parser.add_argument("--batch-sizes", default=str(Settings().batch_size),
                        help="comma-separated encode batch sizes to compare, e.g. 64,8")
    args = parser.parse_args()
    paragraphs, _ = squad.load()
    paragraphs = paragraphs[: args.paragraphs] if args.paragraphs else paragraphs
    started = time.perf_counter()
    encoder = make_encoder(Settings())
    print(f"model load: {time.perf_counter() - started:.1f} s")
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        corpus = squad.write_corpus(paragraphs, Path(tmp) / "corpus").parent
        for batch_size in (int(b) for b in args.batch_sizes.split(",")):
            encoder.batch_size = batch_size
            walls = []
            for run in range(args.runs):
                settings = Settings(corpus_dir=corpus, index_dir=Path(tmp) / f"index-{batch_size}-{run}")
                t = time.perf_counter()
                report = build_index(settings, encoder=encoder, full=True, progress=False)
                walls.append(time.perf_counter() - t)
                size = folder_size(settings.index_dir / "versions" / live_version(settings.index_dir))
                print(f"batch size {batch_size}, run {run + 1}: {walls[-1]:.1f} s")
            results.append((batch_size, statistics.median(walls), report, size))
    for batch_size, wall, report, size in results:
        print(f"\nbatch size {batch_size}: {report.articles} articles → {report.chunks} chunks, "
              f"{report.sentences} sentence vectors")
        print(f"  full build, median of {args.runs} run(s): {wall:.1f} s wall"
              f" ({results[0][1] / wall:.2f}x the speed of batch size {results[0][0]})")
        print(f"  throughput: {report.chunks / wall:.1f} chunks/s ({(report.chunks + report.sentences) / wall:.1f} "
              f"embedded texts/s), {report.articles / wall:.1f} articles/s")
        print(f"  index size on disk: {size / 2**20:.1f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())

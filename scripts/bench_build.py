#!/usr/bin/env python
"""Benchmark a full index build of the SQuAD dev paragraphs (2,067 articles).

Prints wall time, chunks and sentences per second and index size on disk; with --runs N,
the median over N full builds. The model load is timed separately (it happens once per
process in real use). ``--vary NAME=V1,V2`` builds with each value of one setting in this
same process, alternating run by run, and compares each with the first:

    python scripts/bench_build.py --runs 3 --vary sentence_vectors=in_chunk,separate
    python scripts/bench_build.py --vary batch_size=8,64
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
    parser.add_argument("--vary", default=f"batch_size={Settings().batch_size}",
                        help="NAME=V1,V2,...: a setting to compare (default: the batch size alone)")
    parser.add_argument("--batch-sizes", help="shorthand for --vary batch_size=...")
    args = parser.parse_args()
    name, _, values = (f"batch_size={args.batch_sizes}" if args.batch_sizes else args.vary).partition("=")
    values = [v.strip() for v in values.split(",") if v.strip()]
    paragraphs, _ = squad.load()
    paragraphs = paragraphs[: args.paragraphs] if args.paragraphs else paragraphs
    encoders = {}  # one per backend, loaded before any timed build
    for value in values:
        backend = Settings(**{name: value}).encoder_backend
        if backend not in encoders:
            started = time.perf_counter()
            encoders[backend] = make_encoder(Settings(encoder_backend=backend))
            print(f"model load: {time.perf_counter() - started:.1f} s ({encoders[backend].identity})")
    walls: dict[str, list[float]] = {v: [] for v in values}
    reports, sizes = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        corpus = squad.write_corpus(paragraphs, Path(tmp) / "corpus").parent
        for run in range(args.runs):
            for value in values:  # alternating, so a change in machine load hits every value alike
                settings = Settings(corpus_dir=corpus, index_dir=Path(tmp) / f"index-{value}-{run}", **{name: value})
                encoder = encoders[settings.encoder_backend]
                encoder.batch_size = settings.batch_size
                t = time.perf_counter()
                reports[value] = build_index(settings, encoder=encoder, full=True, progress=False)
                walls[value].append(time.perf_counter() - t)
                sizes[value] = folder_size(settings.index_dir / "versions" / live_version(settings.index_dir))
                print(f"{name}={value}, run {run + 1}: {walls[value][-1]:.1f} s", flush=True)
    first = statistics.median(walls[values[0]])
    for value in values:
        wall, report = statistics.median(walls[value]), reports[value]
        print(f"\n{name}={value}: {report.articles} articles → {report.chunks} chunks, "
              f"{report.sentences} sentence vectors")
        print(f"  full build, median of {args.runs} run(s): {wall:.1f} s wall"
              f" ({first / wall:.2f}x the speed of {name}={values[0]})")
        print(f"  throughput: {report.articles / wall:.1f} articles/s, {report.chunks / wall:.1f} chunks/s")
        print(f"  index size on disk: {sizes[value] / 2**20:.1f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())

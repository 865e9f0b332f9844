#!/usr/bin/env python
"""The compact vector index against today's structures: resident memory, disk, latency and top-10
agreement with exact search, on real-model vectors, and projected to a million chunks with their sentences.

Takes an index built with the real model (e.g. what ``bench_scale.py --encoder real --workdir W`` left in W),
reads its chunk and sentence vectors back exactly, and for each set — and for the sentence vectors tiled to
larger sizes with small noise (``--tile``; as ``bench_ann.py`` does) — builds the ``compact`` kind and the
structure ``auto`` used before it (flat up to 20,000 vectors, HNSW beyond, 8-bit HNSW past 500,000; up to
``--baseline-max``, as HNSW builds take minutes). Each index is saved, then opened in a fresh process that
reports its resident memory (RSS after opening minus before, anonymous and file-backed apart), answers the
questions one at a time (the indexes search on one thread), and reports RSS again (the float16 pages the
re-scoring touched count as file-backed). Latency is timed apart: the structures of one set are loaded in one
process and searched in turn, run after run (p50 of per-query medians over ``--runs``), so the shared machine's
load falls on each alike. Agreement is the share of exact search's
top 10 found. At the archive's own size it also compares what a user sees: the hybrid retriever's top 10
passages with both compact indexes against exact vectors (as ``bench_codecs.py``).

    .venv/bin/python scripts/bench_compact.py --index W/index-3000-real --tile 300000,1500000
"""

from __future__ import annotations

import argparse
import datetime
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from evaluation import squad  # noqa: E402
from evaluation.wikinews_questions import load_questions  # noqa: E402
from index import PROJECT_ROOT, Filters, make_encoder, open_index  # noqa: E402
from index.ann import load_vector_index, new_vector_index  # noqa: E402
from index.ann.auto import AutoIndex  # noqa: E402
from index.ann.hnsw import HNSWIndex  # noqa: E402
from qa.pipeline import Plan, Request, State  # noqa: E402
from qa.settings import Settings  # noqa: E402
from qa.stages.retrieve import RetrieveStage  # noqa: E402

MIB, GIB, MILLION = 1 << 20, 1 << 30, 1_000_000

CHILD = r"""
import json, statistics, sys, time
sys.path.insert(0, sys.argv[1])
from pathlib import Path
import numpy as np
from index.ann import load_vector_index
def status():
    fields = dict(line.split(":", 1) for line in open("/proc/self/status"))
    return {k: int(fields[k].split()[0]) * 1024 for k in ("VmRSS", "RssAnon", "RssFile")}
kind, path, dimension, queries, runs = sys.argv[2], Path(sys.argv[3]), int(sys.argv[4]), np.load(sys.argv[5]), int(sys.argv[6])
before = status()
started = time.perf_counter()
index = load_vector_index(kind, path, dimension)
open_s = time.perf_counter() - started
opened = status()
times, found = [[] for _ in queries], []
for run in range(runs):
    for i, q in enumerate(queries):
        t = time.perf_counter()
        hits = index.search(q, 10)
        times[i].append(time.perf_counter() - t)
        if run == 0:
            found.append([h for h, _ in hits])
after = status()
p50 = statistics.median(statistics.median(t) for t in times) * 1000
print(json.dumps({"open_s": open_s, "p50_ms": p50, "found": found,
                  "opened": {k: opened[k] - before[k] for k in before},
                  "queried": {k: after[k] - before[k] for k in before}}))
"""


INTERLEAVED = r"""
import json, statistics, sys, time
sys.path.insert(0, sys.argv[1])
from pathlib import Path
import numpy as np
from index.ann import load_vector_index
dimension, queries, runs = int(sys.argv[2]), np.load(sys.argv[3]), int(sys.argv[4])
indexes = [load_vector_index(kind, Path(path), dimension) for kind, path in zip(sys.argv[5::2], sys.argv[6::2])]
for index in indexes:  # one warm-up pass each
    for q in queries:
        index.search(q, 10)
times = [[[] for _ in queries] for _ in indexes]
for run in range(runs):
    for index, spent in zip(indexes, times):
        for i, q in enumerate(queries):
            t = time.perf_counter()
            index.search(q, 10)
            spent[i].append(time.perf_counter() - t)
print(json.dumps([statistics.median(statistics.median(t) for t in spent) * 1000 for spent in times]))
"""


def interleaved_p50(files: list[tuple[str, Path]], dimension: int, queries_file: Path, runs: int) -> list[float]:
    """p50 ms of each saved index, all loaded in one process and timed in turn, run after run, so load on
    the shared machine falls on each alike (separate processes minutes apart saw different loads)."""
    out = subprocess.run([sys.executable, "-c", INTERLEAVED, str(PROJECT_ROOT), str(dimension), str(queries_file),
                          str(runs), *[str(x) for pair in files for x in pair]], capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(out.stderr[-2000:])
    return json.loads(out.stdout.splitlines()[-1])


def exported(segmented) -> tuple[np.ndarray, np.ndarray]:
    parts = [part.export() for part in segmented.parts]
    return np.concatenate([i for i, _ in parts]), np.concatenate([v for _, v in parts]).astype(np.float32)


def tiled(real: np.ndarray, size: int, noise: float = 0.03) -> np.ndarray:
    """``size`` unit vectors: the real ones, then noisy copies (per-component sd ``noise``), renormalised."""
    if size <= len(real):
        return real[:size]
    rng = np.random.default_rng(1)
    out = np.empty((size, real.shape[1]), np.float32)
    out[:len(real)] = real
    for at in range(len(real), size, len(real)):
        n = min(len(real), size - at)
        block = real[:n] + rng.normal(scale=noise, size=(n, real.shape[1])).astype(np.float32)
        out[at:at + n] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out


def exact_top10(vectors: np.ndarray, ids: np.ndarray, queries: np.ndarray) -> list[set[int]]:
    out = []
    for q in queries:
        scores = vectors @ q
        out.append(set(ids[np.argpartition(-scores, 10)[:10]].tolist()))
    return out


def before_structure(dimension: int, n: int):
    """What ``auto`` built for n vectors before the compact index (AutoIndex holding flat or HNSW)."""
    if n <= 20_000:
        return new_vector_index("auto", dimension), "flat (auto before)"
    storage = "sq8" if n > 500_000 else "flat"
    return AutoIndex(dimension, HNSWIndex(dimension, storage)), f"hnsw-{storage} (auto before)"


def measure(kind_label: str, index, kind: str, ids, vectors, queries_file: Path, truth, folder: Path,
            runs: int) -> dict:
    started = time.perf_counter()
    for at in range(0, len(ids), 100_000):
        index.add(ids[at:at + 100_000], vectors[at:at + 100_000])
    path = folder / f"{kind_label.split()[0]}-{len(ids)}.index"
    index.save(path)
    build_s = time.perf_counter() - started
    del index
    out = subprocess.run([sys.executable, "-c", CHILD, str(PROJECT_ROOT), kind, str(path), str(vectors.shape[1]),
                          str(queries_file), str(runs)], capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(out.stderr[-2000:])
    child = json.loads(out.stdout.splitlines()[-1])
    agree = statistics.fmean(len(set(f) & t) / 10 for f, t in zip(child["found"], truth))
    own = load_vector_index(kind, path, vectors.shape[1]).resident_bytes() / len(ids) if kind == "compact" else None
    row = {"structure": kind_label, "vectors": len(ids), "build_s": build_s, "disk": path.stat().st_size,
           "agreement": agree, "own": own, "path": path,
           **{k: child[k] for k in ("open_s", "p50_ms", "opened", "queried")}}
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", required=True, help="an index folder built with the real model")
    parser.add_argument("--tile", default="", help="comma-separated sizes to tile the sentence vectors to")
    parser.add_argument("--baseline-max", type=int, default=300_000, help="largest size to build HNSW at")
    parser.add_argument("--squad-questions", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--scratch", type=Path, help="where to write the indexes measured (default: beside --index, "
                                                     "which may be read-only)")
    args = parser.parse_args()

    reader = open_index(args.index)
    settings = Settings()
    encoder = make_encoder(settings)
    if reader.manifest.encoder != encoder.identity:
        raise SystemExit(f"{args.index} was built with {reader.manifest.encoder}; this encoder is {encoder.identity}")
    chunk_ids, chunk_vectors = exported(reader.vectors)
    sentence_ids, sentence_vectors = exported(reader.sentence_vector_index)
    per_chunk = len(sentence_ids) / len(chunk_ids)
    _, squad_questions = squad.load()
    questions = [q.question for q in load_questions()]
    questions += [q.question for q in random.Random(0).sample(squad_questions, args.squad_questions)]
    queries = encoder.encode(questions).astype(np.float32)
    dimension = queries.shape[1]
    print(f"{args.index}: {len(chunk_ids):,} chunk and {len(sentence_ids):,} sentence vectors ({per_chunk:.2f} a "
          f"chunk); {len(questions)} questions, {args.runs} runs\n", flush=True)

    sets = [("chunks", chunk_ids, chunk_vectors), ("sentences", sentence_ids, sentence_vectors)]
    for size in (int(s) for s in args.tile.split(",") if s):
        sets.append(("sentences tiled", np.arange(size, dtype=np.int64), tiled(sentence_vectors, size)))
    rows = []
    print("| vectors | n | structure | build s | disk bytes/vector | resident bytes/vector after open (anon / file) "
          "| after queries (anon / file) | compact's own count | open s | p50 ms | top-10 agreement with exact |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    if args.scratch:
        Path(args.scratch).mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=args.scratch or Path(args.index).parent) as tmp:
        folder = Path(tmp)
        np.save(folder / "queries.npy", queries)
        for name, ids, vectors in sets:
            truth = exact_top10(vectors, ids, queries)
            candidates = [("compact", new_vector_index("compact", dimension), "compact")]
            if len(ids) <= args.baseline_max:
                index, label = before_structure(dimension, len(ids))
                candidates.insert(0, (label, index, "auto"))
            measured = [measure(label, index, kind, ids, vectors, folder / "queries.npy", truth, folder, args.runs)
                        for label, index, kind in candidates]
            p50s = interleaved_p50([(kind, row["path"]) for (_, _, kind), row in zip(candidates, measured)],
                                   dimension, folder / "queries.npy", args.runs)
            for row, p50 in zip(measured, p50s):
                row["path"].unlink()
                row["name"], own, row["p50_ms"] = name, row["own"], p50
                rows.append(row)
                n = row["vectors"]
                print(f"| {name} | {n:,} | {row['structure']} | {row['build_s']:.1f} | {row['disk'] / n:,.0f} "
                      f"| {row['opened']['RssAnon'] / n:,.0f} / {row['opened']['RssFile'] / n:,.0f} "
                      f"| {row['queried']['RssAnon'] / n:,.0f} / {row['queried']['RssFile'] / n:,.0f} "
                      f"| {'' if own is None else f'{own:,.0f}'} | {row['open_s']:.2f} | {row['p50_ms']:.2f} "
                      f"| {row['agreement']:.3f} |", flush=True)

    compact = [r for r in rows if r["structure"] == "compact"]
    largest = max(compact, key=lambda r: r["vectors"])
    vectors_1m = MILLION * (1 + per_chunk)
    resident = largest["queried"]["RssAnon"] / largest["vectors"]
    print(f"\nProjected to 1,000,000 chunks with {per_chunk:.2f} sentences each ({vectors_1m:,.0f} vectors), at the "
          f"largest compact index's per-vector figures ({largest['vectors']:,} vectors): resident (anonymous RSS "
          f"after queries) {resident * vectors_1m / GIB:.2f} GiB, by its own count "
          f"{largest['own'] * vectors_1m / GIB:.2f} GiB; disk {largest['disk'] / largest['vectors'] * vectors_1m / GIB:.2f}"
          f" GiB. File-backed pages (the float16 rows re-scored) are the page cache's to evict; after "
          f"{len(questions) * args.runs} queries they were {largest['queried']['RssFile'] / MIB:.0f} MiB.")

    # What a user sees: the hybrid retriever's top 10 passages, with both compact indexes against exact vectors.
    retrieve = RetrieveStage(settings.retrieval, encoder)

    def passages(question: str) -> list:
        """The service's retrieval with no filter and no rescoring (as bench_codecs.py measures it)."""
        state = State(Request(question, 10), plan=Plan(as_of=datetime.date.today(), filters=Filters()))
        retrieve.run(state, SimpleNamespace(index=reader))
        return state.passages
    dense, sentences = reader.vectors, reader.sentence_vector_index
    if args.scratch:
        Path(args.scratch).mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=args.scratch or Path(args.index).parent) as tmp:
        swapped = []
        for ids, vectors, name in ((chunk_ids, chunk_vectors, "c"), (sentence_ids, sentence_vectors, "s")):
            index = new_vector_index("compact", dimension)
            index.add(ids, vectors)
            index.save(Path(tmp) / name)
            swapped.append(load_vector_index("compact", Path(tmp) / name, dimension))
        exact = [new_vector_index("flat", dimension) for _ in range(2)]
        exact[0].add(chunk_ids, chunk_vectors)
        exact[1].add(sentence_ids, sentence_vectors)

        def top10(pair) -> list[list[int]]:
            reader.vectors, reader.sentence_vector_index = pair
            try:
                return [[p.chunk.id for p in passages(q)] for q in questions]
            finally:
                reader.vectors, reader.sentence_vector_index = dense, sentences

        truth, got = top10(exact), top10(swapped)
    same = statistics.fmean(len(set(a) & set(b)) / max(1, len(b)) for a, b in zip(got, truth))
    print(f"\nHybrid retriever (dense + sentence + keyword, fused): top-10 passages with compact chunk and sentence "
          f"indexes as with exact vectors: {same:.3f} over {len(questions)} questions")
    reader.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

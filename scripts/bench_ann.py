#!/usr/bin/env python
"""Benchmark the vector index types (index.ann.VECTOR_INDEXES) on real sentence vectors.

Corpus vectors: the sentences of the SQuAD dev paragraphs and of Wikinews articles
(../shared/data/), encoded once with the project's encoder and cached under var/cache/ann-bench/.
Queries: SQuAD dev questions, encoded the same way (real questions against real sentences).
Sizes beyond the real vectors are made by tiling them with small random perturbations
(Gaussian noise, then re-normalised); those rows are labelled "tiled".

For each size and kind it prints: build time, bytes per vector on disk and in memory (RSS growth
while building), single-query search p50/p95 (k=10), filtered search p50 with a 10% and a 1% allowed
set, and recall@10 against exact search (numpy), unfiltered and filtered. Timings are medians over
--runs repetitions of the query set.

    .venv/bin/python scripts/bench_ann.py                       # 10k, 50k (real); 200k, 1M (tiled)
    .venv/bin/python scripts/bench_ann.py --sizes 10000,50000 --kinds flat,hnsw
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from index import PROJECT_ROOT, make_encoder  # noqa: E402
from index.ann import VECTOR_INDEXES, load_vector_index, new_vector_index  # noqa: E402
from index.ann.hnsw import HNSWIndex  # noqa: E402
from qa.settings import Settings  # noqa: E402

DATA = PROJECT_ROOT.parent / "shared" / "data"
CACHE = PROJECT_ROOT / "var" / "cache" / "ann-bench"
BLOCK = 2000
SENTENCE = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])")  # cheap splitter: vectors only need to be realistic


def sentences_of(text: str) -> list[str]:
    out = []
    for para in text.split("\n"):
        out += [s.strip() for s in SENTENCE.split(para) if len(s.strip()) >= 20]
    return out


def corpus_texts(wikinews_limit: int) -> tuple[list[str], list[str]]:
    """(sentences, questions): SQuAD dev sentences, then Wikinews sentences up to the limit; SQuAD questions."""
    squad = json.loads((DATA / "squad-v1.1-dev.json").read_text(encoding="utf-8"))["data"]
    sentences, questions, seen = [], [], set()
    for article in squad:
        for para in article["paragraphs"]:
            for s in sentences_of(para["context"]):
                if s not in seen:
                    seen.add(s)
                    sentences.append(s)
            questions += [qa["question"] for qa in para["qas"]]
    wikinews = []
    with open(DATA / "wikinews-en" / "wikinews-en.jsonl", encoding="utf-8") as lines:
        for line in lines:
            for s in sentences_of(json.loads(line).get("text") or ""):
                if s not in seen and len(wikinews) < wikinews_limit:
                    seen.add(s)
                    wikinews.append(s)
            if len(wikinews) >= wikinews_limit:
                break
    rng = np.random.default_rng(0)
    questions = [questions[i] for i in rng.permutation(len(questions))]
    return sentences + wikinews, questions


def real_vectors(wikinews_limit: int, queries: int, encode: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Cached vectors of the corpus sentences (encoded in blocks, so an interrupted run resumes) and queries.

    With ``encode=False`` only the blocks already cached are used."""
    folder = CACHE / f"sentences-squad-wikinews{wikinews_limit}"
    folder.mkdir(parents=True, exist_ok=True)
    qpath = CACHE / "questions-300.npy"
    texts, questions = corpus_texts(wikinews_limit)
    blocks = range(0, len(texts), BLOCK)
    missing = [at for at in blocks if not (folder / f"{at:07d}.npy").exists()]
    if encode and (missing or not qpath.exists()):
        encoder = make_encoder(Settings())
        if not qpath.exists():
            np.save(qpath, encoder.encode(questions[:300]).astype(np.float32))
        print(f"encoding {len(missing) * BLOCK:,} of {len(texts):,} sentences (cached in {folder}) ...", flush=True)
        started = time.perf_counter()
        for n, at in enumerate(missing, 1):
            vectors = encoder.encode(texts[at:at + BLOCK]).astype(np.float32)
            np.save(folder / f"{at:07d}.tmp.npy", vectors)
            os.replace(folder / f"{at:07d}.tmp.npy", folder / f"{at:07d}.npy")
            print(f"  block {n}/{len(missing)}: {n * BLOCK / (time.perf_counter() - started):.0f} sentences/s",
                  flush=True)
    parts = []
    for at in blocks:  # the cached prefix
        if not (folder / f"{at:07d}.npy").exists():
            break
        parts.append(np.load(folder / f"{at:07d}.npy"))
    if not parts or not qpath.exists():
        raise SystemExit(f"no cached vectors in {folder}; run with --prepare first")
    return np.concatenate(parts), np.load(qpath)[:queries]


def tiled(real: np.ndarray, size: int, noise: float) -> np.ndarray:
    """``size`` unit vectors: the real ones, then copies with Gaussian noise (per-component sd ``noise``)."""
    if size <= len(real):
        return real[:size]
    rng = np.random.default_rng(1)
    out = np.empty((size, real.shape[1]), dtype=np.float32)
    out[:len(real)] = real
    for at in range(len(real), size, len(real)):
        n = min(len(real), size - at)
        block = real[:n] + rng.normal(scale=noise, size=(n, real.shape[1])).astype(np.float32)
        out[at:at + n] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out


def rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def loaded_rss(kind: str, path: Path, dimension: int) -> int:
    """Resident memory an index takes once loaded, measured in a fresh process (no reused heap)."""
    code = ("import os, sys; sys.path.insert(0, sys.argv[4]); from pathlib import Path; "
            "from index.ann import load_vector_index\n"
            "def rss(): return int(open('/proc/self/statm').read().split()[1]) * os.sysconf('SC_PAGE_SIZE')\n"
            "before = rss(); index = load_vector_index(sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])); "
            "print(rss() - before)")
    out = subprocess.run([sys.executable, "-c", code, kind, str(path), str(dimension), str(PROJECT_ROOT)],
                         capture_output=True, text=True, check=True)
    return int(out.stdout.split()[-1])


def exact_top(vectors: np.ndarray, queries: np.ndarray, k: int, rows: np.ndarray | None = None) -> list[set[int]]:
    """Exact top-k ids (row numbers) by brute force in numpy, optionally among ``rows`` only."""
    out = []
    for at in range(0, len(queries), 64):
        q = queries[at:at + 64]
        if rows is None:
            scores = q @ vectors.T
            top = np.argpartition(-scores, k, axis=1)[:, :k]
            out += [set(t.tolist()) for t in top]
        else:
            scores = q @ vectors[rows].T
            kk = min(k, len(rows))
            top = np.argpartition(-scores, kk - 1, axis=1)[:, :kk]
            out += [set(rows[t].tolist()) for t in top]
    return out


def timed_searches(index, queries: np.ndarray, k: int, allowed: np.ndarray | None, runs: int):
    """Per-query latencies (median over runs, per query) and the results of the last run."""
    per_query = np.zeros((runs, len(queries)))
    results = []
    for r in range(runs):
        results = []
        for i, q in enumerate(queries):
            t = time.perf_counter()
            hits = index.search(q, k, allowed)
            per_query[r, i] = time.perf_counter() - t
            results.append({h for h, _ in hits})
    lat = np.median(per_query, axis=0) * 1000
    return float(np.percentile(lat, 50)), float(np.percentile(lat, 95)), results


def recall(found: list[set[int]], truth: list[set[int]], k: int) -> float:
    return float(np.mean([len(f & t) / min(k, len(t)) if t else 1.0 for f, t in zip(found, truth)]))


def make(kind: str, dimension: int):
    """A registered kind, or ``hnsw-sq8``: the hnsw kind with 8-bit scalar-quantised storage."""
    if kind == "hnsw-sq8":
        return HNSWIndex(dimension, storage="sq8")
    return new_vector_index(kind, dimension)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,50000,200000,1000000")
    parser.add_argument("--kinds", default="flat,hnsw,hnsw-sq8,auto",
                        help=f"comma-separated: {', '.join(VECTOR_INDEXES.names())} or hnsw-sq8")
    parser.add_argument("--queries", type=int, default=200, help="SQuAD questions used as queries (at most 300)")
    parser.add_argument("--runs", type=int, default=3, help="repetitions of the query set (medians)")
    parser.add_argument("--wikinews", type=int, default=40000, help="Wikinews sentences to encode (cached)")
    parser.add_argument("--noise", type=float, default=0.03, help="per-component sd of the tiling perturbation")
    parser.add_argument("--prepare", action="store_true",
                        help="encode and cache the vectors (resumable), then stop; a run uses the cached prefix")
    parser.add_argument("--k", type=int, default=10)
    args = parser.parse_args()

    real, queries = real_vectors(args.wikinews, args.queries, encode=args.prepare)
    print(f"real vectors: {len(real):,} sentences (SQuAD dev + Wikinews), {len(queries)} SQuAD questions as queries")
    if args.prepare:
        return 0
    k = args.k
    print(f"single-query search, k={k}; latency in ms: per query the median of {args.runs} runs, then p50/p95 "
          f"over queries; f10%/f1%: an allowed set of 10%/1% of the ids; recall@{k} against exact (numpy); "
          f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}, load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; 'tiled' = real vectors repeated with noise "
          f"sd {args.noise} per component, re-normalised\n")
    print(f"{'size':>9} {'data':>5} {'kind':>8} {'holds':>9} {'build s':>8} {'disk B/v':>8} {'RAM B/v':>8} "
          f"{'p50':>6} {'p95':>6} {'f10% p50':>8} {'f1% p50':>8} {'R@10':>6} {'R f10%':>6} {'R f1%':>6}", flush=True)
    for size in [int(s) for s in args.sizes.split(",")]:
        vectors = tiled(real, size, args.noise)
        data = "real" if size <= len(real) else "tiled"
        ids = np.arange(size, dtype=np.int64) * 3 + 7  # store-like ids that are not row numbers
        rng = np.random.default_rng(2)
        allowed_rows = {pct: np.sort(rng.choice(size, size * pct // 100, replace=False)) for pct in (10, 1)}
        truth = exact_top(vectors, queries, k)
        truth_f = {pct: exact_top(vectors, queries, k, rows) for pct, rows in allowed_rows.items()}
        for kind in args.kinds.split(","):
            gc.collect()
            started = time.perf_counter()
            index = make(kind, vectors.shape[1])
            for at in range(0, size, 1000):  # a build adds a few articles at a time
                index.add(ids[at:at + 1000], vectors[at:at + 1000])
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "v.index"
                index.save(path)  # the store saves, then the service loads
                build = time.perf_counter() - started
                disk = path.stat().st_size
                del index
                gc.collect()
                loaded_kind = "hnsw" if kind == "hnsw-sq8" else kind
                mem = loaded_rss(loaded_kind, path, vectors.shape[1])
                index = load_vector_index(loaded_kind, path, vectors.shape[1])
            holds = getattr(index, "structure", kind)
            p50, p95, found = timed_searches(index, queries, k, None, args.runs)
            rec = [recall(to_rows(found), truth, k)]
            fp50 = []
            for pct, rows in allowed_rows.items():
                f50, _, ffound = timed_searches(index, queries, k, ids[rows], args.runs)
                fp50.append(f50)
                rec.append(recall(to_rows(ffound), truth_f[pct], k))
            print(f"{size:>9,} {data:>5} {kind:>8} {holds:>9} {build:>8.1f} {disk / size:>8.0f} {mem / size:>8.0f} "
                  f"{p50:>6.2f} {p95:>6.2f} {fp50[0]:>8.2f} {fp50[1]:>8.2f} {rec[0]:>6.3f} {rec[1]:>6.3f} "
                  f"{rec[2]:>6.3f}", flush=True)
            del index
    return 0


def to_rows(found: list[set[int]]) -> list[set[int]]:
    return [{(i - 7) // 3 for i in f} for f in found]


if __name__ == "__main__":
    sys.exit(main())

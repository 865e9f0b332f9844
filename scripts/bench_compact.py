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
load falls on each alike. Each set is searched at every ``--k`` (10 always; ``service``: the k the service asks
for, 100 of the chunk index and 100·SENTENCE_DEPTH of a sentence index): agreement@k is the share of exact search's top k among
the k found, top-10 agreement the share of exact search's top 10 among the first 10 found. ``--compact-variants``
times the same compact file again with other probe and shortlist settings. At the archive's own size it also compares what a user sees: the hybrid retriever's top 10
passages with both compact indexes against exact vectors (as ``bench_codecs.py``).

    .venv/bin/python scripts/bench_compact.py --index W/index-3000-real --tile 300000,1500000
    .venv/bin/python scripts/bench_compact.py --index W/index --tile 300000,1200000 --baseline-max 1200000 \
        --k 10,service --compact-variants 6:100,4:200 --no-hybrid
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
from index.stores.base import SENTENCE_DEPTH  # noqa: E402
from qa.pipeline import Plan, Request, State  # noqa: E402
from qa.settings import Settings  # noqa: E402
from qa.stages.retrieve import RetrieveStage  # noqa: E402

MIB, GIB, MILLION = 1 << 20, 1 << 30, 1_000_000
CANDIDATES = Settings().retrieval.candidates  # what retrieval asks each retriever for

CHILD = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
from pathlib import Path
import numpy as np
from index.ann import load_vector_index
def status():
    fields = dict(line.split(":", 1) for line in open("/proc/self/status"))
    return {k: int(fields[k].split()[0]) * 1024 for k in ("VmRSS", "RssAnon", "RssFile")}
kind, path, dimension, queries = sys.argv[2], Path(sys.argv[3]), int(sys.argv[4]), np.load(sys.argv[5])
before = status()
started = time.perf_counter()
index = load_vector_index(kind, path, dimension)
open_s = time.perf_counter() - started
opened = status()
ks = json.loads(sys.argv[6])
for k in ks:  # once each: the float16 pages re-scoring touches count as file-backed
    for q in queries:
        index.search(q, k)
after = status()
print(json.dumps({"open_s": open_s,
                  "opened": {k: opened[k] - before[k] for k in before},
                  "queried": {k: after[k] - before[k] for k in before}}))
"""


INTERLEAVED = r"""
import json, statistics, sys, time
sys.path.insert(0, sys.argv[1])
from pathlib import Path
import numpy as np
from index.ann import load_vector_index
dimension, queries, runs, ks, specs = (int(sys.argv[2]), np.load(sys.argv[3]), int(sys.argv[4]), json.loads(sys.argv[5]),
                                       json.loads(sys.argv[6]))
indexes = []
for spec in specs:  # a spec's attributes (e.g. a compact index's probe_per_sqrt, shortlist) are set after loading
    index = load_vector_index(spec["kind"], Path(spec["path"]), dimension)
    target = getattr(index, "_inner", index)
    for name, value in spec.get("set", {}).items():
        setattr(target, name, value)
    indexes.append(index)
found = [{k: [[h for h, _ in index.search(q, k)] for q in queries] for k in ks} for index in indexes]  # and warm-up
times = [{k: [[] for _ in queries] for k in ks} for _ in indexes]
for run in range(runs):
    for k in ks:
        for index, spent in zip(indexes, times):
            for i, q in enumerate(queries):
                t = time.perf_counter()
                index.search(q, k)
                spent[k][i].append(time.perf_counter() - t)
print(json.dumps([{"found": {str(k): f[k] for k in ks},
                   "p50_ms": {str(k): statistics.median(statistics.median(t) for t in spent[k]) * 1000 for k in ks}}
                  for f, spent in zip(found, times)]))
"""


def interleaved(specs: list[dict], ks: list[int], dimension: int, queries_file: Path, runs: int) -> list[dict]:
    """Per spec (``kind``, saved ``path``, attributes to ``set``): p50 ms and the ids found at each k. All are
    loaded in one process and timed in turn, run after run and k after k, so load on the shared machine falls
    on each alike (separate processes minutes apart saw different loads)."""
    out = subprocess.run([sys.executable, "-c", INTERLEAVED, str(PROJECT_ROOT), str(dimension), str(queries_file),
                          str(runs), json.dumps(ks), json.dumps([{**s, "path": str(s["path"])} for s in specs])],
                         capture_output=True, text=True)
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


def exact_ranked(vectors: np.ndarray, ids: np.ndarray, queries: np.ndarray, k: int) -> list[list[int]]:
    """Each query's exact top-k ids, best first (scored in blocks of rows, all queries at once)."""
    k = min(k, len(ids))
    best_s = np.full((len(queries), 0), -np.inf, np.float32)
    best_i = np.empty((len(queries), 0), np.int64)
    for at in range(0, len(ids), 100_000):
        scores = queries @ vectors[at:at + 100_000].T
        s = np.concatenate([best_s, scores], axis=1)
        i = np.concatenate([best_i, np.broadcast_to(ids[at:at + 100_000], scores.shape)], axis=1)
        top = np.argpartition(-s, k - 1, axis=1)[:, :k] if s.shape[1] > k else np.argsort(-s, axis=1)
        best_s, best_i = np.take_along_axis(s, top, 1), np.take_along_axis(i, top, 1)
    order = np.argsort(-best_s, axis=1, kind="stable")
    return np.take_along_axis(best_i, order, 1).tolist()


def agreement(found: list[list[int]], truth: list[list[int]], k: int) -> float:
    """Share of exact search's top k among the first k found."""
    return statistics.fmean(len(set(f[:k]) & set(t[:k])) / min(k, len(t)) for f, t in zip(found, truth))


def ks_for(name: str, spec: str) -> list[int]:
    """The k's a set is searched at: ``service`` is what the service asks of it (100 of the chunk index, 200 of
    the sentence index: retrieval's candidates, and sentence_search's k·SENTENCE_DEPTH)."""
    out = []
    for part in spec.split(","):
        part = part.strip()
        if part == "service":
            out.append(CANDIDATES if name == "chunks" else CANDIDATES * SENTENCE_DEPTH)
        elif part:
            out.append(int(part))
    return sorted(set(out) | {10})


def before_structure(dimension: int, n: int):
    """What ``auto`` built for n vectors before the compact index (AutoIndex holding flat or HNSW)."""
    if n <= 20_000:
        return new_vector_index("auto", dimension), "flat (auto before)"
    storage = "sq8" if n > 500_000 else "flat"
    return AutoIndex(dimension, HNSWIndex(dimension, storage)), f"hnsw-{storage} (auto before)"


def measure(kind_label: str, index, kind: str, ids, vectors, queries_file: Path, ks: list[int], folder: Path) -> dict:
    started = time.perf_counter()
    for at in range(0, len(ids), 100_000):
        index.add(ids[at:at + 100_000], vectors[at:at + 100_000])
    path = folder / f"{kind_label.split()[0]}-{len(ids)}.index"
    index.save(path)
    build_s = time.perf_counter() - started
    del index
    out = subprocess.run([sys.executable, "-c", CHILD, str(PROJECT_ROOT), kind, str(path), str(vectors.shape[1]),
                          str(queries_file), json.dumps(ks)], capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(out.stderr[-2000:])
    child = json.loads(out.stdout.splitlines()[-1])
    own = load_vector_index(kind, path, vectors.shape[1]).resident_bytes() / len(ids) if kind == "compact" else None
    return {"structure": kind_label, "vectors": len(ids), "build_s": build_s, "disk": path.stat().st_size,
            "own": own, "path": path, "kind": kind, **{k: child[k] for k in ("open_s", "opened", "queried")}}


def variants(spec: str) -> list[dict]:
    """``--compact-variants``: ``probe:shortlist`` pairs, comma-separated (e.g. ``6:200,9:100``)."""
    out = []
    for part in (p.strip() for p in spec.split(",") if p.strip()):
        probe, shortlist = part.split(":")
        out.append({"probe_per_sqrt": float(probe), "shortlist": int(shortlist)})
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", required=True, help="an index folder built with the real model")
    parser.add_argument("--tile", default="", help="comma-separated sizes to tile the sentence vectors to")
    parser.add_argument("--baseline-max", type=int, default=300_000, help="largest size to build HNSW at")
    parser.add_argument("--squad-questions", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--k", default="10", help="comma-separated k's each set is searched at (10 always); "
                        "'service' is the k the service asks for: 100 of chunks, 200 of sentence sets")
    parser.add_argument("--compact-variants", default="", help="also time the compact index with these "
                        "probe_per_sqrt:shortlist settings (comma-separated, e.g. 6:200,9:100)")
    parser.add_argument("--sets", default="", help="only these sets (comma-separated: chunks, sentences, "
                        "or tiled sizes), e.g. 300000,1200000")
    parser.add_argument("--no-hybrid", action="store_true", help="skip the hybrid retriever comparison")
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
        if not args.sets or str(size) in args.sets.split(","):
            sets.append(("sentences tiled", np.arange(size, dtype=np.int64), tiled(sentence_vectors, size)))
    if args.sets:
        sets = [s for s in sets if s[0] == "sentences tiled" or s[0] in args.sets.split(",")]
    rows = []
    print("| vectors | n | structure | k | build s | disk bytes/vector | resident bytes/vector after open (anon / file) "
          "| after queries (anon / file) | compact's own count | open s | p50 ms | agreement@k with exact "
          "| top-10 agreement |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    if args.scratch:
        Path(args.scratch).mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=args.scratch or Path(args.index).parent) as tmp:
        folder = Path(tmp)
        np.save(folder / "queries.npy", queries)
        for name, ids, vectors in sets:
            ks = ks_for(name, args.k)
            truth = exact_ranked(vectors, ids, queries, max(ks))
            candidates = [("compact", new_vector_index("compact", dimension), "compact")]
            if len(ids) <= args.baseline_max:
                index, label = before_structure(dimension, len(ids))
                candidates.insert(0, (label, index, "auto"))
            measured = [measure(label, index, kind, ids, vectors, folder / "queries.npy", ks, folder)
                        for label, index, kind in candidates]
            specs = [{"kind": row["kind"], "path": row["path"]} for row in measured]
            extra = variants(args.compact_variants)
            for variant in extra:
                specs.append({"kind": "compact", "path": measured[-1]["path"], "set": variant})
                measured.append({**measured[-1], "structure": f"compact probe {variant['probe_per_sqrt']:g}·√lists, "
                                                              f"shortlist k+{variant['shortlist']}"})
            timed = interleaved(specs, ks, dimension, folder / "queries.npy", args.runs)
            for row, result in zip(measured, timed):
                own, n = row["own"], row["vectors"]
                for k in ks:
                    found = result["found"][str(k)]
                    line = {**row, "name": name, "k": k, "p50_ms": result["p50_ms"][str(k)],
                            "agreement": agreement(found, truth, k), "top10": agreement(found, truth, 10)}
                    rows.append(line)
                    print(f"| {name} | {n:,} | {row['structure']} | {k} | {row['build_s']:.1f} | {row['disk'] / n:,.0f} "
                          f"| {row['opened']['RssAnon'] / n:,.0f} / {row['opened']['RssFile'] / n:,.0f} "
                          f"| {row['queried']['RssAnon'] / n:,.0f} / {row['queried']['RssFile'] / n:,.0f} "
                          f"| {'' if own is None else f'{own:,.0f}'} | {row['open_s']:.2f} | {line['p50_ms']:.2f} "
                          f"| {line['agreement']:.3f} | {line['top10']:.3f} |", flush=True)
            for row in measured[:len(candidates)]:
                row["path"].unlink()

    compact = [r for r in rows if r["structure"] == "compact"]
    largest = max(compact, key=lambda r: r["vectors"])
    vectors_1m = MILLION * (1 + per_chunk)
    resident = largest["queried"]["RssAnon"] / largest["vectors"]
    print(f"\nProjected to 1,000,000 chunks with {per_chunk:.2f} sentences each ({vectors_1m:,.0f} vectors), at the "
          f"largest compact index's per-vector figures ({largest['vectors']:,} vectors): resident (anonymous RSS "
          f"after queries) {resident * vectors_1m / GIB:.2f} GiB, by its own count "
          f"{largest['own'] * vectors_1m / GIB:.2f} GiB; disk {largest['disk'] / largest['vectors'] * vectors_1m / GIB:.2f}"
          f" GiB. File-backed pages (the float16 rows re-scored) are the page cache's to evict; after "
          f"{len(questions)} queries at each k they were {largest['queried']['RssFile'] / MIB:.0f} MiB.")

    if args.no_hybrid:
        reader.close()
        return 0

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

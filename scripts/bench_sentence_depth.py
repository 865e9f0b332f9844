#!/usr/bin/env python
"""What reading fewer sentences per chunk changes: the sentence retriever's k chunks are the first k distinct
owners of its k·depth nearest sentences (``index.stores.base.SENTENCE_DEPTH``), and the scan's cost grows with
the sentences read. For each depth against the deepest one asked, on a folder index built with the real model:
how often the sentence retriever's top k (100, what retrieval asks) and top 20 are unchanged, how often the top 10
passages ``/search`` and ``/ask`` return are unchanged, the lead citation of ``/ask``, and the sentence search's
p50 (the folder store's; PostgreSQL's is timed by ``bench_store_latency.py``).

    .venv/bin/python scripts/bench_sentence_depth.py --index var/eval/news/index --depths 2,3,4
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import index.stores.folder.reader as folder_reader  # noqa: E402
from evaluation import squad  # noqa: E402
from evaluation.wikinews_questions import load_questions  # noqa: E402
from index import make_encoder, open_index  # noqa: E402
from qa.engine import Engine  # noqa: E402
from qa.settings import Settings  # noqa: E402

K = 100  # settings.retrieval.candidates: what retrieval asks each retriever for


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", required=True, help="a folder index built with the real model")
    parser.add_argument("--depths", default="2,3,4", help="sentences read per chunk returned; the last is the reference")
    parser.add_argument("--squad-questions", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3, help="timed passes over the questions per depth")
    args = parser.parse_args()
    depths = [int(d) for d in args.depths.split(",")]
    settings = Settings(index_dir=args.index)
    encoder = make_encoder(settings)
    reader = open_index(args.index)
    if reader.manifest.encoder != encoder.identity:
        raise SystemExit(f"{args.index} was built with {reader.manifest.encoder}; this encoder is {encoder.identity}")
    _, squad_questions = squad.load()
    questions = [q.question for q in load_questions()]
    questions += [q.question for q in random.Random(0).sample(squad_questions, args.squad_questions)]
    vectors = encoder.encode(questions)
    engine = Engine(settings, encoder)

    seen: dict[int, dict[str, list]] = {}
    for depth in depths:
        folder_reader.SENTENCE_DEPTH = depth
        seen[depth] = {
            "sentence": [reader.sentence_search(v, K) for v in vectors],
            "search": [[p.chunk.id for p in engine.search(q, 10, group="passage").passages] for q in questions],
            "ask": [engine.ask(q, 10) for q in questions],
        }
    times: dict[int, list[float]] = {d: [] for d in depths}
    for _ in range(args.runs):  # interleaved, so the machine's load falls on each depth alike
        for depth in depths:
            folder_reader.SENTENCE_DEPTH = depth
            for v in vectors:
                started = time.perf_counter()
                reader.sentence_search(v, K)
                times[depth].append((time.perf_counter() - started) * 1000)

    ref = seen[depths[-1]]
    print(f"{args.index}: {len(questions)} questions; reference depth {depths[-1]}; sentence retriever k={K}\n")
    print("| depth | sentence top 100 unchanged | top 20 unchanged | mean overlap of top 100 | fewer than 100 chunks "
          "| /search top 10 unchanged | /ask top 10 unchanged | /ask lead quote unchanged | sentence search p50 ms |")
    print("|---|---|---|---|---|---|---|---|---|")
    n = len(questions)
    for depth in depths:
        got = seen[depth]
        ids = [[c for c, _ in hits] for hits in got["sentence"]]
        ref_ids = [[c for c, _ in hits] for hits in ref["sentence"]]
        same = sum(a == b for a, b in zip(ids, ref_ids)) / n
        same20 = sum(a[:20] == b[:20] for a, b in zip(ids, ref_ids)) / n
        overlap = statistics.mean(len(set(a) & set(b)) / max(len(b), 1) for a, b in zip(ids, ref_ids))
        short = sum(len(a) < K for a in ids) / n
        search = sum(a == b for a, b in zip(got["search"], ref["search"])) / n
        ask = sum([p.chunk.id for p in a.passages] == [p.chunk.id for p in b.passages]
                  for a, b in zip(got["ask"], ref["ask"])) / n
        lead = sum(_lead(a) == _lead(b) for a, b in zip(got["ask"], ref["ask"])) / n
        print(f"| {depth} | {same:.3f} | {same20:.3f} | {overlap:.3f} | {short:.3f} | {search:.3f} | {ask:.3f} "
              f"| {lead:.3f} | {statistics.median(times[depth]):.2f} |")
    return 0


def _lead(result) -> tuple | None:
    citations = result.answer.citations
    return (citations[0].passage.chunk.id, citations[0].start) if citations else None


if __name__ == "__main__":
    sys.exit(main())

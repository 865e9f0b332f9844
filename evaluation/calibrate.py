"""Check NEWSQA_ANSWER_MIN_SCORE on off-topic questions: how often answerable and unanswerable ones are refused.

The default threshold is chosen on a validation split by scripts/train_answerer.py; this is a second check.

Indexes the paragraphs of half of the SQuAD dev articles (even-numbered). Questions on
those articles are answerable; questions on the other half are not (their paragraphs
are absent), which is what an off-topic question to a news index looks like. For each
candidate threshold it prints the share of each group declared unanswerable.
"""

import argparse
import random

from evaluation import squad
from evaluation.runner import DEFAULT_WORKDIR, prepare_index
from index import make_encoder
from qa.engine import Engine
from qa.settings import Settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=1000, help="questions per group")
    parser.add_argument("--max-refused", type=float, default=0.02,
                        help="largest share of answerable questions the suggested threshold may refuse")
    args = parser.parse_args(argv)
    paragraphs, questions = squad.load()
    kept = [p for p in paragraphs if int(p.pid.split("-")[0]) % 2 == 0]
    kept_ids = {p.pid for p in kept}
    settings = Settings()
    encoder = make_encoder(settings)
    settings, _ = prepare_index(settings, DEFAULT_WORKDIR / "calibration", kept, encoder)
    engine = Engine(settings.model_copy(update={"answer_min_score": 0.0}), encoder)  # never refuse: see every probability

    rng = random.Random(0)
    groups = {
        "answerable": rng.sample([q for q in questions if q.pid in kept_ids], args.questions),
        "unanswerable": rng.sample([q for q in questions if q.pid not in kept_ids], args.questions),
    }
    scores = {name: sorted(engine.ask(q.question, 5).answer.confidence for q in qs) for name, qs in groups.items()}

    def refused(name: str, threshold: float) -> float:
        return sum(s < threshold for s in scores[name]) / len(scores[name])

    print("| threshold | answerable refused | unanswerable refused |\n|---|---|---|")
    for step in range(2, 61, 2):
        t = step / 100
        print(f"| {t:.2f} | {refused('answerable', t):.3f} | {refused('unanswerable', t):.3f} |")
    candidates = [step / 1000 for step in range(0, 1000) if refused("answerable", step / 1000) <= args.max_refused]
    best = max(candidates)
    print(f"\nsuggested NEWSQA_ANSWER_MIN_SCORE={best:.3f}: refuses {refused('answerable', best):.1%} of answerable "
          f"and {refused('unanswerable', best):.1%} of unanswerable questions")
    return 0

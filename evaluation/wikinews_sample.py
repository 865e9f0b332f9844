"""Seeded, year-stratified sample of Wikinews articles to write questions from.

The question writer reads the sampled articles in order and writes questions from them, so the
choice of articles is the random generator's, not the writer's (nor a system's):

    python -m evaluation.wikinews_sample [--seed N] [--corpus PATH] > sample.jsonl

Quotas per year follow the corpus's size, flattened so that the thin years 2009-2017 still appear.
"""

from __future__ import annotations

import argparse
import json
import random
import sys

from evaluation.wikinews_questions import default_corpus_path

SEED = 20261203
QUOTAS = {2005: 30, 2006: 30, 2007: 28, 2008: 26, 2009: 18, 2010: 15, 2011: 12, 2012: 9,
          2013: 9, 2014: 6, 2015: 5, 2016: 8, 2017: 7}


def sample(corpus_path=None, seed: int = SEED) -> list[dict]:
    """Articles drawn per year (ids sorted first, so the draw depends only on the seed and the corpus)."""
    by_year: dict[int, list[dict]] = {}
    with open(corpus_path or default_corpus_path(), encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            if record.get("published_date"):
                by_year.setdefault(int(record["published_date"][:4]), []).append(record)
    rng = random.Random(seed)
    picked = []
    for year, quota in sorted(QUOTAS.items()):
        pool = sorted(by_year.get(year, []), key=lambda r: r["id"])
        picked += sorted(rng.sample(pool, min(quota, len(pool))), key=lambda r: r["published_date"])
    return picked


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--corpus", default=None)
    args = parser.parse_args(argv)
    for record in sample(args.corpus, args.seed):
        print(json.dumps(record, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python
"""How well MinHash separates syndicated copies from distinct articles, to set the story threshold.

Pairs each syndicated copy in evaluation/data/wikinews-syndicated.jsonl with its original
(same story), and pairs articles that share many words but are different stories (the nearest
non-copy by MinHash among Wikinews articles of the same month); prints both distributions of
estimated Jaccard and how each threshold splits them.
"""

import json
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from index import PROJECT_ROOT  # noqa: E402
from index.stories import SAME_STORY, fingerprint  # noqa: E402

WIKINEWS = PROJECT_ROOT.parent / "shared" / "data" / "wikinews-en" / "wikinews-en.jsonl"
SYNDICATED = PROJECT_ROOT / "evaluation" / "data" / "wikinews-syndicated.jsonl"


def main() -> int:
    articles = {a["id"]: a for a in map(json.loads, WIKINEWS.read_text(encoding="utf-8").splitlines())}
    copies = [json.loads(line) for line in SYNDICATED.read_text(encoding="utf-8").splitlines() if line.strip()]
    prints = {i: fingerprint(a["text"]) for i, a in articles.items()}
    same = sorted(fingerprint(c["text"]).similarity(prints[c["syndicated_from"]].signature) for c in copies)
    by_month = defaultdict(list)
    for i, a in articles.items():
        by_month[(a.get("published_date") or "")[:7]].append(i)
    nearest_other = []
    for ids in by_month.values():
        for i in ids:
            scores = [prints[i].similarity(prints[j].signature) for j in ids if j != i]
            if scores:
                nearest_other.append(max(scores))
    nearest_other.sort()
    print(f"same story (copy vs original, {len(same)} pairs): min {same[0]:.2f}, median {same[len(same) // 2]:.2f}")
    print(f"different articles (each article's nearest other in its month, {len(nearest_other)}): "
          f"median {nearest_other[len(nearest_other) // 2]:.2f}, 99th pct "
          f"{nearest_other[int(0.99 * (len(nearest_other) - 1))]:.2f}, max {nearest_other[-1]:.2f}")
    print("| threshold | copies grouped | articles wrongly grouped with another |\n|---|---|---|")
    for t in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
        print(f"| {t:.1f}{' (default)' if t == SAME_STORY else ''} | {sum(s >= t for s in same) / len(same):.3f} | "
              f"{sum(s >= t for s in nearest_other) / len(nearest_other):.4f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

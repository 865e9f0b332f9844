#!/usr/bin/env python
"""/search before and after grouping by article: distinct articles in the first page of 10, article-level
R@k / MRR@10, and /search p50 (over HTTP, through the app), both forms measured in the same run.

"Before" is ``group=passage`` (today's list: an article counts at its first passage), "after" is
``group=article``. Wikinews: the dev questions (evaluation/data/wikinews-dev.jsonl), each asked as of its
date, over the index evaluation.news builds (``--distractors N``: the gold articles plus N others from
the questions' months; all 5,527 without it). SQuAD: dev questions over an index of its paragraphs (each
paragraph is an article there, so grouping changes little), the first ``--squad-limit`` questions.

    NEWSQA_WIKINEWS=… NEWSQA_SQUAD=… python scripts/bench_search_grouping.py --distractors 1500
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fastapi.testclient import TestClient  # noqa: E402

from evaluation import squad  # noqa: E402
from evaluation.news import DEFAULT_WORKDIR, origin, prepare, sample_corpus  # noqa: E402
from evaluation.runner import DEFAULT_WORKDIR as SQUAD_WORKDIR, prepare_index  # noqa: E402
from evaluation.wikinews_questions import load_questions  # noqa: E402
from index import make_encoder  # noqa: E402
from qa.api import create_app  # noqa: E402
from qa.engine import Engine  # noqa: E402
from qa.settings import Settings  # noqa: E402

PAGE = 10
KS = (1, 5, 10)


def article_ranks(results: list[dict], group: str) -> list[set[str]]:
    """The page as a list of articles, each the set of ids that identify it (itself and its copies)."""
    seen: list[set[str]] = []
    for r in results:
        ids = {r["article_id"]} | {m["article_id"] for m in r.get("also_in", [])}
        if group == "article" or not any(ids & s for s in seen):
            seen.append(ids)
    return seen


def run(client: TestClient, questions: list[tuple[str, str | None, set[str]]], label: str) -> dict:
    """questions: (text, as_of or None, gold article ids) → metrics per form."""
    out = {}
    stats = {g: {"distinct": [], "ranks": [], "ms": []} for g in ("passage", "article")}
    for text, as_of, gold in questions:
        for group in ("passage", "article"):  # interleaved: both forms see the same machine load
            params = {"q": text, "top_k": PAGE, "group": group}
            if as_of:
                params["as_of"] = as_of
            started = time.perf_counter()
            response = client.get("/search", params=params)
            stats[group]["ms"].append((time.perf_counter() - started) * 1000)
            response.raise_for_status()
            results = response.json()["results"][:PAGE]
            articles = article_ranks(results, group)
            stats[group]["distinct"].append(len({r["article_id"] for r in results}))
            stats[group]["ranks"].append(next((i for i, ids in enumerate(articles, 1) if ids & gold), None))
    for group, s in stats.items():
        ranks = s["ranks"]
        out[group] = {"distinct articles in top 10": statistics.mean(s["distinct"]),
                      **{f"R@{k}": sum(1 for r in ranks if r and r <= k) / len(ranks) for k in KS},
                      "MRR@10": sum(1 / r for r in ranks if r and r <= 10) / len(ranks),
                      "p50 ms": statistics.median(s["ms"]), "p90 ms": statistics.quantiles(s["ms"], n=10)[-1]}
    print(f"\n{label}: {len(questions)} questions, {PAGE} results a page")
    header = list(out["passage"])
    print("| /search | " + " | ".join(header) + " |\n|---|" + "---|" * len(header))
    for group, name in (("passage", "before (group=passage)"), ("article", "after (group=article)")):
        print(f"| {name} | " + " | ".join(f"{out[group][h]:.3f}" if "ms" not in h else f"{out[group][h]:.1f}"
                                          for h in header) + " |", flush=True)
    return out


def wikinews(settings: Settings, encoder, distractors: int | None, workdir: Path) -> None:
    all_questions = load_questions()
    lines = sample_corpus(all_questions, distractors)
    settings = prepare(settings, encoder, workdir, lines, progress=False)
    engine = Engine(settings, encoder)
    with TestClient(create_app(settings, engine)) as client:
        with engine.snapshot() as snap:
            by_wikinews_id = {}
            index = snap.index
            for chunk in index.chunks(list(range(index.chunk_count() + 1))):
                by_wikinews_id.setdefault(origin(chunk.article), set()).add(chunk.article.article_id)
        questions = [(q.question, q.as_of, {a for g in q.gold_article_ids for a in by_wikinews_id.get(g, ())})
                     for q in all_questions]
        run(client, questions, f"Wikinews dev ({len(lines)} Wikinews articles"
                               f"{' (a sample)' if distractors is not None else ''} + syndicated copies)")


def squad_dev(settings: Settings, encoder, limit: int) -> None:
    paragraphs, questions = squad.load()
    settings, _ = prepare_index(settings, SQUAD_WORKDIR, paragraphs, encoder, progress=False)
    engine = Engine(settings, encoder)
    with TestClient(create_app(settings, engine)) as client:
        with engine.snapshot() as snap:
            index = snap.index
            by_pid = {c.article.extra.get("squad_id"): c.article.article_id
                      for c in index.chunks(list(range(index.chunk_count() + 1)))}
        picked = [(q.question, None, {by_pid[q.pid]}) for q in questions[:limit] if q.pid in by_pid]
        run(client, picked, f"SQuAD v1.1 dev ({len(paragraphs)} paragraphs, each an article)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--distractors", type=int, help="Wikinews: gold articles plus N others (default: all)")
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)
    parser.add_argument("--squad-limit", type=int, default=300, help="SQuAD questions asked (0: skip SQuAD)")
    parser.add_argument("--skip-wikinews", action="store_true")
    args = parser.parse_args()
    settings = Settings()
    encoder = make_encoder(settings)
    started = time.perf_counter()
    if not args.skip_wikinews:
        wikinews(settings, encoder, args.distractors, args.workdir)
    if args.squad_limit:
        squad_dev(settings, encoder, args.squad_limit)
    print(f"\n({time.perf_counter() - started:.0f} s in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

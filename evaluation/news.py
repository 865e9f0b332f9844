"""Evaluate time-aware retrieval and answers on the dated Wikinews dev set.

The 5,527 Wikinews articles plus the syndicated copies become one corpus, built with the
project's build code into a cached index; every question is asked through the service's own
engine as of its question date, once per configuration, so each feature's gain is measured
against the same index: plain retrieval, recency, windows read from the question as evidence
(publication dates alone, then with the dates articles mention), with and without the as-of date.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from evaluation.metrics import contains_answer, mrr_at, recall_at
from evaluation.wikinews_questions import SYNDICATED_PATH, DatedQuestion, default_corpus_path, load_questions
from evaluation.wikinews_weekly import load_weekly
from index import PROJECT_ROOT, Encoder, build_index, make_encoder
from qa.engine import Engine
from qa.settings import Settings

DEFAULT_WORKDIR = PROJECT_ROOT / "var" / "eval" / "news"
KS = (1, 5, 10, 20)


@dataclass(frozen=True)
class Config:
    name: str
    as_of: bool  # ask as of the question date (else: as of today, i.e. no cut)
    overrides: dict


OFF = {"time_windows": False, "recency_weight_present": 0.0, "recency_weight_default": 0.0}
CONFIGS = [
    Config("plain retrieval (no as-of)", False, OFF),
    Config("no as-of: recency, windows off", False, {"time_windows": False}),
    Config("no as-of: service default (windows as evidence)", False, {}),
    Config("+ as-of cut", True, OFF),
    Config("+ recency (windows off)", True, {"time_windows": False}),
    Config("+ windows as evidence, publication dates only", True, {"time_evidence_mention_weight": 0.0}),
    Config("+ windows as evidence with mentioned dates (service default)", True, {}),
]


def sample_corpus(questions: list[DatedQuestion], distractors: int | None) -> list[str]:
    """Wikinews lines to index: all of them, or every gold article plus ``distractors`` others taken
    from the months the questions are asked in (the nearest in time, so the hardest for a time-aware
    ranking), chosen deterministically."""
    lines = default_corpus_path().read_text(encoding="utf-8").splitlines()
    if distractors is None:
        return lines
    gold = {g for q in questions for g in q.gold_article_ids}
    months = {q.as_of[:7] for q in questions}
    kept, others = [], []
    for line in lines:
        record = json.loads(line)
        if record["id"] in gold:
            kept.append(line)
        elif (record.get("published_date") or "")[:7] in months:
            others.append((hashlib.sha1(record["id"].encode()).hexdigest(), line))
    return kept + [line for _, line in sorted(others)[:distractors]]


def prepare(settings: Settings, encoder: Encoder, workdir: Path, lines: list[str], progress: bool = True) -> Settings:
    """Write the corpus folder (Wikinews lines and the syndicated copies) and build or reuse its index."""
    corpus = workdir / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    for content, name in (("\n".join(lines) + "\n", "wikinews-en.jsonl"),
                          (SYNDICATED_PATH.read_text(encoding="utf-8"), "wikinews-syndicated.jsonl")):
        target = corpus / name
        if not target.exists() or target.read_text(encoding="utf-8") != content:
            target.write_text(content, encoding="utf-8")
    settings = settings.model_copy(update={"corpus_dir": corpus, "index_dir": workdir / "index"})
    build_index(settings, encoder=encoder, progress=progress)
    return settings


def origin(article) -> str:
    """The Wikinews id an article is (or copies): copies and originals count as one source."""
    return article.extra.get("syndicated_from") or article.extra.get("id") or article.article_id


def evaluate(engine: Engine, questions: list[DatedQuestion], use_as_of: bool, depth: int = 20) -> dict:
    ranks, contains, duplicates, shown, declines, seconds = [], [], 0, 0, 0, []
    for q in questions:
        started = time.perf_counter()
        result = engine.ask(q.question, depth, as_of=q.as_of_date if use_as_of else None)
        seconds.append(time.perf_counter() - started)
        articles: list[set[str]] = []
        for p in result.passages[:depth]:
            ids = {p.chunk.article.extra.get("id", "")} | {m.extra.get("id", "") for m in p.also_in}
            if not any(ids == seen for seen in articles):
                articles.append(ids)
        gold = set(q.gold_article_ids)
        ranks.append(next((i for i, ids in enumerate(articles, start=1) if ids & gold), None))
        contains.append(contains_answer(result.answer.answer, q.answers))
        declines += not result.answer.answerable
        origins = [origin(p.chunk.article) for p in result.passages[:5]]
        shown += len(origins)
        duplicates += sum(1 for i, o in enumerate(origins) if o in origins[:i] and
                          any(p.chunk.article.article_id != result.passages[origins.index(o)].chunk.article.article_id
                              for p in [result.passages[i]]))
    return {**{f"R@{k}": recall_at(ranks, k) for k in KS}, "MRR@10": mrr_at(ranks, 10),
            "answer contains gold": sum(contains) / len(contains), "declines": declines / len(questions),
            "copies in top 5": duplicates / max(shown, 1), "ms per question (median)": 1000 * statistics.median(seconds)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="evaluate_news", description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)
    parser.add_argument("--distractors", type=int,
                        help="index the gold articles plus N others from the questions' months, not all 5,527")
    parser.add_argument("--type", action="append", help="only these question types (repeatable)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="override a setting in every configuration")
    parser.add_argument("--sweep", action="append", default=[], metavar="NAME=V1,V2,...",
                        help="instead of the feature table, run the full configuration for each value")
    parser.add_argument("--out", type=Path, help="results JSON (default: <workdir>/results.json)")
    parser.add_argument("--questions", choices=("dev", "weekly"), default="dev",
                        help="the dated dev set (data/wikinews-dev.jsonl) or the weekly-quiz set "
                             "(data/wikinews-weekly.jsonl); a --distractors sample holds both sets' gold articles")
    args = parser.parse_args(argv)
    base = dict(item.split("=", 1) for item in args.set)
    settings = Settings(**base)
    encoder = make_encoder(settings)
    dev, weekly = load_questions(), load_weekly()
    all_questions = weekly if args.questions == "weekly" else dev
    lines = sample_corpus(dev + weekly, args.distractors)  # one index serves both sets
    settings = prepare(settings, encoder, args.workdir, lines)
    questions = [q for q in all_questions if not args.type or q.type in args.type]
    configs = CONFIGS
    if args.sweep:
        name, _, values = args.sweep[0].partition("=")
        configs = [Config(f"{name}={v}", True, {name: v}) for v in values.split(",")]
    results = {}
    header = ["R@1", "R@5", "R@10", "R@20", "MRR@10", "answer contains gold", "declines", "copies in top 5",
              "ms per question (median)"]
    print(f"Wikinews {args.questions} set: {len(questions)} questions ({', '.join(sorted({q.type for q in questions}))}) over "
          f"{len(lines)} Wikinews articles{' (a sample)' if args.distractors is not None else ''} and the "
          "syndicated copies\n")
    print("| configuration | " + " | ".join(header) + " |\n|---|" + "---|" * len(header))
    for config in configs:
        engine = Engine(Settings.model_validate({**settings.model_dump(), **config.overrides}), encoder)
        metrics = evaluate(engine, questions, config.as_of)
        results[config.name] = metrics
        print(f"| {config.name} | " + " | ".join(f"{metrics[h]:.3f}" if h[0] != "m" else f"{metrics[h]:.0f}" for h in header) + " |", flush=True)
    by_type = {}
    engine = Engine(Settings.model_validate({**settings.model_dump(), **configs[-1].overrides}), encoder)
    for kind in sorted({q.type for q in questions}):
        by_type[kind] = evaluate(engine, [q for q in questions if q.type == kind], True)
    print(f"\nBy question type ({configs[-1].name}):\n\n| type | " + " | ".join(header) + " |\n|---|" + "---|" * len(header))
    for kind, metrics in by_type.items():
        print(f"| {kind} | " + " | ".join(f"{metrics[h]:.3f}" if h[0] != "m" else f"{metrics[h]:.0f}" for h in header) + " |")
    out = args.out or args.workdir / "results.json"
    out.write_text(json.dumps({"configs": results, "by_type": by_type}, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

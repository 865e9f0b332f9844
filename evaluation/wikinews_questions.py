"""Dated Wikinews dev set: loader and validator.

The questions (``data/wikinews-dev.jsonl``) ask about real English Wikinews articles as of a
date; the syndicated copies (``data/wikinews-syndicated.jsonl``) are near-duplicates of some of
those articles under fictional outlets' names. ``check()`` validates both against the corpus; the
command line also validates the weekly-quiz and unanswerable sets (``wikinews_weekly``,
``wikinews_unanswerable``), which share this module's loading and per-question checks:

    python -m evaluation.wikinews_questions [--corpus PATH]

The corpus is read from ``NEWSQA_WIKINEWS`` or ``../shared/data/wikinews-en/wikinews-en.jsonl``
beside the repository. Exit code 1 when anything is violated.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Iterator

DATA_DIR = Path(__file__).resolve().parent / "data"
QUESTIONS_PATH = DATA_DIR / "wikinews-dev.jsonl"
SYNDICATED_PATH = DATA_DIR / "wikinews-syndicated.jsonl"
CORPUS_PATH = Path(__file__).resolve().parents[2] / "shared" / "data" / "wikinews-en" / "wikinews-en.jsonl"

TYPES = ("changed", "window", "present", "plain", "syndicated")
MIN_COUNTS = {"changed": 40, "window": 30, "present": 30, "plain": 40, "syndicated": 20}
MIN_TOTAL = 160
MIN_SYNDICATED_COPIES = 20
ARTICLE_FIELDS = ("id", "title", "published_date", "source", "section", "url", "text")


@dataclass(frozen=True)
class DatedQuestion:
    id: str
    type: str
    question: str
    as_of: str
    gold_article_ids: list[str]
    answers: list[str]
    window: dict[str, str] | None = None
    pair: str | None = None
    note: str = ""

    @property
    def as_of_date(self) -> date:
        return date.fromisoformat(self.as_of)

    @classmethod
    def from_dict(cls, record: dict[str, Any]) -> "DatedQuestion":
        return cls(
            id=record["id"],
            type=record["type"],
            question=record["question"],
            as_of=record["as_of"],
            gold_article_ids=list(record["gold_article_ids"]),
            answers=list(record["answers"]),
            window=record.get("window"),
            pair=record.get("pair"),
            note=record.get("note", ""),
        )


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    records = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if line.strip():
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise ValueError(f"{path}:{number}: not a JSON record ({exc.msg})") from None
    return records


def load_questions(path: str | Path | None = None) -> list[DatedQuestion]:
    """The questions, in file order."""
    return [DatedQuestion.from_dict(r) for r in read_jsonl(Path(path) if path else QUESTIONS_PATH)]


def load_syndicated(path: str | Path | None = None) -> list[dict[str, Any]]:
    """The syndicated copies: article records with the corpus's fields plus ``syndicated_from``."""
    return read_jsonl(Path(path) if path else SYNDICATED_PATH)


def default_corpus_path() -> Path:
    return Path(os.environ.get("NEWSQA_WIKINEWS", CORPUS_PATH))


def load_corpus(path: str | Path | None = None) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in read_jsonl(Path(path) if path else default_corpus_path())}


def valid_date(value: Any) -> bool:
    try:
        date.fromisoformat(value)
        return True
    except (TypeError, ValueError):
        return False


def checked_questions(questions: list[DatedQuestion], corpus: dict[str, dict[str, Any]], types: tuple[str, ...],
                      problems: list[str]) -> Iterator[tuple[DatedQuestion, list[dict[str, Any]], str]]:
    """The checks every dated question set shares (unique id, known type, valid as_of, gold articles in
    the corpus and published on or before as_of, every answer verbatim in a gold text); appends what is
    violated to ``problems`` and yields (question, its gold articles, "id:") for the set's own checks.
    Questions whose as_of is not a date are reported and not yielded."""
    seen_ids: set[str] = set()
    for q in questions:
        where = f"{q.id}:"
        if q.id in seen_ids:
            problems.append(f"{where} duplicate question id")
        seen_ids.add(q.id)
        if q.type not in types:
            problems.append(f"{where} unknown type {q.type!r}")
        if not q.question.strip():
            problems.append(f"{where} empty question")
        if not valid_date(q.as_of):
            problems.append(f"{where} as_of {q.as_of!r} is not an ISO date")
            continue
        if not q.gold_article_ids:
            problems.append(f"{where} no gold article")
        if not q.answers or any(not a.strip() for a in q.answers):
            problems.append(f"{where} missing or empty answer")
        gold = []
        for gid in q.gold_article_ids:
            article = corpus.get(gid)
            if article is None:
                problems.append(f"{where} gold id {gid} not in the corpus")
                continue
            gold.append(article)
            published = article.get("published_date")
            if not published:
                problems.append(f"{where} gold {gid} has no published_date")
            elif published > q.as_of:
                problems.append(f"{where} gold {gid} published {published} after as_of {q.as_of}")
        texts = [(a.get("text") or "").lower() for a in gold]
        for answer in q.answers:
            if not any(answer.lower() in t for t in texts):
                problems.append(f"{where} answer {answer!r} not found in any gold article")
        yield q, gold, where


def check(questions_path: str | Path | None = None, syndicated_path: str | Path | None = None,
          corpus_path: str | Path | None = None) -> tuple[Counter, list[str]]:
    """Validate the set against the corpus; return (counts per type, violations)."""
    corpus = load_corpus(corpus_path)
    questions = load_questions(questions_path)
    copies = load_syndicated(syndicated_path)
    problems: list[str] = []
    counts = Counter(q.type for q in questions)

    pairs: dict[str, list[DatedQuestion]] = defaultdict(list)
    for q, gold, where in checked_questions(questions, corpus, TYPES, problems):
        if q.type == "window":
            w = q.window or {}
            if not (valid_date(w.get("from")) and valid_date(w.get("to")) and w["from"] <= w["to"]):
                problems.append(f"{where} window {q.window!r} is not a valid from..to range")
            else:
                if w["to"] > q.as_of:
                    problems.append(f"{where} window ends {w['to']} after as_of {q.as_of}")
                for a in gold:
                    if a.get("published_date") and not (w["from"] <= a["published_date"] <= w["to"]):
                        problems.append(f"{where} gold {a['id']} ({a['published_date']}) outside window {w['from']}..{w['to']}")
        elif q.window is not None:
            problems.append(f"{where} window set on a {q.type} question")

        if q.type == "changed":
            if not q.pair:
                problems.append(f"{where} changed question without a pair id")
            else:
                pairs[q.pair].append(q)
        elif q.pair is not None:
            problems.append(f"{where} pair set on a {q.type} question")

    for pid, members in sorted(pairs.items()):
        if len(members) != 2:
            problems.append(f"pair {pid}: {len(members)} members, expected 2")
            continue
        a, b = members
        if a.question != b.question:
            problems.append(f"pair {pid}: question texts differ")
        if a.as_of == b.as_of:
            problems.append(f"pair {pid}: same as_of")
        if {s.lower() for s in a.answers} & {s.lower() for s in b.answers}:
            problems.append(f"pair {pid}: answers overlap")
        if set(a.gold_article_ids) & set(b.gold_article_ids):
            problems.append(f"pair {pid}: gold articles overlap")
        dates_a = {corpus[g]["published_date"] for g in a.gold_article_ids if g in corpus}
        dates_b = {corpus[g]["published_date"] for g in b.gold_article_ids if g in corpus}
        if dates_a & dates_b:
            problems.append(f"pair {pid}: gold articles share a publication date")

    for t, minimum in MIN_COUNTS.items():
        if counts[t] < minimum:
            problems.append(f"type {t}: {counts[t]} questions, at least {minimum} required")
    if len(questions) < MIN_TOTAL:
        problems.append(f"{len(questions)} questions, at least {MIN_TOTAL} required")

    # Syndicated copies.
    copy_ids: set[str] = set()
    copied_from: set[str] = set()
    for c in copies:
        where = f"syndicated {c.get('id')}:"
        missing = [f for f in (*ARTICLE_FIELDS, "syndicated_from") if f not in c]
        if missing:
            problems.append(f"{where} missing fields {missing}")
            continue
        if c["id"] in corpus or c["id"] in copy_ids:
            problems.append(f"{where} id clashes with the corpus or another copy")
        copy_ids.add(c["id"])
        original = corpus.get(c["syndicated_from"])
        if original is None:
            problems.append(f"{where} syndicated_from {c['syndicated_from']} not in the corpus")
            continue
        copied_from.add(original["id"])
        if c["source"] == original["source"]:
            problems.append(f"{where} source is the original's")
        if c["section"] != original["section"]:
            problems.append(f"{where} section differs from the original's")
        if c["title"] == original["title"]:
            problems.append(f"{where} headline not rewritten")
        if not valid_date(c["published_date"]) or not original.get("published_date"):
            problems.append(f"{where} copy or original lacks a valid date")
        else:
            lag = (date.fromisoformat(c["published_date"]) - date.fromisoformat(original["published_date"])).days
            if lag not in (0, 1):
                problems.append(f"{where} published {lag} days after the original (0 or 1 expected)")
        if not c["text"] or abs(len(c["text"]) - len(original["text"])) > 0.25 * len(original["text"]):
            problems.append(f"{where} text is not a near-duplicate of the original")
    if len(copies) < MIN_SYNDICATED_COPIES:
        problems.append(f"{len(copies)} syndicated copies, at least {MIN_SYNDICATED_COPIES} required")

    for q in questions:
        if q.type != "syndicated":
            continue
        if len(q.gold_article_ids) != 1 or q.gold_article_ids[0] not in copied_from:
            problems.append(f"{q.id}: syndicated question's gold must be one original with a syndicated copy")
        if any(g in copy_ids for g in q.gold_article_ids):
            problems.append(f"{q.id}: gold lists a copy; list the original id only")

    return counts, problems


def main(argv: list[str] | None = None) -> int:
    # Imported here: the weekly and unanswerable modules build on this one.
    from evaluation.wikinews_unanswerable import KINDS, check_unanswerable
    from evaluation.wikinews_weekly import WEEKLY_TYPES, check_weekly

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", default=None)
    parser.add_argument("--syndicated", default=None)
    parser.add_argument("--weekly", default=None)
    parser.add_argument("--unanswerable", default=None)
    parser.add_argument("--corpus", default=None, help="wikinews-en.jsonl (default: NEWSQA_WIKINEWS or ../shared/data/...)")
    args = parser.parse_args(argv)
    try:
        counts, problems = check(args.questions, args.syndicated, args.corpus)
        corpus = load_corpus(args.corpus)
        weekly_counts, weekly_problems = check_weekly(args.weekly, corpus)
        unanswerable_counts, unanswerable_problems = check_unanswerable(args.unanswerable, corpus)
        copies = len(load_syndicated(args.syndicated))
    except KeyError as exc:
        print(f"error: a question record lacks the field {exc}", file=sys.stderr)
        return 2
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{sum(counts.values())} questions: " + ", ".join(f"{t} {counts[t]}" for t in TYPES))
    print(f"{copies} syndicated copies")
    print(f"{sum(weekly_counts.values())} weekly questions: " + ", ".join(f"{t} {weekly_counts[t]}" for t in WEEKLY_TYPES))
    print(f"{sum(unanswerable_counts.values())} unanswerable questions: "
          + ", ".join(f"{k} {unanswerable_counts[k]}" for k in KINDS))
    problems = problems + weekly_problems + unanswerable_problems
    for p in problems:
        print("VIOLATION", p)
    print(f"{len(problems)} violations")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

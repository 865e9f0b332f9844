"""Weekly-quiz Wikinews set: loader and validator.

``data/wikinews-weekly.jsonl`` asks what a reader of that week's news would ask, 2-6 days after the
gold article appeared: mostly "this week", some naming the date of an earlier event the article
reports, some about planned events, "last year"/"over the past year", "last month", or no time words.
The records have the dev set's fields (``DatedQuestion``), ``wk-NNNN`` ids and these types:

- ``this_week``: says "this week" (or "at the weekend"); ``window`` is the seven days ending on
  ``as_of``; every gold article is inside it.
- ``event_date``: the question names the date (day, month or year) of an event the gold article
  reports later; ``window`` is that date. The question's article is published after it; further
  gold articles (reports of the day itself) on or after it.
- ``planned``: the question names a future date the gold article announces; ``window`` starts after
  ``as_of``.
- ``past_year``: "last year" (``window`` = the previous calendar year) or "over the past year"
  (the 365 days up to ``as_of``).
- ``last_month``: ``window`` = the calendar month before ``as_of``'s.
- ``plain``: no time words; ``window`` is null.

The first gold article is the one the question was written from and is published 2-6 days before
``as_of``; any further gold articles answer it too and are published on or before ``as_of``.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from pathlib import Path

from evaluation.wikinews_questions import (DATA_DIR, DatedQuestion, checked_questions, load_corpus,
                                           read_jsonl, valid_date)

WEEKLY_PATH = DATA_DIR / "wikinews-weekly.jsonl"
WEEKLY_TYPES = ("this_week", "event_date", "planned", "past_year", "last_month", "plain")
MIN_WEEKLY = 150
LAG_DAYS = range(2, 7)  # as_of is 2-6 days after the question's own article


def load_weekly(path: str | Path | None = None) -> list[DatedQuestion]:
    """The weekly-quiz questions, in file order."""
    return [DatedQuestion.from_dict(r) for r in read_jsonl(Path(path) if path else WEEKLY_PATH)]


def previous_month(day: date) -> tuple[date, date]:
    last = day.replace(day=1) - timedelta(days=1)
    return last.replace(day=1), last


def _window_problem(q: DatedQuestion, gold: list[dict]) -> str | None:
    """What is wrong with the question's window for its type, or None."""
    w = q.window
    if q.type == "plain":
        return None if w is None else "window set on a plain question"
    if not (isinstance(w, dict) and valid_date(w.get("from")) and valid_date(w.get("to")) and w["from"] <= w["to"]):
        return f"window {w!r} is not a valid from..to range"
    start, end, as_of = date.fromisoformat(w["from"]), date.fromisoformat(w["to"]), q.as_of_date
    published = [a["published_date"] for a in gold if a.get("published_date")]
    if q.type == "this_week":
        if "week" not in q.question.lower():
            return "a this_week question that does not say 'this week' (or 'at the weekend')"
        if (start, end) != (as_of - timedelta(days=6), as_of):
            return f"this_week window {w['from']}..{w['to']} is not the seven days ending {q.as_of}"
        if any(not (w["from"] <= p <= w["to"]) for p in published):
            return "a gold article lies outside the week"
    elif q.type == "event_date":
        if published and published[0] <= w["to"]:
            return f"the question's article is not published after the event ({w['to']})"
        if any(p < w["from"] for p in published):
            return f"a gold article is published before the event ({w['from']})"
    elif q.type == "planned":
        if start <= as_of:
            return f"planned window starts {w['from']}, not after as_of {q.as_of}"
    elif q.type == "past_year":
        if not any(words in q.question.lower() for words in ("last year", "past year")):
            return "a past_year question that says neither 'last year' nor 'over the past year'"
        calendar_year = (date(as_of.year - 1, 1, 1), date(as_of.year - 1, 12, 31))
        if (start, end) not in (calendar_year, (as_of - timedelta(days=365), as_of)):
            return f"past_year window {w['from']}..{w['to']} is neither last calendar year nor the past 365 days"
    elif q.type == "last_month":
        if "last month" not in q.question.lower():
            return "a last_month question that does not say 'last month'"
        if (start, end) != previous_month(as_of):
            return f"last_month window {w['from']}..{w['to']} is not the month before {q.as_of}"
    return None


def check_weekly(path: str | Path | None = None, corpus: dict | None = None,
                 corpus_path: str | Path | None = None) -> tuple[Counter, list[str]]:
    """Validate the weekly set against the corpus; return (counts per type, violations)."""
    corpus = corpus if corpus is not None else load_corpus(corpus_path)
    questions = load_weekly(path)
    problems: list[str] = []
    for q, gold, where in checked_questions(questions, corpus, WEEKLY_TYPES, problems):
        if not q.id.startswith("wk-"):
            problems.append(f"{where} id is not wk-NNNN")
        if q.pair is not None:
            problems.append(f"{where} pair set on a weekly question")
        if gold and gold[0]["id"] == q.gold_article_ids[0] and gold[0].get("published_date"):
            lag = (q.as_of_date - date.fromisoformat(gold[0]["published_date"])).days
            if lag not in LAG_DAYS:
                problems.append(f"{where} asked {lag} days after its article (2-6 expected)")
        problem = _window_problem(q, gold) if q.type in WEEKLY_TYPES else None
        if problem:
            problems.append(f"{where} {problem}")
    if len(questions) < MIN_WEEKLY:
        problems.append(f"{len(questions)} weekly questions, at least {MIN_WEEKLY} required")
    return Counter(q.type for q in questions), problems

"""Unanswerable Wikinews questions: loader and validator.

``data/wikinews-unanswerable.jsonl`` holds near-miss news questions asked as of a date: each is on a
topic the corpus covers around that date (``near_article_ids``: the on-topic articles a system might
wrongly quote), but the entity, number or detail it asks for is in no article up to that date. The
absence is checked, not assumed: none of ``absent_terms`` (the names or phrasings an answer would
need) occurs, case-insensitively, in the title or text of the articles in the kind's scope:

- ``absent_entity``: every article published on or before ``as_of`` (and every undated one).
- ``absent_detail``: every such article that mentions ``topic_term``, which each near article does;
  the topic is covered, the detail asked for is not.
- ``wrong_period``: every article published from ``window.from`` (the period the question asks
  about) to ``as_of``; the near articles are older reports of the same kind of news.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evaluation.wikinews_questions import DATA_DIR, load_corpus, read_jsonl, valid_date

UNANSWERABLE_PATH = DATA_DIR / "wikinews-unanswerable.jsonl"
KINDS = ("absent_entity", "absent_detail", "wrong_period")
MIN_UNANSWERABLE = 60


@dataclass(frozen=True)
class UnanswerableQuestion:
    id: str
    question: str
    as_of: str
    kind: str
    near_article_ids: list[str]
    absent_terms: list[str]
    topic_term: str | None = None
    window: dict[str, str] | None = None
    note: str = ""

    @classmethod
    def from_dict(cls, record: dict[str, Any]) -> "UnanswerableQuestion":
        return cls(id=record["id"], question=record["question"], as_of=record["as_of"], kind=record["kind"],
                   near_article_ids=list(record["near_article_ids"]), absent_terms=list(record["absent_terms"]),
                   topic_term=record.get("topic_term"), window=record.get("window"), note=record.get("note", ""))


def load_unanswerable(path: str | Path | None = None) -> list[UnanswerableQuestion]:
    """The unanswerable questions, in file order."""
    return [UnanswerableQuestion.from_dict(r) for r in read_jsonl(Path(path) if path else UNANSWERABLE_PATH)]


def _haystack(article: dict[str, Any]) -> str:
    return f"{article.get('title') or ''}\n{article.get('text') or ''}".lower()


def _scope(q: UnanswerableQuestion, corpus: dict[str, dict[str, Any]], hay: dict[str, str]) -> list[dict[str, Any]]:
    """The articles in which none of the absent terms may occur."""
    if q.kind == "wrong_period":
        start = q.window["from"]
        return [a for a in corpus.values() if a.get("published_date") and start <= a["published_date"] <= q.as_of]
    visible = [a for a in corpus.values() if not a.get("published_date") or a["published_date"] <= q.as_of]
    if q.kind == "absent_detail":
        topic = q.topic_term.lower()
        return [a for a in visible if topic in hay[a["id"]]]
    return visible


def check_unanswerable(path: str | Path | None = None, corpus: dict | None = None,
                       corpus_path: str | Path | None = None) -> tuple[Counter, list[str]]:
    """Validate the unanswerable set against the corpus; return (counts per kind, violations)."""
    corpus = corpus if corpus is not None else load_corpus(corpus_path)
    questions = load_unanswerable(path)
    problems: list[str] = []
    hay = {aid: _haystack(a) for aid, a in corpus.items()}
    seen: set[str] = set()
    for q in questions:
        where = f"{q.id}:"
        if q.id in seen:
            problems.append(f"{where} duplicate question id")
        seen.add(q.id)
        if not q.id.startswith("un-"):
            problems.append(f"{where} id is not un-NNNN")
        if q.kind not in KINDS:
            problems.append(f"{where} unknown kind {q.kind!r}")
            continue
        if not q.question.strip():
            problems.append(f"{where} empty question")
        if not valid_date(q.as_of):
            problems.append(f"{where} as_of {q.as_of!r} is not an ISO date")
            continue
        if not q.absent_terms or any(not t.strip() for t in q.absent_terms):
            problems.append(f"{where} missing or empty absent term")
            continue
        if (q.kind == "absent_detail") != bool(q.topic_term):
            problems.append(f"{where} topic_term is for absent_detail questions only, and they need one")
            continue
        if q.kind == "wrong_period":
            w = q.window or {}
            if not (valid_date(w.get("from")) and valid_date(w.get("to")) and w["from"] <= w["to"] and w["from"] <= q.as_of):
                problems.append(f"{where} window {q.window!r} is not a from..to range starting by as_of")
                continue
        elif q.window is not None:
            problems.append(f"{where} window set on an {q.kind} question")

        if not q.near_article_ids:
            problems.append(f"{where} no near article")
        for nid in q.near_article_ids:
            article = corpus.get(nid)
            if article is None:
                problems.append(f"{where} near article {nid} not in the corpus")
                continue
            published = article.get("published_date")
            if not published or published > q.as_of:
                problems.append(f"{where} near article {nid} not published on or before as_of {q.as_of}")
            if q.kind == "absent_detail" and q.topic_term.lower() not in hay[nid]:
                problems.append(f"{where} near article {nid} does not mention {q.topic_term!r}")
            if q.kind == "wrong_period" and published and published >= q.window["from"]:
                problems.append(f"{where} near article {nid} lies inside the period asked about")

        terms = [t.lower() for t in q.absent_terms]
        for article in _scope(q, corpus, hay):
            found = [t for t in terms if t in hay[article["id"]]]
            if found:
                problems.append(f"{where} {found[0]!r} occurs in {article['id']} ({article.get('published_date')})")
    if len(questions) < MIN_UNANSWERABLE:
        problems.append(f"{len(questions)} unanswerable questions, at least {MIN_UNANSWERABLE} required")
    return Counter(q.kind for q in questions), problems

"""Questions that name the date of an event, on real Wikinews articles (issue 22).

The index holds the five gold articles and the articles published nearest to each (the hardest
distractors for a time-aware ranking): about 200 articles. Each question names the event's day
or month, which is not the report's publication day; a window read as a cut on publication
dates declined four of them.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from evaluation.wikinews_questions import default_corpus_path
from index import build_index
from qa.engine import Engine
from tests.support import make_settings

NEIGHBOURS = 40  # articles nearest in publication date to each gold one

# (question, gold article, published, words the answer quotes)
QUESTIONS = [
    ("Which Australian businessman was arrested in China on July 5, 2009?", "ID129138", "2009-07-09", "Stern Hu"),
    ("What was Finland's inflation rate in January 2008?", "ID99508", "2008-02-14", "3.8%"),
    ("Which former presidential candidate died on 1 March 2006?", "ID34821", "2006-03-02", "Harry Browne"),
    ("What did the Industrial and Commercial Bank of China announce on April 28, 2005?", "ID9427", "2005-05-04",
     "announced the migration on Thursday, April 28"),
    ("What did the UN Security Council authorize on February 20, 2007?", "ID61009", "2007-02-23", "Resolution 1744"),
]


@pytest.fixture(scope="module")
def wikinews_engine(tmp_path_factory, encoder) -> Engine:
    path = default_corpus_path()
    if not path.exists():
        pytest.fail(f"the Wikinews corpus is missing at {path}; set NEWSQA_WIKINEWS to its path")
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    gold = {g for _, g, _, _ in QUESTIONS}
    kept = {r["id"]: r for r in records if r["id"] in gold}
    dated = [r for r in records if r["published_date"] and r["id"] not in gold]
    for _, _, published, _ in QUESTIONS:
        day = date.fromisoformat(published)
        nearest = sorted(dated, key=lambda r: (abs((date.fromisoformat(r["published_date"]) - day).days), r["id"]))
        kept.update((r["id"], r) for r in nearest[:NEIGHBOURS])
    corpus = tmp_path_factory.mktemp("wikinews")
    (corpus / "wikinews.jsonl").write_text("".join(json.dumps(r) + "\n" for r in kept.values()), encoding="utf-8")
    settings = make_settings(corpus, tmp_path_factory.mktemp("wikinews-index"))
    build_index(settings, encoder=encoder, progress=False)
    return Engine(settings, encoder)


@pytest.mark.parametrize("question, gold, published, words", QUESTIONS, ids=[q[1] for q in QUESTIONS])
def test_a_question_naming_the_event_date_is_answered_from_the_later_report(wikinews_engine, question, gold,
                                                                              published, words):
    as_of = date.fromisoformat(published) + timedelta(days=3)  # asked that week
    result = wikinews_engine.ask(question, 5, as_of=as_of)
    assert result.plan.windows, "the question names a date"
    assert result.answer.answerable, result.answer.reason
    first = result.answer.citations[0]
    assert first.passage.chunk.article.extra["id"] == gold and words in result.answer.answer, result.answer.answer
    assert result.freshness_note is None and result.plan.notes == []


def test_asked_without_an_as_of_date_the_event_is_still_found(wikinews_engine):
    """As of today, years after the archive ends: the named day is evidence, and the report of it is found."""
    result = wikinews_engine.ask(QUESTIONS[0][0], 5)
    assert result.answer.citations[0].passage.chunk.article.extra["id"] == "ID129138"
    assert "Stern Hu" in result.answer.answer


def test_a_citation_says_which_day_its_sentence_is_about(wikinews_engine):
    result = wikinews_engine.ask(QUESTIONS[0][0], 5, as_of=date(2009, 7, 12))
    citation = result.answer.citations[0]
    article = wikinews_engine.article(citation.passage.chunk.article.article_id)
    assert (date(2009, 7, 5), date(2009, 7, 5)) in {(m.first, m.last) for m in citation.dates}
    assert all(citation.start <= m.start and m.end <= citation.end and article.body[m.start:m.end]
               for m in citation.dates)

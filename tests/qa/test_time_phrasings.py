"""Question phrasings against fixed as-of dates on a small dated corpus: windows rank, never cut."""

from __future__ import annotations

from datetime import date

import pytest

from index import build_index
from qa.engine import Engine
from tests.support import make_settings


def article(source: str, published: str, title: str, body: str) -> str:
    return (f"=== METADATA ===\nSource: {source}\nTitle: {title}\nPublished_Date: {published}\n"
            f"=== ARTICLE ===\n{body}\n")


CORPUS = {
    # Sunday 29 November 2026, and an older report of the same body's business
    "ferry-sunday.txt": article("Harbour Gazette", "2026-11-29", "Ferry terminal approved",
                                "The port authority approved a new ferry terminal for Skerry Bay, its chair said. "
                                "Building work starts in the spring."),
    "ferry-older.txt": article("Harbour Gazette", "2026-11-12", "Port authority meets",
                               "The port authority approved a new dredging contract for Skerry Bay, its chair said. "
                               "The contract runs for three years."),
    # a plan announced in 2006 for 2008, and an older denial
    "merger-plan.txt": article("Air Trade Weekly", "2006-05-01", "Airlines to merge",
                               "Northwind Air and Southjet plan to merge in 2008, creating the region's largest "
                               "carrier, the two airlines said."),
    "merger-denial.txt": article("Air Trade Weekly", "2006-02-01", "Merger talk denied",
                                 "Northwind Air denied that it was in merger talks with Southjet."),
    # a 2022 report naming a 2021 day, and a 2022 report of the same committee that names none
    "committee-date.txt": article("Capital Ledger", "2022-01-06", "A year on",
                                  "The committee said it had interviewed 300 witnesses about the attack of "
                                  "January 6, 2021 on the Capitol."),
    "committee-other.txt": article("Capital Ledger", "2022-01-07", "Committee hearings",
                                   "The committee said it had interviewed more witnesses about the attack on the "
                                   "Capitol and would hold hearings."),
}


@pytest.fixture(scope="module")
def engine(tmp_path_factory, encoder) -> Engine:
    corpus = tmp_path_factory.mktemp("phrasings")
    for name, text in CORPUS.items():
        (corpus / name).write_text(text, encoding="utf-8")
    settings = make_settings(corpus, tmp_path_factory.mktemp("phrasings-index"))
    build_index(settings, encoder=encoder, progress=False)
    return Engine(settings, encoder)


def first_title(result) -> str:
    return result.answer.citations[0].passage.chunk.article.title


def test_this_week_asked_on_thursday_finds_sundays_article(engine):
    result = engine.ask("What did the port authority approve this week?", 5, as_of=date(2026, 12, 3))
    assert first_title(result) == "Ferry terminal approved" and "ferry terminal" in result.answer.answer
    assert result.plan.notes == []


def test_a_future_year_is_never_a_cut(engine):
    result = engine.ask("Which two airlines plan to merge in 2008?", 5, as_of=date(2006, 5, 10))
    assert result.plan.window.planned
    assert first_title(result) == "Airlines to merge" and "Northwind Air and Southjet" in result.answer.answer


def test_the_article_that_mentions_the_named_day_ranks_first(engine):
    result = engine.ask("How many witnesses did the committee interview about the attack of January 6, 2021?",
                        5, as_of=date(2022, 1, 20))
    assert first_title(result) == "A year on" and "300 witnesses" in result.answer.answer
    assert result.freshness_note is None


def test_a_window_with_no_articles_answers_with_a_note(engine):
    result = engine.ask("Which airlines plan to merge this week?", 5, as_of=date(2020, 1, 10))
    assert result.answer.answerable and "Northwind Air" in result.answer.answer
    assert result.plan.notes == ["nothing from 'this week' (2020-01-03 to 2020-01-10) in the index; "
                                 "the newest matching article is from 2006-05-01"]


def test_only_the_callers_dates_cut(engine):
    from index import Filters

    result = engine.ask("Which two airlines plan to merge in 2008?", 5, as_of=date(2006, 5, 10),
                        filters=Filters(published_before=date(2006, 3, 1)))
    assert {p.chunk.article.title for p in result.passages} <= {"Merger talk denied"}


def test_the_api_citation_lists_the_dates_its_quote_mentions(engine):
    from fastapi.testclient import TestClient

    from qa.api import create_app

    with TestClient(create_app(engine.settings, engine)) as client:
        body = client.post("/ask", json={"question": "How many witnesses did the committee interview about the "
                                                     "attack of January 6, 2021?", "as_of": "2022-01-20"}).json()
        text = client.get(f"/articles/{body['citations'][0]['article_id']}").json()["text"]
    assert body["citations"][0]["dates"] == [{"text": "January 6, 2021", "start": text.index("January 6, 2021"),
                                              "end": text.index("January 6, 2021") + 15, "first": "2021-01-06",
                                              "last": "2021-01-06"}]
    assert body["time_window"]["start"] == "2021-01-06" and body["notes"] == []


def test_no_freshness_note_when_the_question_names_its_own_past_period(engine):
    # Every answer is kept (the rule is the freshness stage's: the learned scorer declines the second question,
    # whose answer sentence does not say "May 2006", and a declined answer gets no note either way).
    keeping = Engine(engine.settings.model_copy(update={"answer_min_score": 0.0}), engine.encoder)
    stale = keeping.ask("Which airlines still plan to merge?", 5, as_of=date(2006, 9, 1))
    assert stale.freshness_note and "days older than the as-of date" in stale.freshness_note
    named = keeping.ask("Which airlines still planned to merge in May 2006?", 5, as_of=date(2006, 9, 1))
    assert named.answer.answerable and named.freshness_note is None

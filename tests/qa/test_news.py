"""News sense over a small dated corpus: as-of answers, windows, stories, corroboration."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from fastapi.testclient import TestClient

from index import build_index
from qa.api import create_app
from qa.engine import Engine
from qa.retrievers import Recency
from tests.support import make_settings


def article(source: str, published: str | None, title: str, body: str) -> str:
    dated = f"Published_Date: {published}\n" if published else ""
    return f"=== METADATA ===\nSource: {source}\nTitle: {title}\n{dated}=== ARTICLE ===\n{body}\n"


BERG = ("Anna Berg leads the ceasefire talks between the two governments, officials said on Wednesday. "
        "She was appointed by the regional council after a long search.\n\nThe next round opens in Geneva.")
DIAZ = ("Marco Diaz now leads the ceasefire talks between the two governments after Anna Berg stepped down. "
        "Diaz, a former trade negotiator, promised a quick first round.\n\nDelegates welcomed the appointment.")
STORM = ("The storm killed 12 people in Lisbon on Monday, officials said. Rescue teams searched collapsed "
         "buildings through the night.\n\nSchools across the region stayed closed.")
CORPUS = {
    "berg.txt": article("Daily Planet", "2024-01-10", "Berg to lead ceasefire talks", BERG),
    "diaz.txt": article("Daily Planet", "2024-06-15", "Diaz takes over ceasefire talks", DIAZ),
    "diaz-copy.txt": article("Harbour Courier", "2024-06-15", "New chief negotiator named", "GENEVA (Wire) — " + DIAZ),
    "geneva.txt": article("Daily Planet", None, "About the talks",
                          "The ceasefire talks are held in the Palais des Nations in Geneva."),
    "storm.txt": article("Lisbon Post", "2024-03-04", "Storm hits Lisbon", STORM),
    "storm-copy.txt": article("Metro Tribune", "2024-03-04", "Deadly storm", "LISBON (Wire) — " + STORM),
    "storm-other.txt": article("Coastal Herald", "2024-03-05", "City mourns victims",
                               "Officials said the storm killed 12 people in Lisbon on Monday. The mayor declared "
                               "three days of mourning, and flags flew at half mast."),
    "storm-count.txt": article("Evening Star", "2024-03-06", "Toll rises",
                               "The storm killed 15 people in Lisbon on Monday, officials said. Two more bodies were "
                               "found near the river, the fire service added."),
}


@pytest.fixture(scope="module")
def engine(tmp_path_factory, encoder) -> Engine:
    corpus = tmp_path_factory.mktemp("news")
    for name, text in CORPUS.items():
        (corpus / name).write_text(text, encoding="utf-8")
    settings = make_settings(corpus, tmp_path_factory.mktemp("news-index"))
    build_index(settings, encoder=encoder, progress=False)
    return Engine(settings, encoder)


def test_as_of_excludes_later_articles_and_a_changed_fact_is_answered_per_date(engine):
    before = engine.ask("Who leads the ceasefire talks?", 5, as_of=date(2024, 2, 1))
    assert "Anna Berg leads" in before.answer.answer
    dates = [p.chunk.article.published_date for p in before.passages]
    assert all(d is None or d <= date(2024, 2, 1) for d in dates)
    after = engine.ask("Who leads the ceasefire talks now?", 5, as_of=date(2024, 7, 1))
    assert "Marco Diaz" in after.answer.answer and after.plan.recency is not None


def test_undated_articles_are_never_cut_or_boosted(engine):
    recency = Recency(date(2024, 7, 1), weight=1.0, half_life_days=30)
    assert recency.factor(None) == 1.0 and recency.factor(date(2024, 7, 1)) == 2.0
    old = engine.search("Where are the ceasefire talks held?", 5, as_of=date(2000, 1, 1)).passages
    assert [p.chunk.article.title for p in old] == ["About the talks"]


def test_a_syndicated_copy_is_folded_into_one_passage_that_names_it(engine):
    passages = engine.search("Marco Diaz ceasefire talks negotiator", 5, as_of=date(2024, 7, 1)).passages
    diaz = [p for p in passages if "Diaz" in p.text]
    assert len(diaz) == 1
    assert {m.source for m in diaz[0].also_in} == ({"Daily Planet", "Harbour Courier"} - {diaz[0].chunk.article.source})


def test_also_in_lists_only_copies_published_by_the_as_of_date(tmp_path, encoder):
    """Issue 24 D4: the copy of a 2008-01-10 article republished on 2008-03-05 is not named as of 2008-02-01."""
    (tmp_path / "corpus").mkdir()
    for name, source, published in (("dam.txt", "Valley Times", "2008-01-10"),
                                    ("dam-copy.txt", "Harbour Courier", "2008-03-05")):
        (tmp_path / "corpus" / name).write_text(article(source, published, "Dam cracks", STORM.replace(
            "storm", "dam collapse")), encoding="utf-8")
    settings = make_settings(tmp_path / "corpus", tmp_path / "index")
    build_index(settings, encoder=encoder, progress=False)
    engine = Engine(settings, encoder)
    question = "How many people did the dam collapse kill?"
    early = engine.search(question, 3, as_of=date(2008, 2, 1)).passages
    assert [p.chunk.article.source for p in early] == ["Valley Times"] and early[0].also_in == []
    late = engine.search(question, 3, as_of=date(2008, 3, 5)).passages
    assert len(late) == 1 and [m.source for m in late[0].also_in] == (
        ["Harbour Courier"] if late[0].chunk.article.source == "Valley Times" else ["Valley Times"])


def test_corroboration_comes_from_other_stories_and_conflicts_give_another_value(engine):
    result = engine.ask("How many people did the storm kill in Lisbon?", 5, as_of=date(2024, 3, 10))
    cited = [c for c in result.answer.citations if "killed 12 people" in c.quote]
    assert cited, result.answer.answer
    citation = cited[0]
    story = citation.passage.chunk.article.story_id
    assert all(e.article.story_id != story for e in citation.corroborated_by + citation.conflicting)
    assert "Coastal Herald" in {e.article.source for e in citation.corroborated_by}
    assert {e.article.source for e in citation.corroborated_by} & {"Lisbon Post", "Metro Tribune"} == set()
    assert [e.article.source for e in citation.conflicting] == ["Evening Star"]
    assert "15 people" in citation.conflicting[0].quote


def test_window_named_in_the_question_ranks_but_never_cuts(engine):
    result = engine.search("What did the storm do?", 5, as_of=date(2024, 3, 6))
    assert result.plan.window is None
    windowed = engine.search("What happened yesterday?", 10, as_of=date(2024, 3, 7))
    assert (windowed.plan.window.start, windowed.plan.window.phrase) == (date(2024, 3, 6), "yesterday")
    dated = [p.chunk.article.source for p in windowed.passages if p.chunk.article.published_date]
    assert dated[0] == "Evening Star"  # published that day: first among the dated
    assert len(set(dated)) > 1  # the window is evidence, not a filter: other reports stay
    assert "About the talks" in {p.chunk.article.title for p in windowed.passages}
    assert windowed.plan.notes == []


def test_present_question_on_a_stale_archive_says_so(engine):
    result = engine.ask("Who currently leads the ceasefire talks?", 5, as_of=date(2024, 9, 1))
    assert result.freshness_note and "days older than the as-of date" in result.freshness_note


@pytest.fixture(scope="module")
def client(engine):
    with TestClient(create_app(engine.settings, engine)) as c:
        yield c


@pytest.mark.parametrize("as_of", ["soon", "2024-13-01", "2024-02-30", ""])
def test_as_of_that_is_not_a_date_is_422(client, as_of):
    for response in (client.post("/ask", json={"question": "Who leads the talks?", "as_of": as_of}),
                     client.get("/search", params={"q": "talks", "as_of": as_of})):
        assert response.status_code == 422, response.text
        assert "as_of" in str(response.json()["detail"])


@pytest.mark.parametrize("as_of,clamped,words", [("2999-01-01", None, "in the future"),
                                                 ("1700-01-01", "1800-01-01", "before 1800-01-01")])
def test_far_future_or_past_as_of_is_clamped_and_stated(client, as_of, clamped, words):
    today = datetime.now(timezone.utc).date().isoformat()
    for response in (client.post("/ask", json={"question": "Who leads the talks?", "as_of": as_of}),
                     client.get("/search", params={"q": "talks", "as_of": as_of})):
        body = response.json()
        assert response.status_code == 200 and body["as_of"] == (clamped or today)
        assert any(words in note for note in body["notes"]), body["notes"]


def test_responses_state_the_as_of_and_window_they_used(client):
    body = client.post("/ask", json={"question": "Who leads the ceasefire talks?",
                                     "as_of": "2024-02-01T09:30:00+01:00"}).json()
    assert body["as_of"] == "2024-02-01" and body["time_window"] is None and "Berg" in body["answer"]
    search = client.get("/search", params={"q": "What happened yesterday?", "as_of": "2024-03-07"}).json()
    assert search["time_window"] == {"start": "2024-03-06", "end": "2024-03-06", "phrase": "yesterday"}
    default = client.get("/search", params={"q": "talks"}).json()
    assert default["as_of"] == datetime.now(timezone.utc).date().isoformat()  # today, UTC

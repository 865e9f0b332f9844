"""Claim checks: the rules on a table of sentences, and verdicts over a small corpus."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient

from index import build_index
from index.keywords import stems
from qa.api import create_app
from qa.claims import Thresholds, judge, read
from qa.engine import Engine
from tests.support import make_settings, write_articles


RATE = "The Reserve Bank of Australia raised its cash rate to 6.75 percent in November 2007."
PUBLISHED = date(2007, 11, 7)


def stance(claim: str, sentence: str, title: str = "", published: date = PUBLISHED) -> str:
    """Every word weighs the same here (an empty IDF table); the index's own weights are used in service."""
    return judge(read(claim, stems, date(2007, 12, 1)), read(sentence, stems, published), {}, Thresholds(),
                 read(title, stems, published), published).stance


@pytest.mark.parametrize("sentence, expected", [
    ("The Reserve Bank of Australia has raised the official cash rate to 6.75 per cent, it said in November 2007.",
     "supports"),
    # no date of its own: it reports its day's news, and its article is of November 2007
    ("The Reserve Bank of Australia raised its cash rate to 6.75 percent on Wednesday.", "supports"),
    ("The Reserve Bank of Australia raised the cash rate to 6.5 percent in November 2007.", "contradicts"),
    ("The Reserve Bank of Australia raised its cash rate to 6.75 percent in November 2008.", "contradicts"),
    ("The Bank of England raised its cash rate to 6.75 percent in November 2007.", "contradicts"),
    ("The Reserve Bank of Australia did not raise its cash rate to 6.75 percent in November 2007.", "contradicts"),
    ("The Reserve Bank of Australia raised its cash rate in November 2007.", "neither"),  # no rate given
    # another number, but not of the claim's kind (a count, not a rate)
    ("The Reserve Bank of Australia raised its cash rate in November 2007, when 4,000 homes were sold.", "neither"),
    ("Football fans in Melbourne celebrated a win in November 2007.", "neither"),
])
def test_a_sentence_supports_contradicts_or_leaves_a_claim(sentence, expected):
    assert stance(RATE, sentence) == expected


@pytest.mark.parametrize("claim, sentence, expected", [
    # altered number: the same event ("killed ... in Buttala"), another count where the claim's stands
    ("A bomb on a bus in Buttala killed 32 civilians.", "The bomb on a bus in Buttala killed 23 civilians.",
     "contradicts"),
    # altered date: another day for the same act
    ("The Congo adopted a new constitution on May 23, 2005.", "The Congo adopted a new constitution on May 13.",
     "contradicts"),
    ("Comic Relief was founded in 1988.", "Comic Relief was founded in 1985, and has raised £1 billion.",
     "contradicts"),
    # altered name: a place of the same kind ("River") where the claim's stands
    ("A ferry sank on the Congo River leaving about 100 people missing.",
     "A ferry sank on the Kasai River leaving around 100 people missing.", "contradicts"),
    ("A ferry sank on the Congo River leaving about 100 people missing.",
     "A ferry sank on the Congo River leaving around 100 people missing.", "supports"),
    # a claim stating two values: another year, of an event no agreeing value pins down, settles nothing
    ("Growth in the last quarter of 2012 was revised to a 0.4% annual rate.",
     "Growth in the first quarter of 2013 is forecast at a 2.5% annual rate.", "neither"),
    # unknown: about the same event, without the detail the claim asserts
    ("The ferry operator paid $2 million to the families in May 2011.",
     "A ferry sank on the Kasai River leaving around 100 people missing.", "neither"),
])
def test_slots_are_compared_where_they_align(claim, sentence, expected):
    assert stance(claim, sentence, published=date(2011, 5, 4)) == expected


def test_a_surname_names_the_person_and_another_person_contradicts():
    claim = "Kevin Rudd was sworn in as Prime Minister of Australia in December 2007."
    sworn = "Rudd was sworn in as Prime Minister on 3 December 2007."
    assert stance(claim, sworn, published=date(2007, 12, 3)) == "neither"  # the sentence does not name Australia
    assert stance(claim, sworn, "Kevin Rudd sworn in as Australia's leader", date(2007, 12, 3)) == "supports"
    other = judge(read(claim, stems, date(2008, 1, 1)),
                  read("John Howard was sworn in as Prime Minister of Australia in December 2007.", stems,
                       date(2007, 12, 3)), {}, Thresholds())
    assert other.stance == "contradicts" and "Howard" in other.reason


ARTICLES = {
    "rate-hike.txt": ("Canberra Wire", "2007-11-07", "RBA lifts rates",
                      "The Reserve Bank of Australia raised its official cash rate to 6.75 percent on Wednesday. "
                      "It was the second rise in three months, the bank said."),
    "ferry.txt": ("Harbour Gazette", "2007-11-08", "Ferry timetable changes",
                  "The harbour ferry will run every twenty minutes from Monday. Its operator hired four new crews."),
    "mint.txt": ("Canberra Wire", "2007-11-09", "Mint marks its anniversary",
                 "The Royal Australian Mint opened in Canberra in 1965. Its visitors' gallery was rebuilt last year."),
}


@pytest.fixture(scope="module")
def engine(tmp_path_factory, encoder):
    corpus = write_articles(tmp_path_factory.mktemp("claims-corpus"), ARTICLES)
    settings = make_settings(corpus, tmp_path_factory.mktemp("claims-index"))
    build_index(settings, encoder=encoder, progress=False)
    return Engine(settings, encoder)


@pytest.mark.parametrize("claim, verdict", [
    ("The Reserve Bank of Australia raised its cash rate to 6.75 percent.", "supported"),
    ("The Reserve Bank of Australia raised its cash rate to 7.25 percent.", "contradicted"),
    ("The Bank of England raised its cash rate to 6.75 percent.", "contradicted"),  # altered name
    ("The Royal Australian Mint opened in Canberra in 1965.", "supported"),
    ("The Royal Australian Mint opened in Canberra in 1968.", "contradicted"),  # altered date
    # a date the article neither states nor was published in: unsettled, not contradicted
    ("The Reserve Bank of Australia raised its cash rate to 6.75 percent in March 2006.", "not_enough_evidence"),
    ("The Reserve Bank of New Zealand cut its rate to 3 percent.", "not_enough_evidence"),
    ("The city zoo welcomed a baby giraffe.", "not_enough_evidence"),
])
def test_claim_verdicts_over_a_small_corpus(engine, claim, verdict):
    assert engine.check(claim).verdict.verdict == verdict


def test_the_check_endpoint_quotes_its_evidence_exactly_and_respects_as_of(engine):
    with TestClient(create_app(engine.settings, engine)) as client:
        body = client.post("/check", json={"claim": "The Reserve Bank of Australia raised its cash rate to "
                                                    "7.25 percent."}).json()
        assert body["verdict"] == "contradicted" and body["supporting"] == []
        quote = body["contradicting"][0]
        text = client.get(f"/articles/{quote['article_id']}").json()["text"]
        assert text[quote["start"]:quote["end"]] == quote["quote"] and "6.75" in quote["reason"]
        before = client.post("/check", json={"claim": "The Reserve Bank of Australia raised its cash rate to "
                                                      "6.75 percent.", "as_of": "2007-11-01"}).json()
        assert before["verdict"] == "not_enough_evidence"
        assert client.post("/check", json={"claim": "  "}).status_code == 422

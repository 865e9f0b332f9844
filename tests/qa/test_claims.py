"""Claim checks: the rules on a table of sentences, and verdicts over a small corpus."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from index import build_index
from qa.api import create_app
from qa.claims import facts_of, judge
from qa.engine import Engine
from tests.support import make_settings, write_articles

RATE = "The Reserve Bank of Australia raised its cash rate to 6.75 percent in November 2007."


@pytest.mark.parametrize("sentence, stance", [
    ("The Reserve Bank of Australia has raised the official cash rate to 6.75 per cent, it said in November 2007.",
     "supports"),
    ("The Reserve Bank of Australia raised the cash rate to 6.5 percent in November 2007.", "contradicts"),
    ("The Reserve Bank of Australia raised its cash rate to 6.75 percent in November 2008.", "contradicts"),
    ("The Bank of England raised its rate to 6.75 percent in November 2007.", "contradicts"),
    ("The Reserve Bank of Australia did not raise its cash rate in November 2007.", "contradicts"),
    ("The Reserve Bank of Australia raised its cash rate in November 2007.", "neither"),  # no rate given
    ("Football fans in Melbourne celebrated a win in November 2007.", "neither"),
])
def test_a_sentence_supports_contradicts_or_leaves_a_claim(sentence, stance):
    assert judge(facts_of(RATE), facts_of(sentence), 0.85, 0.75, 0.70, 0.4).stance == stance


def test_a_surname_names_the_person_and_another_person_contradicts():
    claim = facts_of("Kevin Rudd was sworn in as Prime Minister of Australia in December 2007.")
    sworn = facts_of("Rudd was sworn in as Prime Minister on 3 December 2007.")
    assert judge(claim, sworn, 0.85, 0.75, 0.7, 0.4).stance == "neither"  # the sentence does not name Australia
    assert judge(claim, sworn, 0.85, 0.75, 0.7, 0.4, facts_of("Kevin Rudd sworn in as Australia's leader")).stance \
        == "supports"  # its article's title does
    other = judge(claim, facts_of("John Howard was sworn in as Prime Minister of Australia in December 2007."), 0.9,
                  0.75, 0.7, 0.4)
    assert other.stance == "contradicts" and "Howard" in other.reason


ARTICLES = {
    "rate-hike.txt": ("Canberra Wire", "2007-11-07", "RBA lifts rates",
                      "The Reserve Bank of Australia raised its official cash rate to 6.75 percent on Wednesday. "
                      "It was the second rise in three months, the bank said."),
    "ferry.txt": ("Harbour Gazette", "2007-11-08", "Ferry timetable changes",
                  "The harbour ferry will run every twenty minutes from Monday. Its operator hired four new crews."),
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
    ("The Bank of England raised its cash rate to 6.75 percent.", "contradicted"),
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

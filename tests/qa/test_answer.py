"""What kind of fact a question asks for, and whether a sentence holds one."""

import pytest

from qa.answer import expected_kind, kind_match
from qa.answering.kinds import content_of


@pytest.mark.parametrize("question,kind", [
    ("How long did the meeting last?", "duration"),
    ("How far is Kyiv from Moscow?", "duration"),
    ("How many points did the plan have?", "number"),
    ("What percentage of voters agreed?", "number"),
    ("When did the talks begin?", "date"),
    ("In what year was the treaty signed?", "date"),
    ("Who joined Witkoff in Moscow?", "name"),
    ("Whose plan was leaked?", "name"),
    ("Why did the talks fail?", None),
])
def test_expected_kind(question, kind):
    assert expected_kind(question) == kind


def test_kind_match_wants_a_fact_the_question_does_not_already_hold():
    assert kind_match("number", "The plan had 28 points.", "How many points did the plan have?") == 1.0
    assert kind_match("number", "The 2025 plan was leaked.", "How many points did the 2025 plan have?") == 0.0
    assert kind_match("duration", "They met for about five hours.", "How long did they meet?") == 1.0
    assert kind_match(None, "Anything at all.", "Why?") == 0.0


@pytest.mark.parametrize("question,content", [
    ("How long did the Moscow meeting with Putin last?", "did the Moscow meeting with Putin"),
    ("How many people attended the rally in Leeds?", "people attended the rally in Leeds?"),
    ("What happened last?", "What happened last?"),
    # when it is asked, relative to its as-of date, is time evidence, not a term the answer must hold
    ("Which airline went bankrupt this week?", "Which airline went bankrupt ?"),
    ("What did the council approve over the past year?", "What did the council approve ?"),
    ("How many people attended last week's rally?", "people attended 's rally?"),
    ("Who resigned recently as minister?", "Who resigned as minister?"),
    ("What happened in 2008?", "What happened in 2008?"),  # an absolute date often is in the sentence
])
def test_content_of_drops_only_the_words_naming_the_kind_or_when_it_is_asked(question, content):
    assert content_of(question).split() == content.split()

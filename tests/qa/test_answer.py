"""What kind of fact a question asks for, whether a sentence holds one, and how many sentences an answer quotes."""

import types

import numpy as np
import pytest

from qa.answer import Answerer, ScoredSentence, expected_kind, kind_match
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
    ("Which MP supports the campaign?", "name"),  # a person asked for by role
    ("Which Liberal MPs crossed the floor?", "name"),
    ("What member states voted against?", None),  # a role word that is not the head noun
    ("Which party won the seat?", "organisation"),
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
    ("Who currently leads the talks?", "Who leads the talks?"),  # the present, read by the plan as such
    ("Who is now in charge?", "Who is in charge?"),
    ("What happened in 2008?", "What happened in 2008?"),  # an absolute date often is in the sentence
])
def test_content_of_drops_only_the_words_naming_the_kind_or_when_it_is_asked(question, content):
    assert content_of(question).split() == content.split()


def _sentence(i: int, rank: float, score: float = 0.5, has_kind: bool = True) -> ScoredSentence:
    return ScoredSentence(0, 100 * i, 100 * i + 40, f"Sentence number {i} of the passage.", score, rank, 0.5, 0.5,
                          has_kind)


class _Holds:
    """An entity recogniser's answer-type check by table: which sentences hold an entity of the asked kind."""

    def __init__(self, holding: set[int]) -> None:
        self.holding = holding

    def holds(self, question, kind, sentence):
        return int(sentence.split()[2]) in self.holding


def _answer_with(ranked: list[ScoredSentence], question: str = "Why did it happen?", mass: float = 0.9,
                 most: int = 3, holding: set[int] | None = None, lookahead: int = 3, decline: bool = True):
    """The answerer's choice among ``ranked`` (already scored): the model is bypassed, selection is what runs;
    ``holding``: the sentences the recogniser finds an entity of the asked kind in (None: no recogniser)."""
    answerer = Answerer.__new__(Answerer)
    answerer.settings = types.SimpleNamespace(answer_max_sentences=most, answer_confidence_mass=mass,
                                              answer_type_lookahead=lookahead, answer_type_decline=decline)
    answerer.threshold = 0.1
    answerer.score_sentences = lambda *args: ranked
    answerer._span = lambda *args: None
    answerer.span_finder = lambda: None if holding is None else _Holds(holding)
    article = types.SimpleNamespace(article_id="a1")
    passage = types.SimpleNamespace(chunk=types.SimpleNamespace(article=article))
    return answerer.answer(question, np.zeros(3), [passage], None)


def test_a_sure_ranker_quotes_one_sentence_and_competing_sentences_are_all_quoted():
    sure = _answer_with([_sentence(1, 9.0), _sentence(2, 4.0), _sentence(3, 3.0)])
    assert [c.start for c in sure.citations] == [100]
    torn = _answer_with([_sentence(1, 5.0), _sentence(2, 4.9), _sentence(3, 4.8), _sentence(4, 1.0)])
    assert [c.start for c in torn.citations] == [100, 200, 300]  # up to answer_max_sentences, in reading order
    assert len(_answer_with([_sentence(1, 5.0), _sentence(2, 4.9), _sentence(3, 4.8)], most=2).citations) == 2


def test_the_best_sentence_keeps_the_highest_score_and_sets_the_confidence():
    answer = _answer_with([_sentence(2, 5.0, score=0.3), _sentence(1, 4.9, score=0.6)])
    best = max(answer.citations, key=lambda c: c.score)
    assert best.start == 200 and answer.confidence == 0.3  # the ranker's choice, even if another scores higher
    assert all(c.score < 0.3 for c in answer.citations if c is not best)


def test_a_factual_question_adds_only_sentences_holding_such_a_fact():
    answer = _answer_with([_sentence(1, 5.0), _sentence(2, 4.9, has_kind=False), _sentence(3, 4.8)],
                          question="How many people attended?")
    assert [c.start for c in answer.citations] == [100, 300]


def test_a_typed_lead_replaces_a_best_sentence_without_the_asked_kind():
    """"Which MP …?": the best-ranked sentence restates the question but names no person; the next one that does
    leads (highest score, the answer's confidence), with the restating one kept beside it as context."""
    ranked = [_sentence(1, 9.0, score=0.8), _sentence(2, 6.0, score=0.05), _sentence(3, 5.5, score=0.2)]
    answer = _answer_with(ranked, question="Which MP supports the campaign?", holding={2, 3})
    best = max(answer.citations, key=lambda c: c.score)
    assert best.start == 300 and answer.confidence == 0.2  # 2 holds one too, but is below the threshold
    assert [c.start for c in answer.citations] == [100, 300]  # reading order
    assert all(c.score < best.score for c in answer.citations if c is not best)


def test_declined_when_no_close_sentence_holds_the_asked_kind():
    """"Where did Milton Friedman die?" against "Friedman has died at the age of 94": on topic, but no sentence
    near the top names a place, so none answers."""
    ranked = [_sentence(1, 9.0, score=0.8), _sentence(2, 6.0, score=0.5), _sentence(3, 5.5, score=0.5),
              _sentence(4, 5.0, score=0.5), _sentence(5, 4.0, score=0.5)]
    answer = _answer_with(ranked, question="Where did Milton Friedman die?", holding={5})
    assert not answer.answerable and answer.citations == []
    assert "names a place" in answer.reason and answer.confidence == 0.8
    kept = _answer_with(ranked, question="Where did Milton Friedman die?", holding={5}, decline=False)
    assert kept.answerable and max(kept.citations, key=lambda c: c.score).start == 100


@pytest.mark.parametrize("holding,lookahead,question", [
    ({1, 2}, 3, "Which MP supports the campaign?"),  # the best holds one: it leads
    ({2}, 3, "Which MP supports the campaign?"),  # one holds it but is below the threshold: no decline
    ({3}, 1, "Which MP supports the campaign?"),  # the one holding it is beyond the lookahead
    (None, 3, "Which MP supports the campaign?"),  # no entity model installed
    (set(), 3, "Why did it happen?"),  # no kind asked
])
def test_the_ranker_best_leads_when_the_type_check_does_not_apply(holding, lookahead, question):
    ranked = [_sentence(1, 9.0, score=0.8), _sentence(2, 6.0, score=0.05), _sentence(3, 5.5, score=0.5)]
    answer = _answer_with(ranked, question=question, holding=holding, lookahead=lookahead, decline=False)
    assert max(answer.citations, key=lambda c: c.score).start == 100 and answer.confidence == 0.8


def test_below_the_threshold_the_question_is_declined():
    answer = _answer_with([_sentence(1, 5.0, score=0.05)])
    assert not answer.answerable and answer.citations == [] and "threshold" in answer.reason

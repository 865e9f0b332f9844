import pytest

from qa.metrics import contains_answer, exact_match, first_hit_rank, mrr_at, normalize_answer, recall_at, token_f1


@pytest.mark.parametrize("text,expected", [
    ("The Denver Broncos!", "denver broncos"),
    ("  an   apple, a pear  ", "apple pear"),
    ("Theatre at the end", "theatre at end"),
])
def test_normalize_answer(text, expected):
    assert normalize_answer(text) == expected


def test_exact_match_uses_best_gold():
    assert exact_match("the Broncos", ["Denver", "Broncos"]) == 1.0
    assert exact_match("Broncos team", ["Broncos"]) == 0.0


def test_token_f1():
    assert token_f1("Denver Broncos", ["Denver Broncos"]) == 1.0
    assert token_f1("Broncos", ["Denver Broncos"]) == pytest.approx(2 / 3)
    assert token_f1("Carolina Panthers", ["Denver Broncos"]) == 0.0
    assert token_f1("Carolina Panthers", ["Denver Broncos", "Panthers"]) == pytest.approx(2 / 3)
    assert token_f1("", ["a"]) == 1.0  # both normalise to nothing
    assert token_f1("", ["Denver"]) == 0.0


def test_contains_answer_on_word_boundaries():
    assert contains_answer("It was won by the Denver Broncos in 2016.", ["Denver Broncos"])
    assert not contains_answer("It was won in 20160.", ["2016"])
    assert not contains_answer(None, ["x"])
    assert contains_answer("about five hours.", ["five hours", "5 hours"])


def test_rank_recall_and_mrr():
    assert first_hit_rank(["a", "b", "c"], "b") == 2
    assert first_hit_rank(["a"], "z") is None
    ranks = [1, 2, None, 11]
    assert recall_at(ranks, 1) == 0.25
    assert recall_at(ranks, 10) == 0.5
    assert recall_at(ranks, 20) == 0.75
    assert mrr_at(ranks, 10) == pytest.approx((1 + 0.5) / 4)
    assert recall_at([], 5) == 0.0

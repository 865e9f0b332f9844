import pytest

from evaluation.metrics import contains_answer, first_hit_rank, mrr_at, normalize_answer, recall_at


@pytest.mark.parametrize("text,expected", [
    ("The Denver Broncos!", "denver broncos"),
    ("  an   apple, a pear  ", "apple pear"),
    ("Theatre at the end", "theatre at end"),
])
def test_normalize_answer(text, expected):
    assert normalize_answer(text) == expected


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

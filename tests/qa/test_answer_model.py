"""The committed sentence scorer: it loads, reproduces scikit-learn's scores of a fixed set, and refuses a
file that does not match the features the code computes."""

import json

import numpy as np
import pytest

from index import PROJECT_ROOT
from qa.answering.features import FEATURES
from qa.answering.model import DEFAULT_PATH, ModelFileError, SentenceModel

FIXED = PROJECT_ROOT / "tests" / "fixtures" / "answerer" / "fixed_scores.json"


def test_committed_model_reproduces_the_trained_scores_of_a_fixed_set():
    model = SentenceModel.load()
    fixed = json.loads(FIXED.read_text(encoding="utf-8"))
    x = np.asarray(fixed["features"])
    assert x.shape == (len(fixed["probabilities"]), len(FEATURES)) and len(x) >= 20
    np.testing.assert_allclose(model.probabilities(x), fixed["probabilities"], rtol=0, atol=1e-9)
    np.testing.assert_allclose(model.rank_scores(x), fixed["rank_scores"], rtol=0, atol=1e-6)
    assert 0.0 < model.threshold < 1.0


def test_model_file_is_plain_json_with_named_features():
    doc = json.loads(DEFAULT_PATH.read_text(encoding="utf-8"))
    assert doc["kind"] == "listwise_ranker+logistic_regression" and doc["features"] == list(FEATURES)


@pytest.mark.parametrize("change,message", [
    (lambda d: d.update(features=d["features"][:-1]), "other features"),
    (lambda d: d.pop("weights"), "weights"),
    (lambda d: d.update(mean=d["mean"][:-1]), "lengths"),
    (lambda d: d.pop("ranker_weights"), "ranker_weights"),
])
def test_a_mismatched_or_broken_file_is_refused_with_a_reason(tmp_path, change, message):
    doc = json.loads(DEFAULT_PATH.read_text(encoding="utf-8"))
    change(doc)
    path = tmp_path / "model.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(ModelFileError, match=message):
        SentenceModel.load(path)


def test_a_missing_file_is_refused_with_its_path(tmp_path):
    with pytest.raises(ModelFileError, match="nowhere.json"):
        SentenceModel.load(tmp_path / "nowhere.json")

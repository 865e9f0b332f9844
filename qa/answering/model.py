"""The learned sentence scorer: two linear models over ``features.FEATURES``, evaluated with numpy.

- the **ranker** (trained listwise: a softmax over each question's candidates) orders the sentences; its
  softmax is each sentence's share of the chance of being *the* answer, which is what a confidence set of
  quotes needs;
- the **answerability** model (a logistic regression over every candidate, near misses included) gives the
  probability that a sentence answers at all; the chosen sentence's probability is the answer's confidence,
  compared with the decline threshold chosen on a validation split.

One model would have to do both jobs with one set of weights; trained apart, each is fitted by the loss that
matches its use. Both share the feature standardisation and live in ``sentence_model.json`` beside this
module, written by ``scripts/train_answerer.py`` (plain JSON, no pickle: readable, diffable, and loading it
runs no code).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index import NewsQAError
from qa.answering.features import FEATURES

DEFAULT_PATH = Path(__file__).with_name("sentence_model.json")


class ModelFileError(NewsQAError, ValueError):
    """The parameters file is missing, malformed or for other features than this code computes (a
    configuration error found at start-up: the service cannot answer until it is fixed)."""

    http_status = 503
    exit_code = 2


@dataclass(frozen=True)
class SentenceModel:
    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray  # answerability
    bias: float
    ranker_weights: np.ndarray
    threshold: float  # decline below this probability (chosen on the validation split)

    @classmethod
    def load(cls, path: Path | str = DEFAULT_PATH) -> SentenceModel:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            model = cls(tuple(data["features"]), np.asarray(data["mean"], dtype=np.float64),
                        np.asarray(data["scale"], dtype=np.float64), np.asarray(data["weights"], dtype=np.float64),
                        float(data["bias"]), np.asarray(data["ranker_weights"], dtype=np.float64),
                        float(data["threshold"]))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ModelFileError(f"sentence model {path}: {exc}") from exc
        if model.features != FEATURES:
            raise ModelFileError(f"sentence model {path} was trained on other features than qa/answering/"
                                 "features.py computes; re-run scripts/train_answerer.py")
        if not (len(model.mean) == len(model.scale) == len(model.weights) == len(model.ranker_weights)
                == len(FEATURES)):
            raise ModelFileError(f"sentence model {path}: parameter lengths differ from the feature count")
        return model

    def _standard(self, x: np.ndarray) -> np.ndarray:
        return (x - self.mean) / self.scale

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        """P(sentence answers the question) for each row of the feature matrix ``x``."""
        z = self._standard(x) @ self.weights + self.bias
        return 1.0 / (1.0 + np.exp(-z))

    def rank_scores(self, x: np.ndarray) -> np.ndarray:
        """The ranker's logits: only their differences within one question mean anything
        (``exp(a - b)`` is the odds of sentence a over sentence b being the answer)."""
        return self._standard(x) @ self.ranker_weights

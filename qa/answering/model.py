"""The learned sentence scorer: a logistic regression over ``features.FEATURES``, evaluated with numpy.

Its parameters live in ``sentence_model.json`` beside this module, written by
``scripts/train_answerer.py`` (plain JSON, no pickle: readable, diffable, and loading it runs no code).
The output is the probability that a sentence answers the question; the best sentence's probability is
the answer's confidence, and the decline threshold recorded with the parameters was chosen on a
validation split.
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
    weights: np.ndarray
    bias: float
    threshold: float  # decline below this probability (chosen on the validation split)

    @classmethod
    def load(cls, path: Path | str = DEFAULT_PATH) -> SentenceModel:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            model = cls(tuple(data["features"]), np.asarray(data["mean"], dtype=np.float64),
                        np.asarray(data["scale"], dtype=np.float64), np.asarray(data["weights"], dtype=np.float64),
                        float(data["bias"]), float(data["threshold"]))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ModelFileError(f"sentence model {path}: {exc}") from exc
        if model.features != FEATURES:
            raise ModelFileError(f"sentence model {path} was trained on other features than qa/answering/"
                                 "features.py computes; re-run scripts/train_answerer.py")
        if not (len(model.mean) == len(model.scale) == len(model.weights) == len(FEATURES)):
            raise ModelFileError(f"sentence model {path}: parameter lengths differ from the feature count")
        return model

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        """P(sentence answers the question) for each row of the feature matrix ``x``."""
        z = ((x - self.mean) / self.scale) @ self.weights + self.bias
        return 1.0 / (1.0 + np.exp(-z))

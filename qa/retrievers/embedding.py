"""Embedding similarity, at two grains: the whole chunk ("dense") and the chunk's best sentence
("sentence": a factoid question usually targets one sentence, which a whole-chunk vector dilutes)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from index import Filters, VectorSearch
from qa.retrievers.base import RETRIEVERS, Hits
from qa.settings import RetrievalSettings


class EmbeddingRetriever:
    def __init__(self, name: str, search: Callable[[np.ndarray, int, Filters | None], Hits], weight: float) -> None:
        self.name = name
        self._search = search
        self.weight = weight

    def search(self, question: str, vector: np.ndarray, k: int, filters: Filters | None) -> Hits:
        return self._search(vector, k, filters)


@RETRIEVERS.register("dense")
def _dense(index: VectorSearch, settings: RetrievalSettings) -> EmbeddingRetriever:
    return EmbeddingRetriever("dense", index.dense_search, settings.dense_weight)


@RETRIEVERS.register("sentence")
def _sentence(index: VectorSearch, settings: RetrievalSettings) -> EmbeddingRetriever:
    return EmbeddingRetriever("sentence", index.sentence_search, settings.sentence_weight)

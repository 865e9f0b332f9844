"""BM25 over chunk text and title (Porter stemming; the folder store answers from tantivy, and from
SQLite FTS5 for very selective filters): names and rare words the small embedding model blurs."""

from __future__ import annotations

import numpy as np

from index import Filters, KeywordSearch
from qa.retrievers.base import RETRIEVERS, Hits
from qa.settings import RetrievalSettings


class KeywordRetriever:
    name = "keyword"

    def __init__(self, index: KeywordSearch, weight: float, title_weight: float) -> None:
        self.index = index
        self.weight = weight
        self.title_weight = title_weight

    def search(self, question: str, vector: np.ndarray, k: int, filters: Filters | None) -> Hits:
        return self.index.keyword_search(question, k, filters, self.title_weight)


@RETRIEVERS.register("keyword")
def _keyword(index: KeywordSearch, settings: RetrievalSettings) -> KeywordRetriever:
    return KeywordRetriever(index, settings.keyword_weight, settings.title_weight)

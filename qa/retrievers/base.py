"""What a retriever, a fusion method and a rescorer are: the parts a retrieval is composed of.

A retriever ranks chunks for a question; a fusion method merges the retrievers' lists; a
rescorer adjusts the merged list (recency, time evidence) before passages are cut from it.
Each kind has one registry; a new one is a file that registers itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import numpy as np

from index import Filters, IndexReader, Registry
from qa.settings import RetrievalSettings

Hits = list[tuple[int, float]]  # (chunk id, score), best first


class Retriever(Protocol):
    """Ranks chunks of one index for a question; filters apply before the cut to ``k``."""

    name: str
    weight: float  # its share in fusion

    def search(self, question: str, vector: np.ndarray, k: int, filters: Filters | None) -> Hits: ...


class Rescorer(Protocol):
    """Adjusts fused scores (e.g. a bounded preference for recent articles); returns the list re-sorted."""

    def rescore(self, fused: Hits, index: IndexReader) -> Hits: ...


#: Retrievers by name; a factory takes (the index reader, the retrieval settings).
RETRIEVERS: Registry[Retriever] = Registry("retriever")

#: Fusion methods by name; a function of ({retriever: (hits, weight)}, the retrieval settings) → fused hits.
Fusion = Callable[[dict[str, tuple[Hits, float]], RetrievalSettings], Hits]
FUSIONS: Registry[Hits] = Registry("fusion method")

#: Which retrievers each retrieval mode runs.
MODES: dict[str, tuple[str, ...]] = {"hybrid": ("dense", "sentence", "keyword"), "dense": ("dense", "sentence"),
                                     "keyword": ("keyword",)}


def by_score(scores: dict[int, float]) -> Hits:
    """Best first; ties by chunk id, so a ranking never depends on dict order."""
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))

"""Fusion methods: how the retrievers' ranked lists become one (pyserini's hybrid searcher does the
same over a dense and a sparse searcher)."""

from __future__ import annotations

from qa.retrievers.base import FUSIONS, Hits, by_score
from qa.settings import RetrievalSettings


@FUSIONS.register("weighted")
def weighted(ranked: dict[str, tuple[Hits, float]], settings: RetrievalSettings) -> Hits:
    """Each retriever's scores relative to its list's best hit, times its weight, summed.

    Keeps how far behind the leader a candidate is, which rank-only fusion throws away
    (measured better on SQuAD; see docs/evaluation.md)."""
    scores: dict[int, float] = {}
    for hits, weight in ranked.values():
        if hits:
            best = max(hits[0][1], 1e-9)
            for cid, s in hits:
                scores[cid] = scores.get(cid, 0.0) + weight * max(s, 0.0) / best
    return by_score(scores)


@FUSIONS.register("rrf")
def reciprocal_rank(ranked: dict[str, tuple[Hits, float]], settings: RetrievalSettings) -> Hits:
    """Reciprocal rank fusion: ranks only, each retriever's ``weight / (rrf_k + rank)`` summed."""
    scores: dict[int, float] = {}
    for hits, weight in ranked.values():
        for rank, (cid, _) in enumerate(hits, start=1):
            scores[cid] = scores.get(cid, 0.0) + weight / (settings.rrf_k + rank)
    return by_score(scores)

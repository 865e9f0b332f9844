"""Hybrid retrieval: three rankings of chunks, fused and deduplicated.

- dense: the chunk's embedding against the question's;
- sentence: the chunk's best sentence embedding against the question's (factoid questions
  usually target one sentence, which a whole-chunk vector dilutes);
- keyword: BM25 over chunk text and title (SQLite FTS5, Porter stemming).

Filters are applied inside each retriever, before the cut to top-k, so a filtered query
still returns top-k passages whenever that many match.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from index.embed import Embedder
from index.reader import Index
from index.types import Filters, StoredChunk
from qa.settings import Settings


@dataclass
class Passage:
    """A retrieved chunk, possibly trimmed so that no sentence is returned twice."""

    chunk: StoredChunk
    score: float
    start: int
    end: int
    text: str
    sentences: list[tuple[int, int]]


@dataclass
class Retrieval:
    passages: list[Passage]
    query_vector: np.ndarray


class Retriever:
    def __init__(self, index: Index, embedder: Embedder, settings: Settings) -> None:
        self.index = index
        self.embedder = embedder
        self.settings = settings

    def rankings(self, question: str, filters: Filters | None, query_vector: np.ndarray,
                 depth: int) -> dict[str, list[tuple[int, float]]]:
        """Each retriever's ranked (chunk id, score) list."""
        mode = self.settings.retrieval_mode
        out: dict[str, list[tuple[int, float]]] = {}
        if mode in ("hybrid", "dense"):
            out["dense"] = self.index.dense_search(query_vector, depth, filters)
            out["sentence"] = self.index.sentence_search(query_vector, depth, filters)
        if mode in ("hybrid", "keyword"):
            out["keyword"] = self.index.keyword_search(question, depth, filters, self.settings.title_weight)
        return out

    def search(self, question: str, top_k: int, filters: Filters | None = None) -> Retrieval:
        query_vector = self.embedder.encode([question])[0]
        depth = max(self.settings.candidates, top_k)
        ranked = self.rankings(question, filters, query_vector, depth)
        fused = fuse(ranked, self.settings)
        # Fetch a few more than asked: overlapping or duplicate chunks may be dropped below.
        wanted = [cid for cid, _ in fused[: top_k * 3 + 5]]
        scores = dict(fused)
        passages = [Passage(chunk=chunk, score=scores[chunk.id], start=chunk.start, end=chunk.end, text=chunk.text,
                            sentences=list(chunk.sentences))
                    for chunk in self.index.chunks(wanted)]
        return Retrieval(passages=deduplicate(passages, top_k), query_vector=query_vector)


def fuse(ranked: dict[str, list[tuple[int, float]]], settings: Settings) -> list[tuple[int, float]]:
    """Combine rankings into one list, best first."""
    weights = {"dense": settings.dense_weight, "sentence": settings.sentence_weight,
               "keyword": settings.keyword_weight}
    scores: dict[int, float] = {}
    for name, hits in ranked.items():
        if not hits:
            continue
        if settings.fusion == "rrf":
            for rank, (cid, _) in enumerate(hits, start=1):
                scores[cid] = scores.get(cid, 0.0) + weights[name] / (settings.rrf_k + rank)
        else:
            # Relative to the list's best hit: keeps how far behind the leader a candidate is,
            # which rank-only fusion throws away (measured better on SQuAD; see README).
            best = max(hits[0][1], 1e-9)
            for cid, s in hits:
                scores[cid] = scores.get(cid, 0.0) + weights[name] * max(s, 0.0) / best
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))


def deduplicate(passages: list[Passage], top_k: int) -> list[Passage]:
    """Keep the best passages such that no sentence (same article and offsets, or same text) repeats.

    Overlapping neighbours are trimmed to their new sentences, so offsets stay exact.
    """
    seen_spans: set[tuple[str, int]] = set()
    seen_texts: set[str] = set()
    kept: list[Passage] = []
    for passage in passages:
        article_id = passage.chunk.article.article_id
        body_offset = passage.chunk.start
        fresh = [
            (s, e) for s, e in passage.sentences
            if (article_id, s) not in seen_spans
            and _norm(passage.chunk.text[s - body_offset:e - body_offset]) not in seen_texts
        ]
        if not fresh:
            continue
        # Keep one contiguous run of new sentences (overlap is only ever at the edges).
        first, last = fresh[0], fresh[-1]
        passage.sentences = [(s, e) for s, e in passage.sentences if first[0] <= s and e <= last[1]]
        passage.start, passage.end = first[0], last[1]
        passage.text = passage.chunk.text[passage.start - body_offset: passage.end - body_offset]
        for s, e in passage.sentences:
            seen_spans.add((article_id, s))
            seen_texts.add(_norm(passage.chunk.text[s - body_offset:e - body_offset]))
        kept.append(passage)
        if len(kept) == top_k:
            break
    return kept


def _norm(text: str) -> str:
    return " ".join(text.lower().split())

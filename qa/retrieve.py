"""Hybrid retrieval: three rankings of chunks, fused and deduplicated.

- dense: the chunk's embedding against the question's;
- sentence: the chunk's best sentence embedding against the question's (factoid questions
  usually target one sentence, which a whole-chunk vector dilutes);
- keyword: BM25 over chunk text and title (Porter stemming; the folder store answers from tantivy, and
  from SQLite FTS5 for very selective filters).

Filters are applied inside each retriever, before the cut to top-k, so a filtered query
still returns top-k passages whenever that many match.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date

import numpy as np

from index import ArticleMeta, Encoder, Filters, IndexReader, StoredChunk
from qa import time_evidence
from qa.settings import Settings
from qa.timeframe import TimeWindow


@dataclass
class Passage:
    """A retrieved chunk, possibly trimmed so that no sentence is returned twice."""

    chunk: StoredChunk
    score: float
    start: int
    end: int
    text: str
    sentences: list[tuple[int, int]]
    also_in: list[ArticleMeta] = field(default_factory=list)  # other articles of the same story
    time_evidence: float = 0.0  # how it speaks about the question's windows, 0 to 1 (qa/time_evidence.py)


@dataclass
class Retrieval:
    passages: list[Passage]
    query_vector: np.ndarray
    time_evidence: dict[int, float] = field(default_factory=dict)  # chunk id → how it speaks about the windows


@dataclass(frozen=True)
class Recency:
    """A bounded preference for articles near ``as_of``: a score is multiplied by at most ``1 + weight``,
    halving with every ``half_life_days`` of age; undated articles are neither boosted nor cut."""

    as_of: date
    weight: float
    half_life_days: float

    def factor(self, published: date | None) -> float:
        if published is None or self.weight <= 0:
            return 1.0
        age = max(0, (self.as_of - published).days)
        return 1.0 + self.weight * 0.5 ** (age / self.half_life_days)


class Retriever:
    def __init__(self, index: IndexReader, encoder: Encoder, settings: Settings) -> None:
        self.index = index
        self.encoder = encoder
        self.settings = settings
        self.time = time_evidence.TimeEvidenceSettings(settings.time_evidence_weight, settings.time_evidence_lag_days,
                                                       settings.time_evidence_mentions)

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

    def search(self, question: str, top_k: int, filters: Filters | None = None,
               recency: Recency | None = None, windows: Sequence[TimeWindow] = ()) -> Retrieval:
        """The best ``top_k`` distinct passages; ``windows`` read from the question add candidates
        (retrieval restricted to each window) and rescore them as evidence (qa/time_evidence.py)."""
        query_vector = self.encoder.encode([question])[0]
        depth = max(self.settings.candidates, top_k)
        found: dict[int, float] = {}
        while True:
            rankings = self.rankings(question, filters, query_vector, depth)
            if windows and self.time.weight > 0:
                for extra in self._window_rankings(question, filters, query_vector, depth, windows):
                    rankings = merge_rankings(rankings, extra)
            fused = fuse(rankings, self.settings)
            if windows and self.time.weight > 0:
                fused, found = time_evidence.rescore(fused, windows, self.index, self.time)
            elif recency is not None and recency.weight > 0:
                fused = self._prefer_recent(fused, recency)
            passages = self._distinct(fused, top_k)
            for p in passages:
                p.time_evidence = found.get(p.chunk.id, 0.0)
            # Near-duplicates (syndicated copies) can fill every candidate: look deeper until top_k
            # distinct passages are found or every chunk has been considered.
            if len(passages) >= top_k or len(fused) < depth or depth >= self.index.chunk_count():
                return Retrieval(passages=passages, query_vector=query_vector, time_evidence=found)
            depth *= 4

    def _window_rankings(self, question: str, filters: Filters | None, query_vector: np.ndarray, depth: int,
                         windows: Sequence[TimeWindow]):
        """Each window-restricted retrieval: published in the window (or just after) and mentioning it,
        within the caller's own filters."""
        base = filters or Filters()
        for window in windows:
            for field_name, span in time_evidence.candidate_filters(window, self.time.lag_days, self.time.mentions):
                yield self.rankings(question, replace(base, **{field_name: span}), query_vector, depth)

    def _prefer_recent(self, fused: list[tuple[int, float]], recency: Recency) -> list[tuple[int, float]]:
        dates = self.index.chunk_dates([cid for cid, _ in fused])
        boosted = [(cid, score * recency.factor(dates.get(cid))) for cid, score in fused]
        return sorted(boosted, key=lambda item: (-item[1], item[0]))

    def _distinct(self, fused: list[tuple[int, float]], top_k: int) -> list[Passage]:
        """The best ``top_k`` passages of the fused list in which no sentence repeats and no
        story is represented by two of its copies; each passage lists the other copies."""
        scores = dict(fused)
        seen = Seen()
        kept: list[Passage] = []
        page = top_k * 3 + 5  # a few more than asked: overlapping or duplicate chunks are dropped
        for at in range(0, len(fused), page):
            for chunk in self.index.chunks([cid for cid, _ in fused[at:at + page]]):
                passage = seen.admit(Passage(chunk=chunk, score=scores[chunk.id], start=chunk.start, end=chunk.end,
                                             text=chunk.text, sentences=list(chunk.sentences)))
                if passage is not None:
                    kept.append(passage)
                    if len(kept) == top_k:
                        return self._with_copies(kept)
        return self._with_copies(kept)

    def _with_copies(self, passages: list[Passage]) -> list[Passage]:
        members = self.index.story_members([p.chunk.article.story_id for p in passages if p.chunk.article.story_id])
        for p in passages:
            p.also_in = [m for m in members.get(p.chunk.article.story_id, [])
                         if m.article_id != p.chunk.article.article_id]
        return passages


def merge_rankings(base: dict[str, list[tuple[int, float]]],
                   extra: dict[str, list[tuple[int, float]]]) -> dict[str, list[tuple[int, float]]]:
    """Each retriever's hits from both, best score per chunk, best first: a restricted retrieval
    scores like the unrestricted one, so its hits rank as if that one had looked deeper."""
    out = {}
    for name in base.keys() | extra.keys():
        best: dict[int, float] = {}
        for cid, score in base.get(name, []) + extra.get(name, []):
            best[cid] = max(score, best.get(cid, score))
        out[name] = sorted(best.items(), key=lambda item: (-item[1], item[0]))
    return out


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


class Seen:
    """Sentences already returned (by article and offset, and by text), so none is returned twice."""

    def __init__(self) -> None:
        self.spans: set[tuple[str, int]] = set()
        self.texts: set[str] = set()
        self.story_of: dict[str, str] = {}  # story id → the article that represents it

    def admit(self, passage: Passage) -> Passage | None:
        """The passage trimmed to its first run of new sentences (offsets stay exact), or None.

        A passage from another copy of a story already represented is dropped whole: its
        sentences differ only by a dateline or an edit, and the copy is listed in ``also_in``.
        """
        article_id = passage.chunk.article.article_id
        story = passage.chunk.article.story_id
        if story is not None and self.story_of.get(story, article_id) != article_id:
            return None
        offset = passage.chunk.start

        def text(span: tuple[int, int]) -> str:
            return _norm(passage.chunk.text[span[0] - offset:span[1] - offset])

        run: list[tuple[int, int]] = []
        for span in passage.sentences:
            if (article_id, span[0]) not in self.spans and text(span) not in self.texts:
                run.append(span)
            elif run:
                break  # keep one contiguous run: the text between sentences stays the article's own
        if not run:
            return None
        passage.sentences = run
        passage.start, passage.end = run[0][0], run[-1][1]
        passage.text = passage.chunk.text[passage.start - offset: passage.end - offset]
        for span in run:
            self.spans.add((article_id, span[0]))
            self.texts.add(text(span))
        if story is not None:
            self.story_of[story] = article_id
        return passage


def _norm(text: str) -> str:
    return " ".join(text.lower().split())
